"""Bad input stops the run with an error that names file, line and record; nothing stored is lost."""

from __future__ import annotations

import pytest

from tests.workspace import Workspace


def _persons_csv(ws: Workspace) -> str:
    return (ws.folder / "data" / "persons.csv").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (lambda text: text.replace("\n", "\n,,,,,,,\n", 1), "empty anchor"),
        (lambda text: text + "P9999999,1,2\n", "3 fields, the header has 8"),
        (lambda text: text.replace("id,fnr", "ident,fnr", 1), "no column 'id'"),
        (lambda text: text + text.splitlines()[1] + "\n", "duplicate anchor"),
    ],
    ids=["empty-anchor", "short-row", "renamed-header", "duplicate"],
)
def test_malformed_csv_fails_the_run_and_keeps_the_last_good_state(
    sqlite_workspace: Workspace, damage: object, expected: str
) -> None:
    ws = sqlite_workspace
    ws.run()
    sent = len(ws.out_lines())
    path = ws.folder / "data" / "persons.csv"
    broken = damage(_persons_csv(ws))  # type: ignore[operator]
    ws.write = lambda: None  # type: ignore[method-assign]  # keep the damaged file as it is
    path.write_text(broken, encoding="utf-8")
    outcome = ws.run(day=1)
    assert outcome.status == "failed" and outcome.exit_code == 1
    message = outcome.report.errors[0]
    assert "persons.csv" in message and expected in message
    assert len(ws.out_lines()) == sent
    assert ws.show("person", ws.pupils()[0][0])["state"] == "active"


def test_a_missing_file_is_an_error_not_an_empty_source(sqlite_workspace: Workspace) -> None:
    ws = sqlite_workspace
    ws.run()
    (ws.folder / "data" / "groups.csv").unlink()
    ws.write = lambda: None  # type: ignore[method-assign]
    outcome = ws.run(day=1)
    assert outcome.status == "failed"
    assert "no file groups" in outcome.report.errors[0]


def test_malformed_json_names_the_file_and_line(sqlite_workspace: Workspace) -> None:
    ws = sqlite_workspace
    ws.settings["connectors"]["sis"]["settings"]["format"] = "jsonl"
    ws.write()
    for name in ("orgs", "persons", "groups", "memberships"):
        (ws.folder / "data" / f"{name}.jsonl").write_text('{"id": "X1"}\n', encoding="utf-8")
    (ws.folder / "data" / "persons.jsonl").write_text('{"id": "P1"}\n{"id": "P2",\n', encoding="utf-8")
    ws.write = lambda: None  # type: ignore[method-assign]
    outcome = ws.run()
    assert outcome.status == "failed"
    assert "persons.jsonl:2: not valid JSON" in outcome.report.errors[0]


def test_no_fnr_in_errors_or_warnings(sqlite_workspace: Workspace) -> None:
    ws = sqlite_workspace
    pupil = ws.pupils()[0]
    ws.county.memberships.append(["M99999999", "P-UNKNOWN", ws.county.groups[0][0], "student"])
    outcome = ws.run()
    text = " ".join(outcome.report.errors + outcome.report.warnings)
    assert "P-UNKNOWN" in text, "the unresolved reference is reported"
    assert pupil[1] not in text
