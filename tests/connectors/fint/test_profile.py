"""The VIGO-BAS profile end to end: FINT over HTTP, imported and synced; which flow wins each attribute.

The seed's tables give every attribute flow a precedence (1 beats 6). These tests run
the profile as shipped (``edusync/demo/vigobas.yaml``) over the sandbox's county and
check, for the awkward people, the value and the flow that won it (lineage).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml

from edusync.config.loader import load_config
from edusync.demo.fint_demo import template
from edusync.pipeline.run import Runner
from edusync.services import objects
from edusync.storage import Database, open_database
from tests.connectors.fint.conftest import TODAY, Fint, people

ELEV = "/utdanning/elev/elev/systemid/"


class Synced:
    def __init__(self, folder: Path, fint: Fint) -> None:
        doc = yaml.safe_load(template())
        doc["storage"]["url"] = f"sqlite:///{folder / 'edusync.db'}"
        doc["connectors"]["fint"]["settings"].update(
            base_url=fint.base,
            token_url=f"{fint.base}/nidp/oauth/nam/token",
            client_id="c",
            username="u",
            feide_realm="fjordheim.no",
            page_size=100,
        )
        doc["profiles"]["test"] = ["fint:import", "sync"]
        (folder / "edusync.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
        self.loaded = load_config(folder / "edusync.yaml")
        self.db: Database = open_database(self.loaded.config.storage.url, self.loaded.base_dir)
        now = dt.datetime.combine(TODAY, dt.time(2, 0), tzinfo=dt.UTC)
        self.outcome = Runner(self.loaded, self.db).start("test", now=now)

    def person(self, anchor: str) -> dict[str, Any]:
        return objects.show_object(self.db, self.loaded.config, "person", anchor)

    def rule(self, shown: dict[str, Any], attr: str) -> str:
        return str(shown["lineage"][attr]["rule"])


@pytest.fixture(scope="module")
def synced(fint: Fint, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synced]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("FINT_CLIENT_SECRET", "s")
        mp.setenv("FINT_PASSWORD", "p")
        mp.delenv("EDUSYNC_DATABASE_URL", raising=False)
        done = Synced(tmp_path_factory.mktemp("vigobas"), fint)
        yield done
        done.db.dispose()


def _anchor_of(fint: Fint, elev: str) -> str:
    found = [a for a, p in people(fint.connector()).items() if p.get("ElevSystemIdUri") == ELEV + elev]
    assert len(found) == 1
    return found[0]


def test_the_run_syncs_everything_it_reads(synced: Synced) -> None:
    assert synced.outcome.status == "done", synced.outcome.report.errors
    sync = synced.outcome.report.as_dict()["sync"]
    assert sync["fint/eduPerson"]["projected"] > 0
    assert sync["fint/eduMembership"]["projected"] > 0
    assert not sync["fint/eduMembership"].get("unresolved"), "every membership finds its person and group"


def test_a_pupil_who_works_takes_each_attribute_from_the_best_flow(synced: Synced, fint: Fint) -> None:
    shown = synced.person(_anchor_of(fint, fint.scenario["pupil_and_employee"]["elev"]))
    attrs = shown["attributes"]
    # loginName: ElevBrukernavn (1) beats PersonalBrukernavn (2)
    assert synced.rule(shown, "loginName") == "direct:ElevBrukernavn"
    # mail: the work address (3) beats the pupil's (4)
    assert synced.rule(shown, "mail") == "direct:PersonalKontaktinformasjonEpostadresse"
    # the Feide name FINT holds (1) beats one made from the user name (2)
    assert synced.rule(shown, "eduPersonPrincipalName").startswith("rule:lower(")
    assert attrs["eduPersonPrincipalName"] == attrs["eduPersonPrincipalName"].lower()
    roles = {r.split("@")[0] for r in attrs["basRoleAndSchool"]}
    assert {"elevforhold", "skoleressurs"} <= roles
    assert synced.rule(shown, "basUserPrimaryRole") == "rule:vigobas_primary_role(RolleOgSkole)"
    assert synced.rule(shown, "basSSN") == "rule:fnr_or_none(PersonFodselsnummer)"
    assert "*" in str(attrs["basSSN"]), "show masks the fødselsnummer"


def test_a_pupil_without_a_feide_name_in_fint_gets_one_from_the_user_name(synced: Synced, fint: Fint) -> None:
    shown = synced.person(_anchor_of(fint, fint.scenario["elev_without_feidenavn"]))
    assert synced.rule(shown, "eduPersonPrincipalName") == "rule:vigobas_feide_name(ElevBrukernavn,FeideRealm)"
    assert shown["attributes"]["eduPersonPrincipalName"].endswith("@fjordheim.no")
    assert "basFeideInFint" not in shown["attributes"], "so write-back sends it to FINT"
    assert shown["attributes"]["eduPersonPrimaryAffiliation"] == "student"
    assert synced.rule(shown, "firstName") == "rule:vigobas_clean_firstname(PersonNavnFornavn)"


def test_groups_and_memberships_point_at_metaverse_objects(synced: Synced, fint: Fint) -> None:
    mv = synced.person(_anchor_of(fint, fint.scenario["pupil_two_schools"]["elev"]))["id"]
    with synced.db.begin() as conn:
        rows = synced.db.fetch(
            conn, "SELECT attrs FROM mv_objects WHERE object_type = 'membership' AND person_id = ?", (mv,)
        )
        groups = sorted({orjson.loads(r[0])["group"] for r in rows})
        found = synced.db.fetch_in(conn, "SELECT id, attrs FROM mv_objects WHERE id IN ({marks})", (), groups)
    assert rows, "the pupil's memberships reference the pupil's metaverse id"
    assert len(found) == len(groups), "every group a membership names exists"
    kinds = [orjson.loads(a) for _, a in found]
    assert any(g.get("type") == "basisgruppe" for g in kinds)
    assert all(g.get("displayName") for g in kinds), "unique group names are set"
