"""Join keys: keyed hashes of the metaverse attribute values that staged objects are matched on.

Values are hashed with HMAC and the installation's join secret (:meth:`edusync.vault.Vault.join_hash`)
before they are stored: an unkeyed hash of a fødselsnummer is undone by hashing every valid number
(some 40 million) in seconds, a keyed one cannot be checked without the secret.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection

from edusync import vault
from edusync.config.models import SyncRule
from edusync.model.hashing import loads
from edusync.model.records import Attrs, MvObject, State
from edusync.pipeline.context import RunContext
from edusync.pipeline.syncing import store


def join_key(pairs: Sequence[tuple[str, str]], attrs: Attrs, *, source_side: bool) -> tuple[str, str] | None:
    """(name, keyed hash of the values) for one join rule, or None when a value is missing.

    The name joins the metaverse attributes with ``+``, so the key can be made again from a stored
    object alone (the migration to keyed hashes does that).
    """
    values = [attrs.get(src if source_side else dst) for src, dst in pairs]
    if any(v in (None, "") for v in values):
        return None
    return "+".join(dst for _, dst in pairs), vault.current().join_hash(*(str(v) for v in values))


class JoinIndex:
    """Knows which metaverse attributes are join targets, and reads and writes their keys."""

    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.names: dict[str, list[list[tuple[str, str]]]] = {}
        for rule in ctx.config.sync:
            for jr in rule.join:
                mv_side = [(dst, dst) for _, dst in sorted(jr.match.items(), key=lambda kv: kv[1])]
                if mv_side not in self.names.setdefault(rule.metaverse_type, []):
                    self.names[rule.metaverse_type].append(mv_side)

    def keys_of(self, mv: MvObject) -> list[tuple[str, str]]:
        if mv.state == State.PURGED:
            return []
        found = (join_key(pairs, mv.attrs, source_side=False) for pairs in self.names.get(mv.object_type, []))
        return [k for k in found if k]

    def for_page(self, conn: Connection, rule: SyncRule, rows: Sequence[Any]) -> PageJoins:
        """The existing keys the unlinked rows of this page could join on."""
        page = PageJoins(self, rule)
        if not rule.join:
            return page
        wanted: dict[str, set[str]] = {}
        for row in rows:
            if row[4] or row[3] != "present":
                continue
            attrs = loads(row[2])
            for name, value in page.source_keys(attrs):
                wanted.setdefault(name, set()).add(value)
        for name, values in wanted.items():
            for value, mv_id in store.join_keys(self.ctx.db, conn, rule.metaverse_type, name, sorted(values)):
                page.index.setdefault((name, value), []).append(mv_id)
        return page

    def store(self, conn: Connection, object_type: str, changed: Sequence[MvObject], fresh: set[str]) -> None:
        if object_type not in self.names:
            return
        old = [mv.id for mv in changed if mv.id not in fresh]
        rows = [(mv.object_type, name, value, mv.id) for mv in changed for name, value in self.keys_of(mv)]
        store.replace_join_keys(self.ctx.db, conn, old, rows)


class PageJoins:
    """Join candidates for one page, including objects projected earlier in the same page."""

    def __init__(self, index: JoinIndex, rule: SyncRule) -> None:
        self.parent = index
        self.rule = rule
        self.pairs = [sorted(jr.match.items(), key=lambda kv: kv[1]) for jr in rule.join]
        self.index: dict[tuple[str, str], list[str]] = {}

    def source_keys(self, attrs: Attrs) -> Iterator[tuple[str, str]]:
        for pairs in self.pairs:
            key = join_key(pairs, attrs, source_side=True)
            if key:
                yield key

    def candidates(self, rule: SyncRule, attrs: Attrs) -> Iterator[list[str]]:
        for key in self.source_keys(attrs):
            ids = self.index.get(key)
            if ids:
                yield ids

    def add(self, mv: MvObject) -> None:
        if not self.pairs:
            return
        for key in self.parent.keys_of(mv):
            ids = self.index.setdefault(key, [])
            if mv.id not in ids:
                ids.append(mv.id)
