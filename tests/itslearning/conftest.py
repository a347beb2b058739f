"""An itslearning target (``pifu-xml`` with itslearning's import rules) fed by the demo's school files.

Every run is at an explicit local night (Europe/Oslo), so the school year, its rollover
window and the pause windows are what each test says. The PIFU files the target writes
are checked against the PIFU-IMS XSD after every test.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from edusync.pipeline.run import Runner, RunOutcome
from tests.connectors.pifu.conftest import assert_valid
from tests.itslearning.smtp_server import PASSWORD, USER, SmtpServer, smtp_server
from tests.workspace import Workspace

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
NS = {"p": "http://pifu.no/xsd/pifu-ims_sas/pifu-ims_sas-v1"}
AUTUMN = dt.date(2026, 10, 5)  # far from the school year's start and from any pause


def flows(*pairs: str) -> list[dict[str, str]]:
    return [{"to": p.split("<")[0], "from": p.split("<")[1]} for p in pairs]


def target(**extra: Any) -> dict[str, Any]:
    """itslearning's rules: persons to the trash, courses archived (members released, no restore)."""
    return {
        "objects": [
            {
                "metaverse_type": "organisation",
                "object_type": "organisation",
                "deprovision": "delete",
                "flows": flows("name<name", "groupType<type"),
            },
            {
                "metaverse_type": "person",
                "object_type": "person",
                "deprovision": "soft_delete",
                "flows": flows(
                    "givenName<firstName", "familyName<lastName", "feide<eduPersonPrincipalName", "email<mail"
                ),
            },
            {
                "metaverse_type": "group",
                "object_type": "group",
                "deprovision": "archive",
                "restore_archived": False,
                "flows": flows("name<name", "groupType<groupType", "parent<school"),
            },
            {
                "metaverse_type": "membership",
                "object_type": "membership",
                "deprovision": "soft_delete",
                "release_when_archived": {"ref": "group", "object_type": "group"},
                "flows": flows("person<person", "group<group", "role<role"),
            },
        ],
        "thresholds": {"*": {"delete": {"max_percent": 10}}},
        "on_breach": "fail",
        **extra,
    }


class Itslearning(Workspace):
    """The demo's files source and an ``itslearning`` pifu-xml target."""

    def __init__(self, folder: Path, **rules: Any) -> None:
        super().__init__(folder)
        s = self.settings
        s["connectors"].pop("lms")
        s["connectors"]["itslearning"] = {
            "type": "pifu-xml",
            "settings": {"output": "out/itslearning", "datasource": "edusync@fylke.no", "source": "fylke"},
        }
        s["targets"] = {"itslearning": target(**rules)}
        s["profiles"] = {"nightly": ["sis:import", "sync", "lifecycle", "itslearning:export"]}
        # The target's own filter is what is tested.
        s["safety"] = {"input": {"max_loss_percent": 100, "max_drift_percent": None}}
        self.write()

    def rules(self, **changes: Any) -> None:
        self.settings["targets"]["itslearning"].update(changes)
        self.write()

    def night(self, day: dt.date) -> RunOutcome:
        """The nightly run at 03:00 Oslo time on ``day``."""
        self.write()
        now = dt.datetime.combine(day, dt.time(3, 0), tzinfo=OSLO).astimezone(dt.UTC)
        return Runner(self.loaded, self.db).start("nightly", now=now)

    @property
    def out(self) -> Path:
        return self.folder / "out" / "itslearning"

    def files(self) -> list[Path]:
        return sorted(self.out.glob("*.xml"))

    def last_file(self) -> etree._ElementTree:
        return assert_valid(self.files()[-1])

    def state_of(self, object_type: str, key: str) -> str | None:
        from sqlalchemy import select

        from edusync.storage import tables

        to = tables.target_objects
        with self.db.begin() as conn:
            q = select(to.c.state).where(to.c.target == "itslearning", to.c.object_type == object_type, to.c.key == key)
            return conn.execute(q).scalar_one_or_none()

    def key_of(self, kind: str, anchor: str) -> str:
        return str(self.show(kind, anchor)["id"])

    def remove_group(self, gid: str) -> list[list[str]]:
        """Take a group and its memberships out of the source; return the memberships."""
        gone = [m for m in self.county.memberships if m[2] == gid]
        self.county.groups = [g for g in self.county.groups if g[0] != gid]
        self.county.memberships = [m for m in self.county.memberships if m[2] != gid]
        return gone


def records(tree: etree._ElementTree, element: str, key: str) -> list[etree._Element]:
    """The ``person`` or ``group`` elements of ``key`` in a PIFU file."""
    return list(tree.xpath(f"//p:{element}[p:sourcedid/p:id='{key}']", namespaces=NS))


def members(tree: etree._ElementTree, group: str) -> list[etree._Element]:
    return list(tree.xpath(f"//p:membership[p:sourcedid/p:id='{group}']/p:member", namespaces=NS))


@pytest.fixture
def its(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Itslearning]:
    """On SQLite and on PostgreSQL."""
    monkeypatch.setenv("EDUSYNC_DATABASE_URL", database_url)
    ws = Itslearning(tmp_path / "ws")
    yield ws
    ws.close()
    for path in ws.files():
        assert_valid(path)


@pytest.fixture
def its_lite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Itslearning]:
    """On SQLite only, for tests whose subject is not the database."""
    monkeypatch.delenv("EDUSYNC_DATABASE_URL", raising=False)
    ws = Itslearning(tmp_path / "ws")
    yield ws
    ws.close()
    for path in ws.files():
        assert_valid(path)


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    with smtp_server(tmp_path) as server:
        yield server


def with_mail(ws: Itslearning, server: SmtpServer, monkeypatch: pytest.MonkeyPatch, **mail: Any) -> None:
    """Mail through ``server`` (STARTTLS, login with the password from the environment)."""
    monkeypatch.setenv("SMTP_PASSWORD", PASSWORD)
    ws.settings["mail"] = {
        "host": "127.0.0.1",
        "port": server.port,
        "security": "starttls",
        "username": USER,
        "password": "${SMTP_PASSWORD}",
        "sender": "edusync@fylke.no",
        "ca_file": str(server.ca_file),
        "timeout": 10,
    }
    ws.rules(mail={"to": ["it-drift@fylke.no"], **mail})
