"""Mails to people, through a real SMTP server (aiosmtpd, STARTTLS and a login), on SQLite and PostgreSQL.

A blocked run mails the approvers (the configured ones and the console's approvers with an address)
with the gate's reasons and a link to the review page; a failed run mails the operators, with no
national id in it; a stale target mails the operators once per stale period, from ``schedule tick``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from edusync.services import audit as audit_log
from edusync.services import schedules, stale, users
from tests.cli.test_cli import edusync
from tests.itslearning.smtp_server import PASSWORD, USER, SmtpServer, smtp_server
from tests.workspace import DAY0, Workspace

FNR = "17054712345"
URL = "https://edusync.fylke.no/edusync"


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    with smtp_server(tmp_path) as server:
        yield server


def with_notify(ws: Workspace, server: SmtpServer, monkeypatch: pytest.MonkeyPatch, **notify: Any) -> None:
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    mail = {"host": "127.0.0.1", "port": server.port, "username": USER, "password": "${SMTP_PASSWORD}",
            "sender": "edusync@fylke.no", "ca_file": str(server.ca_file), "timeout": 10}  # fmt: skip
    ws.configure(mail=mail, notify=notify, console={"public_url": URL + "/"})


def text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


def test_a_blocked_run_mails_the_approvers_the_reason_and_the_review_page(
    workspace: Workspace, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_notify(workspace, smtp, monkeypatch, approvers=["leder@fylke.no"], operators=["drift@fylke.no"])
    for name, roles in (("Godkjenner@Fylke.no", ["approver"]), ("kari", ["approver"]), ("ser@fylke.no", ["viewer"]),
                        ("borte@fylke.no", ["approver"])):  # fmt: skip
        users.create(workspace.db, name, roles, actor="test")
    users.disable(workspace.db, "borte@fylke.no", actor="test")
    assert workspace.run().status == "done"
    assert smtp.messages == [], "a run that is done mails nobody"
    workspace.configure(safety={"input": {"max_loss_percent": 100, "max_drift_percent": None}})
    pupils = workspace.pupils()
    workspace.remove_persons({p[0] for p in pupils[: len(pupils) // 3]})
    blocked = workspace.run(day=1)
    assert blocked.status == "blocked"
    [message] = smtp.messages
    assert message["To"] == "leder@fylke.no, godkjenner@fylke.no"
    assert message["Subject"] == f"edusync: run {blocked.run_id} (nightly) is blocked and waits for approval"
    assert message["X-Edusync-Notice"] == "blocked"
    body = text(message)
    assert f"{URL}/runs/{blocked.run_id}/review" in body
    assert blocked.block is not None and blocked.block["reasons"]
    for reason in blocked.block["reasons"]:  # which threshold, and the numbers
        assert f"  - {reason}" in body
    assert f"--expect {blocked.block['hash'][:12]}" in body


def test_a_failed_run_mails_the_operators_without_a_national_id(
    sqlite_workspace: Workspace, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = sqlite_workspace
    with_notify(ws, smtp, monkeypatch, operators=["drift@fylke.no", "vakt@fylke.no"], approvers=["leder@fylke.no"])
    ws.settings["connectors"]["sis"]["settings"]["input"] = f"eksport-{FNR}"  # a folder that is not there
    failed = ws.run()
    assert failed.status == "failed"
    [message] = smtp.messages
    assert message["To"] == "drift@fylke.no, vakt@fylke.no"
    assert message["Subject"] == f"edusync: run {failed.run_id} (nightly) failed"
    body = text(message)
    assert "eksport-" in body, "the error is given"
    assert FNR not in body and FNR not in str(message), "a national id never leaves in a mail"
    assert f"edusync resume {failed.run_id}" in body


def test_a_stale_target_mails_the_operators_once_per_stale_period(
    workspace: Workspace, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with_notify(workspace, smtp, monkeypatch, operators=["drift@fylke.no"], stale_after_days=3)
    assert workspace.run().status == "done"  # DAY0
    loaded, db = workspace.loaded, workspace.db
    assert stale.check(db, loaded.config, DAY0 + dt.timedelta(days=2, hours=23)) == []
    env = {"EDUSYNC_DATABASE_URL": str(db.engine.url.render_as_string(hide_password=False))}
    later = (DAY0 + dt.timedelta(days=3, hours=1)).isoformat()
    tick = edusync("schedule", "tick", "--json", "--now", later, cwd=workspace.folder, env=env)
    assert tick.returncode == 0, tick.stderr
    [message] = smtp.messages
    assert message["Subject"] == "edusync: lms has had no successful run for 3 days"
    assert message["To"] == "drift@fylke.no" and message["X-Edusync-Target"] == "lms"
    assert "last successful run was 2026-08-17 04:00" in text(message)
    # every later tick of the same stale period: no second mail
    again = schedules.tick(loaded, db, DAY0 + dt.timedelta(days=5))
    assert again == [] and len(smtp.messages) == 1
    [row] = stale.check(db, loaded.config, DAY0 + dt.timedelta(days=6))
    assert row["target"] == "lms" and row["mailed"] is False and row["days"] == 6
    # a success ends the period; the next one mails again
    assert workspace.run(day=7).status == "done"
    assert stale.check(db, loaded.config, DAY0 + dt.timedelta(days=8)) == []
    [row] = stale.check(db, loaded.config, DAY0 + dt.timedelta(days=10, hours=1))
    assert row["mailed"] is True and len(smtp.messages) == 2
    entries = audit_log.entries(db, action="stale-mail")
    assert [e["detail"]["since"][:10] for e in entries] == ["2026-08-24", "2026-08-17"]


def test_days_the_target_pauses_or_its_schedule_skips_do_not_make_it_stale(
    sqlite_workspace: Workspace, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = sqlite_workspace
    with_notify(ws, smtp, monkeypatch, operators=["drift@fylke.no"], stale_after_days=3)
    ws.settings["targets"]["lms"]["pause"] = [{"from": "08-19", "to": "08-21", "reason": "maintenance"}]
    ws.configure(schedules={"nightly": {"cron": ["0 3 * * *"], "skip": [{"from": "08-22", "to": "08-24"}]}})
    assert ws.run().status == "done"  # 2026-08-17
    loaded, db = ws.loaded, ws.db
    # 08-18 counts; 08-19 to 08-21 the target pauses; 08-22 to 08-24 the only schedule skips
    assert stale.check(db, loaded.config, DAY0 + dt.timedelta(days=7, hours=1)) == []
    [row] = stale.check(db, loaded.config, DAY0 + dt.timedelta(days=9, hours=1))  # 08-25 and 08-26 count
    assert row["mailed"] is True and len(smtp.messages) == 1
