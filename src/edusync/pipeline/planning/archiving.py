"""What a target does with archived objects and their members (itslearning's course archiving).

Two options of a provision rule:

- ``restore_archived: false``: an object the target archived stays archived when it
  reappears. itslearning does not bring a course back from its archive by itself, so
  edusync sends nothing for it and counts it as ``stays_archived``.
- ``release_when_archived: {ref: group, object_type: group}``: when the group a member
  points at is archived, itslearning turns the synced members into manual ones. edusync
  then *forgets* such a member (``released``: no delete is sent and it is no longer
  tracked) and holds back new members of an archived group (``held``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import Connection

from edusync.config.models import ProvisionRule
from edusync.engine.diff import Planned, Sent, diff
from edusync.model.hashing import loads
from edusync.model.records import Attrs, Op
from edusync.pipeline.context import RunContext
from edusync.pipeline.planning import store
from edusync.pipeline.planning.changeset import live


def release(sent: Sent) -> Planned:
    """Stop tracking an object without telling the target (it is the target's own now)."""
    return Planned(Op.FORGET, sent.text, sent.hash)


class ArchiveRules:
    """The decisions of one provision rule, around :func:`edusync.engine.diff.diff`."""

    def __init__(
        self,
        ctx: RunContext,
        conn: Connection,
        target: str,
        rule: ProvisionRule,
        archiving: Mapping[str, Mapping[str, str | None]],
    ) -> None:
        self.ctx, self.conn, self.target, self.rule = ctx, conn, target, rule
        self.release = rule.release_when_archived
        #: Keys this change set archives, per object type (filled by the planners before this one).
        self.archiving = archiving
        self._archived: dict[str, bool] = {}

    def _ref(self, desired: Attrs | None, sent: Sent | None) -> str | None:
        assert self.release is not None
        attrs = desired if desired is not None else (loads(sent.text) if sent is not None else None)
        value = attrs.get(self.release.ref) if attrs else None
        return value if isinstance(value, str) else None

    def prepare(self, wanted: Iterable[tuple[str, Attrs | None, bool]], sent: Mapping[str, Sent]) -> None:
        """Look up, once per page, which referenced groups the target holds archived."""
        if self.release is None:
            return
        refs = {r for _, d, _ in wanted if (r := self._ref(d, None))}
        refs |= {r for s in sent.values() if (r := self._ref(None, s))}
        unknown = sorted(refs - self._archived.keys())
        if not unknown:
            return
        found = store.archived(self.ctx.db, self.conn, self.target, self.release.object_type, unknown)
        self._archived.update({r: r in found for r in unknown})

    def _group_archived(self, key: str) -> bool:
        assert self.release is not None
        return key in self.archiving.get(self.release.object_type, {}) or self._archived.get(key, False)

    def decide(self, desired: Attrs | None, archived: bool, sent: Sent | None) -> tuple[Planned | None, str | None]:
        """The change to plan (or None) and a note for what was decided instead."""
        if self.release is not None:
            group = self._ref(desired, sent)
            if group is not None and self._group_archived(group):
                if sent is not None and live(sent):
                    return release(sent), "released"
                return None, "held" if desired is not None else None
        planned = diff(desired, archived, sent, self.rule.deprovision)
        if (
            planned is not None
            and not self.rule.restore_archived
            and sent is not None
            and sent.state == "archived"
            and planned.op in (Op.RESTORE, Op.UPDATE)
        ):
            return None, "stays_archived" if planned.op == Op.RESTORE else None
        return planned, None

    def members_of_archived(self, exclude: set[str]) -> list[str]:
        """Metaverse ids of members of the groups this change set archives (not those already planned)."""
        if self.release is None:
            return []
        groups = sorted({m for m in self.archiving.get(self.release.object_type, {}).values() if m})
        if not groups:
            return []
        return sorted(store.members_of(self.ctx.db, self.conn, self.rule.metaverse_type, groups) - exclude)
