"""The forecast in the console: its API endpoints (in the served OpenAPI) and its page, in both languages."""

from __future__ import annotations

import re

from sqlalchemy import text

from tests.console.conftest import Console


def _count(site: Console, table: str) -> int:
    with site.db.begin() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_the_api_forecasts_a_day_and_a_calendar_and_stores_nothing(console_site: Console) -> None:
    c = console_site.bearer("console:read")
    before = {t: _count(console_site, t) for t in ("runs", "change_sets", "changes", "mv_objects")}
    day = c.get("/api/v1/forecast", params={"date": "2026-08-19"})
    assert day.status_code == 200, day.text
    lms = day.json()["targets"]["lms"]
    # The blocked night's deletes are still to come: the gate would block them again.
    assert lms["blocked"] and lms["reasons"] and lms["ops"]["delete"] > 0
    lost = [p for people in lms["losses"].values() for p in people]
    assert len(lost) == len(console_site.gone)
    assert all(p["nin"] is None or p["nin"].endswith("*****") for p in lost)
    cal = c.get("/api/v1/forecast/calendar", params={"from": "2026-08-19", "to": "2026-09-10"})
    assert cal.status_code == 200, cal.text
    nights = cal.json()["nights"]
    assert nights[0]["date"] == "2026-08-19" and nights[0]["blocked"] == ["lms"]
    assert cal.json()["evaluated"] < 23
    assert {t: _count(console_site, t) for t in before} == before
    bad = c.get("/api/v1/forecast/calendar", params={"from": "2026-09-10", "to": "2026-08-19"})
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/problem+json")
    assert c.get("/api/v1/forecast", params={"date": "2026-08-19", "target": "nowhere"}).status_code == 400
    paths = c.get("/api/v1/openapi.json").json()["paths"]
    assert "/forecast" in paths and "/forecast/calendar" in paths


def test_the_forecast_page_shows_the_nights_and_a_day_in_both_languages(console_site: Console) -> None:
    c = console_site.login("viewer@fylke.no")
    page = c.get("/forecast", params={"start": "2026-08-19", "end": "2026-09-01", "date": "2026-08-19"})
    assert page.status_code == 200, page.text[:500]
    assert "Prognose" in page.text and "ville sperre" in page.text and "Hvem mister lms" in page.text
    assert "*****" in page.text and not re.search(r"\b\d{11}\b", page.text), "national ids are masked"
    c.post("/language", data={"lang": "en", "csrf": c.csrf})  # type: ignore[attr-defined]
    english = c.get("/forecast", params={"start": "2026-08-19", "end": "2026-09-01"}).text
    assert "Forecast" in english and "would block" in english
    c.post("/language", data={"lang": "nb", "csrf": c.csrf})  # type: ignore[attr-defined]
