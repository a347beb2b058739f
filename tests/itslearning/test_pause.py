"""Pause windows: nothing is sent while the target is paused, the report says so, and the changes
wait for the first night after."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from edusync.config.models import PauseWindow, Rollover, TargetConfig
from edusync.engine.calendar import Pause, in_window, local_day, pause_on, school_year
from tests.itslearning.conftest import Itslearning, records, target

SUMMER = {"from": "06-20", "to": "08-10", "reason": "summer"}


def test_nothing_is_sent_in_a_pause_and_the_changes_wait_for_its_end(its_lite: Itslearning) -> None:
    its = its_lite
    its.rules(pause=[SUMMER])
    assert its.night(dt.date(2026, 6, 19)).status == "done"
    sent = its.files()
    leaver = its.pupils()[0]
    key = its.key_of("person", leaver[0])
    its.remove_persons({leaver[0]})
    paused = its.night(dt.date(2026, 7, 1))
    assert paused.status == "done" and paused.exit_code == 0
    assert its.files() == sent, "nothing was sent"
    counts = paused.report.as_dict()
    assert counts["export"]["itslearning"]["paused"] == 1
    assert counts["plan"]["itslearning/person"]["delete"] == 1, "the report shows what waits"
    assert any(
        "itslearning: paused (summer) from 2026-06-20 to 2026-08-10: nothing was sent;" in w
        for w in paused.report.warnings
    ), paused.report.warnings
    assert its.state_of("person", key) == "present"
    assert its.run_info(paused.run_id)["change_sets"][0]["status"] == "preview"

    assert its.night(dt.date(2026, 8, 10)).report.as_dict()["export"]["itslearning"]["paused"] == 1, "the last day"
    after = its.night(dt.date(2026, 8, 11))
    assert after.status == "done" and "export" not in after.report.as_dict()
    assert [p.get("recstatus") for p in records(its.last_file(), "person", key)] == ["3"]
    assert its.state_of("person", key) == "deleted"


def test_a_pause_is_judged_on_the_local_date() -> None:
    tc = TargetConfig.model_validate(target(pause=[SUMMER]))
    # 22:30 UTC on 19 June is 00:30 on 20 June in Oslo: paused.
    late = dt.datetime(2026, 6, 19, 22, 30, tzinfo=dt.UTC)
    assert local_day(late, "Europe/Oslo") == dt.date(2026, 6, 20)
    assert pause_on(tc, local_day(late, "Europe/Oslo")) == Pause(dt.date(2026, 6, 20), dt.date(2026, 8, 10), "summer")
    assert pause_on(tc, local_day(late, "UTC")) is None


@pytest.mark.parametrize(
    ("window", "day", "paused"),
    [
        ({"from": "12-20", "to": "01-05"}, dt.date(2026, 12, 31), True),
        ({"from": "12-20", "to": "01-05"}, dt.date(2027, 1, 5), True),
        ({"from": "12-20", "to": "01-05"}, dt.date(2027, 1, 6), False),
        ({"from": "2026-10-01", "to": "2026-10-03"}, dt.date(2026, 10, 3), True),
        ({"from": "2026-10-01", "to": "2026-10-03"}, dt.date(2027, 10, 2), False),
        ({"from": "02-29", "to": "03-01"}, dt.date(2027, 2, 28), True),
    ],
)
def test_pause_windows_repeat_yearly_run_over_new_year_or_name_dates(
    window: dict[str, str], day: dt.date, paused: bool
) -> None:
    tc = TargetConfig.model_validate(target(pause=[window]))
    assert (pause_on(tc, day) is not None) is paused


@pytest.mark.parametrize(
    ("window", "message"),
    [
        ({"from": "6-20", "to": "08-10"}, "not MM-DD or YYYY-MM-DD"),
        ({"from": "06-31", "to": "08-10"}, "day is out of range"),
        ({"from": "2026-06-20", "to": "08-10"}, "both be MM-DD or both be YYYY-MM-DD"),
        ({"from": "2026-08-20", "to": "2026-08-10"}, "'from' is after 'to'"),
    ],
)
def test_bad_pause_windows_are_refused(window: dict[str, str], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        PauseWindow.model_validate(window)


def test_the_school_year_and_its_rollover_window() -> None:
    r = Rollover(starts="08-01", window_days=21)
    assert school_year(r, dt.date(2026, 7, 31)).label == "2025-26"
    assert school_year(r, dt.date(2026, 8, 1)).name == "2026/2027"
    assert in_window(r, dt.date(2026, 8, 1)) and in_window(r, dt.date(2026, 8, 21))
    assert not in_window(r, dt.date(2026, 8, 22)) and not in_window(r, dt.date(2026, 7, 31))
    with pytest.raises(ValidationError, match="as MM-DD"):
        Rollover(starts="2026-08-01")
