"""Forecast one day: the profile's stages on the staged data with the clock at D, rolled back.

A run on D without new source data would import the same records, judged on D: whatever the
source's criteria admit only until an earlier day drops out (a connector says so with
:data:`~edusync.connectors.base.VALID_UNTIL`). So each ``NAME:import`` step of the profile
becomes: mark that connector's staged objects past their last day gone, as a full import
would. Then ``sync`` and ``lifecycle`` run as they are, and each ``NAME:export`` plans its
target (the school-year rollover included) and asks the gate's judgement; nothing reads the
target back, nothing is sent, and the transaction the stages wrote in is rolled back.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import orjson
from sqlalchemy import Connection

from edusync.config.loader import LoadedConfig
from edusync.engine.calendar import local_day, pause_on, window_days
from edusync.engine.forecast import ChangeKey, Forecast, Loss, TargetForecast, candidate_days
from edusync.engine.gate import judge
from edusync.errors import RunInProgress
from edusync.model.fnr import is_valid, mask
from edusync.model.hashing import loads
from edusync.pipeline import store
from edusync.pipeline.context import Report, RunContext, RunMode
from edusync.pipeline.forecast.accept import Accepted
from edusync.pipeline.forecast.pinned import pinned
from edusync.pipeline.importing import sanity
from edusync.pipeline.lifecycle.step import LifecycleStep
from edusync.pipeline.planning.planner import plan_target
from edusync.pipeline.step import parse
from edusync.pipeline.syncing.step import SyncStep
from edusync.storage import Database
from edusync.storage.metaverse import load_mv

DATED = (
    "SELECT id, object_type, anchor, attrs FROM cs_objects WHERE connector = ? AND state = 'present' AND attrs LIKE ?"
)
PRESENT = "SELECT object_type, count(*) FROM cs_objects WHERE connector = ? AND state = 'present' GROUP BY object_type"
GONE = "UPDATE cs_objects SET state = 'gone', dirty = ?, changed_run = ? WHERE id = ?"
DATED_ALL = "SELECT attrs FROM cs_objects WHERE state = 'present' AND attrs LIKE ?"
INACTIVE = "SELECT DISTINCT object_type, state, state_since FROM mv_objects WHERE state IN ('grace', 'disabled')"
GRACED = "SELECT id FROM mv_objects WHERE object_type = 'person' AND state = 'grace' AND changed_run = ?"
CHANGES = "SELECT object_type, key, op, mv_id FROM changes WHERE change_set_id = ?"
SENT = "SELECT key, attrs FROM target_objects WHERE target = ? AND object_type = ? AND key IN ({marks})"
NAMES = ("displayName", "display_name", "name", "cn")


def forecast(
    loaded: LoadedConfig,
    db: Database,
    clock: dt.datetime,
    *,
    targets: Collection[str] | None = None,
    profile: str | None = None,
    actor: str = "edusync",
) -> Forecast:
    """What a run of ``profile`` at ``clock`` would change (no run before it); the database is as it was afterwards."""
    with pinned(db) as pdb:
        return _night(loaded, pdb, clock, targets, profile, actor, accept=False)


def calendar(
    loaded: LoadedConfig,
    db: Database,
    first: dt.date,
    last: dt.date,
    *,
    at: dt.time = dt.time(2, 0),
    profile: str | None = None,
    actor: str = "edusync",
) -> list[Forecast]:
    """Night after night from ``first`` to ``last``, each run's changes taken as sent: what each night brings.

    Only nights on which something can change are evaluated (:func:`events`): a valid-until
    day passing, a grace period or a retention running out, a school year starting. A night
    the gate would block is taken as approved, so the nights after it show only what is new.
    """
    out: list[Forecast] = []
    with pinned(db) as pdb:
        with pdb.begin() as conn:
            dated = _valid_until_days(pdb, conn)
        events = dated | _rollover_days(loaded, first, last) | _pause_days(loaded, first, last)
        pending = candidate_days(first, last, events)
        done: set[dt.date] = set()
        while pending:
            day = pending.pop(0)
            clock = dt.datetime.combine(day, at, tzinfo=dt.UTC)
            out.append(_night(loaded, pdb, clock, None, profile, actor, accept=True))
            done.add(day)
            with pdb.begin() as conn:
                later = _lifecycle_days(loaded, pdb, conn)
            pending = sorted(set(pending) | {d for d in later if day < d <= last} - done)
    return out


def _night(
    loaded: LoadedConfig,
    pdb: Database,
    clock: dt.datetime,
    targets: Collection[str] | None,
    profile: str | None,
    actor: str,
    *,
    accept: bool,
) -> Forecast:
    name, steps = loaded.config.profile(profile)
    day = local_day(clock, loaded.config.timezone)
    result = Forecast(day, clock)
    claim = store.create(pdb, name, steps, clock, RunMode.DRY_RUN, {"forecast": True})
    if claim.run_id is None:
        raise RunInProgress("a run holds the database; forecast when it is done")
    cfg = loaded
    ctx = RunContext(pdb, cfg.config, cfg.settings, cfg.base_dir, claim.run_id, clock, Report(), RunMode.DRY_RUN,
                     actor)  # fmt: skip
    for step in steps:
        action, connector = parse(step)
        if action in ("import", "import-delta") and connector:
            losses = _expire(ctx, connector, day)
            result.expired |= {x.subject: len(x.gone) for x in losses if x.gone}
            if action == "import":  # a delta is not judged by the input check: it marks nothing gone
                result.input_reasons += sanity.judge(ctx.config, losses)[0]
        elif action == "sync":
            SyncStep(step).run(ctx)
        elif action == "lifecycle":
            LifecycleStep(step).run(ctx)
        elif action == "export" and connector and (targets is None or connector in targets):
            result.targets[connector] = _plan(ctx, connector, accept)
    with pdb.begin() as conn:
        graced = [str(r[0]) for r in pdb.fetch(conn, GRACED, (claim.run_id,))]
        result.leaving = [_who(o.id, o.id, dict(o.attrs)) for o in load_mv(pdb, conn, graced).values()]
    counts = ctx.report.as_dict()
    result.sync, result.lifecycle = counts.get("sync", {}), counts.get("lifecycle", {})
    result.warnings = list(ctx.report.warnings)
    store.finish(pdb, claim.run_id, "done", ctx.report, None)  # so the next night may start (rolled back)
    return result


def _valid_until_days(db: Database, conn: Connection) -> set[dt.date]:
    """The first day each staged valid-until no longer admits its object."""
    out: set[str] = set()
    for (text,) in db.fetch(conn, DATED_ALL, ('%"valid_until"%',)):
        until = orjson.loads(text).get("valid_until")
        if isinstance(until, str):
            out.add(until[:10])
    return {dt.date.fromisoformat(d) + dt.timedelta(days=1) for d in out}


def _lifecycle_days(loaded: LoadedConfig, db: Database, conn: Connection) -> set[dt.date]:
    """The days the objects now in grace or in the trash move on (and the day after, for the run's hour)."""
    out: set[dt.date] = set()
    for object_type, state, since in db.fetch(conn, INACTIVE, ()):
        policy = loaded.config.lifecycle_for(str(object_type))
        days = policy.grace_days if state == "grace" else policy.retention_days
        due = dt.datetime.fromisoformat(str(since)).date() + dt.timedelta(days=int(days))
        out |= {due, due + dt.timedelta(days=1)}
    return out


def _rollover_days(loaded: LoadedConfig, first: dt.date, last: dt.date) -> set[dt.date]:
    """Each target's school-year start in the range."""
    out: set[dt.date] = set()
    for tcfg in loaded.config.targets.values():
        if tcfg.rollover is None:
            continue
        month, mday = (int(x) for x in tcfg.rollover.starts.split("-"))
        for year in range(first.year, last.year + 1):
            out.add(dt.date(year, month, mday))
    return out


def _pause_days(loaded: LoadedConfig, first: dt.date, last: dt.date) -> set[dt.date]:
    """The first night of each pause window in the range, and the night after it ends (when what waited is sent)."""
    out: set[dt.date] = set()
    day = first
    while day <= last:
        for tcfg in loaded.config.targets.values():
            for window in tcfg.pause:
                span = window_days(window, day)
                if span is not None:
                    out |= {span[0], span[1] + dt.timedelta(days=1)}
        day += dt.timedelta(days=1)
    return out


def _expire(ctx: RunContext, connector: str, day: dt.date) -> list[sanity.Loss]:
    """Mark gone what the source admits only until before ``day``: per object type, what the import would lose.

    The import's drift baseline is not judged (it needs the history of imports, which a forecast
    does not add to); the sudden loss and the empty import are.
    """
    last = (day - dt.timedelta(days=1)).isoformat()
    gone: list[tuple[bool, int, int]] = []
    with ctx.db.begin() as conn:
        losses = {
            str(t): sanity.Loss(connector, str(t), int(n), int(n), [])
            for t, n in ctx.db.fetch(conn, PRESENT, (connector,))
        }
        for row_id, object_type, anchor, text in ctx.db.fetch(conn, DATED, (connector, '%"valid_until"%')):
            until = orjson.loads(text).get("valid_until")
            if isinstance(until, str) and until[:10] <= last:
                gone.append((True, ctx.run_id, int(row_id)))
                loss = losses[str(object_type)]
                loss.gone.append(str(anchor))
                loss.seen -= 1
        ctx.db.many(conn, GONE, gone)
    # In the order the import judges them (its types in the order they sync), so the reasons read as the run's.
    order = [r.object_type for r in ctx.config.sync if r.connector == connector]
    return sorted(losses.values(), key=lambda x: (order.index(x.object_type) if x.object_type in order else 99,
                                                  x.object_type))  # fmt: skip


def _plan(ctx: RunContext, target: str, accept: bool) -> TargetForecast:
    tcfg = ctx.config.targets[target]
    pause = pause_on(tcfg, local_day(ctx.now, ctx.config.timezone))
    with ctx.db.begin() as conn:
        plan = plan_target(ctx, conn, target, "preview", None)
        verdict = judge(target, tcfg, local_day(ctx.now, ctx.config.timezone), plan.counts, plan.before,
                        plan.rolled, plan.year)  # fmt: skip
        people = {o.object_type for o in tcfg.objects if o.metaverse_type == "person"}
        rows = ctx.db.fetch(conn, CHANGES, (plan.change_set_id,))
        changes: set[ChangeKey] = {(target, str(t), str(k), str(op)) for t, k, op, _ in rows}
        deleted = [(str(t), str(k), mv_id) for t, k, op, mv_id in rows if op == "delete" and t in people]
        losses = _losses(ctx, conn, target, deleted)
    if accept and pause is None:  # a paused night sends nothing: its changes wait for the night after the pause
        Accepted(ctx, target, plan.change_set_id).accept()
    return TargetForecast(
        target,
        counts=plan.counts,
        before=plan.before,
        blocked=bool(verdict.reasons) and pause is None,  # a paused run plans a preview, which the gate does not judge
        reasons=list(verdict.reasons) if pause is None else [],
        rolled=verdict.rolled,
        losses=losses,
        changes=frozenset(changes),
        paused=None if pause is None else pause.describe(),
    )


def _losses(ctx: RunContext, conn: Connection, target: str, deleted: list[tuple[str, str, str | None]]) -> list[Loss]:
    """Who each deleted person is: the metaverse's attributes, else (a purged one) what was last sent."""
    found = load_mv(ctx.db, conn, [mv_id for _, _, mv_id in deleted if mv_id])
    sent: dict[tuple[str, str], dict[str, object]] = {}
    for object_type in {t for t, _, _ in deleted}:
        keys = [k for t, k, _ in deleted if t == object_type]
        for key, text in ctx.db.fetch_in(conn, SENT, (target, object_type), keys):
            sent[(object_type, str(key))] = loads(text)
    out = []
    for object_type, key, mv_id in deleted:
        obj = found.get(mv_id or "")
        attrs = dict(obj.attrs) if obj is not None and obj.attrs else {}
        attrs = attrs or sent.get((object_type, key), {})
        out.append(_who(mv_id or key, key, attrs))
    return out


def _who(person: str, key: str, attrs: dict[str, object]) -> Loss:
    name = next((str(attrs[n]) for n in NAMES if attrs.get(n)), "")
    if not name:
        first = attrs.get("givenName") or attrs.get("firstName") or attrs.get("basPifuFirstname") or ""
        last = attrs.get("sn") or attrs.get("lastName") or attrs.get("basPifuLastname") or ""
        name = f"{first} {last}".strip()
    nin = next((str(v) for v in attrs.values() if isinstance(v, str) and is_valid(v)), None)
    return Loss(person, key, name, _text(attrs.get("eduPersonPrincipalName")), None if nin is None else mask(nin),
                _school(attrs))  # fmt: skip


def _text(value: object) -> str | None:
    return None if value in (None, "") else str(value)


def _school(attrs: dict[str, object]) -> str | None:
    """The person's school: its ``school``, else the school numbers of its roles (VIGO-BAS ``role@number``)."""
    if attrs.get("school"):
        return str(attrs["school"])
    roles = attrs.get("basRoleAndSchool") or attrs.get("RolleOgSkole")
    if isinstance(roles, str):
        roles = [roles]
    if isinstance(roles, list):
        numbers = sorted({str(r).split("@", 1)[1] for r in roles if "@" in str(r)})
        return ", ".join(numbers) or None
    return None
