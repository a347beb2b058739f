"""Sync: turn changed staged objects into metaverse objects.

For each sync rule, in the order the config lists them (so persons exist before the
memberships that point at them), the dirty staged objects are read a page at a time and go
one of two ways: the first load of a metaverse type projects every row straight to new
objects (:mod:`.bulk`); everything else takes the general path (:mod:`.page`): criteria,
join or project, inbound flows, precedence, lineage. Only dirty staged objects are read, so a
delta costs what changed.
"""

from __future__ import annotations

from edusync import faults
from edusync.model.fnr import mask_text
from edusync.pipeline.context import RunContext
from edusync.pipeline.step import StepResult
from edusync.pipeline.syncing import bulk, store
from edusync.pipeline.syncing.lookups import Lookups
from edusync.pipeline.syncing.page import SyncPage
from edusync.pipeline.syncing.rule import CompiledRule
from edusync.storage import tables

PAGE = 20_000
BULK_COMMIT = 200_000  # rows per transaction in a first load
ANALYZE_AFTER = 20_000  # rows synced by one rule after which the planner's statistics are refreshed
MAX_WARNINGS = 200


class SyncStep:
    """``sync``: one pass over every sync rule."""

    def __init__(self, name: str = "sync") -> None:
        self.name = name

    def run(self, ctx: RunContext) -> StepResult:
        lookups = Lookups(ctx)
        for rule in ctx.config.sync:
            self._sync_rule(lookups, lookups.rules[(rule.connector, rule.object_type)])
            lookups.refs.clear()
        return StepResult()

    def _sync_rule(self, lookups: Lookups, compiled: CompiledRule) -> None:
        ctx = lookups.ctx
        with ctx.db.begin() as conn:
            path = bulk.applies(lookups, conn, compiled)
        lookups.unresolved = {}
        if path == "empty":
            with ctx.db.without_indexes(tables.mv_objects, store.DEFERRED):
                self._pages(lookups, compiled, path)
        else:
            self._pages(lookups, compiled, path)
        # A reference to an object of the same rule (a course group's course) resolves once that
        # object is linked: go round again over what is left while a pass resolves anything.
        while lookups.unresolved:
            before = len(lookups.unresolved)
            lookups.unresolved, lookups.refs = {}, {}
            self._pages(lookups, compiled, None)
            if len(lookups.unresolved) >= before:
                break
        subject = compiled.subject
        ctx.report.add("sync", subject, "unresolved", len(lookups.unresolved))
        room = max(0, MAX_WARNINGS - len(ctx.report.warnings))
        ctx.report.warnings += [
            f"{subject} {mask_text(a)}: {msg}" for a, msg in list(lookups.unresolved.items())[:room]
        ]
        refused = lookups.refused.pop(subject, [])
        if refused:
            ctx.report.add("sync", subject, "refused_values", len(refused))
            room = max(0, MAX_WARNINGS - len(ctx.report.warnings))
            more = f" (and {len(refused) - room} more)" if len(refused) > room else ""
            ctx.report.warnings += refused[:room]
            if more:
                ctx.report.warnings.append(f"{subject}: {len(refused)} values left out by rules{more}")

    def _pages(self, lookups: Lookups, compiled: CompiledRule, path: str | None) -> None:
        ctx, rule = lookups.ctx, compiled.rule
        last, done = 0, 0
        label = f"sync {compiled.subject}"
        # A first load inserts rows at random places in the primary key's index; each commit
        # writes every page it touched, so a first load commits every few pages, not every one.
        per_commit = BULK_COMMIT if path else PAGE
        more = True
        while more:
            with ctx.db.begin() as conn:
                in_txn = 0
                while in_txn < per_commit:
                    rows = store.dirty_page(ctx.db, conn, rule.connector, rule.object_type, last, PAGE)
                    if not rows:
                        more = False
                        break
                    last = rows[-1][0]
                    if path:
                        links = bulk.project_page(lookups, compiled, conn, rows, check=path == "fresh")
                        store.write_links(ctx.db, conn, links)
                    else:
                        SyncPage(lookups, compiled, conn).process(rows)
                    in_txn += len(rows)
                    done += len(rows)
                    ctx.progress(label, done, None)
            faults.reach("sync.committed")
        if done >= ANALYZE_AFTER:
            with ctx.db.begin() as conn:
                store.refresh_statistics(ctx.db, conn)
