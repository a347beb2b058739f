"""National ids are validated, masked and generated correctly; the built-in rules do what they say."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from edusync.model import fnr
from edusync.rules import RuleContext, get_rule, rule_names


def test_generated_numbers_are_valid_and_carry_the_birth_date() -> None:
    rng = random.Random(3)
    for year in (1955, 1999, 2000, 2014):
        born = dt.date(year, 2, 28)
        number = fnr.generate(born, rng)
        assert fnr.is_valid(number) and fnr.birth_date(number) == born


def test_invalid_numbers_are_rejected_without_showing_them() -> None:
    good = fnr.generate(dt.date(2010, 5, 17), random.Random(1))
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    assert not fnr.is_valid(bad) and not fnr.is_valid("abc") and not fnr.is_valid(None)
    with pytest.raises(fnr.InvalidFnr) as info:
        fnr.validate(bad)
    assert bad not in str(info.value) and fnr.mask(bad) in str(info.value)


def test_masking() -> None:
    number = fnr.generate(dt.date(2010, 5, 17), random.Random(1))
    assert fnr.mask(number) == "170510*****"
    assert fnr.mask_values({"nin": number, "list": [number], "n": 3}) == {
        "nin": "170510*****",
        "list": ["170510*****"],
        "n": 3,
    }
    assert fnr.mask_values({"phone": "12345678901"}) == {"phone": "12345678901"}, "only valid numbers are masked"


def test_builtin_rules() -> None:
    ctx = RuleContext(today=dt.date(2026, 9, 1))
    assert {"strip", "lower", "join_space", "first", "valid_fnr", "fnr_or_none", "active_period"} <= set(rule_names())
    assert get_rule("strip")(ctx, "  a   b ") == "a b"
    assert get_rule("strip")(ctx, "   ") is None
    assert get_rule("first")(ctx, None, "", "x") == "x"
    assert get_rule("split_list")(ctx, "a; b;;c") == ["a", "b", "c"]
    active = get_rule("active_period")
    assert active(ctx, "2026-08-01", "2027-06-30") and active(ctx, "2026-08-01", None)
    assert not active(ctx, "2026-09-02", None) and not active(ctx, "2025-08-01", "2026-08-31")
    number = fnr.generate(dt.date(2011, 1, 1), random.Random(2))
    assert get_rule("fnr_or_none")(ctx, number) == number and get_rule("fnr_or_none")(ctx, "123") is None
