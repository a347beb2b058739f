"""Adds, modifies, deletes, soft deletes and restores against a real slapd; entries as Feide expects them."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from edusync.connectors.ldap import LdapConnector, LdapSettings
from edusync.errors import FatalError, RetriableError
from edusync.model import fnr
from edusync.model.records import Op
from edusync.sandbox.serving import free_port
from edusync.testing.slapd import Slapd
from tests.connectors.ldap.conftest import MakeConnector, connector_for
from tests.connectors.ldap.helpers import COUNTY, PUPIL, SCHOOL, change, read


def _load(connector: LdapConnector) -> None:
    results = connector.export(
        [
            change("organisation", "org-county", **COUNTY),
            change("orgunit", "org-school1", **SCHOOL),
            change("person", "per-1", **PUPIL),
        ]
    )
    assert all(r.ok for r in results), results


def test_entries_carry_feide_attributes_and_dns(slapd: Slapd, base_dn: str, make_connector: MakeConnector) -> None:
    _load(make_connector())
    org_dn = f"cn=org-county,ou=organisations,{base_dn}"
    unit_dn = f"cn=org-school1,ou=units,{base_dn}"
    person = read(slapd, f"employeeNumber=per-1,ou=people,{base_dn}")
    assert person is not None
    assert person["objectclass"] == sorted(
        ["top", "person", "organizationalPerson", "inetOrgPerson", "eduPerson", "norEduPerson"]
    )
    assert person["edupersonprincipalname"] == ["ase.odegard@example.no"]  # Feide stores it lower case
    assert person["cn"] == ["Åse Ødegård"]  # from displayName when no cn is given
    assert person["noredupersonnin"] == [PUPIL["norEduPersonNIN"]]
    assert person["noredupersonbirthdate"] == ["20100517"]  # INTEGER YYYYMMDD
    assert person["noredupersonlin"] == ["feide.example.no:fin:51030299250"]
    assert person["edupersonaffiliation"] == ["member", "student"]
    assert person["edupersonprimaryaffiliation"] == ["student"]
    assert person["edupersonscopedaffiliation"] == ["member@example.no", "student@example.no"]
    assert person["edupersonorgdn"] == [org_dn]
    assert person["edupersonorgunitdn"] == [unit_dn]
    assert person["edupersonprimaryorgunitdn"] == [unit_dn]
    assert person["edupersonentitlement"] == sorted(
        [
            "urn:mace:feide.no:go:group:b::NO975278964:6a:2014-08-01:2015-06-15:student:Klasse%206A",
            "urn:mace:feide.no:go:groupid:b:NO975278964:6a:2014-08-01:2015-06-15",
            "urn:mace:feide.no:go:grep:http://psi.udir.no/laereplan/aarstrinn/aarstrinn6",
        ]
    )
    org = read(slapd, org_dn)
    assert org is not None
    assert org["objectclass"] == sorted(["top", "organization", "eduOrg", "norEduOrg"])
    assert org["norEduOrgNIN".lower()] == ["NO975278964"]  # NO and nine digits
    assert org["o"] == ["Eksempel fylkeskommune"]
    unit = read(slapd, unit_dn)
    assert unit is not None
    assert unit["norEduOrgUnitUniqueIdentifier".lower()] == ["NO975278964"]
    assert unit["ou"] == ["Hylla skole"]
    assert unit["seealso"] == [org_dn]


def test_update_sends_only_the_attributes_that_changed(
    slapd: Slapd, base_dn: str, make_connector: MakeConnector
) -> None:
    connector = make_connector()
    _load(connector)
    dn = f"employeeNumber=per-1,ou=people,{base_dn}"
    modified = {**PUPIL, "mail": "new@example.no", "mobile": None}
    assert connector.export([change("person", "per-1", Op.UPDATE, **modified)])[0].ok
    assert slapd.modified_attributes(dn) == [{"mail", "mobile"}]
    entry = read(slapd, dn)
    assert entry is not None and entry["mail"] == ["new@example.no"] and "mobile" not in entry
    # The same state again: nothing to send, and nothing is sent.
    assert connector.export([change("person", "per-1", Op.UPDATE, **modified)])[0].ok
    assert len(slapd.modified_attributes(dn)) == 1


def test_add_of_an_existing_entry_converges_instead_of_failing(
    slapd: Slapd, base_dn: str, make_connector: MakeConnector
) -> None:
    connector = make_connector()
    _load(connector)
    again = connector.export([change("person", "per-1", Op.ADD, **{**PUPIL, "mail": "x@example.no"})])
    assert again[0].ok
    assert slapd.operations()[("ADD", f"employeenumber=per-1,ou=people,{base_dn}".lower())] == 1


def test_soft_delete_moves_to_trash_and_restore_brings_it_back(
    slapd: Slapd, base_dn: str, make_connector: MakeConnector
) -> None:
    connector = make_connector()
    _load(connector)
    home = f"employeeNumber=per-1,ou=people,{base_dn}"
    trash = f"employeeNumber=per-1,ou=people,ou=trash,{base_dn}"
    assert connector.export([change("person", "per-1", Op.DELETE, soft=True, **PUPIL)])[0].ok
    assert read(slapd, home) is None
    assert read(slapd, trash) is not None
    assert connector.confirm([change("person", "per-1", Op.DELETE, soft=True)]) != set()
    restored = {**PUPIL, "displayName": "Åse Ø. Ødegård"}
    assert connector.export([change("person", "per-1", Op.RESTORE, **restored)])[0].ok
    assert read(slapd, trash) is None
    entry = read(slapd, home)
    assert entry is not None and entry["displayname"] == ["Åse Ø. Ødegård"]
    # A hard delete removes it for good, from wherever it is.
    assert connector.export([change("person", "per-1", Op.DELETE, soft=False)])[0].ok
    assert read(slapd, home) is None and read(slapd, trash) is None
    # Deleting what is gone is not an error.
    assert connector.export([change("person", "per-1", Op.DELETE, soft=False)])[0].ok


def test_soft_delete_can_delete_outright(slapd: Slapd, base_dn: str, make_connector: MakeConnector) -> None:
    connector = make_connector(soft_delete="delete")
    _load(connector)
    assert connector.export([change("person", "per-1", Op.DELETE, soft=True)])[0].ok
    assert read(slapd, f"employeeNumber=per-1,ou=people,{base_dn}") is None
    assert read(slapd, f"employeeNumber=per-1,ou=people,ou=trash,{base_dn}") is None
    # A later return of the key is a plain add.
    assert connector.export([change("person", "per-1", Op.RESTORE, **PUPIL)])[0].ok


def test_one_bad_change_does_not_stop_the_others(slapd: Slapd, base_dn: str, make_connector: MakeConnector) -> None:
    connector = make_connector()
    bad_nin = {**PUPIL, "norEduPersonNIN": "17051012345"}
    results = connector.export(
        [
            change("person", "per-bad", **bad_nin),
            change("person", "per-noname", givenName="Kari"),
            change("person", "per-typo", **{**PUPIL, "firstName": "Kari"}),
            change("person", "per-date", **{**PUPIL, "norEduPersonBirthDate": "17.05.2010"}),
            change("person", "per-ok", **PUPIL),
        ]
    )
    by_key = dict(zip(["bad", "noname", "typo", "date", "ok"], results, strict=True))
    assert by_key["ok"].ok
    for name in ("bad", "noname", "typo", "date"):
        assert not by_key[name].ok and not by_key[name].retriable, name
    assert "17051012345" not in (by_key["bad"].error or "")
    assert fnr.mask("17051012345") in (by_key["bad"].error or "")
    assert "sn" in (by_key["noname"].error or "")
    assert "firstName" in (by_key["typo"].error or "")
    assert read(slapd, f"employeeNumber=per-ok,ou=people,{base_dn}") is not None


def test_a_server_refusal_names_the_ldap_result(slapd: Slapd, base_dn: str, make_connector: MakeConnector) -> None:
    connector = make_connector()
    _load(connector)
    # Someone replaced the organisation entry with one of another structural class: slapd refuses the modify.
    slapd.ldap("ldapmodify", f"dn: cn=org-county,ou=organisations,{base_dn}\nchangetype: delete\n")
    slapd.ldap(
        "ldapadd",
        f"dn: cn=org-county,ou=organisations,{base_dn}\nobjectClass: organizationalRole\ncn: org-county\n",
    )
    result = connector.export([change("organisation", "org-county", Op.UPDATE, **COUNTY)])[0]
    assert not result.ok
    assert "LDAP" in (result.error or "") and "(65)" in (result.error or "")  # objectClassViolation
    assert not result.retriable


def test_wrong_password_is_a_clear_fatal_error(slapd: Slapd, base_dn: str) -> None:
    connector = connector_for(slapd, base_dn, bind_password="not-the-password")
    with pytest.raises(FatalError, match=r"bind as cn=admin,dc=example,dc=no was refused: invalidCredentials \(49\)"):
        connector.export([change("person", "per-1", **PUPIL)])
    connector.close()


def test_unreachable_server_is_retriable(base_dn: str, tmp_path: Path) -> None:
    settings = LdapSettings(
        url=f"ldap://127.0.0.1:{free_port()}",
        bind_dn="cn=admin,dc=example,dc=no",
        bind_password="x",  # type: ignore[arg-type]
        base_dn=base_dn,
        connect_timeout=1,
    )
    connector = LdapConnector("catalogue", settings, tmp_path)
    with pytest.raises(RetriableError, match="cannot be reached"):
        connector.export([change("person", "per-1", **PUPIL)])


@pytest.mark.parametrize(
    ("field", "value"),
    [("url", "http://ldap.example.no"), ("url", "ldap://host/dc=example"), ("base_dn", "example.no")],
)
def test_settings_refuse_what_cannot_work(field: str, value: str) -> None:
    good = {"url": "ldaps://ldap.example.no", "bind_dn": "cn=a,dc=x", "bind_password": "s", "base_dn": "dc=x"}
    assert LdapSettings.model_validate(good).port == 636
    with pytest.raises(ValidationError):
        LdapSettings.model_validate({**good, field: value})
