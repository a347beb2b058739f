"""``edusync init``, ``edusync demo`` and ``edusync bench``."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import typer

from edusync.cli import render
from edusync.cli.common import JSON_OPTION, console, err_console, handled, print_json
from edusync.cli.main import app


@app.command()
def init(
    folder: Path = typer.Argument(..., help="Folder for edusync.yaml and sample data."),
    sample: bool = typer.Option(True, help="Also write sample CSV files into FOLDER/data."),
    force: bool = typer.Option(False, help="Overwrite an existing edusync.yaml."),
    profile: str = typer.Option(
        "files", help="files (CSV files to itslearning, with sample data) or vigobas (a county's FINT, as VIGO-BAS)."
    ),
) -> None:
    """Make a starting configuration (and sample data) to edit; a comment above each key explains it.

    Example: edusync init site --profile vigobas
    """
    from edusync.demo.demo import init_folder
    from edusync.demo.vigobas_init import init_vigobas

    if profile not in ("files", "vigobas"):
        err_console.print(f"[bold red]error:[/] unknown profile {profile!r} (files or vigobas)")
        raise typer.Exit(2)
    try:
        if profile == "vigobas":
            config = init_vigobas(folder, force=force)
            console.print(f"wrote {config}; set the variables its header lists, then: edusync run --dry-run")
            return
        config = init_folder(folder, sample=sample, force=force)
    except FileExistsError as exc:
        err_console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(1) from None
    console.print(f"wrote {config}; try: cd {folder} && edusync run --dry-run")


@app.command()
def demo(
    folder: Path = typer.Option(Path("edusync-demo"), "--dir", help="Folder for the demo (replaced if it exists)."),
    seed: int = typer.Option(1, help="Seed for the sample county."),
    scenario: str = typer.Option(
        "fint", help="fint (the FINT sandbox), files (CSV files), exams (FS → WISEflow) or scim (a SCIM 2.0 service)."
    ),
    serve: bool = typer.Option(
        None, "--serve/--no-serve", help="End by serving the groups API (default: in an interactive terminal)."
    ),
    packages: bool = typer.Option(
        False, "--packages", help="files scenario: each night also writes a OneRoster 1.2 and an SDS v2.1 package."
    ),
) -> None:
    """Three nights of a county on SQLite: a first sync, an ordinary night, a broken night the gate blocks.

    The FINT demo then serves the groups API and prints curl lines for a pupil and a student.
    --scenario exams runs the exam cycle instead: FS → WISEflow → grades back to FS. Afterwards the
    folder keeps working: its secrets are in its .env, and "edusync sandbox fint --port 8180" serves
    its FINT again.

    Example: edusync demo --no-serve
    """
    if scenario == "exams":
        from edusync.demo.exams import run_exams_demo

        with handled():
            run_exams_demo(folder.resolve(), console, seed)
        return
    if scenario == "scim":
        from edusync.demo.scim_demo import run_scim_demo

        with handled():
            code = run_scim_demo(folder.resolve(), console, render.run_report, seed)
        raise typer.Exit(code)
    if scenario not in ("fint", "files"):
        err_console.print(f"[bold red]error:[/] unknown scenario {scenario!r} (fint, files, exams or scim)")
        raise typer.Exit(2)
    from edusync.demo.demo import run_demo
    from edusync.demo.fint_demo import run_fint_demo

    with handled():
        if scenario == "fint":
            code = run_fint_demo(folder.resolve(), console, render.run_report, seed)
        else:
            code = run_demo(folder.resolve(), console, render.run_report, seed, packages=packages)
    if code != 3:
        err_console.print("[red]the broken night was expected to be blocked[/]")
        raise typer.Exit(1)
    if scenario == "fint":
        from edusync.demo.groups_api import groups_api_demo

        with handled():
            interactive = sys.stdin.isatty() and sys.stdout.isatty()
            groups_api_demo(folder.resolve(), console, serve=interactive if serve is None else serve, seed=seed)


@app.command()
def bench(
    size: str = typer.Option("county-l", help="demo, small, county, county-l or county-2l (twice county-l)."),
    source: str = typer.Option("files", help="files (CSV files) or fint (the FINT sandbox over HTTP)."),
    database: str = typer.Option(None, help="A PostgreSQL server URL (a throwaway database is made on it)."),
    keep: Path = typer.Option(None, help="Keep the generated files in this folder."),
    floor: bool = typer.Option(
        True, "--floor/--no-floor", help="Time the floor (a minimal program over the same objects) before and after."
    ),
    as_json: bool = JSON_OPTION,
) -> None:
    """Time a full run, a rerun without changes and a 1 % delta, each in its own process.

    --source fint reads the county over HTTP from the FINT sandbox (in its own process):
    a full import and sync, then one simulated school day as a delta.

    The floor (parse, hash, one SQLite executemany and a PIFU-shaped XML file, for the same
    objects) is timed before and after the runs; each *_ratio is a figure over the floor's mean.
    With --json, what it is doing is logged (stderr, or --log-file) and the result alone goes to stdout.

    Example: edusync --log-format json bench --size small --json
    """
    # With --json stdout is for the result: what it is doing goes to the log (stderr, or --log-file).
    log = logging.getLogger("edusync.bench").info if as_json else err_console.print
    with handled():
        if source == "fint":
            from edusync.bench.fint import run_fint_bench

            result = run_fint_bench(size, database, keep, log=log, floor=floor)
        elif source == "files":
            from edusync.bench.core import run_bench

            result = run_bench(size, database, keep, log=log, floor=floor)
        else:
            err_console.print(f"[bold red]error:[/] unknown source {source!r} (files or fint)")
            raise typer.Exit(2)
    if as_json:
        print_json(result)
    else:
        for key, value in result.items():
            console.print(f"{key:>16}: {value}")
        ratios = [
            f"{run} {result[f'{run}_ratio']}"
            for run in ("full", "rerun", "delta", "changes_1000")
            if f"{run}_ratio" in result
        ]
        if ratios:
            console.print(f"times over the floor ({result['floor_s']} s): {', '.join(ratios)}", highlight=False)
