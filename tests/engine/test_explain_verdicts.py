"""The engine's judgement for explain: each kind of condition's verdict agrees with the condition, in words."""

from __future__ import annotations

import datetime as dt

import pytest

from edusync.config.models import Condition, LifecyclePolicy
from edusync.engine import explain as judge
from edusync.engine.criteria import compile_condition
from edusync.rules import RuleContext

CTX = RuleContext(today=dt.date(2026, 11, 23))
ATTRS = {"role": "student", "school": "S1", "tags": ["a", "b"], "mail": "", "nin": "01020312345", "end": "2026-10-01"}


@pytest.mark.parametrize(
    ("cond", "reason"),
    [
        ({"attribute": "role", "equals": "student"}, "role equals student: met (role is student)"),
        ({"attribute": "school", "in": ["S2", "S3"]}, "school in [S2, S3]: failed (school is S1)"),
        ({"attribute": "tags", "not_in": ["b"]}, "tags not in [b]: failed (tags is a, b)"),
        ({"attribute": "mail", "present": True}, "mail is present: failed (mail is empty)"),
        ({"attribute": "mail", "present": False}, "mail is empty: met (mail is empty)"),
        ({"attribute": "school", "matches": "^S\\d$"}, "school matches ^S\\d$: met (school is S1)"),
        ({"attribute": "nin", "rule": "valid_fnr"}, "rule valid_fnr(nin): failed (nin is 010203*****)"),
        (
            {"rule": "active_period", "args": ["start", "end"]},
            "rule active_period(start, end): failed (start is empty, end is 2026-10-01)",
        ),
    ],
)
def test_each_condition_kind_says_what_it_saw_and_agrees_with_the_run(cond: dict[str, object], reason: str) -> None:
    condition = Condition.model_validate(cond)
    verdict = judge.condition_verdict(condition, ATTRS, CTX, "scope")
    assert verdict.reason == reason
    assert verdict.passed == compile_condition(condition)(ATTRS, CTX)
    assert "01020312345" not in repr(verdict), "a national id is masked"


def test_no_conditions_is_one_verdict_that_passes() -> None:
    (only,) = judge.conditions([], ATTRS, CTX, "criteria")
    assert only.passed and only.reason == "no criteria conditions: every object passes"


def test_the_lifecycle_says_since_when_and_what_comes_next() -> None:
    policy = LifecyclePolicy(grace_days=7, retention_days=90)
    since = "2026-11-20T02:00:00+00:00"
    assert judge.lifecycle("active", since, policy).reason == "active since 2026-11-20"
    grace = judge.lifecycle("grace", since, policy)
    assert grace.passed and "disabled on 2026-11-27" in grace.reason
    trash = judge.lifecycle("disabled", since, policy)
    assert not trash.passed and "purged on 2027-02-18" in trash.reason


def test_a_state_the_target_does_not_take_fails() -> None:
    verdict = judge.states("disabled", ["active", "grace"], "lms")
    assert (
        not verdict.passed and verdict.reason == "lms does not get objects that are disabled (it takes active, grace)"
    )
