"""The pure engine: flows, precedence, lineage runs, diff, thresholds, lifecycle timing."""

from __future__ import annotations

import datetime as dt

import pytest

from edusync.config.models import Flow, LifecyclePolicy, Limit
from edusync.engine.diff import Sent, after, diff
from edusync.engine.flows import FlowSet, Part, Unresolved, merge
from edusync.engine.lifecycle import next_state
from edusync.engine.safety import breaches
from edusync.model.hashing import dump_hash
from edusync.model.records import Op, State
from edusync.rules import RuleContext

CTX = RuleContext(today=dt.date(2026, 9, 1))


def flows(*specs: dict[str, object]) -> FlowSet:
    return FlowSet([Flow.model_validate(s) for s in specs])


def test_direct_constant_rule_and_reference_flows() -> None:
    fs = flows(
        {"to": "first", "from": "fornavn", "rule": "strip"},
        {"to": "kind", "constant": "skole"},
        {"to": "name", "from": ["fornavn", "etternavn"], "rule": "join_space"},
        {"to": "school", "from": "skole", "ref": "organisation"},
    )
    out = fs.apply(
        {"fornavn": "  Åse  ", "etternavn": "Ødegård", "skole": "S1"},
        CTX,
        lambda t, a: "org-1" if (t, a) == ("organisation", "S1") else None,
    )
    assert out == {"first": "Åse", "kind": "skole", "name": "Åse Ødegård", "school": "org-1"}
    with pytest.raises(Unresolved):
        fs.apply({"skole": "S404"}, CTX, lambda t, a: None)


def test_lowest_precedence_wins_and_empty_values_never_win() -> None:
    fs = flows({"to": "mail", "from": "private", "precedence": 5}, {"to": "mail", "from": "work", "precedence": 1})
    chosen: dict[str, int] = {}
    assert fs.apply({"private": "p@x", "work": "w@x"}, CTX, chosen=chosen) == {"mail": "w@x"}
    assert fs.labels()[chosen["mail"]] == "direct:work"
    assert fs.apply({"private": "p@x", "work": ""}, CTX, chosen=chosen) == {"mail": "p@x"}
    assert fs.labels()[chosen["mail"]] == "direct:private", "lineage names the flow that gave the value"


def test_merge_across_sources_keeps_runs_of_unchanged_values() -> None:
    sis = Part({"mail": "a@x", "name": "Ola"}, {"mail": 10, "name": 1}, {"mail": 2, "name": 0})
    hr = Part({"mail": "b@x", "name": "Ola N."}, {"mail": 1, "name": 20}, {"mail": 0, "name": 1})
    attrs, lineage = merge([sis, hr], {"mail": "b@x", "name": "Ola"}, {"mail": [1, 3], "name": [0, 2]}, run_id=9)
    assert attrs == {"mail": "b@x", "name": "Ola"}
    assert lineage == {"mail": [1, 3, 0], "name": [0, 2, 0]}
    attrs, lineage = merge([sis], attrs, lineage, run_id=10)
    assert attrs == {"mail": "a@x", "name": "Ola"} and lineage == {"mail": [0, 10, 2], "name": [0, 2, 0]}


def test_diff_names_each_operation() -> None:
    text, digest = dump_hash({"a": 1})
    present, deleted, archived = (
        Sent(digest, "present", text),
        Sent(digest, "deleted", text),
        Sent(digest, "archived", text),
    )
    assert diff({"a": 1}, False, None, "soft_delete").op == Op.ADD  # type: ignore[union-attr]
    assert diff({"a": 1}, False, present, "soft_delete") is None
    assert diff({"a": 2}, False, present, "soft_delete").op == Op.UPDATE  # type: ignore[union-attr]
    assert diff({"a": 1}, False, deleted, "soft_delete").op == Op.RESTORE  # type: ignore[union-attr]
    assert diff({"a": 1}, True, present, "soft_delete").op == Op.ARCHIVE  # type: ignore[union-attr]
    soft = diff(None, False, present, "soft_delete")
    hard = diff(None, False, present, "delete")
    assert soft is not None and soft.op == Op.DELETE and soft.soft and soft.text == text
    assert hard is not None and hard.op == Op.DELETE and not hard.soft
    assert diff(None, False, present, "keep") is None
    assert diff(None, False, present, "disconnect").op == Op.FORGET  # type: ignore[union-attr]
    assert diff(None, False, archived, "archive") is None
    assert diff(None, False, deleted, "soft_delete") is None
    assert after(Op.DELETE, True) == "deleted" and after(Op.DELETE, False) is None and after(Op.FORGET, True) is None


def test_thresholds_absolute_percent_and_floor() -> None:
    limits = {"*": {"delete": Limit(max_percent=10)}, "person": {"delete": Limit(max_count=5, max_percent=50)}}
    assert breaches({"membership": {"delete": 30}}, {"membership": 100}, limits, "lms") == [
        "lms: 30 membership deletes are 30.0 % of 100 (limit 10 %)"
    ]
    assert breaches({"membership": {"delete": 9}}, {"membership": 20}, limits, "lms") == [], "under ignore_below"
    assert breaches({"person": {"delete": 6}}, {"person": 1000}, limits, "lms") == [
        "lms: 6 person deletes exceed the limit of 5"
    ]
    assert breaches({"group": {"add": 500}}, {}, limits, "lms") == [], "no limit on adds by default"


def test_lifecycle_moves_by_the_clock() -> None:
    policy = LifecyclePolicy(grace_days=3, retention_days=30)
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert next_state(State.GRACE, t0, t0 + dt.timedelta(days=2), policy) is None
    assert next_state(State.GRACE, t0, t0 + dt.timedelta(days=3), policy) == State.DISABLED
    assert next_state(State.DISABLED, t0, t0 + dt.timedelta(days=29), policy) is None
    assert next_state(State.DISABLED, t0, t0 + dt.timedelta(days=30), policy) == State.PURGED
    assert next_state(State.ACTIVE, t0, t0 + dt.timedelta(days=999), policy) is None
