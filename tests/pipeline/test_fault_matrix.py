"""The fault matrix: a real ``edusync run`` killed (SIGKILL) at every named point, for every kind of target.

For each target kind a clean run gives the reference: what the target holds afterwards, and how
many writes it took. Then, for every kill point of :data:`edusync.faults.POINTS`, a fresh site
runs with ``EDUSYNC_KILL_AT`` set and dies there; the next ``edusync run`` settles the
interrupted run first (confirming what was in flight) and goes on. The target must then hold
exactly what the clean run left, and no change may have been applied twice.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from ldap3 import ALL_ATTRIBUTES, SUBTREE, Connection, Server

from edusync import faults
from edusync.connectors.pifu import PifuConnector, PifuSettings
from edusync.sandbox.imses import create_app as imses_app
from edusync.sandbox.serving import serve_in_thread
from edusync.testing.slapd import Slapd
from tests.connectors.imses.conftest import PASSWORD, USERNAME, Site
from tests.connectors.imses.test_pipeline import Night
from tests.connectors.ldap.conftest import _need_slapd
from tests.connectors.ldap.site import Site as LdapSite
from tests.connectors.ldap.site import people
from tests.itslearning.conftest import Itslearning
from tests.workspace import Workspace

#: Points passed once per batch die at the second batch, so the export is cut in the middle.
NTH = {"export.before_batch": 2, "export.after_batch": 2, "export.recorded": 2, "sync.committed": 1,
       # SCIM's own: a write in the second batch, and the second batch's users written before its memberships.
       "scim.wrote": 3, "scim.resources_written": 2}  # fmt: skip
#: A target's own points (the stages before the export are the same for every target: tested with files).
TARGET_POINTS = [p for p in faults.POINTS if p.startswith(("plan.", "gate.", "export.", "run."))]
#: Every point passed by every target (a target's own points are tested with that target only).
SHARED_POINTS = [p for p in faults.POINTS if not any(p in own for own in faults.TARGET_ONLY.values())]


@dataclass
class Scenario:
    """One fresh site: where its config is, the environment a run needs, and what its target holds."""

    config: Path
    env: dict[str, str]
    #: What the target holds, comparable between two sites.
    content: Callable[[], Any]
    #: How many writes the target took, by kind (a change applied twice shows here).
    writes: Callable[[], Counter[str]]
    profile: str = "nightly"


def _canon(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def run(scenario: Scenario, kill_at: str | None = None) -> int:
    env = {**os.environ, **scenario.env, "EDUSYNC_ACTOR": "tester"}
    env.pop(faults.ENV, None)
    if kill_at:
        env[faults.ENV] = kill_at
    args = [sys.executable, "-m", "edusync", "run", scenario.profile, "--config", str(scenario.config)]
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode in (0, -9), done.stderr[-2000:]
    return done.returncode


#: What a clean run left, per kind of site (and database), in this worker: every kill point of a
#: kind is compared with one clean run, which is deterministic (the sites hold the same data).
_CLEAN: dict[str, tuple[Any, Counter[str]]] = {}


def clean_reference(make: Callable[[Path], Scenario], tmp_path: Path, kind: str) -> tuple[Any, Counter[str]]:
    if kind not in _CLEAN:
        clean = make(tmp_path / "clean")
        assert run(clean) == 0
        _CLEAN[kind] = (clean.content(), clean.writes())
    return _CLEAN[kind]


def kill_and_recover(make: Callable[[Path], Scenario], tmp_path: Path, point: str, kind: str) -> None:
    content, writes = clean_reference(make, tmp_path, kind)
    faulty = make(tmp_path / "faulty")
    spec = f"{point}#{NTH.get(point, 1)}"
    assert run(faulty, spec) == -9, f"the run passed {spec} without dying: the point is never reached"
    assert run(faulty) == 0, "the next run settles the interrupted one and finishes"
    assert faulty.content() == content, f"killed at {point}: the target differs from a clean run's"
    assert faulty.writes() == writes, f"killed at {point}: a change was applied twice (or not at all)"


# -- files (JSON Lines) -------------------------------------------------------------------------


def files_site(folder: Path) -> Scenario:
    ws = Workspace(folder)
    ws.settings["targets"]["lms"]["batch_size"] = 500
    ws.write()
    lines = ws.out_lines

    def content() -> list[tuple[str, str, str, bytes]]:
        return sorted((x["object_type"], x["key"], x["op"], orjson.dumps(x["attrs"], option=orjson.OPT_SORT_KEYS))
                      for x in lines())  # fmt: skip

    return Scenario(ws.config_path, {}, content, lambda: Counter(x["op"] for x in lines()))


@pytest.mark.parametrize("point", SHARED_POINTS)
def test_files_target(tmp_path: Path, database_url: str, point: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EDUSYNC_DATABASE_URL", raising=False)
    if database_url.startswith("postgresql"):
        # One database per site: the clean one and the faulty one must not share what they hold.
        from tests.conftest import _drop_pg, _fresh_pg_url, _pg_admin

        admin = _pg_admin()
        assert admin is not None
        urls = {name: _fresh_pg_url(admin) for name in ("clean", "faulty")}

        def make(folder: Path) -> Scenario:
            scenario = files_site(folder)
            scenario.env["EDUSYNC_DATABASE_URL"] = urls[folder.name][0]
            return scenario

        try:
            kill_and_recover(make, tmp_path, point, "files-postgresql")
        finally:
            for _, name in urls.values():
                _drop_pg(admin, name)
        return
    kill_and_recover(files_site, tmp_path, point, "files-sqlite")


# -- pifu-xml (itslearning's files) -------------------------------------------------------------


def pifu_site(folder: Path) -> Scenario:
    ws = Itslearning(folder)
    ws.settings["targets"]["itslearning"]["batch_size"] = 500
    ws.settings["targets"]["itslearning"]["thresholds"] = {}
    ws.write()
    out = folder / "out" / "itslearning"

    def content() -> dict[str, list[tuple[str, bytes]]]:
        reader = PifuConnector("read", PifuSettings(input=out), folder)
        return {
            t.name: sorted((r.anchor, _canon(r.attrs)) for r in reader.import_objects(t.name))
            for t in reader.object_types()
        }

    return Scenario(ws.config_path, {}, content, lambda: Counter(p.name.rsplit("-", 1)[-1] for p in out.glob("*.xml")))


@pytest.mark.parametrize("point", TARGET_POINTS)
def test_pifu_xml_target(tmp_path: Path, point: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EDUSYNC_DATABASE_URL", raising=False)
    kill_and_recover(pifu_site, tmp_path, point, "pifu-xml")


# -- oneroster-csv and sds-csv (zipped CSV packages) ---------------------------------------------


def _flows(*pairs: str) -> list[dict[str, str]]:
    return [{"to": p.split("<")[0], "from": p.split("<")[1]} for p in pairs]


def package_site(kind: str, mode: str) -> Callable[[Path], Scenario]:
    """The demo's files source and a package target: each package read back, its dateLastModified left out."""

    def make(folder: Path) -> Scenario:
        ws = Workspace(folder)
        settings = {"output": "out/pkg", **({"mode": mode} if kind == "oneroster-csv" else {})}
        ws.settings["connectors"]["lms"] = {"type": kind, "settings": settings}
        ws.settings["targets"]["lms"] = {
            "batch_size": 500,
            "objects": [
                {"metaverse_type": "organisation", "object_type": "organisation",
                 "flows": _flows("name<name", "type<type")},
                {"metaverse_type": "person", "object_type": "person", "flows": _flows(
                    "username<eduPersonPrincipalName", "givenName<firstName", "familyName<lastName", "email<mail",
                    "role<affiliation", "school<school")},
                {"metaverse_type": "group", "object_type": "group",
                 "flows": _flows("name<name", "groupType<groupType", "school<school")},
                {"metaverse_type": "membership", "object_type": "membership",
                 "flows": _flows("person<person", "group<group", "role<role")},
            ],
        }  # fmt: skip
        ws.write()
        out = folder / "out" / "pkg"

        def content() -> list[dict[str, list[tuple[str, ...]]]]:
            import csv
            import io
            import zipfile

            from edusync.connectors.oneroster import check as oneroster_check
            from edusync.connectors.sds import check as sds_check

            packages = []
            for path in sorted(out.glob("*.zip")):
                problems = (sds_check if kind == "sds-csv" else oneroster_check).check_package(path)
                assert problems == [], f"{path.name} breaks the binding: {problems[:3]}"
                with zipfile.ZipFile(path) as zf:
                    files = {}
                    for name in zf.namelist():
                        table = list(csv.reader(io.StringIO(zf.read(name).decode(), newline="")))
                        drop = table[0].index("dateLastModified") if "dateLastModified" in table[0] else None
                        files[name] = sorted(tuple(c for i, c in enumerate(r) if i != drop) for r in table)
                packages.append(files)
            return packages

        return Scenario(
            ws.config_path, {}, content, lambda: Counter(p.name.rsplit("-", 1)[-1] for p in out.glob("*.zip"))
        )

    return make


@pytest.mark.parametrize("point", TARGET_POINTS)
@pytest.mark.parametrize(("kind", "mode"), [("oneroster-csv", "auto"), ("sds-csv", "")])
def test_package_targets(tmp_path: Path, point: str, kind: str, mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EDUSYNC_DATABASE_URL", raising=False)
    kill_and_recover(package_site(kind, mode), tmp_path, point, kind)


# -- IMS ES (itslearning's SOAP services) -------------------------------------------------------


@pytest.fixture
def imses_sites() -> Iterator[Callable[[Path], Scenario]]:
    """Each site gets its own sandbox: the clean one and the faulty one hold their own courses."""
    with (
        serve_in_thread(imses_app(username=USERNAME, password=PASSWORD)) as a,
        serve_in_thread(imses_app(username=USERNAME, password=PASSWORD)) as b,
    ):
        bases = iter([a, b])

        def make(folder: Path) -> Scenario:
            folder.mkdir(parents=True)
            site = Site(next(bases))
            night = Night(folder, site.endpoint)
            settings = yaml.safe_load(night.config.read_text(encoding="utf-8"))
            settings["targets"]["itslearning"]["batch_size"] = 2  # several batches, to be cut between
            night.config.write_text(yaml.safe_dump(settings, allow_unicode=True), encoding="utf-8")
            for name, text in night.files.items():
                (night.data / f"{name}.csv").write_text(text, encoding="utf-8")

            def content() -> dict[str, Any]:
                summary = site.summary()
                return {k: v for k, v in summary.items() if k != "calls"}

            def writes() -> Counter[str]:
                return Counter({op: n for op, n in site.calls() if not op.startswith("read")})

            return Scenario(night.config, {"EDUSYNC_TEST_IMSES_PASSWORD": PASSWORD}, content, writes)

        yield make


@pytest.mark.parametrize("point", TARGET_POINTS)
def test_imses_target(tmp_path: Path, point: str, imses_sites: Callable[[Path], Scenario]) -> None:
    kill_and_recover(imses_sites, tmp_path, point, "imses")


# -- LDAP (the Feide catalogue) -----------------------------------------------------------------


def _subtree(slapd: Slapd, base: str) -> list[tuple[str, bytes]]:
    with Connection(Server(slapd.url), slapd.root_dn, slapd.password, auto_bind=True) as conn:
        conn.search(base, "(objectClass=*)", SUBTREE, attributes=ALL_ATTRIBUTES)
        tail = len(base)
        return sorted(
            (e.entry_dn[:-tail].lower(), orjson.dumps(e.entry_attributes_as_dict, option=orjson.OPT_SORT_KEYS))
            for e in conn.entries
            if e.entry_dn.lower() != base.lower()  # the container itself, named after its site
        )


@pytest.fixture(scope="module")
def slapd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Slapd]:
    _need_slapd()
    with Slapd(tmp_path_factory.mktemp("slapd")) as server:
        yield server


_ldap_bases = iter(range(1, 10_000))


@pytest.fixture
def ldap_sites(slapd: Slapd) -> Callable[[Path], Scenario]:
    n = next(_ldap_bases)
    bases = iter([f"ou=clean{n},{slapd.suffix}", f"ou=faulty{n},{slapd.suffix}"])

    def make(folder: Path) -> Scenario:
        base = next(bases)
        slapd.add_container(base)
        folder.mkdir(parents=True)
        LdapSite(folder, slapd, base, people(40), batch_size=10)

        def writes() -> Counter[str]:
            return Counter({op: n for (op, dn), n in slapd.operations().items() if dn.endswith(base.lower())})

        env = {"EDUSYNC_TEST_LDAP_PASSWORD": slapd.password}
        return Scenario(folder / "edusync.yaml", env, lambda: _subtree(slapd, base), writes)

    return make


@pytest.mark.parametrize("point", TARGET_POINTS)
def test_ldap_target(tmp_path: Path, point: str, ldap_sites: Callable[[Path], Scenario]) -> None:
    kill_and_recover(ldap_sites, tmp_path, point, "ldap")


# -- SCIM (scim2-server, a third-party SCIM 2.0 service) ----------------------------------------

#: The target points, and SCIM's own.
SCIM_POINTS = [*TARGET_POINTS, *faults.TARGET_ONLY["scim"]]


@pytest.fixture
def scim_sites() -> Iterator[Callable[[Path], Scenario]]:
    """Each site gets its own service: the clean one and the faulty one hold their own users."""
    from edusync.sandbox.scim import ScimServer
    from tests.connectors.scim.site import Site as ScimSite
    from tests.connectors.scim.site import held

    with ScimServer() as a, ScimServer() as b:
        servers = iter([a, b])

        def make(folder: Path) -> Scenario:
            server = next(servers)
            ScimSite(folder, server.url, batch_size=4, bulk_size=2)

            def writes() -> Counter[str]:
                return Counter({k: n for k, n in server.controls.counts.items() if not k.startswith("GET")})

            return Scenario(folder / "edusync.yaml", {}, lambda: held(server), writes)

        yield make


# -- WISEflow (exam flows, from FS) ---------------------------------------------------------------

#: What creates something in WISEflow (a create sent twice would make a second one). Upserts and
#: reads (``POST /license/user``, ``/flows/search``, allocations) may be sent again by design.
CREATES = re.compile(
    r"POST /v1/(license/create/flow|license/rooms|flows/\d+/(external-sources|assessor-groups|participants"
    r"|assessors|room-bookings))$"
)


def _wiseflow_content(store: Any) -> list[Any]:
    """A licence's flows with their people, groups and rooms, by the values edusync gave them (not WISEflow's ids)."""

    def person(user_id: int) -> str:
        user = store.users[user_id]
        return "|".join(f"{t}={v}" for t, v in sorted(user.external_ids.items()))

    flows = []
    for flow in store.flows.values():
        who = {p.id: p.unique_exam_id for p in flow.participants.values()}
        assessors = {a.id: person(a.user_id) for a in flow.assessors.values()}
        flows.append(
            (
                sorted(s.reference for s in flow.external_sources.values()),
                (flow.title, flow.subtitle, flow.code, flow.term, flow.participation, flow.marking),
                sorted((p.unique_exam_id, person(p.user_id), p.activated, p.end) for p in flow.participants.values()),
                sorted((assessors[a.id], a.type_id) for a in flow.assessors.values()),
                sorted(
                    (
                        g.title,
                        sorted(assessors[i] for i in g.assessor_ids),
                        sorted(str(who[i]) for i in g.participant_ids),
                    )
                    for g in flow.assessor_groups.values()
                ),
                sorted(
                    (store.rooms[b.room_id].identifier, b.start, b.end, sorted(str(who[i]) for i in b.participant_ids))
                    for b in flow.room_bookings.values()
                ),
            )
        )
    return sorted(flows, key=_canon)


@pytest.fixture
def wiseflow_sites(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Path], Scenario]]:
    """One FS (read only) for both sites, and a WISEflow licence of its own for each."""
    from edusync.sandbox.fs import create_app as fs_app
    from edusync.sandbox.fs import generate
    from edusync.sandbox.wiseflow import create_app as wiseflow_app
    from tests.exams.conftest import FS_PASSWORD, FS_USER, MANAGER, TOKEN, _profile

    monkeypatch.delenv("EDUSYNC_DATABASE_URL", raising=False)
    apps = [wiseflow_app(api_token=TOKEN), wiseflow_app(api_token=TOKEN)]
    fs = fs_app(generate(seed=1, size="small"), username=FS_USER, password=FS_PASSWORD)
    with serve_in_thread(fs) as fs_url, serve_in_thread(apps[0]) as a, serve_in_thread(apps[1]) as b:
        sites = iter(zip(apps, [a, b], strict=True))

        def make(folder: Path) -> Scenario:
            app, url = next(sites)
            _profile(folder)
            config = yaml.safe_load((folder / "edusync.yaml").read_text(encoding="utf-8"))
            config["targets"]["wiseflow"]["batch_size"] = 25  # several batches, to be cut between
            (folder / "edusync.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
            env = {"EDUSYNC_FS_URL": fs_url, "EDUSYNC_FS_USER": FS_USER, "EDUSYNC_FS_PASSWORD": FS_PASSWORD}
            env |= {"EDUSYNC_WISEFLOW_URL": f"{url}/v1", "EDUSYNC_WISEFLOW_TOKEN": TOKEN}
            env |= {"EDUSYNC_WISEFLOW_MANAGER": MANAGER}
            handled = app.state.faults.handled

            def writes() -> Counter[str]:
                return Counter(
                    {re.sub(r"/\d+", "/{id}", k): n for k, n in handled.items() if CREATES.fullmatch(k)}
                )  # by route: which ids WISEflow gave does not matter

            def content() -> list[Any]:
                return _wiseflow_content(app.state.store)

            return Scenario(folder / "edusync.yaml", env, content, writes, profile="fs-wiseflow")

        yield make


@pytest.mark.parametrize("point", SCIM_POINTS)
def test_scim_target(tmp_path: Path, point: str, scim_sites: Callable[[Path], Scenario]) -> None:
    kill_and_recover(scim_sites, tmp_path, point, "scim")


@pytest.mark.parametrize("point", [*TARGET_POINTS, *faults.TARGET_ONLY["wiseflow"]])
def test_wiseflow_target(tmp_path: Path, point: str, wiseflow_sites: Callable[[Path], Scenario]) -> None:
    kill_and_recover(wiseflow_sites, tmp_path, point, "wiseflow")
