"""GO group values, group ids and Grep codes exactly as Feide's documentation shows them."""

from __future__ import annotations

import pytest

from edusync.connectors.ldap.entitlements import EntitlementError, entitlements, grep_value, group_id, group_value

CLASS_6A = {
    "type": "b",
    "orgnr": "NO975278964",
    "id": "6a",
    "start": "2014-08-01",
    "end": "2015-06-15",
    "role": "student",
    "name": "Klasse 6A",
}


def test_basis_group_value_and_id_match_the_documented_example() -> None:
    value, gid = group_value(CLASS_6A)
    assert value == "urn:mace:feide.no:go:group:b::NO975278964:6a:2014-08-01:2015-06-15:student:Klasse%206A"
    assert gid == "urn:mace:feide.no:go:groupid:b:NO975278964:6a:2014-08-01:2015-06-15"


def test_group_id_casing_is_canonical() -> None:
    gid = group_id("A", "no975278964", "PRJ-ÅRBOK", "2014-08-01", "2015-06-15")
    assert gid == "urn:mace:feide.no:go:groupid:a:NO975278964:prj-%C3%A5rbok:2014-08-01:2015-06-15"


def test_teaching_group_carries_its_grep_code_and_needs_one() -> None:
    maths = {**CLASS_6A, "type": "u", "grep": "MAT0006", "id": "6a-matte", "name": "Matte 6A", "role": "faculty"}
    value, _ = group_value(maths)
    assert value.startswith("urn:mace:feide.no:go:group:u:MAT0006:NO975278964:6a-matte:")
    assert value.endswith(":faculty:Matte%206A")
    with pytest.raises(EntitlementError, match="Grep subject code"):
        group_value({**maths, "grep": ""})


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("type", "x", "not a, b or u"), ("orgnr", "123", "NO and 9 digits"), ("start", "01.08.2014", "YYYY-MM-DD")],
)
def test_invalid_groups_are_named(field: str, value: str, message: str) -> None:
    with pytest.raises(EntitlementError, match=message):
        group_value({**CLASS_6A, field: value})


def test_every_member_gets_value_and_id_once_plus_grep() -> None:
    uri = "http://psi.udir.no/laereplan/aarstrinn/aarstrinn6"
    found = entitlements(["urn:example:x"], [CLASS_6A, CLASS_6A], [uri, grep_value(uri)])
    assert found == [
        "urn:example:x",
        *group_value(CLASS_6A),
        "urn:mace:feide.no:go:grep:http://psi.udir.no/laereplan/aarstrinn/aarstrinn6",
    ]
