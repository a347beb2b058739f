"""FINT's times are UTC; the day they fall on, and "today", are decided in Oslo."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import SecretStr

from edusync.connectors.fint import FintConnector
from edusync.connectors.fint.clock import oslo_day, today_in_oslo
from edusync.connectors.fint.criteria import active
from edusync.connectors.fint.graph import period
from edusync.connectors.fint.settings import FintSettings


def test_a_utc_midnight_in_oslo_is_the_next_day() -> None:
    assert oslo_day("2025-08-17T22:00:00Z") == "2025-08-18"  # summer: UTC+2
    assert oslo_day("2026-11-22T23:00:00Z") == "2026-11-23"  # winter: UTC+1
    assert oslo_day("2026-11-22T22:59:59Z") == "2026-11-22"
    assert oslo_day("2026-11-22T23:00:00.000+00:00") == "2026-11-23"
    assert oslo_day("2026-11-22T23:00:00") == "2026-11-23", "no offset: UTC, as FINT sends"
    assert oslo_day("2026-11-23") == "2026-11-23"


def test_a_period_that_starts_at_oslo_midnight_is_active_that_day_not_the_day_before() -> None:
    start, end = period({"gyldighetsperiode": {"start": "2025-08-17T22:00:00Z", "slutt": "2026-06-19T22:00:00Z"}})
    assert (start, end) == ("2025-08-18", "2026-06-20")
    assert not active(start, end, dt.date(2025, 8, 17)), "cutting the string would say 17 August"
    assert active(start, end, dt.date(2025, 8, 18)) and active(start, end, dt.date(2026, 6, 20))


def test_today_is_the_run_clock_in_oslo() -> None:
    late = dt.datetime(2026, 11, 22, 23, 30, tzinfo=dt.UTC)  # 00:30 on 23 November in Oslo
    assert today_in_oslo(late) == dt.date(2026, 11, 23)
    settings = FintSettings(base_url="http://fint.invalid", client_id="c", client_secret=SecretStr("s"),
                            username="u", password=SecretStr("p"))  # fmt: skip
    con = FintConnector("fint", settings, Path("."))
    con.today, con.now = late.date(), late  # the engine sets both: the UTC date and the clock
    assert con._today() == dt.date(2026, 11, 23)
    con.close()
