"""The explanation in the console: on a person's page, its own page, and the API, in both languages."""

from __future__ import annotations

import httpx

from tests.console.conftest import Console


def _person(site: Console, pupil: list[str]) -> str:
    found = site.bearer("console:read").get("/api/v1/objects", params={"q": pupil[4]}).json()["items"]
    return str(found[0]["id"])


def test_a_persons_page_says_why_it_is_in_each_target_in_both_languages(console_site: Console) -> None:
    pupil = console_site.ws.pupils()[-1]
    c = console_site.login("viewer@fylke.no")
    page = c.get(f"/objects/person/{_person(console_site, pupil)}")
    assert page.status_code == 200
    assert "Hvorfor den er (eller ikke er) i hvert mål" in page.text and "Kildeposter" in page.text
    assert "no scope conditions: every object passes" in page.text
    assert pupil[1] not in page.text, "the fødselsnummer is masked"
    c.post("/language", data={"lang": "en", "csrf": c.csrf})  # type: ignore[attr-defined]
    english = c.get(f"/objects/person/{_person(console_site, pupil)}").text
    assert "Why it is (not) in each target" in english and "Source records" in english
    c.post("/language", data={"lang": "nb", "csrf": c.csrf})  # type: ignore[attr-defined]


def test_the_api_explains_a_person_and_refuses_a_national_id_in_the_url(console_site: Console) -> None:
    pupil = console_site.ws.pupils()[-1]
    api = console_site.bearer("console:read")
    answer = api.get(f"/api/v1/objects/person/{_person(console_site, pupil)}/explain", params={"target": "lms"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["found"] and [t["target"] for t in body["targets"]] == ["lms"]
    assert body["targets"][0]["stand"].startswith("in lms (last sent in run ")
    assert pupil[1] not in answer.text
    refused = api.get(f"/api/v1/objects/person/{pupil[1]}/explain")
    assert refused.status_code in (400, 403) and pupil[1] not in refused.text
    documented = httpx.get(f"{console_site.url}/api/v1/openapi.json").json()["paths"]
    assert "/objects/{object_type}/{key}/explain" in documented


def test_a_person_who_left_is_explained_from_the_connector_space_or_the_trash(console_site: Console) -> None:
    gone = sorted(console_site.gone)[0]
    c = console_site.login("viewer@fylke.no")
    page = c.get(f"/explain/person/{gone}")
    assert page.status_code == 200, page.text[:500]
    body = console_site.bearer("console:read").get(f"/api/v1/objects/person/{gone}/explain").json()
    assert body["sources"] and body["sources"][0]["anchor"] == gone
    assert body["summary"][0] in page.text.replace("&#39;", "'")
