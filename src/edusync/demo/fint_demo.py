"""``edusync demo``: a county from the FINT sandbox over HTTP, with the VIGO-BAS profile.

Night 1 reads everything; the sandbox then lives through a school day (pupils leave
and arrive, a class is renamed, a teacher moves); night 2 reads only what changed
since night 1; on night 3 FINT's adapter has lost its elevforhold and serves none,
so every pupil would go: the input sanity check blocks the run (exit 3) and nothing
is sent until someone approves or rejects it.
"""

from __future__ import annotations

import datetime as dt
import shutil
from importlib import resources
from pathlib import Path

import httpx
from rich.console import Console
from rich.rule import Rule

from edusync import vault
from edusync.config import dotenv
from edusync.config.loader import load_config
from edusync.demo.demo import Render
from edusync.demo.env import environment
from edusync.sandbox.fint import cli as sandbox_cli
from edusync.sandbox.fint import create_app, generate
from edusync.sandbox.serving import serve_in_thread
from edusync.services import runs
from edusync.storage import open_database

SECRETS = ("FINT_CLIENT_SECRET", "FINT_PASSWORD")
#: Left as ``${VAR}`` in the folder's config and set in its ``.env``: the secrets, and where the sandbox
#: answers once the demo is over (``edusync sandbox fint --port 8180``); the demo's own nights override them.
IN_DOTENV = (*SECRETS, "FINT_BASE_URL", "FINT_TOKEN_URL")
PIFU_DIR = "out/itslearning"  # the lms target's output, as in vigobas.yaml
# The credentials `edusync sandbox fint` prints, so the demo's config also works against that sandbox.
CLIENT, SECRET = sandbox_cli.DEMO_CLIENT_ID, sandbox_cli.DEMO_CLIENT_SECRET
USER, PASSWORD = sandbox_cli.DEMO_USERNAME, sandbox_cli.DEMO_PASSWORD


def template() -> str:
    return resources.files("edusync.demo").joinpath("vigobas.yaml").read_text(encoding="utf-8")


def fint_environment(base_url: str, realm: str) -> dict[str, str]:
    return {
        "FINT_BASE_URL": base_url,
        "FINT_TOKEN_URL": f"{base_url}/nidp/oauth/nam/token",
        "FINT_CLIENT_ID": CLIENT,
        "FINT_CLIENT_SECRET": SECRET,
        "FINT_USERNAME": USER,
        "FINT_PASSWORD": PASSWORD,
        "FINT_FEIDE_REALM": realm,
    }


def run_fint_demo(folder: Path, console: Console, render: Render, seed: int = 1, size: str = "small") -> int:
    """Three nights against the sandbox; returns the exit code of the last (3: blocked, as intended)."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    today = dt.date.today()
    county = generate(seed=seed, size=size, today=today)
    app = create_app(county, client_id=CLIENT, client_secret=SECRET, username=USER, password=PASSWORD)
    night = dt.datetime.combine(today, dt.time(2, 0), tzinfo=dt.UTC)
    later = fint_environment(f"http://127.0.0.1:{sandbox_cli.DEMO_PORT}", county.domain)
    config = write_folder(folder, later, seed, size)
    with serve_in_thread(app) as base_url:
        env = fint_environment(base_url, county.domain)
        console.print(f"FINT sandbox: {county.name} at {base_url} ({size}, seed {seed})")
        # The environment wins over .env: tonight's sandbox is on a free port, not the folder's.
        with environment({k: env[k] for k in IN_DOTENV}):
            loaded = load_config(config)
            db = open_database(loaded.config.storage.url, loaded.base_dir)
            console.print(Rule("Night 1: the first full read from FINT"))
            outcome = runs.start(loaded, db, "nightly", now=night)
            render(console, runs.get_run(db, outcome.run_id))
            _files(console, folder)

            console.print(Rule("Night 2: a school day later, only what changed (sinceTimeStamp)"))
            day = httpx.post(f"{base_url}/_sandbox/advance", params={"days": 1}).json()
            for event in day.get("events", [])[:8]:
                console.print(f"  • {event}")
            outcome = runs.start(loaded, db, "delta", now=night + dt.timedelta(days=1))
            render(console, runs.get_run(db, outcome.run_id))
            _files(console, folder)

            console.print(Rule("Night 3: FINT's adapter lost its elevforhold and serves none"))
            httpx.post(f"{base_url}/_sandbox/faults/empty", params={"path": "/utdanning/elev/elevforhold"})
            outcome = runs.start(loaded, db, "nightly", now=night + dt.timedelta(days=2))
            render(console, runs.get_run(db, outcome.run_id))
            _files(console, folder)
            db.dispose()

    console.print(Rule("What you can do now"))
    console.print(f"  cd {folder}")
    console.print(
        f"  edusync sandbox fint --port {sandbox_cli.DEMO_PORT} --seed {seed} --size {size} &"
        "   # the sandbox again, for run and approve (secrets: .env)"
    )
    console.print("  edusync runs                      # the run history")
    console.print(f"  edusync runs show {outcome.run_id}               # the blocked run and why")
    console.print(f"  edusync reject {outcome.run_id}                  # discard it")
    console.print("  edusync show person <id>          # any value traced to its FINT record, rule and run")
    console.print(f"  ls {folder / PIFU_DIR}   # the PIFU-IMS files itslearning got (full, then delta)")
    return outcome.exit_code


def write_folder(folder: Path, env: dict[str, str], seed: int, size: str) -> Path:
    """The config, its ``.env`` (0600: secrets and the sandbox's fixed address) and the key file."""
    text = template()
    for name, value in env.items():
        if name not in IN_DOTENV:
            text = text.replace("${" + name + "}", value)
    config = folder / "edusync.yaml"
    config.write_text(text, encoding="utf-8")
    header = (
        "The demo's secrets and where its FINT sandbox answers; the environment wins over this file.\n"
        f"Serve the sandbox again with: edusync sandbox fint --port {sandbox_cli.DEMO_PORT} --seed {seed} --size {size}"
    )
    dotenv.write(folder, {k: env[k] for k in IN_DOTENV}, header)
    vault.create_key_file(folder / "edusync.keys")  # the template's storage.key_file
    return config


def _files(console: Console, folder: Path) -> None:
    """Where tonight's PIFU-IMS files for itslearning are (a blocked night writes none)."""
    files = sorted((folder / PIFU_DIR).glob("*.xml"))
    if not files:
        console.print("itslearning: no PIFU-IMS file written yet")
        return
    console.print(f"itslearning: {len(files)} PIFU-IMS file(s) in {folder / PIFU_DIR}:")
    for path in files:
        console.print(f"  {path.name}  ({path.stat().st_size:,} bytes)", highlight=False)
