"""The end of ``edusync demo``: the Feide-compatible groups API over what the nights synced.

A university's study groups and exams are read from the FS sandbox into the same
database (with ``university.yaml``, a second config next to ``edusync.yaml``), so
the API serves both a pupil's GO groups and a student's FS groups. Two tokens are
made, one for a pupil and one for a student, and the ``curl`` lines that use them
are printed; then the API is served in the foreground (``--serve``), or the
command that serves it is printed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.rule import Rule

from edusync.config.loader import load_config
from edusync.demo.env import environment
from edusync.groupsapi.service import GroupsService
from edusync.sandbox.fs import create_app as fs_app
from edusync.sandbox.fs import generate
from edusync.sandbox.serving import free_port, serve_in_thread
from edusync.services import runs, tokens
from edusync.storage import Database, open_database

FS_USER, FS_PASSWORD = "fs-demo", "fs-demo-password"
UNIVERSITY = """\
# The university's study groups and exams from FS, into the same database as edusync.yaml,
# for the groups API (fc:fs:prg, fc:fs:str, fc:fs:kull, fc:fs:emne). Run: edusync run -c university.yaml
storage:
  url: sqlite:///edusync.db
  key_file: edusync.keys  # the same keys as edusync.yaml: the two share the database
connectors:
  fs:
    type: fs
    settings:
      base_url: {base_url}
      username: {user}
      password: ${{EDUSYNC_FS_PASSWORD}}
      study_groups: true
sync:
  - connector: fs
    object_type: exam
    metaverse_type: exam
    flows: [{{to: examId, from: examId}}, {{to: title, from: title}}, {{to: term, from: term}}]
  - connector: fs
    object_type: participant
    metaverse_type: participant
    flows:
      - {{to: exam, from: exam, ref: exam}}
      - {{to: organisationId, from: organisationId, rule: lower}}
      - {{to: firstName, from: firstName, rule: strip}}
      - {{to: lastName, from: lastName, rule: strip}}
  - connector: fs
    object_type: person
    metaverse_type: person
    join: [{{match: {{organisationId: eduPersonPrincipalName}}}}]
    flows:
      - {{to: eduPersonPrincipalName, from: organisationId, rule: lower}}
      - {{to: displayName, from: [firstName, lastName], rule: join_space}}
      - {{to: fsPersonlopenummer, from: personlopenummer}}
  - connector: fs
    object_type: group
    metaverse_type: group
    flows: [{{to: name, from: name}}, {{to: groupType, from: groupType}}, {{to: code, from: code}}]
  - connector: fs
    object_type: membership
    metaverse_type: membership
    flows:
      - {{to: person, from: person, ref: person}}
      - {{to: group, from: group, ref: group}}
      - {{to: role, from: role}}
      - {{to: begin, from: begin}}
      - {{to: end, from: end}}
profiles:
  study-groups: [fs:import, sync]
"""
GROUPS_API = """
# The groups API (edusync serve; docs/groups-api.md). Realms come from the members' Feide names.
groups_api:
  fs:
    org_name: {name}
    urls: {{"fc:fs:emne": "https://www.{realm}/emne/{{code_lower}}"}}
"""


def _import_university(folder: Path, console: Console, seed: int) -> str:
    """Read the FS sandbox's study groups and exams into the demo's database; return its realm."""
    university = generate(seed=seed, size="small")
    with serve_in_thread(fs_app(university, username=FS_USER, password=FS_PASSWORD)) as base_url:
        config = folder / "university.yaml"
        config.write_text(UNIVERSITY.format(base_url=base_url, user=FS_USER), encoding="utf-8")
        with environment({"EDUSYNC_FS_PASSWORD": FS_PASSWORD}):
            loaded = load_config(config)
            db = open_database(loaded.config.storage.url, loaded.base_dir)
            try:
                outcome = runs.start(loaded, db, "study-groups")
            finally:
                db.dispose()
    console.print(f"  {university.navn}: study groups and exams from FS (run {outcome.run_id}: {outcome.status})")
    text = (folder / "edusync.yaml").read_text(encoding="utf-8")
    if "\ngroups_api:" not in text:
        block = GROUPS_API.format(name=university.navn, realm=university.realm)
        (folder / "edusync.yaml").write_text(text.rstrip("\n") + "\n" + block, encoding="utf-8")
    return university.realm


def _pick(service: GroupsService, realm: str | None, wanted: set[str], show_all: bool = False) -> str | None:
    """The first Feide name (of ``realm``) whose groups include every type in ``wanted``."""
    snap = service.catalogue.snapshot()
    for eppn in sorted(snap.by_eppn):
        if realm and not eppn.endswith("@" + realm):
            continue
        kinds = {g["type"] + (":" + g["go_type"] if "go_type" in g else "") for g in service.my_groups(eppn, show_all)}
        if wanted <= kinds:
            return eppn
    return None


def _token(db: Database, eppn: str) -> str:
    plain, _ = tokens.create(db, ["groups-edu"], actor="edusync demo", user=eppn, name=f"demo: {eppn}")
    return plain


def groups_api_demo(folder: Path, console: Console, *, serve: bool, seed: int = 1, port: int = 8000) -> dict[str, Any]:
    """Import the university, make the tokens, print the curl lines; serve when ``serve``."""
    console.print(Rule("The groups API: what apps see through Feide"))
    console.print("Tokens are made with `edusync tokens create` and stored hashed; ask as the apps would:")
    fs_realm = _import_university(folder, console, seed)
    loaded = load_config(folder / "edusync.yaml", require_env=False)
    db = open_database(loaded.config.storage.url, loaded.base_dir)
    service = GroupsService(db, loaded.config.groups_api)
    pupil = _pick(service, None, {"fc:gogroup:u", "fc:gogroup:b"})
    student = _pick(service, fs_realm, {"fc:fs:prg", "fc:fs:str", "fc:fs:kull", "fc:fs:emne"}, show_all=True)
    port = port if serve is False or _free(port) else free_port()
    base = f"http://127.0.0.1:{port}/groups"
    lines: dict[str, str] = {}
    # The student's courses (from exams) lie in past terms: showAll=true shows them, marked inactive.
    asks = {"pupil": (pupil, "", "groups"), "student": (student, "?showAll=true", "FS groups, past ones too")}
    for label, (eppn, query, what) in asks.items():
        if eppn is None:
            console.print(f"  (no {label} with groups in the data)")
            continue
        groups = service.my_groups(eppn, show_all=bool(query))
        kinds = sorted({g["type"] for g in groups})
        console.print(f"  a {label}, {eppn}: {len(groups)} groups ({', '.join(kinds)})", highlight=False)
        line = f'curl -s -H "Authorization: Bearer {_token(db, eppn)}" "{base}/me/groups{query}"'
        lines[label] = line
        console.print(f"  # the {label}'s {what}:", highlight=False)
        console.print(f"  {line}", soft_wrap=True, highlight=False, markup=False)
    _demo_user(db)
    summary = {"pupil": pupil, "student": student, "curl": lines, "port": port, "login": DEMO_LOGIN}
    login = f"sign in as {DEMO_LOGIN[0]}, password {DEMO_LOGIN[1]}"
    if not serve:
        console.print(f"Serve it with:  cd {folder} && edusync serve --port {port}", soft_wrap=True, highlight=False)
        console.print(f"The console is then at http://127.0.0.1:{port}/ ({login})", highlight=False)
        db.dispose()
        return summary
    import uvicorn

    from edusync.console.app import create_app

    api = f"http://127.0.0.1:{port}/api/v1/docs"
    console.print(f"Serving the groups API on {base} (the console's REST API: {api}); Ctrl-C stops it")
    console.print(f"The console: http://127.0.0.1:{port}/ ({login}); the blocked night waits for you", highlight=False)
    try:
        uvicorn.run(create_app(loaded, db, can_run=False), host="127.0.0.1", port=port, log_level="warning")
    finally:
        db.dispose()
    return summary


#: The demo's console login: on loopback, in a throwaway folder, so a fixed password is no secret.
DEMO_LOGIN = ("demo@edusync.example", "edusync-demo")


def _demo_user(db: Any) -> None:
    from edusync.services import users

    if not any(u.username == DEMO_LOGIN[0] for u in users.list_users(db)):
        users.create(db, DEMO_LOGIN[0], ["admin"], actor="edusync demo", password=DEMO_LOGIN[1], display_name="Demo")


def _free(port: int) -> bool:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
