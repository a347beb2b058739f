"""The console in a real browser: Debian's Chromium driven by Playwright, against the served console.

Screenshots of each page are saved under the test's ``tmp_path`` (``screenshots/``) as artefacts.
Skipped where /usr/bin/chromium is missing (``.ci/run`` installs it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.console.conftest import PASSWORD, Console, _site

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="no Chromium at /usr/bin/chromium")


@pytest.fixture
def browser_site(tmp_path: Path) -> Iterator[Console]:
    yield from _site("sqlite", tmp_path / "site", None)


@pytest.fixture
def page(tmp_path: Path) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(locale="nb-NO")
        yield context.new_page()
        context.close()
        browser.close()


def _shot(page: object, tmp_path: Path, name: str) -> None:
    folder = tmp_path / "screenshots"
    folder.mkdir(exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def _sign_in(page: object, site: Console, user: str) -> None:
    page.goto(f"{site.url}/login")  # type: ignore[attr-defined]
    page.get_by_label("Brukernavn").fill(user)  # type: ignore[attr-defined]
    page.get_by_label("Passord").fill(PASSWORD)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Logg inn").click()  # type: ignore[attr-defined]
    page.wait_for_url(f"{site.url}/")  # type: ignore[attr-defined]


def test_an_approver_reviews_and_approves_a_blocked_night(browser_site: Console, page: object, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    site, p = browser_site, page
    _sign_in(p, site, "approver@fylke.no")
    expect(p.get_by_text("Venter på en avgjørelse")).to_be_visible()  # type: ignore[attr-defined]
    _shot(p, tmp_path, "dashboard")
    p.get_by_role("link", name=re.compile(f"Kjøring {site.blocked} ")).click()  # type: ignore[attr-defined]
    expect(p.get_by_text("person deletes", exact=False).first).to_be_visible()  # type: ignore[attr-defined]
    _shot(p, tmp_path, "review")
    digest = p.locator("#hash").inner_text()  # type: ignore[attr-defined]
    p.get_by_label("Sjekksummen du har sett gjennom").fill(digest[:12])  # type: ignore[attr-defined]
    p.get_by_label("Hvorfor du slipper det gjennom").fill("elevene har sluttet")  # type: ignore[attr-defined]
    p.get_by_role("button", name="Godkjenn").click()  # type: ignore[attr-defined]
    p.wait_for_url(f"{site.url}/runs/{site.blocked}")  # type: ignore[attr-defined]
    expect(p.locator("[data-status]")).to_have_text("done", timeout=60_000)  # type: ignore[attr-defined]
    p.reload()  # type: ignore[attr-defined]
    expect(p.locator("#audit")).to_contain_text("elevene har sluttet")  # type: ignore[attr-defined]
    expect(p.locator("#audit")).to_contain_text("approver@fylke.no")  # type: ignore[attr-defined]
    _shot(p, tmp_path, "run-done")


def test_an_operator_finds_a_pupil_reads_lineage_and_restores_one(
    browser_site: Console, page: object, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    site, p = browser_site, page
    _sign_in(p, site, "operator@fylke.no")
    pupil = site.ws.pupils()[0]
    p.goto(f"{site.url}/search")  # type: ignore[attr-defined]
    p.get_by_label("Navn, Feide-navn").fill(pupil[4])  # type: ignore[attr-defined]
    p.get_by_role("button", name="Søk").last.click()  # type: ignore[attr-defined]
    p.get_by_role("link", name=f"{pupil[2]} {pupil[3]}").click()  # type: ignore[attr-defined]
    expect(p.locator("#attributes")).to_contain_text("sis/person " + pupil[0])  # type: ignore[attr-defined]
    expect(p.locator("#attributes")).not_to_contain_text(pupil[1])  # type: ignore[attr-defined]
    _shot(p, tmp_path, "person")
    p.goto(f"{site.url}/trash?type=person")  # type: ignore[attr-defined]
    first = p.locator("#trash input[type=checkbox]").first  # type: ignore[attr-defined]
    chosen = first.get_attribute("value")
    first.check()
    p.get_by_role("button", name="Gjenopprett de valgte").click()  # type: ignore[attr-defined]
    expect(p.get_by_role("status")).to_contain_text("Gjenopprettet: 1")  # type: ignore[attr-defined]
    _shot(p, tmp_path, "trash")
    assert site.bearer("console:read").get(f"/api/v1/objects/person/{chosen}").json()["state"] == "active"


def test_a_viewer_cannot_approve_and_a_post_without_csrf_is_refused(
    browser_site: Console, page: object, tmp_path: Path
) -> None:
    site, p = browser_site, page
    _sign_in(p, site, "viewer@fylke.no")
    p.goto(f"{site.url}/runs/{site.blocked}/review")  # type: ignore[attr-defined]
    assert p.get_by_role("button", name="Godkjenn").count() == 0  # type: ignore[attr-defined]
    _shot(p, tmp_path, "viewer-review")
    answer = p.request.post(  # type: ignore[attr-defined]
        f"{site.url}/runs/{site.blocked}/reject", form={"reason": "forged"}, max_redirects=0
    )
    assert answer.status == 403
    assert site.bearer("console:read").get(f"/api/v1/runs/{site.blocked}").json()["status"] == "blocked"


def test_an_admin_disables_a_user_who_then_cannot_sign_in(browser_site: Console, page: object, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    site, p = browser_site, page
    _sign_in(p, site, "admin@fylke.no")
    p.get_by_role("link", name="Administrasjon").click()  # type: ignore[attr-defined]
    expect(p.locator("#users")).to_contain_text("viewer@fylke.no")  # type: ignore[attr-defined]
    p.get_by_role("button", name="Deaktiver viewer@fylke.no").click()  # type: ignore[attr-defined]
    expect(p.get_by_role("status")).to_contain_text("Bruker deaktivert: viewer@fylke.no")  # type: ignore[attr-defined]
    assert p.get_by_role("button", name="Deaktiver viewer@fylke.no").count() == 0  # type: ignore[attr-defined]
    _shot(p, tmp_path, "admin-users")
    p.get_by_role("button", name="Logg ut").click()  # type: ignore[attr-defined]
    p.get_by_label("Brukernavn").fill("viewer@fylke.no")  # type: ignore[attr-defined]
    p.get_by_label("Passord").fill(PASSWORD)  # type: ignore[attr-defined]
    p.get_by_role("button", name="Logg inn").click()  # type: ignore[attr-defined]
    expect(p.get_by_text("Feil brukernavn eller passord")).to_be_visible()  # type: ignore[attr-defined]
