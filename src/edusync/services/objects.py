"""Objects, as people look at them: one object with its lineage, the trash, restore. Fødselsnumre are masked."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, or_, select, text, update

from edusync import vault
from edusync.config.models import Config
from edusync.engine.flows import FlowSet
from edusync.errors import FatalError, NotFound
from edusync.model.fnr import mask_text, mask_values, quoted
from edusync.model.hashing import dumps, loads
from edusync.model.records import State
from edusync.services import lookup
from edusync.storage import Database, tables
from edusync.storage.audit import audit, utcnow


def _find_mv(conn: Connection, config: Config, object_type: str, key: str) -> Any:
    """The object ``key`` identifies (any identifier it has: :mod:`edusync.services.lookup`)."""
    return lookup.find_one(conn, config, object_type, key)


def find_id(db: Database, config: Config, object_type: str, key: str) -> str:
    """The metaverse id of the object ``key`` identifies (any identifier it has)."""
    with db.begin() as conn:
        return str(_find_mv(conn, config, object_type, key).id)


def show_object(db: Database, config: Config, object_type: str, key: str) -> dict[str, Any]:
    """Attributes, lifecycle state, lineage per attribute, sources, and what each target holds."""
    with db.begin() as conn:
        row = _find_mv(conn, config, object_type, key)
        to = tables.target_objects
        targets = []
        for name, target in config.targets.items():
            for rule in target.objects:
                if rule.metaverse_type != object_type:
                    continue
                q = select(to).where(to.c.target == name, to.c.object_type == rule.object_type, to.c.key == row.id)
                targets += [
                    {"target": r.target, "object_type": r.object_type, "key": r.key, "state": r.state, "run": r.run_id}
                    for r in conn.execute(q)
                ]
    sources = loads(row.sources)
    return {
        "id": row.id,
        "type": row.object_type,
        "state": row.state,
        "state_since": row.state_since,
        "created_run": row.created_run,
        "changed_run": row.changed_run,
        "attributes": mask_values(vault.current().unseal(loads(row.attrs))),
        "lineage": explain_lineage(config, loads(row.lineage), sources),
        "sources": [[connector, object_type, mask_text(anchor)] for connector, object_type, anchor in sources],
        "targets": targets,
    }


def explain_lineage(config: Config, lineage: dict[str, list[int]], sources: list[list[str]]) -> dict[str, Any]:
    """Expand the stored ``[source index, run, flow index]`` into connector, anchor, rule and run."""
    labels = {(r.connector, r.object_type): FlowSet(r.flows).labels() for r in config.sync}
    out: dict[str, Any] = {}
    for attr, entry in lineage.items():
        index, run = entry[0], entry[1]
        if index >= len(sources):
            continue
        connector, object_type, anchor = sources[index]
        flows = labels.get((connector, object_type), [])
        rule = flows[entry[2]] if len(entry) > 2 and entry[2] < len(flows) else ""
        shown = mask_text(anchor)
        out[attr] = {"connector": connector, "object_type": object_type, "anchor": shown, "rule": rule, "run": run}
    return out


def trash(db: Database, include_grace: bool = True) -> list[dict[str, Any]]:
    """Every object in grace or the trash at once (a small site's; :mod:`edusync.services.trash` pages)."""
    states = [State.DISABLED.value] + ([State.GRACE.value] if include_grace else [])
    mv = tables.mv_objects
    with db.begin() as conn:
        rows = conn.execute(
            select(mv.c.id, mv.c.object_type, mv.c.state, mv.c.state_since, mv.c.attrs)
            .where(text("state != 'active'"), mv.c.state.in_(states))
            .order_by(mv.c.object_type, mv.c.id)
        ).all()
    return [
        {
            "id": r.id,
            "type": r.object_type,
            "state": r.state,
            "since": r.state_since,
            "name": lookup.name_of(loads(r.attrs)),
        }
        for r in rows
    ]


def restore(db: Database, key: str, actor: str) -> dict[str, Any]:
    """Take an object out of the trash by hand; the next run provisions it again."""
    mv = tables.mv_objects
    with db.begin() as conn:
        row = conn.execute(select(mv).where(or_(mv.c.id == key))).first()
        if row is None:
            raise NotFound(f"no object with id {quoted(key)}")
        if row.state not in (State.DISABLED.value, State.GRACE.value):
            raise FatalError(f"{key} is {row.state}; only objects in grace or the trash can be restored")
        now = utcnow().isoformat(timespec="seconds")
        run_id = manual_run(conn, {row.object_type: 1}, now)
        conn.execute(
            update(mv).where(mv.c.id == key).values(state=State.ACTIVE.value, state_since=now, changed_run=run_id)
        )
        audit(conn, actor, "restore", run_id, None, object=key, type=row.object_type, was=row.state)
    return {"id": key, "type": row.object_type, "state": State.ACTIVE.value, "was": row.state}


def manual_run(conn: Connection, restored: dict[str, int], now: str) -> int:
    """The run row a restore by hand is recorded under (so the object's history and four-eyes see it)."""
    res = conn.execute(
        tables.runs.insert().values(
            profile="manual-restore",
            status="done",
            dry_run=False,
            started_at=now,
            finished_at=now,
            clock=now,
            steps="[]",
            step_index=0,
            counts=dumps({"lifecycle": {t: {"restored": n} for t, n in restored.items()}}),
            errors="[]",
            warnings="[]",
        )
    )
    return int(res.inserted_primary_key[0])  # type: ignore[index]


def counts_by_state(db: Database) -> dict[str, dict[str, int]]:
    mv = tables.mv_objects
    out: dict[str, dict[str, int]] = {}
    with db.begin() as conn:
        for object_type, state, n in conn.execute(
            select(mv.c.object_type, mv.c.state, func.count()).group_by(mv.c.object_type, mv.c.state)
        ):
            out.setdefault(object_type, {})[state] = int(n)
    return out
