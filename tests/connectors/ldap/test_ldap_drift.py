"""An entry changed by hand in LDAP: found by drift(), put right by the next update."""

from __future__ import annotations

from edusync.model import fnr
from edusync.model.records import Op
from edusync.testing.slapd import Slapd
from tests.connectors.ldap.conftest import MakeConnector
from tests.connectors.ldap.helpers import PUPIL, change, modify_by_hand, read


def test_hand_edit_is_reported_and_corrected_on_the_next_update(
    slapd: Slapd, base_dn: str, make_connector: MakeConnector
) -> None:
    connector = make_connector()
    sent = change("person", "per-1", **PUPIL)
    assert connector.export([sent])[0].ok
    assert connector.drift([sent]) == []
    dn = f"employeeNumber=per-1,ou=people,{base_dn}"
    modify_by_hand(slapd, dn, "eduPersonPrimaryAffiliation", "employee")
    modify_by_hand(slapd, dn, "title", "set by hand, not managed")
    modify_by_hand(slapd, dn, "norEduPersonNIN", "01010012356")

    drift = connector.drift([sent])
    assert [(d.attribute, d.expected, d.actual) for d in drift] == [
        ("eduPersonPrimaryAffiliation", ["student"], ["employee"]),
        ("norEduPersonNIN", [fnr.mask(PUPIL["norEduPersonNIN"])], ["010100*****"]),  # never shown whole
    ]

    # The engine sends an update for another reason (a new mail address); the hand edit is put right too.
    update = change("person", "per-1", Op.UPDATE, **{**PUPIL, "mail": "ny@example.no"})
    assert connector.export([update])[0].ok
    assert slapd.modified_attributes(dn)[-1] == {"mail", "edupersonprimaryaffiliation", "noredupersonnin"}
    entry = read(slapd, dn)
    assert entry is not None
    assert entry["edupersonprimaryaffiliation"] == ["student"]
    assert entry["title"] == ["set by hand, not managed"]  # what edusync does not manage stays
    assert connector.drift([update]) == []


def test_a_deleted_entry_is_drift_and_the_next_update_recreates_it(
    slapd: Slapd, base_dn: str, make_connector: MakeConnector
) -> None:
    connector = make_connector()
    sent = change("person", "per-2", **PUPIL)
    assert connector.export([sent])[0].ok
    dn = f"employeeNumber=per-2,ou=people,{base_dn}"
    slapd.ldap("ldapmodify", f"dn: {dn}\nchangetype: delete\n")
    assert [d.attribute for d in connector.drift([sent])] == ["*"]
    assert connector.export([change("person", "per-2", Op.UPDATE, **PUPIL)])[0].ok
    assert read(slapd, dn) is not None
