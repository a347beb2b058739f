"""Import: read a source into its connector space, one transaction per connector.

A full import is the whole truth: objects it does not deliver are marked gone, but
only after the input sanity check has passed. Nothing is staged from an import that
fails or blocks; an unchanged object costs one hash compare.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection

from edusync.connectors.base import Capability, Connector
from edusync.errors import SourceError
from edusync.model.hashing import dump_hash, text_hash
from edusync.model.records import SourceRecord
from edusync.services.blocking import StepBlocked
from edusync.services.connectors import open_connector, source_types
from edusync.services.context import RunContext
from edusync.storage import tables as t

FLUSH = 20_000
COLUMNS = ("connector", "object_type", "anchor", "hash", "attrs", "state", "dirty", "seen_run", "changed_run")
UPDATE = (
    "UPDATE cs_objects SET hash = ?, attrs = ?, state = 'present', dirty = ?, seen_run = ?, changed_run = ? "
    "WHERE connector = ? AND object_type = ? AND anchor = ?"
)
GONE = (
    "UPDATE cs_objects SET state = 'gone', dirty = ?, changed_run = ? WHERE connector = ? AND object_type = ? "
    "AND anchor = ?"
)
EXISTING = "SELECT anchor, hash FROM cs_objects WHERE connector = ? AND object_type = ? AND state = ?"
KNOWN = "SELECT anchor, hash, state FROM cs_objects WHERE connector = ? AND object_type = ? AND anchor IN ({marks})"
LOOKUP = 5_000  # records per lookup of what is staged already
PRESENT = "SELECT count(*) FROM cs_objects WHERE connector = ? AND object_type = ? AND state = 'present'"
MARKS = "SELECT value, snapshot FROM watermarks WHERE connector = ? AND object_type = ?"


def import_step(ctx: RunContext, name: str, *, delta: bool, approved: set[str]) -> None:
    connector = open_connector(ctx, name)
    use_delta = delta and connector.supports(Capability.DELTA_IMPORT)
    try:
        with ctx.db.begin() as conn, ctx.db.small_cache(conn):
            staged = [_Import(ctx, conn, connector, t).stage(use_delta) for t in source_types(ctx, connector)]
            if not use_delta:
                _sanity_check(ctx, staged, approved)
            for imp in staged:
                imp.finish()
            if any(imp.counts["added"] for imp in staged):
                ctx.db.analyze(conn, t.cs_objects)
    finally:
        connector.close()
    # Counted only once committed: a blocked or failed import staged nothing.
    for imp in staged:
        for what, n in imp.counts.items():
            ctx.report.add("import", imp.subject, what, n)


class _Import:
    def __init__(self, ctx: RunContext, conn: Connection, connector: Connector, object_type: str) -> None:
        self.ctx, self.conn, self.connector, self.object_type = ctx, conn, connector, object_type
        self.subject = f"{connector.name}/{object_type}"
        self.inserts: list[tuple[Any, ...]] = []
        self.updates: list[tuple[Any, ...]] = []

    def _existing(self, state: str) -> dict[str, str]:
        """Anchor → hash of the staged objects in ``state``, read straight from the driver (a county is millions)."""
        return dict(self.ctx.db.fetch(self.conn, EXISTING, (self.connector.name, self.object_type, state)))

    def _marks(self) -> tuple[str | None, str | None]:
        """The delta watermark and the snapshot of the last full import."""
        rows = self.ctx.db.fetch(self.conn, MARKS, (self.connector.name, self.object_type))
        return (rows[0][0], rows[0][1]) if rows else (None, None)

    def _unchanged(self) -> _Import:
        """The source says it holds exactly what it held last time: nothing to read."""
        (count,) = self.ctx.db.fetch(self.conn, PRESENT, (self.connector.name, self.object_type))[0]
        self.gone: list[str] = []
        self.before, self.watermark = int(count), self.old_watermark
        self.counts = {
            "seen": int(count),
            "added": 0,
            "changed": 0,
            "unchanged": int(count),
            "gone": 0,
            "identical_source": 1,
        }
        return self

    def stage(self, delta: bool) -> _Import:
        """Stage new and changed records; find what is gone, without marking it yet."""
        ctx, object_type, subject = self.ctx, self.object_type, self.subject
        self.old_watermark, old_snapshot = self._marks()
        self.snapshot = None if delta else self.connector.snapshot(object_type)
        if self.snapshot is not None and self.snapshot == old_snapshot:
            return self._unchanged()
        stream = self.connector.import_objects(object_type, since=self.old_watermark if delta else None)
        seen: set[str] = set()
        added = changed = 0
        label = f"import {subject}"
        if delta:  # a delta is a few changed objects in a county of millions: look up only those
            present: dict[str, str] = {}
            known = self._known_anchors
        else:
            present = self._existing("present")
            gone_before = self._existing("gone")

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
                    raise SourceError(f"{subject}: a record has an empty anchor")
                if anchor in seen:
                    raise SourceError(f"{subject}: duplicate anchor {anchor!r} in one import")
                seen.add(anchor)
            old_rows = known(chunk)
            for record in chunk:
                added_one = self._stage_one(record, old_rows.get(record.anchor))
                if added_one is None:
                    continue
                if added_one:
                    added += 1
                else:
                    changed += 1
            if len(self.inserts) + len(self.updates) >= FLUSH:
                self._flush()
                ctx.progress(label, len(seen), stream.total)
        self._flush()
        self.gone = [] if delta else [a for a in present if a not in seen]
        self.before = len(present)
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
        name, object_type, run_id = self.connector.name, self.object_type, self.ctx.run_id
        if old is None:
            self.inserts.append((name, object_type, record.anchor, digest, text, "present", True, run_id, run_id))
            return True
        self.updates.append((digest, text, True, run_id, run_id, name, object_type, record.anchor))
        return False

    def _known_anchors(self, chunk: list[SourceRecord]) -> dict[str, tuple[str, str]]:
        """Hash and state of the staged objects among ``chunk``'s anchors."""
        rows = self.ctx.db.fetch_in(
            self.conn, KNOWN, (self.connector.name, self.object_type), [r.anchor for r in chunk]
        )
        return {anchor: (digest, state) for anchor, digest, state in rows}

    def finish(self) -> None:
        """Mark the gone objects and move the watermark (after the sanity check passed)."""
        ctx, run_id = self.ctx, self.ctx.run_id
        name, object_type = self.connector.name, self.object_type
        ctx.db.many(self.conn, GONE, [(True, run_id, name, object_type, a) for a in self.gone])
        # A delta leaves no snapshot: the next full import must read everything again.
        row = {
            "connector": name,
            "object_type": object_type,
            "value": self.watermark,
            "snapshot": self.snapshot,
            "run_id": run_id,
        }
        ctx.db.upsert(self.conn, t.watermarks, [row], ["connector", "object_type"])

    def _flush(self) -> None:
        # In anchor order, each write lands beside the one before in the anchor index: a county's
        # first import writes a third faster than in the order the source hands records over.
        self.inserts.sort(key=itemgetter(2))
        self.updates.sort(key=itemgetter(7))
        self.ctx.db.insert(self.conn, t.cs_objects, COLUMNS, self.inserts)
        self.ctx.db.many(self.conn, UPDATE, self.updates)
        self.inserts.clear()
        self.updates.clear()


def _chunks(records: Iterable[SourceRecord], size: int) -> Iterator[list[SourceRecord]]:
    chunk: list[SourceRecord] = []
    for record in records:
        chunk.append(record)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _sanity_check(ctx: RunContext, staged: list[_Import], approved: set[str]) -> None:
    """Block before anything is planned as gone when a full import looks broken.

    Every object type of the connector is checked first, so one approval covers
    everything that one broken export lost.
    """
    policy = ctx.config.safety.input
    reasons: list[str] = []
    lost: list[str] = []
    for imp in staged:
        if imp.before == 0 or not imp.gone:
            continue
        limit = ctx.config.object_options(imp.connector.name, imp.object_type).max_loss_percent
        limit = policy.max_loss_percent if limit is None else limit
        pct = 100.0 * len(imp.gone) / imp.before
        if imp.counts["seen"] == 0 and policy.block_empty:
            reasons.append(f"{imp.subject}: the full import is empty (had {imp.before} objects)")
        elif pct > limit:
            reasons.append(
                f"{imp.subject}: the full import lost {len(imp.gone)} of {imp.before} objects "
                f"({pct:.1f} % > limit {limit:g} %)"
            )
        else:
            continue
        lost += [f"{imp.object_type}\x1f{a}" for a in sorted(imp.gone)]
    if not reasons:
        return
    digest = text_hash(staged[0].connector.name, *lost)
    if digest in approved:
        ctx.report.warnings += [r + " (approved)" for r in reasons]
        return
    detail = {"connector": staged[0].connector.name, "lost": {i.subject: len(i.gone) for i in staged if i.gone}}
    raise StepBlocked("input", reasons, digest, detail)
