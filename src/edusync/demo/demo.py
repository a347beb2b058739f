"""``edusync demo``: three nights of a small county, the last one broken and blocked by the gate."""

from __future__ import annotations

import datetime as dt
import random
import shutil
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import yaml
from rich.console import Console
from rich.rule import Rule

from edusync.config.commented import with_comments
from edusync.config.loader import load_config
from edusync.demo import data, nights
from edusync.services import runs
from edusync.storage import open_database

Render = Callable[[Console, dict[str, object]], None]


def template() -> str:
    return resources.files("edusync.demo").joinpath("edusync.yaml").read_text(encoding="utf-8")


def init_folder(folder: Path, *, sample: bool = True, seed: int = 1, force: bool = False) -> Path:
    """Write ``edusync.yaml`` (and sample data) into ``folder``; refuse to overwrite unless ``force``."""
    config = folder / "edusync.yaml"
    if config.exists() and not force:
        raise FileExistsError(f"{config} exists (use --force to overwrite)")
    folder.mkdir(parents=True, exist_ok=True)
    config.write_text(with_comments(template()), encoding="utf-8")
    if sample:
        data.write(data.generate("demo", seed), folder / "data")
    return config


def _flows(*pairs: str) -> list[dict[str, str]]:
    return [{"to": p.split("<")[0], "from": p.split("<")[1]} for p in pairs]


#: The target rules of the OneRoster and SDS packages: the same four object types as the learning platform's.
PACKAGE_OBJECTS = [
    {"metaverse_type": "organisation", "object_type": "organisation", "flows": _flows("name<name", "type<type")},
    {"metaverse_type": "person", "object_type": "person", "deprovision": "soft_delete",
     "flows": _flows("username<eduPersonPrincipalName", "givenName<firstName", "familyName<lastName", "email<mail",
                     "role<affiliation", "school<school")},
    {"metaverse_type": "group", "object_type": "group",
     "flows": _flows("name<name", "groupType<groupType", "school<school")},
    {"metaverse_type": "membership", "object_type": "membership", "flows": _flows("person<person", "group<group",
                                                                                    "role<role")},
]  # fmt: skip


def add_packages(config: Path) -> None:
    """Also write a OneRoster 1.2 package (``out/oneroster``) and an SDS v2.1 package (``out/sds``) each night."""
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    settings["connectors"]["roster"] = {"type": "oneroster-csv", "settings": {"output": "out/oneroster"}}
    settings["connectors"]["teams"] = {"type": "sds-csv", "settings": {"output": "out/sds"}}
    thresholds = settings["targets"]["lms"].get("thresholds", {})
    for name in ("roster", "teams"):
        settings["targets"][name] = {"objects": PACKAGE_OBJECTS, "thresholds": thresholds}
    settings["profiles"]["nightly"] += ["roster:export", "teams:export"]
    config.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")


def run_demo(folder: Path, console: Console, render: Render, seed: int = 1, *, packages: bool = False) -> int:
    """Three nights; returns the exit code of the last run (3: blocked, as intended).

    With ``packages``, each night also writes a OneRoster and an SDS package (``out/oneroster``, ``out/sds``).
    """
    if folder.exists():
        shutil.rmtree(folder)
    config = init_folder(folder, seed=seed)
    if packages:
        add_packages(config)
    loaded = load_config(config)
    db = open_database(loaded.config.storage.url, loaded.base_dir)
    rng = random.Random(seed)
    day = dt.datetime(2026, 8, 17, 2, 0, tzinfo=dt.UTC)

    county = data.read(folder / "data")
    nights_ = [
        ("Night 1: the first full sync", None),
        ("Night 2: an ordinary night", lambda: nights.ordinary_night(county, rng)),
        ("Night 3: a broken night", lambda: nights.broken_night(county)),
    ]
    for number, (title, change) in enumerate(nights_):
        console.print(Rule(title))
        if change is not None:
            for line in change().lines:
                console.print(f"  • {line}")
            data.write(county, folder / "data")
        outcome = runs.start(loaded, db, "nightly", now=day + dt.timedelta(days=number))
        render(console, runs.get_run(db, outcome.run_id))
    third = outcome

    console.print(Rule("What you can do now"))
    console.print(f"  cd {folder}")
    console.print("  edusync runs                      # the run history")
    console.print(f"  edusync runs show {third.run_id}               # the blocked run")
    console.print(f"  edusync reject {third.run_id}                  # discard it (or approve it, if the loss is real)")
    console.print("  edusync trash                     # who is in grace or the trash")
    console.print(f"  ls {folder / 'out'}               # the change files the learning platform got")
    if packages:
        console.print(
            f"  ls {folder / 'out' / 'oneroster'} {folder / 'out' / 'sds'}   # the OneRoster and SDS packages"
        )
    db.dispose()
    return third.exit_code
