"""``edusync bench``'s floor: the same objects through a minimal program, timed beside the runs.

No timings are asserted (the machine is shared): what is checked is that the floor does the
whole work (every object generated hashed, stored and written) and that the figures a reader
compares are each run over that floor.
"""

from __future__ import annotations

import copy
import csv
import json
import random
import sqlite3
import sys
from pathlib import Path

import pytest
from lxml import etree

from edusync.bench import floor
from edusync.bench.process import timed
from edusync.demo import data, nights
from edusync.model.hashing import dump_hash
from tests.cli.test_cli import edusync

CSV = {"persons": "person", "orgs": "group", "groups": "group", "memberships": "membership"}


def _rows(db: Path) -> dict[str, int]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT kind, count(*) FROM row GROUP BY kind").fetchall())


def test_bench_reports_a_floor_before_and_after_and_each_figure_as_a_ratio_to_it(tmp_path: Path) -> None:
    keep = tmp_path / "b"
    result = edusync("bench", "--size", "demo", "--keep", str(keep), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert figures["floor_s"] == pytest.approx((figures["floor_before_s"] + figures["floor_after_s"]) / 2, abs=0.01)
    for run in ("full", "rerun", "delta", "changes_1000"):
        assert figures[f"{run}_ratio"] == pytest.approx(figures[f"{run}_s"] / figures["floor_s"], rel=0.02)
    # The floor did all of it: one stored row per generated object, both times.
    assert figures["floor_rows"] == figures["objects"]
    for when in ("before", "after"):
        assert sum(_rows(keep / f"floor-{when}" / "floor.db").values()) == figures["objects"]
    assert 0 < figures["floor_rss_mb"] < figures["full_rss_mb"] * 4
    # --json keeps stdout for the JSON; progress went to stderr as each phase ended.
    for line in ("generated in", "floor (before):", "full:", "rerun:", "delta:", "changes_1000:", "floor (after):"):
        assert line in result.stderr


def test_no_floor_skips_it(tmp_path: Path) -> None:
    keep = tmp_path / "b"
    result = edusync("bench", "--size", "demo", "--keep", str(keep), "--no-floor", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "full_s:" in result.stdout and "delta_s:" in result.stdout
    assert "floor" not in result.stdout and "ratio" not in result.stdout
    assert not list(keep.glob("floor-*"))


def test_the_floor_hashes_stores_and_writes_every_record_of_the_files(tmp_path: Path) -> None:
    data.write(data.generate("demo", 3), tmp_path / "data")
    counts = floor.run(floor.from_files(tmp_path / "data"), tmp_path / "out")
    expected: dict[str, int] = {}
    for name, element in CSV.items():
        with (tmp_path / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        expected[element] = expected.get(element, 0) + len(rows)
    assert counts["rows"] == sum(expected.values())
    assert _rows(tmp_path / "out" / "floor.db") == expected
    # Each row is hashed as edusync hashes a staged row.
    with sqlite3.connect(tmp_path / "out" / "floor.db") as conn:
        body, digest = conn.execute("SELECT body, hash FROM row WHERE kind = 'membership' LIMIT 1").fetchone()
    assert dump_hash(json.loads(body)) == (body, digest)
    # The XML holds one element per record, in PIFU's order: persons, then groups, then memberships.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.parse(str(tmp_path / "out" / "floor.xml"), parser).getroot()
    tags = [etree.QName(el).localname for el in root]
    assert tags[0] == "properties"
    kinds = tags[1:]
    assert {kind: kinds.count(kind) for kind in expected} == expected
    assert kinds == sorted(kinds, key=["person", "group", "membership"].index)


def test_a_timed_child_reports_its_own_peak_memory_not_the_bench_s(tmp_path: Path) -> None:
    # Linux carries a parent's peak RSS into a child it starts; the bench holds a whole county.
    ballast = bytearray(300 * 1024 * 1024)
    ballast[::4096] = b"x" * len(ballast[::4096])  # touched, so resident
    _, small, code, _, _ = timed([sys.executable, "-c", "pass"], {})
    _, big, _, _, _ = timed(
        [sys.executable, "-c", "b = bytearray(200 * 1024 * 1024); b[::4096] = b'x' * len(b[::4096])"], {}
    )
    del ballast
    assert code == 0
    assert small < 100, "a child that does nothing is not charged with the parent's 300 MB"
    assert big - small > 150, "what the child itself holds is counted"


@pytest.mark.parametrize("size", ["demo", "small"])
def test_the_fixed_delta_changes_1000_objects_whatever_the_size(size: str) -> None:
    county = data.generate(size, 3)
    before = copy.deepcopy(county)
    nights.fixed_delta(county, random.Random(1), 1000)
    changed = sum(a != b for a, b in zip(before.persons, county.persons, strict=True))
    changed += sum(a != b for a, b in zip(before.memberships, county.memberships, strict=True))
    assert changed == 1000
