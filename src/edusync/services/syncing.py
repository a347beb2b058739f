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

from sqlalchemy import Connection

from edusync.config.models import SyncRule
from edusync.engine.criteria import compile_all
from edusync.engine.flows import FlowSet, Part, RefResolver, SourceRef, Unresolved, lineage_entry, merge
from edusync.engine.lifecycle import purge
from edusync.model.hashing import loads, text_hash
from edusync.model.records import Attrs, MvObject, State
from edusync.services import bulk_sync
from edusync.services.context import RunContext
from edusync.services.joins import JoinIndex
from edusync.services.mvstore import load_mv, save_changed
from edusync.storage import tables as t

PAGE = 20_000
BULK_COMMIT = 200_000  # rows per transaction in a first load
ANALYZE_AFTER = 20_000  # rows synced by one rule after which the planner's statistics are refreshed
DIRTY = (
    "SELECT id, anchor, attrs, state, mv_id FROM cs_objects WHERE connector = ? AND object_type = ? "
    "AND dirty AND id > ? ORDER BY id LIMIT ?"
)
LINK_COLUMNS = ("mv_id", "dirty")
MAX_WARNINGS = 200


def mv_id_for(metaverse_type: str, connector: str, object_type: str, anchor: str) -> str:
    """Projection ids are derived from the sync key, so a returning key finds its old object."""
    return f"{metaverse_type[:3]}-{text_hash(connector, object_type, anchor)[:16]}"


class Compiled:
    def __init__(self, rule: SyncRule) -> None:
        self.rule = rule
        self.criteria = compile_all(rule.criteria)
        self.flows = FlowSet(rule.flows)


class SyncStep:
    """One sync pass over every sync rule."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.rules = {(r.connector, r.object_type): Compiled(r) for r in ctx.config.sync}
        self.joins = JoinIndex(ctx)
        self._refs: dict[tuple[str, str], dict[str, str]] = {}
        self._unresolved: dict[str, str] = {}

    def run(self) -> None:
        for rule in self.ctx.config.sync:
            self._sync_rule(self.rules[(rule.connector, rule.object_type)])
            self._refs.clear()

    def unresolved(self, anchor: str, exc: Unresolved) -> None:
        """A row whose reference is not in the metaverse yet: it stays dirty and is reported after the last pass."""
        self._unresolved[anchor] = str(exc)

    def resolver(self, conn: Connection, connector: str) -> RefResolver:
        """Anchor → metaverse id for objects of the same connector, loaded once per type and rule."""

        def resolve(object_type: str, anchor: str) -> str | None:
            key = (connector, object_type)
            if key not in self._refs:
                rows = conn.exec_driver_sql(
                    self.ctx.db.q(
                        "SELECT anchor, mv_id FROM cs_objects WHERE connector = ? AND object_type = ? "
                        "AND mv_id IS NOT NULL"
                    ),
                    key,
                )
                self._refs[key] = {a: m for a, m in rows}
            return self._refs[key].get(anchor)

        return resolve

    def _sync_rule(self, compiled: Compiled) -> None:
        with self.ctx.db.begin() as conn:
            bulk = bulk_sync.applies(self, conn, compiled)
        self._unresolved = {}
        if bulk == "empty":
            with self.ctx.db.without_indexes(t.mv_objects, bulk_sync.DEFERRED):
                self._pages(compiled, bulk)
        else:
            self._pages(compiled, bulk)
        # A reference to an object of the same rule (a course group's course) resolves once that
        # object is linked: go round again over what is left while a pass resolves anything.
        while self._unresolved:
            before = len(self._unresolved)
            self._unresolved, self._refs = {}, {}
            self._pages(compiled, None)
            if len(self._unresolved) >= before:
                break
        subject = f"{compiled.rule.connector}/{compiled.rule.object_type}"
        self.ctx.report.add("sync", subject, "unresolved", len(self._unresolved))
        room = max(0, MAX_WARNINGS - len(self.ctx.report.warnings))
        self.ctx.report.warnings += [f"{subject} {a}: {msg}" for a, msg in list(self._unresolved.items())[:room]]

    def _pages(self, compiled: Compiled, bulk: str | None) -> None:
        rule = compiled.rule
        last, done = 0, 0
        label = f"sync {rule.connector}/{rule.object_type}"
        # A first load inserts rows at random places in the primary key's index; each commit
        # writes every page it touched, so a first load commits every few pages, not every one.
        per_commit = BULK_COMMIT if bulk else PAGE
        more = True
        while more:
            with self.ctx.db.begin() as conn:
                in_txn = 0
                while in_txn < per_commit:
                    rows = self.ctx.db.fetch(conn, DIRTY, (rule.connector, rule.object_type, last, PAGE))
                    if not rows:
                        more = False
                        break
                    last = rows[-1][0]
                    if bulk:
                        links = bulk_sync.project_page(self, compiled, conn, rows, check=bulk == "fresh")
                        self.ctx.db.update_rows(conn, t.cs_objects, "id", LINK_COLUMNS, links)
                    else:
                        GeneralPage(self, compiled, conn).process(rows)
                    in_txn += len(rows)
                    done += len(rows)
                    self.ctx.progress(label, done, None)
        if done >= ANALYZE_AFTER:
            with self.ctx.db.begin() as conn:
                for table in (t.mv_objects, t.mv_keys, t.cs_objects):
                    self.ctx.db.analyze(conn, table)

    def stored_values(self, conn: Connection, ref: SourceRef) -> Part:
        """What another source of an object contributes, from its staged attributes."""
        compiled = self.rules.get((ref.connector, ref.object_type))
        row = conn.exec_driver_sql(
            self.ctx.db.q("SELECT attrs, state FROM cs_objects WHERE connector = ? AND object_type = ? AND anchor = ?"),
            (ref.connector, ref.object_type, ref.anchor),
        ).first()
        if compiled is None or row is None or row[1] != "present":
            return Part({}, {}, {})
        chosen: dict[str, int] = {}
        try:
            values = compiled.flows.apply(loads(row[0]), self.ctx.rules, self.resolver(conn, ref.connector), chosen)
        except Unresolved:
            return Part({}, {}, {})
        return Part(values, compiled.flows.precedence, chosen)


class GeneralPage:
    """The work on one page of dirty staged objects, written in one transaction."""

    def __init__(self, step: SyncStep, compiled: Compiled, conn: Connection) -> None:
        self.step, self.ctx, self.conn = step, step.ctx, conn
        self.rule = compiled.rule
        self.compiled = compiled
        self.new: dict[str, MvObject] = {}
        self.touched: dict[str, MvObject] = {}
        self.links: list[tuple[str | None, bool, int]] = []
        self.subject = f"{self.rule.connector}/{self.rule.object_type}"
        self.projected = 0
        self.policy = self.ctx.config.object_options(self.rule.connector, self.rule.object_type).deprovision

    def process(self, rows: Sequence[Any]) -> None:
        rule, ctx = self.rule, self.ctx
        project_ids = {r[1]: mv_id_for(rule.metaverse_type, rule.connector, rule.object_type, r[1]) for r in rows}
        self.joins = self.step.joins.for_page(self.conn, rule, rows)
        joined = [i for ids in self.joins.index.values() for i in ids]
        self.existing = load_mv(
            self.ctx.db, self.conn, [r[4] for r in rows if r[4]] + list(project_ids.values()) + joined
        )
        resolve = self.step.resolver(self.conn, rule.connector)
        for cs_id, anchor, attrs_text, state, linked in rows:
            attrs = loads(attrs_text)
            ref = [rule.connector, rule.object_type, anchor]
            if state == "present" and self.compiled.criteria(attrs, ctx.rules):
                chosen: dict[str, int] = {}
                try:
                    values = self.compiled.flows.apply(attrs, ctx.rules, resolve, chosen)
                except Unresolved as exc:
                    self.step.unresolved(anchor, exc)
                    continue  # stays dirty: tried again when the object it points at arrives
                mv_id = self._connect(
                    ref, attrs, Part(values, self.compiled.flows.precedence, chosen), linked, project_ids[anchor]
                )
                self.links.append((mv_id, False, cs_id))
            else:
                if state == "present":
                    ctx.report.add("sync", self.subject, "filtered")
                keep = self._disconnect(ref, linked) if linked else False
                self.links.append((linked if keep else None, False, cs_id))
        self._write()

    def _find(self, mv_id: str) -> MvObject | None:
        return self.touched.get(mv_id) or self.new.get(mv_id) or self.existing.get(mv_id)

    def _connect(self, me: list[str], attrs: Attrs, values: Part, linked: str | None, project_id: str) -> str | None:
        rule, ctx = self.rule, self.ctx
        mv = self._find(linked) if linked else None
        if mv is None:
            mv = self._join(attrs)
            if mv is not None:
                ctx.report.add("sync", self.subject, "joined")
        if mv is None:
            if not rule.project:
                ctx.report.add("sync", self.subject, "not_joined")
                return None
            mv = self._find(project_id)
            if mv is None or mv.state == State.PURGED:
                mv = MvObject(id=project_id, object_type=rule.metaverse_type, attrs={}, state_since=ctx.stamp)
                self.new[project_id] = mv
                self.projected += 1
        if me not in mv.sources:
            mv.sources.append(me)
        self._recompute(mv, me, values)
        self.joins.add(mv)
        return mv.id

    def _join(self, attrs: Attrs) -> MvObject | None:
        for ids in self.joins.candidates(self.rule, attrs):
            if len(ids) > 1:
                self.ctx.report.add("sync", self.subject, "ambiguous_join")
                continue
            mv = self._find(ids[0])
            if mv is not None and mv.state != State.PURGED:
                return mv
        return None

    def _disconnect(self, me: list[str], linked: str) -> bool:
        """Apply the deprovisioning policy; True when the link is kept."""
        mv = self._find(linked)
        if mv is None:
            return False
        self.ctx.report.add("sync", self.subject, "deprovisioned")
        if self.policy == "keep":
            return True
        if me in mv.sources:
            mv.sources.remove(me)
        if self.policy == "disconnect" and mv.sources:
            self._recompute(mv, None, Part({}, {}, {}))
            return False
        to = {
            "disconnect": State.GRACE,
            "soft_delete": State.DISABLED,
            "delete": State.PURGED,
            "archive": State.ARCHIVED,
        }[self.policy]
        if mv.state != to:
            self.ctx.report.add("lifecycle", mv.object_type, f"to_{to.value}")
            mv.state, mv.state_since = to, self.ctx.stamp
            if to == State.PURGED:
                purge(mv)
        self._touch(mv)
        return False

    def _recompute(self, mv: MvObject, me: list[str] | None, mine: Part) -> None:
        """Merge the values of every source of ``mv``; ``mine`` are the fresh ones of ``me``."""
        run_id = self.ctx.run_id
        if mv.sources == [me]:  # one source, the common case: no precedence to resolve
            old, old_lineage = mv.attrs, mv.lineage
            mv.attrs = mine.values
            mv.lineage = {
                k: lineage_entry(
                    0, old_lineage[k][1] if k in old_lineage and old.get(k) == v else run_id, mine.chosen.get(k)
                )
                for k, v in mine.values.items()
            }
        else:
            parts = [mine if src == me else self.step.stored_values(self.conn, SourceRef(*src)) for src in mv.sources]
            mv.attrs, mv.lineage = merge(parts, mv.attrs, mv.lineage, run_id)
        if mv.state in (State.GRACE, State.DISABLED, State.ARCHIVED) and mv.sources:
            self.ctx.report.add("lifecycle", mv.object_type, "restored")
            mv.state, mv.state_since = State.ACTIVE, self.ctx.stamp
        self._touch(mv)

    def _touch(self, mv: MvObject) -> None:
        if mv.id not in self.new:
            self.touched[mv.id] = mv

    def _write(self) -> None:
        ctx = self.ctx
        ctx.report.add("sync", self.subject, "projected", self.projected)
        fresh = set(self.new)
        changed = save_changed(ctx.db, self.conn, [*self.new.values(), *self.touched.values()], ctx.run_id, fresh)
        ctx.report.add("sync", self.subject, "updated", sum(1 for mv in changed if mv.id not in fresh))
        self.step.joins.store(self.conn, self.rule.metaverse_type, changed, fresh)
        ctx.db.update_rows(self.conn, t.cs_objects, "id", LINK_COLUMNS, self.links)
