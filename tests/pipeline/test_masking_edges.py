"""The edges mask national ids: a status mail's body and every log line (issue 13, item 12)."""

from __future__ import annotations

import logging

import pytest

from edusync.cli.common import mask_logs
from edusync.model import fnr
from edusync.pipeline.report.mail import StatusReport, compose

NUMBER = "17054026641"


def test_a_status_mail_never_carries_a_national_id() -> None:
    report = StatusReport(
        target="itslearning",
        run_id=7,
        profile="nightly",
        completed=False,
        when="2026-12-03 03:00",
        object_types=["person"],
        before={"person": 1},
        after={"person": 1},
        errors=[f"person {NUMBER}: refused by the target"],
        warnings=[f"sync key {NUMBER} appeared twice"],
    )
    body = compose(report, "edusync@fylke.no", ["drift@fylke.no"]).get_content()
    assert NUMBER not in body and fnr.mask(NUMBER) in body


def test_log_lines_are_masked_whoever_writes_them(caplog: pytest.LogCaptureFixture) -> None:
    mask_logs()  # what every command does: each handler of the process masks what it writes
    logging.getLogger("edusync.pipeline.run").warning("person %s could not be sent", NUMBER)
    logging.getLogger("uvicorn.access").warning("GET /v1/user/%s 404", NUMBER)
    assert NUMBER not in caplog.text and caplog.text.count(fnr.mask(NUMBER)) == 2
    # The arguments keep their shape: uvicorn's access formatter unpacks them (None made it fail on every request).
    assert [r.args for r in caplog.records][-1] == ("170540*****",)
