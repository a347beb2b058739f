"""The status mail of a target, as itslearning's import sends it, over SMTP.

One mail per target and run attempt: the subject says ``Import finished with status
Completed`` or ``… Failed``; the body has the counts per object type before and after,
what changed, the sync keys that appeared and vanished, and, when it failed, why (the
safety filter with its numbers, a blocked run and how to approve it, an error).

:func:`compose` is pure; :func:`send` speaks SMTP with the standard library
(STARTTLS or implicit TLS, certificates checked, login only over TLS unless the
config says ``security: none``).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from edusync.config.models import MailServer
from edusync.errors import RetriableError
from edusync.model.fnr import mask_text
from edusync.pipeline.report.keys import KeyList

COLUMNS = (("add", "insert"), ("update", "update"), ("delete", "delete"), ("archive", "archive"),
           ("restore", "restore"), ("forget", "released"))  # fmt: skip


class MailError(RetriableError):
    """The status mail could not be delivered; the run it reports on is not affected."""


@dataclass
class StatusReport:
    """What one status mail says about one target in one run attempt."""

    target: str
    run_id: int
    profile: str
    completed: bool
    when: str  # local time, as people read it
    object_types: list[str]
    before: dict[str, int]
    after: dict[str, int]
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    #: False: ``counts`` were planned but not sent (a failed import), so after is before.
    sent: bool = True
    reasons: list[str] = field(default_factory=list)
    keys: dict[str, dict[str, KeyList]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def status(self) -> str:
        return "Completed" if self.completed else "Failed"


def _table(report: StatusReport) -> list[str]:
    types = report.object_types + sorted(set(report.counts) - set(report.object_types))
    width = max([len(t) for t in types] + [11])
    heads = ["before", *(name for _, name in COLUMNS), "after"]
    lines = [" " * width + "".join(f"{h:>10}" for h in heads)]
    for ot in types:
        ops = report.counts.get(ot, {})
        cells = [report.before.get(ot, 0), *(ops.get(op, 0) for op, _ in COLUMNS), report.after.get(ot, 0)]
        lines.append(f"{ot:<{width}}" + "".join(f"{c:>10}" for c in cells))
    return lines


def _keys(report: StatusReport) -> list[str]:
    lines: list[str] = []
    for kind in ("appeared", "vanished", "returned"):
        part = [(ot, kinds[kind]) for ot, kinds in sorted(report.keys.items()) if kind in kinds]
        if not part:
            continue
        lines += ["", f"Sync keys that {kind}:"]
        for ot, found in part:
            more = f" and {found.more} more" if found.more else ""
            lines.append(f"  {ot} ({found.total}): {', '.join(found.keys)}{more}")
    return lines


def body(report: StatusReport) -> str:
    lines = [
        f"Import to {report.target} finished with status {report.status}.",
        "",
        f"Run {report.run_id} (profile {report.profile}), {report.when}",
        "",
    ]
    if not report.sent and any(any(ops.values()) for ops in report.counts.values()):
        lines.append("Nothing was sent. The changes below were planned:")
    lines += _table(report)
    if report.reasons:
        lines += ["", "Reason:", *(f"  - {r}" for r in report.reasons)]
    if report.notes:
        lines += ["", *report.notes]
    lines += _keys(report)
    for title, items in (("Errors", report.errors), ("Warnings", report.warnings)):
        if items:
            shown = items[:50]
            lines += ["", f"{title}:", *(f"  - {i}" for i in shown)]
            if len(items) > len(shown):
                lines.append(f"  … and {len(items) - len(shown)} more")
    return "\n".join(lines) + "\n"


def compose(report: StatusReport, sender: str, to: list[str]) -> EmailMessage:
    # A sync key may be a national id (itslearning sites that key persons on it): none leaves unmasked.
    return message(
        f"Import finished with status {report.status}",
        body(report),
        sender,
        to,
        {"X-Edusync-Target": report.target, "X-Edusync-Run": str(report.run_id)},
    )


def message(subject: str, text: str, sender: str, to: list[str], headers: dict[str, str]) -> EmailMessage:
    """A plain-text mail whose subject and body have every national id masked."""
    out = EmailMessage()
    out["Subject"] = mask_text(subject)
    out["From"] = sender
    out["To"] = ", ".join(to)
    out["Date"] = formatdate(localtime=True)
    out["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    for name, value in headers.items():
        out[name] = value
    out.set_content(mask_text(text))
    return out


def _context(server: MailServer) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if server.ca_file is not None:
        context.load_verify_locations(cafile=str(server.ca_file))
    return context


def send(server: MailServer, message: EmailMessage) -> None:
    """Deliver ``message``; any failure becomes a :class:`MailError` naming the server."""
    where = f"{server.host}:{server.port}"
    try:
        if server.security == "tls":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host, server.port, timeout=server.timeout, context=_context(server)
            )
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
        with client:
            if server.security == "starttls":
                client.starttls(context=_context(server))
            if server.username is not None and server.password is not None:
                client.login(server.username, server.password.get_secret_value())
            client.send_message(message)
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(f"mail server {where} refused the login of {server.username!r} ({exc.smtp_code})") from exc
    except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
        raise MailError(f"mail server {where}: {exc}") from exc
