"""``edusync daemon``: the scheduler, the runner and the console in one process (the embedded default)."""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
import time
from pathlib import Path
from types import FrameType

import typer

from edusync import stopping
from edusync.cli import logs
from edusync.cli.common import CONFIG_OPTION, err_console, handled, open_all
from edusync.cli.main import app
from edusync.services import daemon as service

log = logging.getLogger("edusync.daemon")


def _on_signal(signum: int, _frame: FrameType | None) -> None:
    name = signal.Signals(signum).name
    if stopping.requested():
        log.warning("%s again: still stopping (the running batch finishes first)", name)
        return
    log.warning("%s: stopping; a running run finishes its current batch and can resume", name)
    stopping.request()


@app.command()
def daemon(
    host: str = typer.Option("127.0.0.1", "--host", help="Address the console listens on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="The console's TCP port."),
    config: Path = CONFIG_OPTION,
    interval: float = typer.Option(30.0, "--interval", min=0.1, help="Seconds between two looks at the schedules."),
    clock: dt.datetime = typer.Option(
        None, "--clock", help="For tests only: the clock starts at this time (ISO, UTC) and runs on from there."
    ),
) -> None:
    """Run the schedules, their runs and the console in one process until SIGTERM or Ctrl-C.

    Every --interval seconds it starts what the schedules make due (one run at a time; a missed start
    once), while the console and the APIs serve as with "edusync serve". On SIGTERM the running run
    finishes its current batch, stays resumable, and the process exits 0; the next start resumes it
    before anything new. Under systemd: docs/daemon.md.

    Example: edusync daemon --config /etc/edusync/edusync.yaml --port 8080
    """
    import uvicorn

    from edusync.console.app import create_app

    with handled():
        loaded, db = open_all(config)
        asgi = create_app(loaded, db, can_run=True)
    logs.at_least(logging.INFO)
    server = uvicorn.Server(uvicorn.Config(asgi, host=host, port=port, log_level="warning", access_log=False))
    console = threading.Thread(target=server.run, name="console", daemon=True)  # not the main thread: no signals
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, _on_signal)
    console.start()
    while not server.started and console.is_alive():
        time.sleep(0.05)
    if not server.started:
        err_console.print(f"[red]the console could not listen on {host}:{port}[/]")
        db.dispose()
        raise typer.Exit(1)
    root = f"http://{host}:{port}{loaded.config.console.base_path}"
    profiles = ", ".join(loaded.config.schedules) or "none"
    log.info("daemon started: console %s/, health %s/health; scheduled profiles: %s", root, root, profiles)
    try:
        service.loop(loaded, db, service.Clock(clock), interval, logs.ProgressLog())
    finally:
        server.should_exit = True
        console.join(timeout=30)
        db.dispose()
    log.info("daemon stopped")
