"""No target is ever sent a national id that is not a valid fødselsnummer."""

from __future__ import annotations

from tests.workspace import Workspace


def test_an_invalid_national_id_is_left_out_of_what_a_target_gets(workspace: Workspace) -> None:
    person = workspace.settings["sync"][1]
    person["flows"] = [{"to": "nin", "from": "fnr"} if f.get("to") == "nin" else f for f in person["flows"]]
    target_person = workspace.settings["targets"]["lms"]["objects"][1]
    target_person["flows"].append({"to": "nin", "from": "nin"})
    bad, good = workspace.county.persons[0], workspace.county.persons[1]
    bad[1] = "17051012345"  # the shape of a fødselsnummer, the wrong check digits
    done = workspace.run()
    assert done.status == "done"
    sent = {line["key"]: line for line in workspace.out_lines() if line["object_type"] == "person"}
    by_mv = {workspace.show("person", p[0])["id"]: p for p in (bad, good)}
    for mv_id, p in by_mv.items():
        attrs = sent[mv_id]["attrs"]
        if p is bad:
            assert "nin" not in attrs, "the invalid number was not sent"
        else:
            assert attrs["nin"] == good[1]
    assert done.report.as_dict()["plan"]["lms/person"]["invalid_national_id"] == 1
    warning = next(w for w in done.report.warnings if "not a valid fødselsnummer" in w)
    assert "170510*****" in warning and "17051012345" not in warning
