"""Plan: what each target should have, against what it was last sent, as a stored change set.

Only metaverse objects changed since the target's last exported plan are read (plus
those whose last change failed), so a quiet night plans almost nothing. A change of
the target's object rules or key strategy, or a new school year where keys carry it,
replans everything.

The target's key for an object is its metaverse id unless a rollover strategy says
otherwise (:mod:`edusync.engine.rollover`); what happens to archived objects and
their members follows the rules' ``restore_archived`` and ``release_when_archived``
(:mod:`.archiving`). Objects a read-back of the target found changed behind edusync's back
are planned last, unless a planner already changed them (:mod:`.reconcile`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from edusync.config.models import ProvisionRule, TargetConfig
from edusync.engine.calendar import SchoolYear, local_day, school_year
from edusync.engine.criteria import compile_all
from edusync.engine.diff import Sent
from edusync.engine.flows import FlowSet
from edusync.engine.rollover import YearHierarchy, YearKeys, keys_for
from edusync.model import fnr
from edusync.model.hashing import content_hash, loads
from edusync.model.records import Attrs, Op, State
from edusync.pipeline.context import Counts, RunContext
from edusync.pipeline.planning import archiving, store
from edusync.pipeline.planning.changeset import ChangeSetDraft, ChangeWriter, live
from edusync.pipeline.planning.reconcile import Drift, Reconciled, Reconciler
from edusync.pipeline.planning.yearnodes import YearNodes

PAGE = 20_000
MAX_WARNINGS = 200


@dataclass
class PlanResult:
    """A stored change set: its counts, the target's counts before, and what the new school year made."""

    change_set_id: int
    hash: str
    counts: Counts = field(default_factory=dict)
    before: dict[str, int] = field(default_factory=dict)
    #: Changes the school-year rollover itself made (per object type and op); see rollover.py.
    rolled: Counts = field(default_factory=dict)
    #: Decisions that sent nothing: ``stays_archived``, ``released``, ``held`` (per object type).
    notes: Counts = field(default_factory=dict)
    year: SchoolYear | None = None
    #: What the read-back of the target found and this plan puts back (per object type); see reconcile.py.
    checked: dict[str, int] = field(default_factory=dict)
    #: Objects a revert holds at the target (per object type): nothing is planned for them.
    held: dict[str, int] = field(default_factory=dict)
    reconciled: dict[str, Reconciled] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(sum(v.values()) for v in self.counts.values())


def config_hash(target: TargetConfig) -> str:
    """What planning depends on: the object rules and the key strategy (not thresholds, pause or mail)."""
    rollover = target.rollover
    keys = None if rollover is None else rollover.model_dump(mode="json", exclude={"thresholds", "window_days"})
    return content_hash({"objects": [o.model_dump(mode="json") for o in target.objects], "keys": keys})


def plan_year(ctx: RunContext, target: str) -> SchoolYear | None:
    """The school year of the run's day, for a target that has a rollover."""
    rollover = ctx.config.targets[target].rollover
    if rollover is None:
        return None
    return school_year(rollover, local_day(ctx.now, ctx.config.timezone))


def plan_digest(ctx: RunContext, target: str) -> str:
    """The config hash, and the school year where keys carry it: a change of either replans everything."""
    tcfg = ctx.config.targets[target]
    keys = keys_for(tcfg, plan_year(ctx, target))
    digest = config_hash(tcfg)
    return content_hash([digest, keys.digest]) if keys.digest else digest


def _ordered(rules: list[ProvisionRule]) -> list[ProvisionRule]:
    """Rules whose members are released when a group is archived go after that group's rule."""
    released = {r.release_when_archived.object_type for r in rules if r.release_when_archived}
    return sorted(rules, key=lambda r: 0 if r.object_type in released else 1)


def plan_target(ctx: RunContext, conn: Connection, target: str, status: str, drift: Drift | None = None) -> PlanResult:
    tcfg = ctx.config.targets[target]
    year = plan_year(ctx, target)
    last = store.last_plan(conn, target)
    digest = plan_digest(ctx, target)
    since = 0 if last is None or last[1] != digest else last[0]
    cs_id = store.new_change_set(conn, ctx.run_id, target, ctx.stamp)
    result = PlanResult(cs_id, "", before=store.target_counts(conn, target), year=year)
    shared = ChangeSetDraft(cs_id, keys_for(tcfg, year))
    for rule in _ordered(tcfg.objects):
        RulePlanner(ctx, conn, target, rule, shared).plan(since, full=since == 0)
    if isinstance(shared.keys, YearHierarchy) and tcfg.rollover is not None:
        YearNodes(ctx, conn, target, tcfg.rollover.node_type, shared).finish(shared.keys, full=since == 0)
    if drift is not None:
        result.checked = dict(drift.checked)
        for object_type, found in drift.found.items():
            result.reconciled[object_type] = Reconciler(ctx, conn, target, object_type, shared).plan(found)
    store.supersede(conn, target, cs_id)
    result.held = store.held_counts(conn, target)
    result.hash = shared.running.hexdigest()
    result.counts = {k: dict(v) for k, v in shared.counts.items()}
    result.rolled = {k: dict(v) for k, v in shared.rolled.items()}
    result.notes = {k: dict(v) for k, v in shared.notes.items()}
    store.close_plan(conn, cs_id, result.hash, status, result.counts, result.before)
    return result


class RulePlanner(ChangeWriter):
    """Plans one provision rule of a target: its object type's desired state against what was last sent."""

    def __init__(
        self, ctx: RunContext, conn: Connection, target: str, rule: ProvisionRule, shared: ChangeSetDraft
    ) -> None:
        super().__init__(ctx, conn, target, rule.object_type, shared)
        self.rule = rule
        self.scope = compile_all(rule.scope)
        self.flows = FlowSet(rule.flows)
        self.states = {s.value for s in rule.states}
        self.keys = shared.keys
        self.rules = archiving.ArchiveRules(ctx, conn, target, rule, shared.archiving)
        self.planned: set[str] | None = set() if rule.release_when_archived else None
        tcfg = ctx.config.targets[target]
        node_type = tcfg.rollover.node_type if tcfg.rollover else None
        self.nodes = YearNodes(ctx, conn, target, node_type, shared) if isinstance(self.keys, YearHierarchy) else None
        self.national_ids = set(ctx.config.safety.national_id_attributes)
        self.send_national_ids = tcfg.national_ids

    def plan(self, since: int, *, full: bool) -> None:
        """Changed objects, and those whose last change failed, streamed in index order.

        The change set's hash follows the order the changes are stored in, which is
        this order, so it can be recomputed from the stored changes.
        """
        db, label = self.ctx.db, f"plan {self.target}/{self.rule.object_type}"
        if full:
            self.planned = None  # every object is paged, so none is left to release afterwards
        retry = store.failed_ids(db, self.conn, self.target, self.rule.object_type)
        released = store.released_ids(db, self.conn, self.target, self.rule.object_type)
        retry = sorted(set(retry) | set(released)) if released else retry
        if retry:
            self._page(store.by_ids(db, self.conn, retry))
        skip = set(retry)
        done = 0
        for batch in store.changed_since(db, self.conn, self.rule.metaverse_type, since, PAGE):
            self._page([r for r in batch if r[0] not in skip] if skip else batch)
            done += len(batch)
            self.ctx.progress(label, done, None)
        if full:
            self._orphans()
        elif self.planned is not None:
            self._release_unchanged()

    def _yearly(self, ids: list[str]) -> set[str]:
        """Which of ``ids`` are objects whose keys carry the school year."""
        found: set[str] = set()
        types = self.keys.yearly_mv_types if isinstance(self.keys, YearKeys) else set()
        for mv_type in sorted(types):
            found |= store.of_type(self.ctx.db, self.conn, mv_type, ids)
        return found

    def _page(self, rows: Sequence[Any]) -> None:
        if not rows:
            return
        ctx, rule, keys, ot = self.ctx, self.rule, self.keys, self.rule.object_type
        wanted: list[tuple[str, Attrs | None, bool]] = []
        for mv_id, attrs_text, state in rows:
            attrs = loads(attrs_text)
            desired = None
            if state in self.states and self.scope(attrs, ctx.rules):
                desired = self.flows.apply(attrs, ctx.rules) if rule.flows else attrs
                self._no_invalid_national_ids(mv_id, desired)
            wanted.append((mv_id, desired, state == State.ARCHIVED.value))
        keys.rewrite(ot, [d for _, d, _ in wanted if d is not None], self._yearly)
        if self.nodes is not None:
            self.nodes.plan(keys.nodes())
        lookup = [keys.key(ot, m) for m, _, _ in wanted]
        lookup += [p for m, _, _ in wanted if (p := keys.previous(ot, m))]
        sent = self._sent(lookup)
        self.rules.prepare(wanted, sent)
        out = []
        for mv_id, desired, archived in wanted:
            key, prev = keys.key(ot, mv_id), keys.previous(ot, mv_id)
            now, before = sent.get(key), sent.get(prev) if prev else None
            planned, note = self.rules.decide(desired, archived, now)
            self.note(note)
            if planned is not None:
                rolled = (planned.op == Op.ADD and live(before)) or (
                    planned.op == Op.UPDATE
                    and now is not None
                    and desired is not None
                    and keys.rolled_update(ot, loads(now.text), desired)
                )
                out.append(self._change(key, mv_id, planned, rolled, prior=now))
            if prev and before is not None and live(before):
                # Last year's key of this object: retired; rolled when the object goes on under this year's.
                retire, note = self.rules.decide(None, False, before)
                self.note(note)
                if retire is not None:
                    out.append(self._change(prev, mv_id, retire, rolled=desired is not None, prior=before))
            if self.planned is not None:
                self.planned.add(mv_id)
        self._store(out)

    def _no_invalid_national_ids(self, mv_id: str, desired: Attrs) -> None:
        """A value under a national-id attribute that is not a valid fødselsnummer is never sent: left out, named.

        A target with ``national_ids: false`` gets none at all, under whichever name.
        """
        if not self.send_national_ids:
            for name in [n for n, v in desired.items() if n in self.national_ids or fnr.is_valid_value(v)]:
                del desired[name]
            return
        for name in self.national_ids.intersection(desired):
            value = desired[name]
            if value in (None, "") or fnr.is_valid(str(value)):
                continue
            del desired[name]
            subject = f"{self.target}/{self.rule.object_type}"
            self.ctx.report.add("plan", subject, "invalid_national_id")
            if len(self.ctx.report.warnings) < MAX_WARNINGS:
                self.ctx.report.warnings.append(
                    f"{subject} {mv_id}: {name} left out, not a valid fødselsnummer ({fnr.mask(str(value))})"
                )

    def _orphans(self) -> None:
        """Objects the target has whose metaverse object no longer exists (or, with year keys, older keys)."""
        ot = self.rule.object_type
        suffixes: list[str] = []
        if isinstance(self.keys, YearKeys) and self.keys.yearly(ot):
            # This year's and last year's keys of an existing object are the pages' business.
            suffixes = [f".{self.keys.year.label}", f".{self.keys.year.previous().label}"]
        rows = store.orphans(self.conn, self.target, ot, self.rule.metaverse_type, suffixes)
        self.rules.prepare([], {k: Sent(h, s, a) for k, h, s, a, _ in rows})
        out = []
        for key, digest, state, attrs, mv_id in rows:
            old = Sent(digest, state, attrs)
            planned, note = self.rules.decide(None, False, old)
            self.note(note)
            if planned is not None:
                out.append(self._change(key, mv_id, planned, prior=old))
        self._store(out)

    def _release_unchanged(self) -> None:
        """Members of a group this change set archives that did not change themselves: released too."""
        assert self.planned is not None
        keys, ot = self.keys, self.rule.object_type
        found = self.rules.members_of_archived(exclude=self.planned)
        if not found:
            return
        pairs = [(m, k) for m in found for k in (keys.key(ot, m), keys.previous(ot, m)) if k]
        sent = self._sent([k for _, k in pairs])
        out = []
        for mv_id, key in pairs:
            old = sent.get(key)
            if old is not None and live(old):
                self.note("released")
                out.append(self._change(key, mv_id, archiving.release(old), prior=old))
        self._store(out)
