"""The status mail after every run attempt, received by a real SMTP server (STARTTLS and login)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from edusync.config.loader import load_config
from edusync.errors import ConfigError
from edusync.pipeline.gate import approvals
from tests.itslearning.conftest import AUTUMN, Itslearning, with_mail
from tests.itslearning.smtp_server import PASSWORD, SmtpServer

DAY = dt.timedelta(days=1)
COMPLETED, FAILED = "Import finished with status Completed", "Import finished with status Failed"


def test_a_completed_import_mails_counts_before_and_after_and_the_keys_that_moved(
    its_lite: Itslearning, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    its = its_lite
    with_mail(its, smtp, monkeypatch)
    first = its.night(AUTUMN)
    assert first.status == "done" and first.report.warnings == []
    (message,) = smtp.messages
    assert message["Subject"] == COMPLETED
    assert message["To"] == "it-drift@fylke.no" and message["From"] == "edusync@fylke.no"
    body = message.get_content()
    assert "Import to itslearning finished with status Completed." in body
    assert f"Run {first.run_id} (profile nightly), 2026-10-05 03:00 (Europe/Oslo)" in body
    table = [line.split() for line in body.splitlines() if line.split()[:1] in (["person"], ["membership"])]
    assert table[0] == ["person", "0", "300", "0", "0", "0", "0", "0", "300"]
    assert table[1] == ["membership", "0", "3000", "0", "0", "0", "0", "0", "3000"]
    assert "person (300): " in body and "and 280 more" in body, "the first keys that appeared, and how many"

    leaver = its.pupils()[0]
    key = its.key_of("person", leaver[0])
    its.remove_persons({leaver[0]})
    its.night(AUTUMN + DAY)
    body = smtp.messages[1].get_content()
    assert smtp.messages[1]["Subject"] == COMPLETED
    assert "Sync keys that vanished:" in body and f"person (1): {key}" in body
    row = next(line.split() for line in body.splitlines() if line.startswith("person"))
    assert row == ["person", "300", "0", "0", "1", "0", "0", "0", "299"]


def test_a_blocked_run_and_an_input_block_mail_failed_with_the_way_out(
    its_lite: Itslearning, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    its = its_lite
    with_mail(its, smtp, monkeypatch, when="failed")
    its.rules(on_breach="block")
    its.night(AUTUMN)
    assert smtp.messages == [], "when: failed sends nothing for a completed import"
    pupils = its.pupils()
    its.remove_persons({p[0] for p in pupils[:100]})
    its.settings["safety"] = {"input": {"max_loss_percent": 5}}
    stopped = its.night(AUTUMN + DAY)
    assert stopped.status == "blocked" and stopped.block is not None and stopped.block["kind"] == "input"
    body = smtp.messages[-1].get_content()
    assert smtp.messages[-1]["Subject"] == FAILED
    assert "blocked by the safety gate (input)" in body and "sis/person: the full import lost" in body
    assert [line.split() for line in body.splitlines() if line.startswith("person")] == [
        ["person", "300", "0", "0", "0", "0", "0", "0", "300"]
    ]

    approvals.reject(its.db, stopped.run_id, "it-drift")
    its.settings["safety"] = {"input": {"max_loss_percent": 100, "max_drift_percent": None}}
    blocked = its.night(AUTUMN + 2 * DAY)
    assert blocked.status == "blocked" and blocked.block is not None and blocked.block["kind"] == "threshold"
    body = smtp.messages[-1].get_content()
    assert smtp.messages[-1]["Subject"] == FAILED
    assert f"edusync approve {blocked.run_id} --expect {blocked.block['hash'][:12]}" in body
    assert "itslearning: 100 person deletes are 33.3 % of 300 (limit 10 %)" in body
    assert len(smtp.messages) == 2


def test_a_paused_night_mails_completed_and_says_nothing_was_sent(
    its_lite: Itslearning, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    its = its_lite
    with_mail(its, smtp, monkeypatch)
    its.rules(pause=[{"from": "07-01", "to": "07-31", "reason": "sommerferie"}])
    its.night(dt.date(2026, 7, 2))
    (message,) = smtp.messages
    assert message["Subject"] == COMPLETED
    body = message.get_content()
    assert "Paused: paused (sommerferie) from 2026-07-01 to 2026-07-31. Nothing was sent" in body
    assert "Sync keys" not in body


def test_a_mail_that_cannot_be_sent_is_a_warning_and_the_run_stands(
    its_lite: Itslearning, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    its = its_lite
    with_mail(its, smtp, monkeypatch)
    monkeypatch.setenv("SMTP_PASSWORD", "feil-passord")
    refused = its.night(AUTUMN)
    assert refused.status == "done" and refused.exit_code == 0 and its.files()
    assert [w for w in refused.report.warnings if "status mail was not sent" in w] == [
        f"itslearning: the status mail was not sent: mail server 127.0.0.1:{smtp.port} refused the login of "
        "'edusync@fylke.no' (535)"
    ]
    assert "feil-passord" not in str(its.run_info(refused.run_id))
    assert its.run_info(refused.run_id)["warnings"] == refused.report.warnings, "the warning is kept with the run"
    assert smtp.messages == []

    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    its.settings["mail"]["ca_file"] = None  # the server's self-signed certificate is not trusted
    untrusted = its.night(AUTUMN + DAY)
    assert untrusted.status == "done"
    assert any("CERTIFICATE_VERIFY_FAILED" in w for w in untrusted.report.warnings), untrusted.report.warnings

    its.settings["mail"]["ca_file"] = str(smtp.ca_file)
    its.settings["mail"]["port"] = smtp.port + 1 if smtp.port < 65535 else smtp.port - 1
    down = its.night(AUTUMN + 2 * DAY)
    assert down.status == "done" and any("status mail was not sent" in w for w in down.report.warnings)
    assert smtp.messages == []


def test_the_smtp_password_must_come_from_the_environment(
    its_lite: Itslearning, smtp: SmtpServer, tmp_path: Path
) -> None:
    its = its_lite
    with_mail(its, smtp, pytest.MonkeyPatch())
    its.settings["mail"]["password"] = "i-klartekst"
    its.write()
    with pytest.raises(ConfigError, match=r"mail\.password: a secret must be an \$\{ENV_VAR\} reference"):
        load_config(its.config_path)
    settings = yaml.safe_load(its.config_path.read_text(encoding="utf-8"))
    settings.pop("mail")
    (tmp_path / "no-server.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    with pytest.raises(ConfigError, match="targets itslearning send status mail: configure the SMTP server"):
        load_config(tmp_path / "no-server.yaml")
