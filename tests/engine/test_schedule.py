"""Schedules on a controlled clock: cron in Oslo time across the clock changes, skip days, missed starts."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from edusync.config.schedules import Schedule
from edusync.engine.schedule import TICK_TOLERANCE, due, starts

OSLO = "Europe/Oslo"


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def nightly(**more: object) -> Schedule:
    return Schedule.model_validate({"cron": ["30 2 * * *"], **more})


def test_a_start_in_the_hour_that_springs_forward_is_made_at_three() -> None:
    found = starts(nightly(), OSLO, utc("2027-03-27 00:00"), utc("2027-03-29 12:00"))
    assert [s.local.isoformat() for s in found] == [
        "2027-03-27T02:30:00+01:00",
        "2027-03-28T03:00:00+02:00",
        "2027-03-29T02:30:00+02:00",
    ]
    assert [s.at for s in found] == [utc("2027-03-27 01:30"), utc("2027-03-28 01:00"), utc("2027-03-29 00:30")]


def test_a_start_in_the_hour_that_repeats_is_made_once() -> None:
    found = starts(nightly(), OSLO, utc("2026-10-24 12:00"), utc("2026-10-25 12:00"))
    assert [s.local.isoformat() for s in found] == ["2026-10-25T02:30:00+02:00"]


def test_several_expressions_at_one_moment_count_once() -> None:
    both = Schedule(cron=["0 6 * * *", "0 6 * * 1-5"])
    found = starts(both, OSLO, utc("2026-12-07 00:00"), utc("2026-12-08 00:00"))  # a Monday
    assert len(found) == 1


def test_skip_days_are_listed_with_their_reason_and_not_made() -> None:
    summer = nightly(skip=[{"from": "06-20", "to": "08-15", "reason": "summer"}])
    found = starts(summer, OSLO, utc("2027-06-18 12:00"), utc("2027-06-21 12:00"))
    why = "skipped (summer): 2027-06-20 to 2027-08-15"
    assert [(s.local.day, s.skipped) for s in found] == [(19, None), (20, why), (21, why)]
    assert due(summer, OSLO, utc("2027-06-19 01:00"), utc("2027-06-21 00:40")) is None


def test_missed_nights_run_once_and_then_nothing_is_due() -> None:
    ended = utc("2026-12-01 01:00")  # the last run ended on the 1st; the machine was down three nights
    start = due(nightly(), OSLO, ended, utc("2026-12-04 09:00"))
    assert start is not None and start.local.isoformat() == "2026-12-04T02:30:00+01:00"
    after = utc("2026-12-04 09:20")  # the catch-up run ended
    assert due(nightly(), OSLO, after, utc("2026-12-04 09:25")) is None


def test_a_start_that_passed_while_a_run_went_on_is_not_made_afterwards() -> None:
    half_hourly = Schedule(cron=["*/30 * * * *"])
    # the run started at 01:30 and took 45 minutes: the 02:00 start came while it ran
    assert due(half_hourly, OSLO, utc("2026-12-04 02:15"), utc("2026-12-04 02:20")) is None
    start = due(half_hourly, OSLO, utc("2026-12-04 02:15"), utc("2026-12-04 02:31"))
    assert start is not None and start.at == utc("2026-12-04 02:30")


def test_without_catch_up_a_missed_start_waits_for_the_next() -> None:
    strict = nightly(catch_up=False)
    assert due(strict, OSLO, utc("2026-12-01 01:00"), utc("2026-12-04 09:00")) is None
    on_time = utc("2026-12-04 01:30") + TICK_TOLERANCE / 2
    assert due(strict, OSLO, utc("2026-12-01 01:00"), on_time) is not None


def test_a_profile_that_never_ran_starts_at_its_next_time_not_at_once() -> None:
    assert due(nightly(), OSLO, None, utc("2026-12-04 09:00")) is None
    assert due(nightly(), OSLO, None, utc("2026-12-04 01:32")) is not None


def test_a_bad_expression_is_refused_naming_it() -> None:
    with pytest.raises(ValidationError, match="61 2"):
        Schedule(cron=["61 2 * * *"])
