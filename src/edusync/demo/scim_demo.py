"""``edusync demo --scenario scim``: the files demo's county, with a SCIM 2.0 service as a second target.

The service is scim2-server (a third-party SCIM server) on a loopback port for the length of the
demo. Two nights: the first full sync creates every user, group and membership in it; an ordinary
night changes a few, and only those are patched. Then it shows what the service holds.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.rule import Rule

from edusync.config.loader import load_config
from edusync.demo import data, nights
from edusync.demo.demo import Render, init_folder
from edusync.sandbox.scim import ScimServer
from edusync.services import runs
from edusync.storage import open_database

TARGET: dict[str, Any] = {
    "objects": [
        {"metaverse_type": "person", "object_type": "user", "deprovision": "soft_delete", "flows": [
            {"to": "userName", "from": "eduPersonPrincipalName"}, {"to": "givenName", "from": "firstName"},
            {"to": "familyName", "from": "lastName"}, {"to": "displayName", "from": "displayName"},
            {"to": "email", "from": "mail"}, {"to": "userType", "from": "affiliation"},
            {"to": "organization", "constant": "Demo fylkeskommune"}]},
        {"metaverse_type": "group", "object_type": "group", "flows": [{"to": "displayName", "from": "name"}]},
        {"metaverse_type": "membership", "object_type": "membership", "flows": [
            {"to": "person", "from": "person"}, {"to": "group", "from": "group"}]},
    ],
    "thresholds": {"*": {"delete": {"max_percent": 10}, "update": {"max_percent": 50}}},
}  # fmt: skip


def run_scim_demo(folder: Path, console: Console, render: Render, seed: int = 1) -> int:
    if folder.exists():
        shutil.rmtree(folder)
    config = init_folder(folder, seed=seed)
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    with ScimServer() as server:
        settings["connectors"]["saas"] = {"type": "scim", "settings": {"url": server.url}}
        settings["targets"]["saas"] = TARGET
        settings["profiles"]["nightly"] = [*settings["profiles"]["nightly"], "saas:export"]
        config.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")
        console.print(f"A SCIM 2.0 service (scim2-server) listens on {server.url}")
        loaded = load_config(config)
        db = open_database(loaded.config.storage.url, loaded.base_dir)
        rng = random.Random(seed)
        county = data.read(folder / "data")
        day = dt.datetime(2026, 8, 17, 2, 0, tzinfo=dt.UTC)
        outcome = None
        for number, title in enumerate(["Night 1: the first full sync", "Night 2: an ordinary night"]):
            console.print(Rule(title))
            if number:
                for line in nights.ordinary_night(county, rng).lines:
                    console.print(f"  • {line}")
                data.write(county, folder / "data")
            before = dict(server.controls.counts)
            outcome = runs.start(loaded, db, "nightly", now=day + dt.timedelta(days=number))
            render(console, runs.get_run(db, outcome.run_id))
            sent = {k: n - before.get(k, 0) for k, n in server.controls.counts.items() if n != before.get(k, 0)}
            console.print("  requests to the SCIM service: " + ", ".join(f"{k} × {n}" for k, n in sorted(sent.items())))
        users, groups = server.by_external_id("User"), server.by_external_id("Group")
        active = sum(1 for u in users.values() if u.get("active", True))
        console.print(Rule("What the SCIM service holds"))
        console.print(f"  {len(users)} users ({active} active), {len(groups)} groups")
        members = sum(len(g.get("members") or []) for g in groups.values())
        console.print(f"  {members} group memberships")
        db.dispose()
    assert outcome is not None
    return outcome.exit_code
