"""The general path of the sync: one page of dirty staged objects, written in one transaction.

Each staged object that passes its rule's criteria is joined to a metaverse object (its link,
then the join rules) or projected as a new one; its inbound flows give its values, and where
several sources feed an object, precedence merges them with lineage. One that is gone or no
longer passes is deprovisioned by its connector's policy.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from edusync.engine.flows import Part, SourceRef, Unresolved, lineage_entry, merge
from edusync.engine.lifecycle import purge
from edusync.model.hashing import loads
from edusync.model.records import Attrs, MvObject, State
from edusync.pipeline.syncing import store
from edusync.pipeline.syncing.lookups import Lookups
from edusync.pipeline.syncing.rule import CompiledRule
from edusync.storage.metaverse import load_mv, save_changed


class SyncPage:
    """The work on one page of dirty staged objects, written in one transaction."""

    def __init__(self, lookups: Lookups, compiled: CompiledRule, conn: Connection) -> None:
        self.lookups, self.ctx, self.conn = lookups, lookups.ctx, conn
        self.rule = compiled.rule
        self.compiled = compiled
        self.new: dict[str, MvObject] = {}
        self.touched: dict[str, MvObject] = {}
        self.links: list[tuple[str | None, bool, int]] = []
        self.subject = compiled.subject
        self.projected = 0
        self.policy = self.ctx.config.object_options(self.rule.connector, self.rule.object_type).deprovision

    def process(self, rows: Sequence[Any]) -> None:
        rule, ctx = self.rule, self.ctx
        project_ids = {r[1]: self.compiled.project_id(r[1]) for r in rows}
        self.joins = self.lookups.joins.for_page(self.conn, rule, rows)
        joined = [i for ids in self.joins.index.values() for i in ids]
        self.existing = load_mv(
            self.ctx.db, self.conn, [r[4] for r in rows if r[4]] + list(project_ids.values()) + joined
        )
        resolve = self.lookups.resolver(self.conn, rule.connector)
        for cs_id, anchor, attrs_text, state, linked in rows:
            attrs = loads(attrs_text)
            ref = [rule.connector, rule.object_type, anchor]
            if state == "present" and self.compiled.criteria(attrs, ctx.rules):
                chosen: dict[str, int] = {}
                try:
                    refused: list[str] = []
                    values = self.compiled.flows.apply(attrs, ctx.rules, resolve, chosen, refused)
                    if refused:
                        self.lookups.refused_values(self.subject, anchor, refused)
                except Unresolved as exc:
                    self.lookups.unresolved_row(anchor, exc)
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
            parts = [
                mine if src == me else self.lookups.stored_values(self.conn, SourceRef(*src)) for src in mv.sources
            ]
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
        self.lookups.joins.store(self.conn, self.rule.metaverse_type, changed, fresh)
        store.write_links(ctx.db, self.conn, self.links)
