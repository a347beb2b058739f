"""Changes as the planner makes them, and reading entries back with ldap3."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

from ldap3 import BASE, Connection, Server
from ldap3.core.exceptions import LDAPNoSuchObjectResult

from edusync.model import fnr
from edusync.model.records import Change, Op
from edusync.testing.slapd import Slapd

_ids = itertools.count(1000)

PUPIL: dict[str, Any] = {
    "givenName": "Åse",
    "sn": "Ødegård",
    "displayName": "Åse Ødegård",
    "mail": "ase.odegard@elev.example.no",
    "mobile": "+4791234567",
    "eduPersonPrincipalName": "Ase.Odegard@Example.no",
    "norEduPersonNIN": fnr.generate(dt.date(2010, 5, 17), random.Random(1)),  # synthetic, valid
    "norEduPersonLIN": ["feide.example.no:fin:51030299250"],
    "norEduPersonBirthDate": "2010-05-17",
    "eduPersonAffiliation": ["student", "member"],
    "eduPersonPrimaryAffiliation": "student",
    "org": "org-county",
    "school": "org-school1",
    "go_groups": [
        {
            "type": "b",
            "orgnr": "NO975278964",
            "id": "6a",
            "start": "2014-08-01",
            "end": "2015-06-15",
            "role": "student",
            "name": "Klasse 6A",
        }
    ],
    "grep": ["http://psi.udir.no/laereplan/aarstrinn/aarstrinn6"],
}
COUNTY: dict[str, Any] = {
    "o": "Eksempel fylkeskommune",
    "eduOrgLegalName": "Eksempel fylkeskommune",
    "norEduOrgNIN": "975278964",
    "norEduOrgSchemaVersion": "2.0",
    "mail": "post@example.no",
}
SCHOOL: dict[str, Any] = {
    "ou": "Hylla skole",
    "norEduOrgUnitUniqueIdentifier": "NO975278964",
    "mail": "hylla@example.no",
    "org": "org-county",
}


def change(object_type: str, key: str, op: Op = Op.ADD, soft: bool = True, **attrs: Any) -> Change:
    return Change(id=next(_ids), object_type=object_type, key=key, op=op, attrs=attrs, hash="h", soft=soft)


def read(server: Slapd, dn: str) -> dict[str, list[str]] | None:
    """An entry's user attributes (names lower-cased, values as text), or None when absent."""
    with Connection(Server("127.0.0.1", port=server.port), server.root_dn, server.password, auto_bind=True) as conn:
        try:
            conn.search(dn, "(objectClass=*)", BASE, attributes=["*"])
        except LDAPNoSuchObjectResult:
            return None
        if not conn.response:
            return None
        raw = conn.response[0]["raw_attributes"]
        return {k.lower(): sorted(v.decode() for v in vs) for k, vs in raw.items()}


def modify_by_hand(server: Slapd, dn: str, attribute: str, value: str) -> None:
    server.ldap("ldapmodify", f"dn: {dn}\nchangetype: modify\nreplace: {attribute}\n{attribute}: {value}\n")
