"""Import: read a source into its connector space, one transaction per connector.

A full import is the whole truth: objects it does not deliver are marked gone, but only
after the input sanity check has passed (:mod:`.sanity`). Nothing is staged from an import
that fails or blocks; an unchanged object costs one hash compare.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Iterator

from edusync import faults
from edusync.connectors.base import Capability, Connector, SourceText
from edusync.errors import GateBlocked, SourceError
from edusync.model.hashing import dump_hash, loads
from edusync.model.records import SourceRecord
from edusync.pipeline.connectors import open_connector, source_types
from edusync.pipeline.context import RunContext
from edusync.pipeline.importing import lines, sanity
from edusync.pipeline.importing.store import StagingStore, forget_snapshots, refresh_statistics
from edusync.pipeline.step import StepResult

FLUSH = 20_000
LOOKUP = 5_000  # records per lookup of what is staged already


class ImportStep:
    """``NAME:import`` (full) or ``NAME:import-delta`` (since the watermark, where the connector can)."""

    def __init__(self, name: str, connector: str, *, delta: bool) -> None:
        self.name, self.connector, self.delta = name, connector, delta

    def run(self, ctx: RunContext) -> StepResult:
        connector = open_connector(ctx, self.connector)
        use_delta = self.delta and not ctx.full and connector.supports(Capability.DELTA_IMPORT)
        window = (ctx.now - dt.timedelta(days=ctx.config.safety.input.drift_window_days)).isoformat(timespec="seconds")
        try:
            with ctx.db.begin() as conn, ctx.db.small_cache(conn):
                staged = [
                    TypeImport(ctx, StagingStore(ctx.db, conn, connector.name, ot), connector).stage(use_delta)
                    for ot in source_types(ctx, connector)
                ]
                for imp in staged:
                    imp.baseline = None if use_delta else imp.store.baseline(window)
                # A person who approved one broken import of this connector has seen all of it: every type's
                # baseline starts again from tonight's count.
                approved = sanity.check(ctx.config, [imp.loss for imp in staged], ctx.approved, ctx.report.warnings)
                for imp in staged:
                    imp.finish(approved=bool(approved))
                if any(imp.counts["added"] for imp in staged):
                    refresh_statistics(ctx.db, conn)
            faults.reach("import.committed")
        except GateBlocked:
            # Whatever the source says of itself next time, it is read in full: a mended source can
            # carry the very stamps of the broken night (FINT's last-updated).
            forget_snapshots(ctx.db, connector.name)
            raise
        finally:
            connector.close()
        # Counted only once committed: a blocked or failed import staged nothing.
        for imp in staged:
            for what, n in imp.counts.items():
                ctx.report.add("import", imp.subject, what, n)
            if imp.baseline:
                ctx.report.set("import", imp.subject, "baseline", imp.baseline)
        unchanged = all(imp.counts.get("identical_source") for imp in staged)
        return StepResult("skipped", "the source is unchanged") if staged and unchanged else StepResult()


class TypeImport:
    """One object type of one connector: stage what is new or changed, find what is gone."""

    def __init__(self, ctx: RunContext, store: StagingStore, connector: Connector) -> None:
        self.ctx, self.store, self.connector = ctx, store, connector
        self.object_type = store.object_type
        self.subject = f"{connector.name}/{self.object_type}"
        self.gone: list[str] = []
        self.counts: dict[str, int] = {}
        self.vanished: Counter[str] = Counter()
        self.delta = False
        self.baseline: int | None = None
        self.text: SourceText | None = None

    @property
    def loss(self) -> sanity.Loss:
        seen = self.counts["seen"]
        return sanity.Loss(
            self.connector.name,
            self.object_type,
            self.before,
            seen,
            self.gone,
            not self.delta,
            self.baseline,
            self.vanished,
        )

    def _unchanged(self) -> TypeImport:
        """The source says it holds exactly what it held last time: nothing to read."""
        count = self.store.present_count()
        self.before, self.watermark = count, self.old_watermark
        self.counts = {"seen": count, "added": 0, "changed": 0, "unchanged": count, "gone": 0, "identical_source": 1}
        return self

    def stage(self, delta: bool) -> TypeImport:
        """Stage new and changed records; find what is gone, without marking it yet."""
        ctx, store, subject = self.ctx, self.store, self.subject
        self.delta = delta
        self.old_watermark, old_snapshot = store.marks()
        self.snapshot = None if delta else self.connector.snapshot(self.object_type)
        if self.snapshot is not None and self.snapshot == old_snapshot and not ctx.full:
            return self._unchanged()
        self.text = None if delta else self.connector.source_text(self.object_type)
        if self.text is not None and not ctx.full and self._by_lines(self.text):
            return self
        stream = self.connector.import_objects(self.object_type, since=self.old_watermark if delta else None)
        seen: set[str] = set()
        added = changed = 0
        label = f"import {subject}"
        if delta:  # a delta is a few changed objects in a county of millions: look up only those
            present: dict[str, str] = {}

            def known(chunk: list[SourceRecord]) -> dict[str, tuple[str, str]]:
                return store.known([r.anchor for r in chunk])

        else:
            present = store.existing("present")
            gone_before = store.existing("gone")

            def known(chunk: list[SourceRecord]) -> dict[str, tuple[str, str]]:
                return {
                    r.anchor: (h, "present") if (h := present.get(r.anchor)) is not None else ("", "gone")
                    for r in chunk
                    if r.anchor in present or r.anchor in gone_before
                }

        for chunk in _chunks(stream, LOOKUP):
            for record in chunk:
                anchor = record.anchor
                if not anchor or not isinstance(anchor, str):
                    raise SourceError(
                        f"{subject}: a record has an empty anchor",
                        connector=self.connector.name,
                        object_type=self.object_type,
                    )
                if anchor in seen:
                    raise SourceError(
                        f"{subject}: duplicate anchor {anchor!r} in one import",
                        connector=self.connector.name,
                        object_type=self.object_type,
                        anchor=anchor,
                    )
                seen.add(anchor)
            old_rows = known(chunk)
            changed_now: list[SourceRecord] = []
            for record in chunk:
                added_one = self._stage_one(record, old_rows.get(record.anchor))
                if added_one is None:
                    continue
                if added_one:
                    added += 1
                else:
                    changed += 1
                    if old_rows[record.anchor][1] == "present":
                        changed_now.append(record)
            if changed_now:
                self._count_vanished(changed_now)
            if store.queued >= FLUSH:
                store.flush()
                ctx.progress(label, len(seen), stream.total)
        store.flush()
        self.gone = [] if delta else [a for a in present if a not in seen]
        # A delta does not read what is staged; the share an attribute vanished from needs the whole.
        self.before = store.present_count() if delta and self.vanished else len(present)
        self.watermark = stream.watermark
        ctx.progress(label, len(seen), len(seen))
        self.counts = {
            "seen": len(seen),
            "added": added,
            "changed": changed,
            "unchanged": len(seen) - added - changed,
            "gone": len(self.gone),
        }
        return self

    def _by_lines(self, text: SourceText) -> bool:
        """Stage only what the lines changed since the last full read (:mod:`.lines`); False: read in full."""
        store = self.store
        old = lines.load(store.db, store.conn, self.connector.name, self.object_type, text)
        found = None if old is None else lines.changed(text, old)
        if found is None:
            return False
        anchors = [r.anchor for r in found.records]
        staged = store.known([*anchors, *(found.went - set(anchors))])
        if any(staged.get(a, ("", ""))[1] == "present" and a not in found.went for a in anchors):
            return False  # a new line holds an anchor an unchanged line holds too: the full read names both
        self.before, self.watermark = store.present_count(), None
        added = changed = 0
        changed_now = []
        for record in found.records:
            outcome = self._stage_one(record, staged.get(record.anchor))
            if outcome:
                added += 1
            elif outcome is False:
                changed += 1
                if staged[record.anchor][1] == "present":
                    changed_now.append(record)
        if changed_now:
            self._count_vanished(changed_now)
        store.flush()
        now = set(anchors)
        self.gone = sorted(a for a in found.went if a not in now and staged.get(a, ("", ""))[1] == "present")
        seen = len(text.lines)
        self.ctx.progress(f"import {self.subject}", seen, seen)
        self.counts = {"seen": seen, "added": added, "changed": changed, "unchanged": seen - added - changed,
                       "gone": len(self.gone), "lines_read": len(found.records),
                       "lines_skipped": seen - len(found.records)}  # fmt: skip
        return True

    def _stage_one(self, record: SourceRecord, old: tuple[str, str] | None) -> bool | None:
        """Queue one record: True when new, False when changed, None when unchanged."""
        digest = record.fingerprint
        text = None
        if digest is None:
            text, digest = dump_hash(record.attrs)
        if old is not None and old[1] == "present" and old[0] == digest:
            return None
        if text is None:
            text = dump_hash(record.attrs)[0]
        if old is None:
            self.store.add(record.anchor, digest, text, self.ctx.run_id)
            return True
        self.store.change(record.anchor, digest, text, self.ctx.run_id)
        return False

    def _count_vanished(self, records: list[SourceRecord]) -> None:
        """Which attributes the changed ``records`` no longer have that their staged copies had."""
        before = self.store.staged_attrs([r.anchor for r in records])
        for record in records:
            old = loads(before.get(record.anchor, "{}"))
            for name, value in old.items():
                if value not in (None, "", []) and record.attrs.get(name) in (None, "", []):
                    self.vanished[name] += 1

    def finish(self, *, approved: bool) -> None:
        """Mark the gone objects, move the watermark, count the import (after the sanity check passed).

        An import a person approved leaves no snapshot: the next run reads the source in full.
        """
        ctx = self.ctx
        self.store.mark_gone(self.gone, ctx.run_id)
        if self.text is not None:
            lines.save(ctx.db, self.store.conn, self.connector.name, self.object_type, self.text, ctx.run_id)
        self.store.save_marks(self.watermark, None if approved else self.snapshot, ctx.run_id)
        if not self.delta:
            self.store.count_import(ctx.run_id, ctx.stamp, self.counts["seen"], approved)


def _chunks(records: Iterable[SourceRecord], size: int) -> Iterator[list[SourceRecord]]:
    chunk: list[SourceRecord] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
