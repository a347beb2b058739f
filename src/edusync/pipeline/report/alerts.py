"""Mails to people about a run: a blocked run to the approvers, a failed run to the operators.

Beside the targets' status mails (:mod:`edusync.pipeline.report.notify`), which stay as they are.
The approvers are ``notify.approvers`` and, with ``notify.console_approvers``, every enabled
console user with the ``approver`` role whose user name is an e-mail address. A blocked mail
gives the gate's reasons (the threshold and its numbers) and a link to the run's review page;
a failed mail gives the errors and how to go on. Every mail is masked (:func:`mail.message`),
so a national id in an error never leaves.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from sqlalchemy import select

from edusync.config.models import Config
from edusync.engine.calendar import local_time
from edusync.model.hashing import loads
from edusync.pipeline.context import RunContext
from edusync.pipeline.report import mail
from edusync.storage import Database, tables

log = logging.getLogger(__name__)

ADDRESS = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MAX_ERRORS = 20


def approvers(db: Database, config: Config) -> list[str]:
    """Who is mailed about a blocked run, each once, in a stable order."""
    found = list(config.notify.approvers)
    if config.notify.console_approvers:
        users = tables.console_users
        with db.begin() as conn:
            rows = conn.execute(
                select(users.c.username, users.c.roles).where(users.c.disabled_at.is_(None)).order_by(users.c.username)
            ).all()
        found += [r.username for r in rows if "approver" in loads(r.roles) and ADDRESS.match(r.username)]
    return list(dict.fromkeys(a.lower() for a in found))


def review_link(config: Config, run_id: int) -> str:
    """The run's review page; without ``console.public_url`` only its path can be given."""
    path = f"/runs/{run_id}/review"
    if config.console.public_url:
        return config.console.public_url.rstrip("/") + path
    return f"{config.console.base_path}{path} on the console (set console.public_url for a full link)"


def blocked_body(config: Config, run_id: int, profile: str, when: str, block: dict[str, Any]) -> str:
    what = "a full import lost too much" if block.get("kind") == "input" else "a change set breached a threshold"
    where = block.get("target") or block.get("connector") or block.get("step", "")
    lines = [
        f"Run {run_id} (profile {profile}), {when}, is blocked by the safety gate: {what} ({where}).",
        "Nothing of it was sent. It waits for an approver's decision.",
        "",
        "Reason:",
        *(f"  - {r}" for r in block.get("reasons", [])),
    ]
    if block.get("lost"):
        lines += ["", "Lost since the last full import:", *(f"  {k}: {v}" for k, v in sorted(block["lost"].items()))]
    lines += [
        "",
        f"Review it: {review_link(config, run_id)}",
        f"Or: edusync runs show {run_id} --changes, then",
        f"edusync approve {run_id} --expect {str(block.get('hash', ''))[:12]} or edusync reject {run_id}",
    ]
    return "\n".join(lines) + "\n"


def failed_body(run_id: int, profile: str, when: str, errors: list[str]) -> str:
    shown = errors[-MAX_ERRORS:]
    lines = [
        f"Run {run_id} (profile {profile}), {when}, failed.",
        "",
        "Errors:",
        *(f"  - {e}" for e in shown),
    ]
    if len(errors) > len(shown):
        lines.append(f"  … and {len(errors) - len(shown)} earlier")
    lines += [
        "",
        f"What it did is kept; when the cause is fixed, go on with: edusync resume {run_id}",
        f"Details: edusync runs show {run_id}",
    ]
    return "\n".join(lines) + "\n"


def run_mails(ctx: RunContext, profile: str, status: str, block: dict[str, Any] | None) -> list[str]:
    """Mail the approvers (blocked) or the operators (failed); return a warning for each mail not sent."""
    server = ctx.config.mail
    if server is None or not ctx.mode.sends or status not in ("blocked", "failed"):
        return []
    when = f"{local_time(ctx.now, ctx.config.timezone):%Y-%m-%d %H:%M} ({ctx.config.timezone})"
    if status == "blocked" and block is not None:
        to = approvers(ctx.db, ctx.config)
        subject = f"edusync: run {ctx.run_id} ({profile}) is blocked and waits for approval"
        text = blocked_body(ctx.config, ctx.run_id, profile, when, block)
        who = "approvers"
    else:
        to = list(ctx.config.notify.operators)
        subject = f"edusync: run {ctx.run_id} ({profile}) failed"
        text = failed_body(ctx.run_id, profile, when, ctx.report.errors)
        who = "operators"
    if not to:
        return []
    headers = {"X-Edusync-Run": str(ctx.run_id), "X-Edusync-Notice": status}
    try:
        mail.send(server, mail.message(subject, text, server.sender, to, headers))
    except mail.MailError as exc:
        log.warning("the %s mail of run %s was not sent: %s", who, ctx.run_id, exc)
        return [f"the mail to the {who} was not sent: {exc}"]
    log.info("run %s: mailed the %s (%d) that it is %s", ctx.run_id, who, len(to), status)
    return []
