"""``edusync exams``: list and fetch FS exams, sync them to WISEflow, export grades back to FS."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from edusync.cli import render
from edusync.cli.common import (
    CONFIG_OPTION,
    JSON_OPTION,
    Bars,
    actor,
    console,
    err_console,
    handled,
    open_all,
    print_json,
)
from edusync.connectors.fs import ExamKey, FsConnector, parse_tid
from edusync.connectors.fs.mapping import exam_attrs
from edusync.connectors.registry import connector_class
from edusync.services import runs
from edusync.services.exams.grades import export_grades
from edusync.services.exams.sync import connector_of_type, sync_exams

exams_app = typer.Typer(help="Exams: FS → WISEflow, and grades back to FS.", no_args_is_help=True)


def _fs(config: Path | None) -> FsConnector:
    loaded, _ = open_all(config)
    name = connector_of_type(loaded, "fs")
    connector = connector_class("fs")(name, loaded.settings[name], loaded.base_dir)
    assert isinstance(connector, FsConnector)
    return connector


@exams_app.command("init")
def init(
    folder: Path = typer.Argument(..., help="Folder for edusync.yaml."),
    force: bool = typer.Option(False, help="Overwrite an existing edusync.yaml."),
) -> None:
    """Write the fs-wiseflow profile (FS → WISEflow, grades back, study groups) to FOLDER/edusync.yaml,
    and the folder's key file (FOLDER/edusync.keys, readable by its owner only) that it names.

    Example: edusync exams init exams
    """
    from edusync import vault
    from edusync.demo.demo import KEY_FILE
    from edusync.demo.exams import TEMPLATE

    config = folder / "edusync.yaml"
    if config.exists() and not force:
        err_console.print(f"[bold red]error:[/] {config} exists (use --force to overwrite)")
        raise typer.Exit(1)
    folder.mkdir(parents=True, exist_ok=True)
    config.write_text(TEMPLATE.read_text(encoding="utf-8"), encoding="utf-8")
    keys = folder / KEY_FILE  # the profile's storage.key_file; an existing one keeps what it sealed readable
    if not keys.exists():
        vault.create_key_file(keys)
    console.print(
        f"wrote {config} and its key file {keys}; set the EDUSYNC_FS_* and EDUSYNC_WISEFLOW_* variables it names, then:"
    )
    console.print(f"  cd {folder} && edusync exams list")


@exams_app.command("list")
def list_exams(
    term: str = typer.Option(None, "--term", help="Only this term, 'YYYY TTT' (e.g. '2026 VÅR')."),
    config: Path = CONFIG_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """The exams FS offers for fetching.

    Example: edusync exams list --term "2026 VÅR"
    """
    with handled():
        tid = "{} {}".format(*parse_tid(term)) if term else None
        fs = _fs(config)
        try:
            items = fs.list_exams(tid)
        finally:
            fs.close()
    if as_json:
        print_json(items)
        return
    table = Table("exam id", "term", "title", "type")
    for e in items:
        table.add_row(e["id"], e.get("tid") or "", e.get("emnetittel") or "", e.get("vurdkombtittel") or "")
    console.print(table)


@exams_app.command("fetch")
def fetch(key: str, config: Path = CONFIG_OPTION, as_json: bool = JSON_OPTION) -> None:
    """One exam by KEY (institusjonsnr|emnekode|versjonskode|vurderingsordning|YYYY TTT), as WISEflow gets it.

    Example: edusync exams fetch "9001|INF1000|1|SKR|2026 VÅR"
    """
    with handled():
        parsed = ExamKey.parse(key)
        fs = _fs(config)
        try:
            raw = fs.fetch(parsed)
        finally:
            fs.close()
    exam = exam_attrs(raw)
    candidates = sum(len(g.get("kandidater") or []) for g in raw.get("vurderingsgrupper") or [])
    summary = {**exam, "participants": candidates, "assessmentGroups": len(raw.get("kommisjoner") or [])}
    if as_json:
        print_json(summary)
        return
    table = Table("field", "value")
    for name, value in summary.items():
        table.add_row(name, str(value))
    console.print(table)


@exams_app.command("sync")
def sync(
    profile: str = typer.Argument(None, help="Profile to run (default: the config's default profile)."),
    config: Path = CONFIG_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Run the exam profile (FS → metaverse → WISEflow), then hold allocations to FS's. Exit 0/1/3.

    Example: edusync exams sync --json
    """
    with handled():
        loaded, db = open_all(config)
        with Bars(not as_json) as bars:
            outcome = sync_exams(loaded, db, profile=profile, actor=actor(), progress=bars)
        run = runs.get_run(db, outcome.run.run_id)
    print_json(run) if as_json else render.run_report(console, run)
    raise typer.Exit(outcome.exit_code)


@exams_app.command("export-grades")
def export_grades_cmd(
    key: str,
    retry_failed: bool = typer.Option(False, "--retry-failed", help="Send rows FS rejected before once more."),
    config: Path = CONFIG_OPTION,
    as_json: bool = JSON_OPTION,
) -> None:
    """Send the grades marked in WISEflow for exam KEY to FS.

    Exit 0 when FS holds every marked grade; 1 when a row was rejected (now or earlier), held
    back as invalid, or changed in WISEflow after FS accepted it.

    Example: edusync exams export-grades "9001|INF1000|1|SKR|2026 VÅR" --retry-failed
    """
    with handled():
        loaded, db = open_all(config)
        report = export_grades(loaded, db, key, retry_failed=retry_failed, actor=actor())
    if as_json:
        print_json(report.as_dict())
    else:
        table = Table("kandidatnr", "grade", "status", "reason", "message", title=f"{report.exam_id} ({report.scale})")
        for r in report.rows:
            table.add_row(r.kandidatnr, r.grade or "", r.status, r.reason or "", r.message or "")
        console.print(table)
    raise typer.Exit(0 if report.complete else 1)
