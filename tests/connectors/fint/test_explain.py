"""``edusync explain`` over the VIGO-BAS profile: the FINT sandbox's awkward persons, each explained.

A county from the sandbox (over HTTP) is synced with the profile as shipped, plus one sync
criterion that keeps a single pupil in the connector space only. FINT rejects every Feide-name
write-back, so those changes fail; then a school day passes and the next night puts the pupils who
left into grace. Each awkward person's explanation must name the criterion that decided them, in
the criterion's own words, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import yaml
from sqlalchemy import select

from edusync.config.loader import LoadedConfig, load_config
from edusync.connectors.fint.settings import Filters, FintSettings
from edusync.demo.fint_demo import template
from edusync.pipeline.run import Runner
from edusync.sandbox.fint import create_app, generate
from edusync.sandbox.fint.county import County
from edusync.sandbox.serving import serve_in_thread
from edusync.services.explain import explain
from edusync.storage import Database, open_database, tables
from tests.conftest import _drop_pg, _fresh_pg_url
from tests.connectors.fint.conftest import TODAY, Fint, people

ELEV = "/utdanning/elev/elev/systemid/"
NIGHT1 = dt.datetime.combine(TODAY, dt.time(2), tzinfo=dt.UTC)
NIGHT2 = NIGHT1 + dt.timedelta(days=2)  # the day after the school day: its leavers have ended


@dataclasses.dataclass
class Site:
    folder: Path
    fint: Fint
    county: County
    loaded: LoadedConfig
    db: Database
    left_out: str  # the elev the sync criterion keeps in the connector space

    def explain(self, kind: str, key: str, **kw: Any) -> dict[str, Any]:
        return explain(self.db, self.loaded, kind, key, now=NIGHT2, **kw)

    def fnr_of(self, elev_sid: str) -> str:
        rows = self.county.elev.rows
        pos = next(i for i in range(len(rows)) if self.county.elev.sid(i) == elev_sid)
        return self.county.person.sid(rows[pos].person)


def _build(folder: Path, url: str, base: str, county: County, scenario: dict[str, Any]) -> Site:
    doc = yaml.safe_load(template())
    doc["storage"] = {"url": url}
    doc["connectors"]["fint"]["settings"].update(
        base_url=base, token_url=f"{base}/nidp/oauth/nam/token", client_id="c", username="u",
        feide_realm="fjordheim.no", page_size=100, write_poll_s=0.0, backoff_s=0.0,
    )  # fmt: skip
    left_out = scenario["elev_without_mellomnavn"]
    person = next(r for r in doc["sync"] if r["object_type"] == "eduPerson")
    person["criteria"] = [{"attribute": "ElevPersonalSystemId", "not_in": [ELEV + left_out]}]
    (folder / "edusync.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    loaded = load_config(folder / "edusync.yaml")
    db = open_database(loaded.config.storage.url, loaded.base_dir)
    httpx.post(f"{base}/_sandbox/writes/outcome", params={"result": "reject", "count": 100_000})
    assert Runner(loaded, db).start("nightly", now=NIGHT1).status == "done"
    httpx.post(f"{base}/_sandbox/advance", params={"days": 1}).raise_for_status()
    assert Runner(loaded, db).start("nightly", now=NIGHT2).status == "done"
    return Site(folder, Fint(base, scenario), county, loaded, db, left_out)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pg_server: object) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("explain")
    if request.param == "sqlite":
        url, name = f"sqlite:///{folder / 'edusync.db'}", None
    elif pg_server is None:
        pytest.skip("no PostgreSQL")
    else:
        url, name = _fresh_pg_url(pg_server)
    county = generate(seed=7, size="small", today=TODAY)
    app = create_app(county, client_id="c", client_secret="s", username="u", password="p", pending_polls=1)
    with pytest.MonkeyPatch.context() as mp, serve_in_thread(app) as base:
        mp.setenv("FINT_CLIENT_SECRET", "s")
        mp.setenv("FINT_PASSWORD", "p")
        mp.delenv("EDUSYNC_DATABASE_URL", raising=False)
        built = _build(folder, url, base, county, httpx.get(f"{base}/_sandbox/scenario").json())
        yield built
        built.db.dispose()
    if name is not None:
        _drop_pg(pg_server, name)


def _role(page: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(r for t in page["source_trace"] for r in t["roles"] if r["kind"] == kind)


def _reasons(page: dict[str, Any], kind: str) -> dict[str, tuple[bool, str]]:
    return {v["reason"]: (v["passed"], v["criterion"]) for v in _role(page, kind)["verdicts"]}


def test_an_ended_elevforhold_is_named_with_its_end_date(site: Site) -> None:
    case = site.fint.scenario["expired_elevforhold"]
    page = site.explain("person", case["elev"])
    ended = (TODAY - dt.timedelta(days=30)).isoformat()
    assert _reasons(page, "elev") == {f"elevforhold {case['elevforhold']} ended {ended}": (False, "elevforhold")}
    assert not page["found"] and not page["sources"]
    assert "FINT gives this person no role, so the import leaves them out" in " ".join(page["summary"])


def test_an_elevforhold_not_yet_begun_is_named_with_its_start(site: Site) -> None:
    case = site.fint.scenario["future_elevforhold"]
    starts = (TODAY + dt.timedelta(days=14)).isoformat()
    reasons = _reasons(site.explain("person", case["elev"]), "elev")
    assert reasons == {f"elevforhold {case['elevforhold']} starts {starts}": (False, "elevforhold")}


def test_a_skoleressurs_without_a_school_is_never_imported(site: Site) -> None:
    sr = site.fint.scenario["skoleressurs_without_skole"]
    page = site.explain("person", sr)
    assert _reasons(page, "skoleressurs") == {f"skoleressurs {sr} has no skole": (False, "skole")}
    assert not page["found"]


def test_a_job_outside_every_school_gives_no_role(site: Site) -> None:
    case = site.fint.scenario["workplace_outside_school"]
    reasons = _reasons(site.explain("person", case["skoleressurs"]), "skoleressurs")
    place = f"arbeidsforhold {case['arbeidsforhold']} at a workplace that is not a school"
    assert [(ok, c) for r, (ok, c) in reasons.items() if r.startswith(place)] == [(False, "arbeidssted")]
    assert reasons[f"skoleressurs {case['skoleressurs']} gets no role at any school"] == (False, "role")


def test_a_teacher_whose_job_ended_is_imported_for_the_teaching(site: Site) -> None:
    case = site.fint.scenario["teacher_without_arbeidsforhold"]
    page = site.explain("person", case["skoleressurs"])
    reasons = _reasons(page, "skoleressurs")
    ended = [r for r, (ok, c) in reasons.items() if r.startswith(f"arbeidsforhold {case['arbeidsforhold']} ended")]
    assert len(ended) == 1 and reasons[ended[0]] == (False, "arbeidsforhold")
    teaching = f"undervisningsforhold {case['undervisningsforhold']} links classes or groups"
    assert [ok for r, (ok, _) in reasons.items() if r.startswith(teaching)] == [True]
    assert page["found"], "the skoleressurs id finds the person anchored on the personalressurs"
    assert page["source_trace"][0]["verdict"]["passed"]


def test_a_rector_employed_above_the_school_is_imported_as_its_leader(site: Site) -> None:
    case = site.fint.scenario["rector_outside_school"]
    page = site.explain("person", case["skoleressurs"])
    reasons = _reasons(page, "skoleressurs")
    assert [c for r, (ok, c) in reasons.items() if not ok] == ["arbeidssted"]
    assert [c for r, (ok, c) in reasons.items() if ok] == ["leder"]
    assert page["found"]


def test_a_pupil_who_works_shows_both_roles(site: Site) -> None:
    case = site.fint.scenario["pupil_and_employee"]
    page = site.explain("person", case["elev"])
    assert {r["kind"] for t in page["source_trace"] for r in t["roles"]} == {"elev", "skoleressurs"}
    assert all(ok for ok, _ in _reasons(page, "elev").values())
    assert any(ok and c == "arbeidsforhold" for ok, c in _reasons(page, "skoleressurs").values())


@pytest.mark.parametrize(
    ("kind", "case", "filter_name"),
    [
        ("elev", "pupil_two_schools", "elevkategori"),
        ("skoleressurs", "skoleressurs_without_feidenavn", "personalressurskategori"),
        ("skoleressurs", "skoleressurs_without_feidenavn", "arbeidsforholdstype"),
        ("skoleressurs", "skoleressurs_without_feidenavn", "stillingskode"),
    ],
)
def test_each_filter_names_the_code_it_left_out_as_the_import_does(
    site: Site, kind: str, case: str, filter_name: str
) -> None:
    ids = site.fint.scenario[case]
    key = ids["elev"] if isinstance(ids, dict) else ids
    passing = [v for v in _role(site.explain("person", key), kind)["verdicts"] if v["passed"]]
    code = passing[0]["values"][filter_name]
    assert code, f"the sandbox gives {filter_name} a code"
    settings = site.loaded.settings["fint"]
    assert isinstance(settings, FintSettings)
    narrowed = settings.model_copy(update={"filters": Filters(**{f"{filter_name}_exclude": [code]})})
    loaded = dataclasses.replace(site.loaded, settings={**site.loaded.settings, "fint": narrowed})
    page = explain(site.db, loaded, "person", key, now=NIGHT2)
    failed = [v for v in _role(page, kind)["verdicts"] if v["criterion"] == filter_name]
    assert failed and not any(v["passed"] for v in failed)
    assert f"has {filter_name} {code}, which the filter leaves out" in failed[0]["reason"]
    # The import with the same filter agrees (the person keeps no role of this kind).
    con = site.fint.connector(today=NIGHT2.date(), filters=Filters(**{f"{filter_name}_exclude": [code]}))
    attr = "ElevSystemIdUri" if kind == "elev" else "SkoleressursSystemIdUri"
    assert not [a for a, p in people(con).items() if str(p.get(attr) or "").endswith("/" + key)]


def test_a_person_in_grace_says_since_when_and_until_when(site: Site) -> None:
    mv = tables.mv_objects
    with site.db.begin() as conn:
        grace = conn.execute(select(mv.c.id).where(mv.c.object_type == "person", mv.c.state == "grace")).scalars()
        first = next(iter(grace), None)
    assert first is not None, "a pupil who left on the school day is in grace"
    page = site.explain("person", first, read_source=False)
    assert page["lifecycle"]["reason"].startswith(f"in grace since {NIGHT2.date()}")
    assert f"disabled on {(NIGHT2 + dt.timedelta(days=7)).date()}" in page["lifecycle"]["reason"]
    lms = next(t for t in page["targets"] if t["target"] == "lms")
    assert lms["stand"] == "in lms (last sent in run 1)", "grace is still sent"
    assert [s["state"] for s in page["sources"]] == ["gone"]


def test_a_person_with_a_feide_name_in_fint_is_out_of_the_write_back_scope(site: Site) -> None:
    case = site.fint.scenario["pupil_two_schools"]
    page = site.explain("person", case["elev"], target="fint", read_source=False)
    (fint,) = page["targets"]
    scope = {v["reason"].split(":")[0]: v["passed"] for v in fint["verdicts"]}
    assert scope == {"basFeideInFint is empty": False, "eduPersonPrincipalName is present": True, "fint gets objects "
                     "that are active (it takes active, grace, archived)": True}  # fmt: skip
    assert fint["stand"].startswith("not in fint: basFeideInFint is empty: failed (basFeideInFint is ")
    assert fint["sent"] is None and not fint["changes"]


def test_a_failed_write_back_is_shown_with_fints_reason(site: Site) -> None:
    page = site.explain("person", site.fint.scenario["elev_without_feidenavn"], target="fint", read_source=False)
    (fint,) = page["targets"]
    assert fint["in_scope"] and fint["sent"] is None
    assert fint["failed"] and fint["failed"][0]["error"] == "elev: rejected: forced outcome: reject"
    assert fint["stand"] == "add to fint failed: elev: rejected: forced outcome: reject"
    assert [c["run"] for c in fint["changes"]][:2] == [2, 1], "tried each night, failed each time"


def test_a_person_known_only_in_the_connector_space_names_the_sync_criterion(site: Site) -> None:
    elev = site.left_out
    for key in (elev, ELEV + elev):
        page = site.explain("person", key)
        assert not page["found"]
        (record,) = page["sources"]
        (criterion,) = record["verdicts"]
        assert not criterion["passed"] and criterion["reason"].startswith("ElevPersonalSystemId not in [")
        assert record["link"] == "not linked to any object: it fails its criteria"
        assert page["source_trace"][0]["verdict"]["passed"], "FINT itself gives the pupil a role"
    attrs = people(site.fint.connector(today=NIGHT2.date()))[ELEV + elev]
    by_feide = site.explain("person", attrs["ElevFeidenavn"], read_source=False)
    by_name = site.explain("person", f"{attrs['PersonNavnFornavn']} {attrs['PersonNavnEtternavn']}", read_source=False)
    assert [s["anchor"] for s in by_feide["sources"]] == [s["anchor"] for s in by_name["sources"]] == [ELEV + elev]


def test_a_national_id_finds_the_person_and_is_never_echoed(site: Site) -> None:
    for elev, found in ((site.fint.scenario["elev_without_feidenavn"], True), (site.left_out, False)):
        number = site.fnr_of(elev)
        page = site.explain("person", number, actor="tester")
        text = orjson.dumps(page).decode()
        assert number not in text and page["key"] == number[:6] + "*****"
        assert page["found"] is found
        assert page["sources"] and page["sources"][0]["anchor"] == ELEV + elev
        assert page["source_trace"][0]["roles"], "FINT finds the person by the number too"
    au = tables.audit_log
    with site.db.begin() as conn:
        details = list(conn.execute(select(au.c.detail).where(au.c.action == "national-id-search")).scalars())
    assert details and all(number not in d for d in details)


def test_the_command_prints_one_page_and_json_without_the_number(site: Site) -> None:
    exe = shutil.which("edusync")
    assert exe, "the edusync console script is installed"
    env = {k: v for k, v in os.environ.items() if k not in ("EDUSYNC_DATABASE_URL", "EDUSYNC_CONFIG")}
    env |= {"COLUMNS": "200", "FINT_CLIENT_SECRET": "s", "FINT_PASSWORD": "p", "EDUSYNC_ACTOR": "tester"}
    case = site.fint.scenario["expired_elevforhold"]

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([exe, *args], cwd=site.folder, env=env, capture_output=True, text=True, timeout=300)

    shown = cli("explain", "person", case["elev"])
    assert shown.returncode == 0, shown.stderr
    assert f"elevforhold {case['elevforhold']} ended" in shown.stdout
    number = site.fnr_of(site.fint.scenario["elev_without_feidenavn"])
    as_json = cli("explain", "person", number, "--target", "lms", "--no-source", "--json")
    assert as_json.returncode == 0, as_json.stderr
    assert number not in as_json.stdout + as_json.stderr
    assert [t["target"] for t in orjson.loads(as_json.stdout)["targets"]] == ["lms"]
    nothing = cli("explain", "person", "nobody-has-this-key", "--no-source")
    assert nothing.returncode == 1


def test_a_group_and_a_membership_are_explained_too(site: Site) -> None:
    mv = tables.mv_objects
    with site.db.begin() as conn:
        member = conn.execute(
            select(mv.c.id, mv.c.group_id)
            .where(mv.c.object_type == "membership", mv.c.state == "active")
            .order_by(mv.c.id)
            .limit(1)
        ).first()
    assert member is not None
    group = site.explain("group", member.group_id)
    assert group["found"] and group["sources"][0]["link"] == "projected: this record made the object"
    (lms,) = group["targets"]
    assert lms["stand"] == f"in lms (last sent in run {lms['sent']['run']})" and lms["sent"]["run"] in (1, 2)
    membership = site.explain("membership", member.id, target="lms")
    assert membership["found"] and membership["targets"][0]["in_scope"]
