"""The floor: the least any program must do with the bench's county, timed beside edusync's runs.

For the same objects as the timed runs (the CSV files the bench wrote, or every page of
the collections the FINT connector reads) it does, in one pass: turn each record into a
dict, serialise it with orjson and hash it as edusync hashes rows (:func:`.dump_hash`),
insert every row with one ``executemany`` into a fresh SQLite file, and write a
PIFU-shaped XML file (person, group and membership elements) with lxml's incremental
writer. No joins, no history, no second look at anything: what is left of a run once
its design costs nothing. The machine is shared, so a figure means something only as a
ratio to a floor measured in the same bench, on the same machine, minutes apart.

Run as ``python -m edusync.bench.floor OUT --files DIR`` or ``... OUT --fint BASE`` (the
FINT address and credentials from the ``FINT_*`` variables); it prints its counts as JSON.
"""

from __future__ import annotations

import argparse
import csv
import os
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from lxml import etree

from edusync.model.hashing import dump_hash

Record = tuple[str, str, dict[str, Any]]  # (PIFU element, key, the record)
#: CSV file → PIFU element, in the order the PIFU schema wants them (persons, groups, memberships).
FILES = (("persons", "person"), ("orgs", "group"), ("groups", "group"), ("memberships", "membership"))
PAGE = 5_000  # the FINT connector's page size
NS = "http://pifu.no/xsd/pifu-ims_sas/pifu-ims_sas-1.1"


def from_files(folder: Path) -> Iterator[Record]:
    """Every row of the bench's four CSV files, as a dict by column name."""
    for name, element in FILES:
        with (folder / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                yield element, row["id"], row


def _element(name: str) -> str:
    """The PIFU element a FINT class becomes: relations are memberships, people persons, the rest groups."""
    if name.endswith("medlemskap") or name.endswith("forhold"):
        return "membership"
    if name in ("elev", "elevperson", "ansattperson", "skoleressurs", "personalressurs"):
        return "person"
    return "group"


def from_fint(base: str) -> Iterator[Record]:
    """Every entry of every class the FINT connector reads (model v3), page by page as it pages."""
    # Imported here: a floor over files should not pay for starting an HTTP client and the connector.
    import httpx

    from edusync.connectors.fint.graph import resources

    env = os.environ
    form = {"grant_type": "password", "username": env["FINT_USERNAME"], "password": env["FINT_PASSWORD"]}
    auth = (env["FINT_CLIENT_ID"], env["FINT_CLIENT_SECRET"])
    with httpx.Client(base_url=base, timeout=600) as client:
        token = client.post(env["FINT_TOKEN_URL"], data=form, auth=auth).raise_for_status().json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        order = {"person": 0, "group": 1, "membership": 2}
        for res in sorted(resources("v3").values(), key=lambda r: order[_element(r.name)]):
            element, offset, total = _element(res.name), 0, 1
            while offset < total:
                answer = client.get(res.path, params={"size": PAGE, "offset": offset}).raise_for_status()
                page = orjson.loads(answer.content)
                total = int(page.get("total_items") or 0)
                for entry in page["_embedded"]["_entries"]:
                    yield element, entry["_links"]["self"][0]["href"], entry
                offset += PAGE


def _pifu(element: str, key: str, record: dict[str, Any]) -> etree._Element:
    el = etree.Element(element)
    if element == "membership":
        group = record.get("group") or key
        etree.SubElement(etree.SubElement(el, "sourcedid"), "id").text = group
        member = etree.SubElement(el, "member")
        etree.SubElement(etree.SubElement(member, "sourcedid"), "id").text = record.get("person") or key
        etree.SubElement(member, "idtype").text = "1"
        role = etree.SubElement(member, "role", roletype="02" if record.get("role") == "teacher" else "01")
        etree.SubElement(role, "status").text = "1"
        return el
    etree.SubElement(etree.SubElement(el, "sourcedid"), "id").text = key
    if element == "person":
        name = etree.SubElement(el, "name")
        etree.SubElement(name, "fn").text = f"{record.get('firstname', '')} {record.get('lastname', '')}"
        etree.SubElement(el, "email").text = record.get("email", "")
    else:
        etree.SubElement(etree.SubElement(el, "description"), "short").text = str(record.get("name", ""))
    return el


def run(records: Iterator[Record], out: Path) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    db_path, xml_path = out / "floor.db", out / "floor.xml"
    db_path.unlink(missing_ok=True)
    db = sqlite3.connect(db_path)
    db.execute("CREATE TABLE row (kind TEXT NOT NULL, key TEXT NOT NULL, hash TEXT NOT NULL, body TEXT NOT NULL)")
    with etree.xmlfile(str(xml_path), encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element("enterprise", nsmap={None: NS}):
            properties = etree.Element("properties")
            etree.SubElement(properties, "datasource").text = "edusync-floor"
            xf.write(properties)

            def rows() -> Iterator[tuple[str, str, str, str]]:
                # One pass: each record is hashed, written to the XML and handed to SQLite, so
                # the county is never all in memory (edusync streams it too).
                for element, key, record in records:
                    body, digest = dump_hash(record)
                    xf.write(_pifu(element, key, record))
                    yield element, key, digest, body

            with db:
                db.executemany("INSERT INTO row VALUES (?, ?, ?, ?)", rows())
    count = db.execute("SELECT count(*) FROM row").fetchone()[0]
    db.close()
    return {"rows": int(count), "xml_bytes": xml_path.stat().st_size}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edusync.bench.floor", description=__doc__)
    parser.add_argument("out", type=Path, help="folder for floor.db and floor.xml (replaced)")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--files", type=Path, help="the folder of the bench's CSV files")
    source.add_argument("--fint", help="the FINT sandbox's base URL")
    args = parser.parse_args(argv)
    records = from_files(args.files) if args.files else from_fint(args.fint)
    sys.stdout.write(orjson.dumps(run(records, args.out)).decode() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
