"""Stale targets: one that has not had a successful run for ``notify.stale_after_days`` days.

Checked by ``edusync schedule tick`` and each loop of the daemon. A target is stale from its
last successful run (a run that ended ``done`` with the target's export among its steps) or, if
it never had one, from its first attempt; a target no run has tried is not judged. The warning
mail goes to ``notify.operators`` once per stale period: the audit log keeps a ``stale-mail``
entry naming the target and the moment its period began, and while that entry stands no second
mail is sent; a success ends the period, so the next one mails again.

Quiet days do not count: a day on which the target pauses (its ``pause`` windows), or on which
every scheduled profile that exports to it skips (its schedule's ``skip``), such as the summer.
So a target is not stale because it was told to rest, and counts on from where it rested.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from edusync.config.models import Config
from edusync.engine.calendar import local_time, pause_on, window_days
from edusync.model.hashing import loads
from edusync.pipeline.report import mail
from edusync.storage import Database, tables
from edusync.storage.audit import audit

__all__ = ["Stale", "check", "stale_targets"]

log = logging.getLogger(__name__)
ACTION = "stale-mail"


@dataclass(frozen=True)
class Stale:
    target: str
    since: dt.datetime
    """The clock of its last successful run, or of its first attempt when it never succeeded."""
    succeeded: bool
    """Whether it ever had a successful run."""

    def days(self, now: dt.datetime) -> int:
        return (now - self.since).days


def _clock(conn: Connection, step: str, *, done: bool) -> dt.datetime | None:
    runs = tables.runs
    q = select(runs.c.clock).where(runs.c.steps.like(f'%"{step}"%'), runs.c.dry_run.is_(False))
    q = q.where(runs.c.status == "done").order_by(runs.c.id.desc()) if done else q.order_by(runs.c.id)
    found = conn.execute(q.limit(1)).scalar()
    return dt.datetime.fromisoformat(found) if found else None


def quiet_days(config: Config, target: str, since: dt.datetime, now: dt.datetime) -> int:
    """The local days after ``since``'s, up to ``now``'s, on which ``target`` pauses or all its schedules skip."""
    step = f"{target}:export"
    skips = [sch.skip for name, sch in config.schedules.items() if step in config.profiles.get(name, [])]
    first, last = local_time(since, config.timezone).date(), local_time(now, config.timezone).date()
    quiet, day = 0, first + dt.timedelta(days=1)
    while day <= last:
        skipped = bool(skips) and all(any(window_days(w, day) for w in windows) for windows in skips)
        if skipped or pause_on(config.targets[target], day) is not None:
            quiet += 1
        day += dt.timedelta(days=1)
    return quiet


def stale_targets(db: Database, config: Config, now: dt.datetime) -> list[Stale]:
    """The targets that are stale at ``now``, by name."""
    days = config.notify.stale_after_days
    if days is None:
        return []
    found = []
    with db.begin() as conn:
        for target in sorted(config.targets):
            step = f"{target}:export"
            last = _clock(conn, step, done=True)
            since = last or _clock(conn, step, done=False)
            if since is None:
                continue
            if now - since - dt.timedelta(days=quiet_days(config, target, since, now)) >= dt.timedelta(days=days):
                found.append(Stale(target, since, last is not None))
    return found


def _told(conn: Connection, stale: Stale) -> bool:
    rows = conn.execute(select(tables.audit_log.c.detail).where(tables.audit_log.c.action == ACTION)).scalars()
    return any(
        (d := loads(r)).get("target") == stale.target and d.get("since") == stale.since.isoformat() for r in rows
    )


def _body(config: Config, stale: Stale, now: dt.datetime) -> str:
    since = f"{local_time(stale.since, config.timezone):%Y-%m-%d %H:%M} ({config.timezone})"
    what = f"its last successful run was {since}" if stale.succeeded else f"no run has succeeded since {since}"
    return (
        f"The target {stale.target} has not been kept up to date for {stale.days(now)} days: {what}.\n"
        f"The limit is {config.notify.stale_after_days} days (notify.stale_after_days).\n\n"
        "What it holds may be out of date. See edusync runs for the recent runs and why they did not finish,\n"
        "and edusync schedule for when it is to run next. This mail is sent once until the target succeeds again.\n"
    )


def check(db: Database, config: Config, now: dt.datetime, *, actor: str = "schedule") -> list[dict[str, Any]]:
    """Mail the operators about each target newly stale; return what was found (``mailed``: sent now)."""
    server, to = config.mail, config.notify.operators
    out = []
    for stale in stale_targets(db, config, now):
        row: dict[str, Any] = {"target": stale.target, "since": stale.since.isoformat(), "days": stale.days(now)}
        with db.begin() as conn:
            told = _told(conn, stale)
        row["mailed"] = False
        if not told and server is not None and to:
            subject = f"edusync: {stale.target} has had no successful run for {stale.days(now)} days"
            headers = {"X-Edusync-Target": stale.target, "X-Edusync-Notice": "stale"}
            try:
                mail.send(server, mail.message(subject, _body(config, stale, now), server.sender, to, headers))
            except mail.MailError as exc:  # not recorded: the next check tries again
                log.warning("the stale-target mail for %s was not sent: %s", stale.target, exc)
                row["error"] = str(exc)
            else:
                with db.begin() as conn:
                    audit(conn, actor, ACTION, None, None, target=stale.target, since=row["since"], to=len(to))
                log.warning("target %s is stale (%d days); mailed the operators", stale.target, row["days"])
                row["mailed"] = True
        out.append(row)
    return out
