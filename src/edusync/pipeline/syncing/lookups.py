"""What the pages of one sync step share: join keys, references, rows left unresolved, other sources.

A reference (a membership's person) is resolved through the staged objects of the same
connector, anchor → metaverse id, loaded once per type and rule. A row whose reference is
not in the metaverse yet stays dirty; the step goes round again while a pass resolves any,
and reports the rest after the last.
"""

from __future__ import annotations

from sqlalchemy import Connection

from edusync.engine.flows import Part, RefResolver, SourceRef, Unresolved
from edusync.model.fnr import mask_text
from edusync.model.hashing import loads
from edusync.pipeline.context import RunContext
from edusync.pipeline.syncing import store
from edusync.pipeline.syncing.joins import JoinIndex
from edusync.pipeline.syncing.rule import CompiledRule


class Lookups:
    def __init__(self, ctx: RunContext) -> None:
        self.ctx = ctx
        self.rules = {(r.connector, r.object_type): CompiledRule(r) for r in ctx.config.sync}
        self.joins = JoinIndex(ctx)
        self.refs: dict[tuple[str, str], dict[str, str]] = {}
        #: Anchor → why, for the rows of the current rule whose reference did not resolve.
        self.unresolved: dict[str, str] = {}
        #: Per rule (connector/type): the values refusing rules would not let through, as report lines.
        self.refused: dict[str, list[str]] = {}

    def refused_values(self, subject: str, anchor: str, what: list[str]) -> None:
        """A record whose value a rule refused: counted and named (never the value) in the report."""
        self.refused.setdefault(subject, []).append(f"{subject} {mask_text(anchor)}: left out {', '.join(what)}")

    def unresolved_row(self, anchor: str, exc: Unresolved) -> None:
        """A row whose reference is not in the metaverse yet: it stays dirty and is reported after the last pass."""
        self.unresolved[anchor] = str(exc)

    def resolver(self, conn: Connection, connector: str) -> RefResolver:
        """Anchor → metaverse id for objects of the same connector."""

        def resolve(object_type: str, anchor: str) -> str | None:
            key = (connector, object_type)
            if key not in self.refs:
                self.refs[key] = store.links(self.ctx.db, conn, connector, object_type)
            return self.refs[key].get(anchor)

        return resolve

    def stored_values(self, conn: Connection, ref: SourceRef) -> Part:
        """What another source of an object contributes, from its staged attributes."""
        compiled = self.rules.get((ref.connector, ref.object_type))
        row = store.staged(self.ctx.db, conn, ref.connector, ref.object_type, ref.anchor)
        if compiled is None or row is None or row[1] != "present":
            return Part({}, {}, {})
        chosen: dict[str, int] = {}
        try:
            values = compiled.flows.apply(loads(row[0]), self.ctx.rules, self.resolver(conn, ref.connector), chosen)
        except Unresolved:
            return Part({}, {}, {})
        return Part(values, compiled.flows.precedence, chosen)
