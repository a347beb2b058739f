"""The judgement of ``edusync explain``: each condition met or failed, the lifecycle, the verdict.

Pure computation over plain objects (attributes, states, stored rows as dicts). A condition's
result comes from :func:`edusync.engine.criteria.compile_condition`, the function the sync and
the planner run, so an explanation cannot disagree with what the run did; this module only
puts the values involved into words. National ids are masked in every sentence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from edusync.config.models import Condition, LifecyclePolicy
from edusync.engine.criteria import compile_condition
from edusync.model.fnr import mask_text
from edusync.model.records import Attrs, State
from edusync.model.verdicts import Verdict
from edusync.rules import RuleContext


def _shown(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "empty"
    return mask_text(str(value) if not isinstance(value, list) else ", ".join(map(str, value)))


def _test(cond: Condition) -> str:
    """The condition as config spells it: ``basFeideInFint present: false``."""
    if cond.rule is not None:
        return f"rule {cond.rule}({', '.join(cond.args or [cond.attribute or ''])})"
    attr = cond.attribute
    if cond.present is not None:
        return f"{attr} {'is present' if cond.present else 'is empty'}"
    if cond.matches is not None:
        return f"{attr} matches {cond.matches}"
    if cond.in_ is not None:
        return f"{attr} in [{', '.join(map(str, cond.in_))}]"
    if cond.not_in is not None:
        return f"{attr} not in [{', '.join(map(str, cond.not_in))}]"
    return f"{attr} equals {cond.equals}"


def condition_verdict(cond: Condition, attrs: Attrs, ctx: RuleContext, criterion: str) -> Verdict:
    """One condition on ``attrs``: met or failed, and the value it saw."""
    passed = compile_condition(cond)(attrs, ctx)
    names = list(cond.args) if cond.rule is not None and cond.args else [cond.attribute or ""]
    seen = {n: _shown(attrs.get(n)) for n in names if n}
    values = ", ".join(f"{n} is {v}" for n, v in seen.items())
    reason = f"{_test(cond)}: {'met' if passed else 'failed'}" + (f" ({values})" if values else "")
    return Verdict(criterion, passed, reason, {"test": _test(cond), "seen": seen})


def conditions(conds: Sequence[Condition], attrs: Attrs, ctx: RuleContext, criterion: str) -> list[Verdict]:
    """Every condition's verdict; none configured is one verdict that says everything passes."""
    if not conds:
        return [Verdict(criterion, True, f"no {criterion} conditions: every object passes")]
    return [condition_verdict(c, attrs, ctx, criterion) for c in conds]


def _stamp(value: str) -> dt.datetime:
    when = dt.datetime.fromisoformat(value)
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def lifecycle(state: str, since: str, policy: LifecyclePolicy) -> Verdict:
    """Where the object is in active → grace → disabled → purged, since when, and what comes next."""
    values = {"state": state, "since": since}
    day = since[:10]
    if state == State.ACTIVE:
        return Verdict("lifecycle", True, f"active since {day}", values)
    if state == State.GRACE:
        until = (_stamp(since) + dt.timedelta(days=policy.grace_days)).date().isoformat()
        values["until"] = until
        return Verdict("lifecycle", True, f"in grace since {day} (no source has it); still sent to the targets, "
                       f"disabled on {until} unless a source gives it again", values)  # fmt: skip
    if state == State.DISABLED:
        until = (_stamp(since) + dt.timedelta(days=policy.retention_days)).date().isoformat()
        values["until"] = until
        return Verdict("lifecycle", False, f"disabled (in the trash) since {day}; purged on {until} unless "
                       "restored", values)  # fmt: skip
    if state == State.ARCHIVED:
        return Verdict("lifecycle", True, f"archived since {day}", values)
    return Verdict("lifecycle", False, f"{state} since {day}", values)


def states(state: str, allowed: Sequence[str], target: str) -> Verdict:
    """The provision rule's ``states``: which lifecycle states the target gets."""
    passed = state in allowed
    word = "gets" if passed else "does not get"
    return Verdict("states", passed, f"{target} {word} objects that are {state} (it takes {', '.join(allowed)})")


def stand(target: dict[str, Any]) -> str:
    """One sentence for one target, from what the gathering found (see :func:`edusync.services.explain`)."""
    name = target["target"]
    if target.get("failed"):
        change = target["failed"][0]
        return f"{change['op']} to {name} failed: {change.get('error') or 'no reason given'}"
    if target.get("pending"):
        change = target["pending"][0]
        return f"{change['op']} to {name} is planned (run {change['run']}, {change['status']}), not sent yet"
    wanted = all(v["passed"] for v in target["verdicts"])
    held = target.get("sent")
    if held and held["state"] not in ("deleted", "disconnected"):
        return f"in {name} (last sent in run {held['run']})" if wanted else f"in {name}, but the next run takes it out"
    if wanted:
        return f"not in {name} yet: the next run adds it"
    failed = next(v for v in target["verdicts"] if not v["passed"])
    return f"not in {name}: {failed['reason']}"


def _first_failed(verdicts: Sequence[dict[str, Any]]) -> str | None:
    return next((str(v["reason"]) for v in verdicts if not v["passed"]), None)


def summary(found: dict[str, Any]) -> list[str]:
    """The answer in a few sentences, strongest fact first: where it stands and the reason why."""
    lines: list[str] = []
    if found["found"]:
        lines.append(f"{found['type']} {found['id']} is {found['lifecycle']['reason']}")
    elif found["sources"]:
        lines.append(f"no {found['type']} in the metaverse; the connector space holds {len(found['sources'])} "
                     "record(s) for this key")  # fmt: skip
        for record in found["sources"]:
            why = _first_failed(record["verdicts"]) or record["link"]
            lines.append(f"{record['connector']}/{record['object_type']} {record['anchor']}: {why}")
    else:
        lines.append(f"no {found['type']} in the metaverse and no source record in the connector space has this key")
    for trace in found.get("source_trace", []):
        if trace.get("error"):
            lines.append(f"{trace['connector']} could not be read: {trace['error']}")
            continue
        lines.append(f"{trace['connector']}: {trace['verdict']['reason']}")
        if not trace["verdict"]["passed"]:
            for role in trace["roles"]:
                why = _first_failed(role["verdicts"])
                if why and not role["roles"]:
                    lines.append(f"  {role['kind']} {role['id']}: {why}")
    lines += [t["stand"] for t in found.get("targets", [])]
    return lines
