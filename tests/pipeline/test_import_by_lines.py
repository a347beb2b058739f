"""A full import of CSV files parses only the lines that changed, and stages what a full read would.

Each night changes the county's files in another way (values, lines gone, new lines, lines moved,
a pupil's line replaced by another with her anchor); after each, a forced full read of the same
files finds nothing left to stage, so the lines import staged exactly what reading every line
stages. Then the cases it must not judge: a line twice, a new header, a copy no key opens.
"""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import text

from edusync.pipeline.run import Runner
from tests.workspace import DAY0, Workspace


def _import(ws: Workspace, *, full: bool = False) -> dict[str, dict[str, int]]:
    """One ``sis:import`` (the lines way, or a forced full read); its counts per object type."""
    ws.write()
    outcome = Runner(ws.loaded, ws.db).start_steps("import", ["sis:import"], {"full": True} if full else {}, now=DAY0)
    assert outcome.status == "done", outcome.report.errors
    found: dict[str, dict[str, int]] = outcome.report.as_dict().get("import", {})
    return found


def _staged(ws: Workspace) -> list[Any]:
    with ws.db.begin() as conn:
        rows = conn.execute(text("SELECT object_type, anchor, hash, state FROM cs_objects ORDER BY 1, 2"))
        return [tuple(r) for r in rows]


def _nothing_left(ws: Workspace) -> None:
    staged = _staged(ws)
    again = _import(ws, full=True)
    for subject, counts in again.items():
        assert [counts.get(k, 0) for k in ("added", "changed", "gone")] == [0, 0, 0], subject
        assert "lines_skipped" not in counts, "a forced full read reads every line"
    assert _staged(ws) == staged


def test_each_nights_lines_import_stages_what_a_full_read_stages(workspace: Workspace) -> None:
    ws, rng = workspace, random.Random(3)
    first = _import(ws)
    assert all("lines_skipped" not in c for c in first.values()), "the first import has no copy to compare with"
    persons, members = ws.county.persons, ws.county.memberships

    # Values change: 5 e-mails, 20 roles.
    for p in rng.sample(persons, 5):
        p[5] = p[5].replace("@", ".ny@", 1)
    for m in rng.sample(members, 20):
        m[3] = "teacher" if m[3] == "student" else "student"
    night = _import(ws)
    assert night["sis/person"]["changed"] == 5 and night["sis/person"]["lines_read"] == 5
    assert night["sis/membership"]["changed"] == 20 and night["sis/membership"]["lines_read"] == 20
    assert night["sis/group"].get("identical_source") == 1, "an unchanged file is not read at all"
    _nothing_left(ws)

    # Lines go, lines come, and the rest move about.
    gone = persons[3][0]
    ws.county.persons = [p for p in persons if p[0] != gone]
    ws.county.memberships = [m for m in members if m[1] != gone]
    new = list(ws.county.persons[0])
    new[:2], new[4:6] = ["P9999999", ""], ["p9999999@fylke.no", "p9999999@skole.fylke.no"]
    ws.county.persons.append(new)
    rng.shuffle(ws.county.memberships)
    night = _import(ws)
    assert (night["sis/person"].get("added"), night["sis/person"].get("gone")) == (1, 1)
    assert night["sis/membership"]["gone"] == len(members) - len(ws.county.memberships)
    assert night["sis/membership"].get("lines_read", 0) == 0, "a line moved is not a line changed"
    assert night["sis/membership"]["lines_skipped"] == len(ws.county.memberships)
    _nothing_left(ws)

    # The one who left comes back (her object is staged gone); another's line is rewritten whole.
    ws.county.persons.append(next(p for p in persons if p[0] == gone))
    ws.county.persons[1][2] = "Annelise"
    night = _import(ws)
    assert (night["sis/person"].get("added", 0), night["sis/person"].get("changed")) == (0, 2)
    _nothing_left(ws)


def test_what_the_lines_cannot_judge_is_read_in_full_and_the_copy_is_sealed(workspace: Workspace) -> None:
    ws = workspace
    _import(ws)
    persons = ws.folder / "data" / "persons.csv"
    with ws.db.begin() as conn:
        body = conn.execute(text("SELECT body FROM source_lines WHERE object_type = 'person'")).scalar_one()
    nin = ws.county.persons[0][1]
    assert bytes(body).startswith(b"t1$"), "sealed with the newest key"
    assert nin.encode() not in bytes(body) and persons.read_bytes().splitlines()[1] not in bytes(body)

    # Another header (the same names, spelt with a space): read in full, and the same objects staged.
    staged = _staged(ws)
    header, _, rest = persons.read_bytes().partition(b"\n")
    persons.write_bytes(header.replace(b",school", b", school") + b"\n" + rest)
    outcome = Runner(ws.loaded, ws.db).start_steps("import", ["sis:import"], {}, now=DAY0)
    assert outcome.status == "done", outcome.report.errors
    assert "lines_skipped" not in outcome.report.as_dict()["import"]["sis/person"], "another header: read in full"
    assert _staged(ws) == staged

    # A line twice: the full read refuses it, naming the file and line.
    lines = persons.read_bytes().splitlines(keepends=True)
    persons.write_bytes(b"".join([*lines, lines[5]]))
    twice = Runner(ws.loaded, ws.db).start_steps("import", ["sis:import"], {}, now=DAY0)
    assert twice.status == "failed"
    assert any("duplicate anchor" in str(e) and "persons.csv:" in str(e) for e in twice.report.errors)
    assert _staged(ws) == staged, "nothing staged from the refused file"
