"""FINT on a bad day: expired tokens, 5xx storms, broken pages, dangling links, refused access."""

from __future__ import annotations

import pytest

from edusync.connectors.base import Connector
from edusync.connectors.fint.client import FintClient
from edusync.errors import CollectionUnavailable, FatalError, RetriableError, SourceError
from edusync.testing.connector_contract import ConnectorContract
from tests.connectors.fint.conftest import Fint, people, records

ELEVFORHOLD = "/utdanning/elev/elevforhold"


class TestFintContract(ConnectorContract):
    @pytest.fixture
    def connector(self, fint: Fint) -> Connector:
        return fint.connector()


def test_a_token_revoked_mid_import_is_renewed(clean: Fint) -> None:
    con = clean.connector()
    client = con.client
    first = client.token()
    clean.admin("tokens/expire")
    assert len(people(con)) > 100
    assert client.token() != first, "a 401 fetched a fresh token and the import went on"


def test_a_short_storm_of_500s_is_ridden_out(clean: Fint) -> None:
    clean.admin("faults/fail", count=3, status=500, path=ELEVFORHOLD)
    assert len(people(clean.connector(retries=3))) > 100


def test_a_long_storm_is_retriable_and_names_the_path(clean: Fint) -> None:
    clean.admin("faults/fail", count=50, status=503, path=ELEVFORHOLD)
    with pytest.raises(RetriableError, match=ELEVFORHOLD):
        people(clean.connector(retries=2))


def test_a_timeout_is_retried(clean: Fint) -> None:
    clean.admin("faults/delay", seconds=1.0, count=1, path=ELEVFORHOLD)
    assert len(people(clean.connector(timeout_s=0.3, retries=2))) > 100


def test_a_truncated_page_is_a_source_error(clean: Fint) -> None:
    clean.admin("faults/truncate", path=ELEVFORHOLD, count=5)
    with pytest.raises(SourceError, match="malformed JSON for /utdanning/elev/elevforhold"):
        people(clean.connector(page_size=0))


@pytest.mark.parametrize(
    "path",
    ["/utdanning/timeplan/undervisningsgruppemedlemskap", "/utdanning/timeplan/undervisningsgruppe"],
    ids=["membership page", "group page"],
)
def test_a_truncated_page_of_a_slim_decoded_class_names_its_path(clean: Fint, path: str) -> None:
    clean.admin("faults/truncate", path=path, count=5)
    with pytest.raises(SourceError, match=f"malformed page for {path}"):
        records(clean.connector(page_size=0), "eduMembership")


def test_a_forbidden_required_class_stops_the_import_naming_it(clean: Fint) -> None:
    clean.admin("faults/forbid", path="/utdanning/elev/person")
    with pytest.raises(CollectionUnavailable, match="/utdanning/elev/person is required by this profile") as caught:
        people(clean.connector())
    assert (caught.value.collection, caught.value.status) == ("/utdanning/elev/person", 403)


def test_a_forbidden_optional_class_is_a_warning_and_the_import_goes_on(clean: Fint) -> None:
    whole = people(clean.connector())
    clean.admin("faults/forbid", path="/utdanning/timeplan/fag")
    con = clean.connector()
    assert people(con).keys() == whole.keys()
    assert [w for w in con.warnings if "/utdanning/timeplan/fag is not available" in w and "403" in w]


def test_a_class_the_profile_needs_made_optional_is_a_setting(clean: Fint) -> None:
    clean.admin("faults/forbid", path="/utdanning/timeplan/fag")
    with pytest.raises(CollectionUnavailable, match="fag is required"):
        records(clean.connector(optional=[]), "eduGroup")
    with pytest.raises(ValueError, match="unknown FINT classes"):
        clean.settings(optional=["nosuch"])


def test_wrong_credentials_are_fatal_and_say_so(fint: Fint) -> None:
    client = FintClient(fint.settings(password="wrong"))
    with pytest.raises(FatalError, match="refused the credentials"):
        client.token()


def test_a_dangling_person_link_leaves_that_pupil_out(clean: Fint) -> None:
    """A 404 behind a followed link (delta reads single objects) skips that pupil only."""
    con = clean.connector()
    marks = con.import_objects("eduOrg").watermark
    persons = records(con, "eduPerson")
    pupil = next(r for r in persons.values() if r.attrs.get("PersonKilde") == "elev")
    elev = con.client.get(pupil.attrs["ElevSystemIdUri"])
    person_href = elev["_links"]["person"][0]["href"]
    con.client.put_and_wait(pupil.attrs["ElevSystemIdUri"], {**elev, "feidenavn": {"identifikatorverdi": "x@y.no"}})
    clean.admin("faults/missing", href=person_href)
    delta = records(clean.connector(), "eduPerson", since=marks)
    assert pupil.anchor not in delta, "without its person the pupil cannot be identified"
    assert any(r.attrs.get("PersonKilde") == "personal" for r in delta.values()), "the rest is read"
