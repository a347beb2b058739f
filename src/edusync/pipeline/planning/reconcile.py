"""Reconcile: put back what was changed in a target behind edusync's back.

The planner only looks at metaverse objects that changed, so without this an entry edited
by hand in the Feide catalogue stays wrong until its source changes that person, which may
be never. A target whose connector can read back (:attr:`Capability.RECONCILE`) and whose
config does not say ``reconcile: false`` is therefore asked, before each plan, to compare
every object edusync manages there with what it last sent it (``target_objects``). Each
object that differs is planned again with exactly the attributes last sent: an ``update``,
an ``add`` when it is gone, an ``archive`` when the target holds it archived. These changes
go through the change set, the thresholds, the gate and the export like any other.

The read-back happens before the plan's transaction, a page of keys at a time, so a
county's 100 000 persons are never held at once and no database transaction waits on the
target; only the keys that drifted are kept. An object the same plan changes anyway is left
to that change, which carries its full new state.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from edusync.connectors.base import Capability, Drifted
from edusync.connectors.registry import connector_class
from edusync.engine.diff import Planned, Sent
from edusync.errors import ConfigError, RetriableError
from edusync.model.records import Change, Op
from edusync.pipeline.connectors import open_connector
from edusync.pipeline.context import RunContext
from edusync.pipeline.planning import store
from edusync.pipeline.planning.changeset import ChangeWriter

#: A connector's read-back: the objects as last sent in, the ones that drifted out.
ReadBack = Callable[[Sequence[Change]], list[Drifted]]
#: Target objects per read-back call; the connector pages its own reads within it.
READ = 1000


@dataclass
class Drift:
    """What reading a target back found: the drifted objects per object type, and how many were compared."""

    found: dict[str, dict[str, Drifted]] = field(default_factory=dict)
    checked: dict[str, int] = field(default_factory=dict)


@dataclass
class Reconciled:
    """What the plan puts back for one object type."""

    changed: int = 0
    missing: int = 0
    #: Attribute name -> how many objects had it changed (names only: values may be a fødselsnummer).
    attributes: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return self.changed + self.missing


def reconciles(ctx: RunContext, target: str) -> bool:
    """Whether ``target`` is read back before it is planned (see ``TargetConfig.reconcile``)."""
    wanted = ctx.config.targets[target].reconcile
    kind = ctx.config.connectors[target].type
    able = Capability.RECONCILE in connector_class(kind).capabilities
    if wanted and not able:
        raise ConfigError(
            [f"targets.{target}.reconcile: connector type {kind!r} cannot read back what it holds; remove the option"]
        )
    return able if wanted is None else wanted


def find_drift(ctx: RunContext, target: str) -> Drift | None:
    """Read back every object the target holds of its configured types; None when it is not reconciled.

    A target that stops answering ends the read-back with a warning and keeps what was
    found so far: the export will meet the same trouble, and the next run compares again.
    """
    if not reconciles(ctx, target):
        return None
    drift = Drift()
    with ctx.db.begin() as conn:
        totals = store.target_counts(conn, target)
    types = list(dict.fromkeys(r.object_type for r in ctx.config.targets[target].objects))
    connector = open_connector(ctx, target)
    try:
        for object_type in types:
            _read_back(ctx, target, object_type, connector.drifted, drift, totals.get(object_type))
    except RetriableError as exc:
        checked = sum(drift.checked.values())
        ctx.report.warnings.append(
            f"{target}: reading back what it holds stopped after {checked} objects ({exc}); "
            "only what was found so far is put back, the next run compares again"
        )
    finally:
        connector.close()
    return drift


def _read_back(
    ctx: RunContext, target: str, object_type: str, drifted: ReadBack, drift: Drift, total: int | None
) -> None:
    label, after = f"reconcile {target}/{object_type}", ""
    found = drift.found.setdefault(object_type, {})
    while True:
        with ctx.db.begin() as conn:  # a short read per page, so no transaction waits on the target
            rows = store.held_page(ctx.db, conn, target, object_type, after, READ)
        if not rows:
            return
        expected = [
            Change(0, object_type, key, Op.ARCHIVE if state == "archived" else Op.UPDATE, hash=digest, attrs_json=text)
            for key, digest, state, text in rows
        ]
        found.update((d.key, d) for d in drifted(expected) if d.object_type == object_type)
        after = str(rows[-1][0])
        drift.checked[object_type] = drift.checked.get(object_type, 0) + len(rows)
        ctx.progress(label, drift.checked[object_type], total)


class Reconciler(ChangeWriter):
    """Plans the drifted objects of one type into the change set, after the planners have run."""

    def plan(self, drifted: dict[str, Drifted]) -> Reconciled:
        done = Reconciled()
        if not drifted:
            return done
        db, ot = self.ctx.db, self.object_type
        keys = sorted(drifted)
        planned = store.planned_keys(db, self.conn, self.shared.cs_id, ot, keys)
        rest = [k for k in keys if k not in planned]
        sent = store.sent_rows(db, self.conn, self.target, ot, rest) if rest else {}
        out = []
        for key in rest:
            row = sent.get(key)
            if row is None or row[2] == "deleted":  # forgotten or deleted since it was read back
                continue
            _, digest, state, text, mv_id = row
            found = drifted[key]
            # An archived object stays archived; an add of an object that is gone brings it back.
            op = Op.ARCHIVE if state == "archived" else Op.ADD if found.missing else Op.UPDATE
            out.append(self._change(key, mv_id, Planned(op, text, digest), prior=Sent(digest, state, text)))
            if found.missing:
                done.missing += 1
            else:
                done.changed += 1
                done.attributes.update(found.attributes)
        self._store(out)
        return done


def describe(target: str, reconciled: dict[str, Reconciled]) -> list[str]:
    """One sentence per object type for the run report and the status mail."""
    lines = []
    for object_type, r in sorted(reconciled.items()):
        if not r.total:
            continue
        parts = []
        if r.changed:
            names = ", ".join(name for name, _ in r.attributes.most_common(8))
            parts.append(f"{r.changed} changed outside edusync ({names})")
        if r.missing:
            parts.append(f"{r.missing} missing")
        lines.append(
            f"{target}: {r.total} {object_type} objects did not hold what edusync last sent them "
            f"({'; '.join(parts)}): put back with the values last sent"
        )
    return lines
