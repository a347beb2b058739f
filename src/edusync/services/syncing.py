"""Sync: turn changed staged objects into metaverse objects.

For each sync rule, in the order the config lists them (so persons exist before
the memberships that point at them): apply the import criteria, join or project,
run the inbound flows, resolve precedence across every source of the object, and
record lineage. A source object that is gone or no longer passes the criteria is
deprovisioned by its connector's policy. Only dirty staged objects are read, so a
delta costs what changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, bindparam, select, update

from edusync.config.models import SyncRule
from edusync.engine.criteria import compile_all
from edusync.engine.flows import Contribution, FlowSet, SourceRef, Unresolved, merge
from edusync.engine.lifecycle import purge
from edusync.model.hashing import loads, text_hash
from edusync.model.records import MvObject, State
from edusync.services.context import RunContext
from edusync.services.mvstore import insert_mv, load_mv, mv_hash, replace_keys, update_mv
from edusync.storage import tables as t

PAGE = 20_000


def mv_id_for(metaverse_type: str, connector: str, object_type: str, anchor: str) -> str:
    """Projection ids are derived from the sync key, so a returning key finds its old object."""
    return f"{metaverse_type[:3]}-{text_hash(connector, object_type, anchor)[:24]}"


class _Compiled:
    def __init__(self, rule: SyncRule) -> None:
        self.rule = rule
        self.criteria = compile_all(rule.criteria)
        self.flows = FlowSet(rule.flows)


class SyncStep:
    """One sync pass over every sync rule."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.rules = {(r.connector, r.object_type): _Compiled(r) for r in ctx.config.sync}
        self.join_attrs: dict[str, list[list[str]]] = {}
        for r in ctx.config.sync:
            for jr in r.join:
                names = sorted(jr.match.values())
                if names not in self.join_attrs.setdefault(r.metaverse_type, []):
                    self.join_attrs[r.metaverse_type].append(names)
        self._refs: dict[tuple[str, str], dict[str, str]] = {}

    def run(self) -> None:
        for rule in self.ctx.config.sync:
            self._sync_rule(self.rules[(rule.connector, rule.object_type)])
            self._refs.clear()

    # -- references -------------------------------------------------------------------------

    def _resolver(self, conn: Connection, connector: str) -> Any:
        def resolve(object_type: str, anchor: str) -> str | None:
            key = (connector, object_type)
            if key not in self._refs:
                cs = t.cs_objects
                rows = conn.execute(
                    select(cs.c.anchor, cs.c.mv_id).where(
                        cs.c.connector == connector, cs.c.object_type == object_type, cs.c.mv_id.is_not(None)
                    )
                )
                self._refs[key] = {a: m for a, m in rows}
            return self._refs[key].get(anchor)

        return resolve

    # -- one rule ---------------------------------------------------------------------------

    def _sync_rule(self, compiled: _Compiled) -> None:
        rule = compiled.rule
        cs = t.cs_objects
        last = ""
        label = f"sync {rule.connector}/{rule.object_type}"
        done = 0
        while True:
            with self.ctx.db.begin() as conn:
                rows = conn.execute(
                    select(cs.c.anchor, cs.c.attrs, cs.c.state, cs.c.mv_id)
                    .where(
                        and_(
                            cs.c.connector == rule.connector,
                            cs.c.object_type == rule.object_type,
                            cs.c.dirty.is_(True),
                            cs.c.anchor > last,
                        )
                    )
                    .order_by(cs.c.anchor)
                    .limit(PAGE)
                ).all()
                if not rows:
                    break
                last = rows[-1][0]
                _Page(self, compiled, conn).process(rows)
            done += len(rows)
            self.ctx.progress(label, done, None)

    def contributions_of(
        self, conn: Connection, ref: SourceRef, attrs: dict[str, Any]
    ) -> dict[str, Contribution]:
        compiled = self.rules.get((ref.connector, ref.object_type))
        if compiled is None:
            return {}
        return compiled.flows.apply(attrs, self.ctx.rules, self._resolver(conn, ref.connector))


class _Page:
    """The work on one page of dirty staged objects, written in one transaction."""

    def __init__(self, step: SyncStep, compiled: _Compiled, conn: Connection) -> None:
        self.step = step
        self.ctx = step.ctx
        self.rule = compiled.rule
        self.compiled = compiled
        self.conn = conn
        self.new: dict[str, MvObject] = {}
        self.touched: dict[str, MvObject] = {}
        self.cs_updates: list[dict[str, Any]] = []
        self.subject = f"{self.rule.connector}/{self.rule.object_type}"
        self.policy = self.ctx.config.object_options(self.rule.connector, self.rule.object_type).deprovision

    def process(self, rows: Sequence[Any]) -> None:
        rule = self.rule
        ctx = self.ctx
        candidates = [r[3] for r in rows if r[3]]
        candidates += [mv_id_for(rule.metaverse_type, rule.connector, rule.object_type, r[0]) for r in rows]
        self.existing = load_mv(self.conn, candidates)
        self.joins = self._join_index(rows)
        resolve = self.step._resolver(self.conn, rule.connector)
        for anchor, attrs_text, state, linked in rows:
            attrs = loads(attrs_text)
            ref = SourceRef(rule.connector, rule.object_type, anchor)
            if state == "present" and self.compiled.criteria(attrs, ctx.rules):
                try:
                    contrib = self.compiled.flows.apply(attrs, ctx.rules, resolve)
                except Unresolved as exc:
                    ctx.report.add("sync", self.subject, "unresolved")
                    if len(ctx.report.warnings) < 200:
                        ctx.report.warnings.append(f"{self.subject} {anchor}: {exc}")
                    continue
                self._connect(ref, attrs, contrib, linked)
            else:
                if state == "present":
                    ctx.report.add("sync", self.subject, "filtered")
                keep = self._disconnect(ref, linked) if linked else False
                self.cs_updates.append({"b_anchor": anchor, "mv_id": linked if keep else None})
        self._write()

    def _join_index(self, rows: Sequence[Any]) -> dict[tuple[str, str], list[str]]:
        """Existing metaverse ids by (join name, hashed value) for the unlinked rows of this page."""
        if not self.rule.join:
            return {}
        wanted: set[tuple[str, str]] = set()
        for _anchor, attrs_text, state, linked in rows:
            if linked or state != "present":
                continue
            attrs = loads(attrs_text)
            for jr in self.rule.join:
                key = _join_key(jr.match, attrs, source_side=True)
                if key:
                    wanted.add(key)
        found: dict[tuple[str, str], list[str]] = {}
        mk = t.mv_keys
        by_name: dict[str, list[str]] = {}
        for name, value in wanted:
            by_name.setdefault(name, []).append(value)
        for name, values in by_name.items():
            for i in range(0, len(values), 5000):
                q = select(mk.c.value, mk.c.mv_id).where(
                    mk.c.object_type == self.rule.metaverse_type,
                    mk.c.name == name,
                    mk.c.value.in_(values[i : i + 5000]),
                )
                for value, mv_id in self.conn.execute(q):
                    found.setdefault((name, value), []).append(mv_id)
        return found

    def _find(self, mv_id: str) -> MvObject | None:
        return self.touched.get(mv_id) or self.new.get(mv_id) or self.existing.get(mv_id)

    def _connect(
        self, ref: SourceRef, attrs: dict[str, Any], contrib: dict[str, Contribution], linked: str | None
    ) -> None:
        rule, ctx = self.rule, self.ctx
        mv = self._find(linked) if linked else None
        if mv is None:
            mv = self._join(attrs)
            if mv is not None:
                ctx.report.add("sync", self.subject, "joined")
        if mv is None:
            if not rule.project:
                ctx.report.add("sync", self.subject, "not_joined")
                self.cs_updates.append({"b_anchor": ref.anchor, "mv_id": None})
                return
            mv_id = mv_id_for(rule.metaverse_type, *ref.as_list())
            mv = self._find(mv_id)
            if mv is None or mv.state == State.PURGED:
                mv = MvObject(id=mv_id, object_type=rule.metaverse_type, attrs={}, state_since=ctx.stamp)
                self.new[mv_id] = mv
                ctx.report.add("sync", self.subject, "projected")
        if ref.as_list() not in mv.sources:
            mv.sources.append(ref.as_list())
        self._recompute(mv, {tuple(ref.as_list()): contrib})
        self.cs_updates.append({"b_anchor": ref.anchor, "mv_id": mv.id})
        for row in _key_rows(mv, self.step.join_attrs.get(rule.metaverse_type, [])):
            ids = self.joins.setdefault((row["name"], row["value"]), [])
            if mv.id not in ids:
                ids.append(mv.id)

    def _join(self, attrs: dict[str, Any]) -> MvObject | None:
        for jr in self.rule.join:
            key = _join_key(jr.match, attrs, source_side=True)
            if not key:
                continue
            ids = set(self.joins.get(key, []))
            if len(ids) > 1:
                self.ctx.report.add("sync", self.subject, "ambiguous_join")
                continue
            if ids:
                mv = self._find(ids.pop())
                if mv is not None and mv.state != State.PURGED:
                    return mv
        return None

    def _disconnect(self, ref: SourceRef, linked: str) -> bool:
        """Apply the deprovisioning policy; True when the link is kept."""
        mv = self._find(linked)
        if mv is None:
            return False
        ctx, policy = self.ctx, self.policy
        ctx.report.add("sync", self.subject, "deprovisioned")
        if policy == "keep":
            return True
        if ref.as_list() in mv.sources:
            mv.sources.remove(ref.as_list())
        if policy == "disconnect":
            if mv.sources:
                self._recompute(mv, {})
                return False
            target = State.GRACE
        else:
            target = {"soft_delete": State.DISABLED, "delete": State.PURGED, "archive": State.ARCHIVED}[
                policy
            ]
        self._set_state(mv, target)
        self._touch(mv)
        return False

    def _set_state(self, mv: MvObject, state: State) -> None:
        if mv.state != state:
            self.ctx.report.add("lifecycle", mv.object_type, f"to_{state.value}")
            mv.state = state
            mv.state_since = self.ctx.stamp
            if state == State.PURGED:
                purge(mv)

    def _recompute(self, mv: MvObject, fresh: dict[tuple[str, ...], dict[str, Contribution]]) -> None:
        """Merge the contributions of every source of ``mv``; ``fresh`` ones were just computed."""
        parts = []
        for src in mv.sources:
            ref = SourceRef(*src)
            contrib = fresh.get(tuple(src))
            if contrib is None:
                contrib = self._stored_contribution(ref)
            parts.append((ref, contrib))
        mv.attrs, mv.lineage = merge(parts, mv.attrs, mv.lineage, self.ctx.run_id)
        if mv.state in (State.GRACE, State.DISABLED, State.ARCHIVED) and mv.sources:
            self.ctx.report.add("lifecycle", mv.object_type, "restored")
            mv.state = State.ACTIVE
            mv.state_since = self.ctx.stamp
        self._touch(mv)

    def _stored_contribution(self, ref: SourceRef) -> dict[str, Contribution]:
        cs = t.cs_objects
        row = self.conn.execute(
            select(cs.c.attrs, cs.c.state).where(
                cs.c.connector == ref.connector,
                cs.c.object_type == ref.object_type,
                cs.c.anchor == ref.anchor,
            )
        ).first()
        if row is None or row[1] != "present":
            return {}
        try:
            return self.step.contributions_of(self.conn, ref, loads(row[0]))
        except Unresolved:
            return {}

    def _touch(self, mv: MvObject) -> None:
        if mv.id not in self.new:
            self.touched[mv.id] = mv

    def _write(self) -> None:
        ctx = self.ctx
        changed = []
        for mv in list(self.new.values()) + list(self.touched.values()):
            digest = mv_hash(mv)
            if digest != mv.hash:
                mv.hash = digest
                mv.changed_run = ctx.run_id
                changed.append(mv)
        fresh = [mv for mv in changed if mv.id in self.new]
        updated = [mv for mv in changed if mv.id not in self.new]
        insert_mv(self.conn, fresh, ctx.run_id)
        update_mv(self.conn, updated)
        ctx.report.add("sync", self.subject, "updated", sum(1 for mv in updated if mv.state != State.PURGED))
        names = self.step.join_attrs.get(self.rule.metaverse_type, [])
        if names:
            rows = [k for mv in changed for k in _key_rows(mv, names)]
            replace_keys(self.conn, rows, [mv.id for mv in updated], fresh=not updated)
        cs = t.cs_objects
        stmt = (
            update(cs)
            .where(
                cs.c.connector == self.rule.connector,
                cs.c.object_type == self.rule.object_type,
                cs.c.anchor == bindparam("b_anchor"),
            )
            .values(mv_id=bindparam("mv_id"), dirty=False)
        )
        if self.cs_updates:
            self.conn.execute(stmt, self.cs_updates)


def _join_key(on: dict[str, str], attrs: dict[str, Any], *, source_side: bool) -> tuple[str, str] | None:
    """(name, hashed value) of a join rule; values are hashed so no fødselsnummer sits in an index."""
    pairs = sorted(on.items(), key=lambda kv: kv[1])
    values = [attrs.get(src if source_side else dst) for src, dst in pairs]
    if any(v in (None, "") for v in values):
        return None
    return "+".join(dst for _, dst in pairs), text_hash(*(str(v) for v in values))


def _key_rows(mv: MvObject, names: list[list[str]]) -> list[dict[str, Any]]:
    if mv.state == State.PURGED:
        return []
    rows = []
    for attrs in names:
        key = _join_key({a: a for a in attrs}, mv.attrs, source_side=False)
        if key:
            rows.append({"object_type": mv.object_type, "name": key[0], "value": key[1], "mv_id": mv.id})
    return rows
