"""The year nodes of the ``hierarchy`` rollover strategy: added as groups need them, removed at rollover."""

from __future__ import annotations

from sqlalchemy import Connection

from edusync.engine.diff import Planned, Sent, diff
from edusync.engine.rollover import YearHierarchy
from edusync.model.records import Attrs, Op
from edusync.pipeline.context import RunContext
from edusync.pipeline.planning import store
from edusync.pipeline.planning.changeset import ChangeSetDraft, ChangeWriter, live


class YearNodes(ChangeWriter):
    """The year nodes of the ``hierarchy`` strategy: added as groups need them, deleted at rollover."""

    def __init__(
        self, ctx: RunContext, conn: Connection, target: str, node_type: str | None, shared: ChangeSetDraft
    ) -> None:
        super().__init__(ctx, conn, target, node_type or "organisation", shared)

    def plan(self, nodes: list[tuple[str, Attrs]]) -> None:
        if not nodes:
            return
        keys = self.shared.keys
        assert isinstance(keys, YearHierarchy)
        last = keys.year.previous().label
        sent = self._sent([k for k, _ in nodes] + [year_key(k, last) for k, _ in nodes])
        out = []
        for key, attrs in nodes:
            planned = diff(attrs, False, sent.get(key), "delete")
            if planned is not None:
                out.append(
                    self._change(key, None, planned, rolled=live(sent.get(year_key(key, last))), prior=sent.get(key))
                )
        self._store(out)

    def finish(self, keys: YearHierarchy, *, full: bool) -> None:
        """On a full plan, nodes of other school years go (hard delete: the year's hierarchy is removed)."""
        if not full:
            return
        made, label = keys.made(), keys.year.label
        out = []
        for key, digest, attrs in store.strategy_nodes(self.conn, self.target, self.object_type):
            if key not in made:
                rolled = year_key(key, label) in made
                gone = Planned(Op.DELETE, attrs, digest, soft=False)
                out.append(self._change(key, None, gone, rolled, prior=Sent(digest, "present", attrs)))
        self._store(out)


def year_key(key: str, label: str) -> str:
    return f"{key.rsplit('.', 1)[0]}.{label}"
