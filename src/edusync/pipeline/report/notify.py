"""After every run attempt: a status mail for each target that asks for one.

The steps record what happened to each target in the run's context (:class:`TargetResult`);
a target whose export step the attempt never reached failed with the run's own reason
(a source error, an input block). A mail that cannot be sent becomes a warning of the run;
the run itself is never lost or changed by it.
"""

from __future__ import annotations

import logging
from typing import Any

from edusync.engine.calendar import local_time
from edusync.pipeline.context import RunContext, TargetResult
from edusync.pipeline.planning.store import target_counts
from edusync.pipeline.report import mail
from edusync.pipeline.report.keys import key_lists

log = logging.getLogger(__name__)


def _run_reasons(status: str, block: dict[str, Any] | None, errors: list[str], run_id: int) -> list[str]:
    if status == "blocked" and block:
        how = f"approve with `edusync approve {run_id} --expect {block['hash'][:12]}` or `edusync reject {run_id}`"
        return [f"blocked by the safety gate ({block['kind']}); nothing was sent; {how}", *block["reasons"]]
    return list(errors[-5:]) or [f"the run ended {status} before the export"]


def status_mails(
    ctx: RunContext, profile: str, attempted: list[str], status: str, block: dict[str, Any] | None
) -> list[str]:
    """Send the mails of this attempt; return a warning for each that could not be sent."""
    server = ctx.config.mail
    if server is None or not ctx.mode.sends:
        return []
    warnings = []
    for target, tcfg in ctx.config.targets.items():
        if tcfg.mail is None or f"{target}:export" not in attempted:
            continue
        result = ctx.targets.get(target)
        if result is None or result.status in ("planned", "exporting"):
            result = _unfinished(ctx, target, result, status, block)
        elif result.status == "blocked":
            result.reasons = _run_reasons(status, block, [], ctx.run_id)
        if tcfg.mail.when == "failed" and result.completed:
            continue
        report = _report(ctx, target, profile, result)
        try:
            mail.send(server, mail.compose(report, server.sender, tcfg.mail.to))
        except mail.MailError as exc:
            log.warning("status mail for %s not sent: %s", target, exc)
            warnings.append(f"{target}: the status mail was not sent: {exc}")
    return warnings


def _unfinished(
    ctx: RunContext, target: str, result: TargetResult | None, status: str, block: dict[str, Any] | None
) -> TargetResult:
    """A target the attempt did not finish: it failed for the run's reason, and has what it had."""
    with ctx.db.begin() as conn:
        now = target_counts(conn, target)
    reasons = _run_reasons(status, block, ctx.report.errors, ctx.run_id)
    if result is None:
        return TargetResult("failed", before=now, after=now, reasons=reasons)
    return TargetResult("failed", result.change_set_id, result.before, now, result.counts, reasons, result.notes)


def _report(ctx: RunContext, target: str, profile: str, result: TargetResult) -> mail.StatusReport:
    types = list(dict.fromkeys(r.object_type for r in ctx.config.targets[target].objects))
    after = result.after if result.after is not None else result.before
    keys = {}
    if result.change_set_id is not None and result.status in ("done", "partial"):
        keys = key_lists(ctx.db, result.change_set_id, result.counts)
    prefix = (f"{target}:", f"{target}/")
    when = local_time(ctx.now, ctx.config.timezone)
    return mail.StatusReport(
        target=target,
        run_id=ctx.run_id,
        profile=profile,
        completed=result.completed,
        when=f"{when:%Y-%m-%d %H:%M} ({ctx.config.timezone})",
        object_types=types,
        before=result.before,
        after=after,
        counts=result.counts if result.status != "paused" else {},
        sent=result.status in ("done", "partial"),
        reasons=result.reasons,
        keys=keys,
        notes=result.notes,
        warnings=[w for w in ctx.report.warnings if w.startswith(prefix)],
        errors=[e for e in ctx.report.errors if e.startswith(prefix) and not _told(e, target, result)],
    )


def _told(error: str, target: str, result: TargetResult) -> bool:
    """An error the mail already gives as its reason."""
    return error in result.reasons or (bool(result.reasons) and error.startswith(f"{target}:export:"))
