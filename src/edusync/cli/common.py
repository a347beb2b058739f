"""Finding the config, opening the database, progress bars, and turning errors into exit codes."""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from typer.core import TyperOption

from edusync.cli.logs import ProgressLog
from edusync.config.loader import LoadedConfig, load_config
from edusync.errors import ActorUnknown, ConfigError, EdusyncError
from edusync.model.fnr import MaskingFilter, mask_ids, mask_text, redact
from edusync.storage import Database, open_database


class MaskedStream:
    """A text stream that masks every valid national id written through it, then passes it on.

    The consoles write through one, so nothing a command prints shows a fødselsnummer, whichever
    path it came by; the stream is looked up at each write (tests and pipes swap ``sys.stdout``).
    """

    def __init__(self, name: str) -> None:
        self.name = name

    @property
    def _stream(self) -> Any:
        return getattr(sys, self.name)

    def write(self, text: str) -> int:
        return int(self._stream.write(mask_ids(text)))

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._stream, attr)


console = Console(file=MaskedStream("stdout"))  # type: ignore[arg-type]
err_console = Console(file=MaskedStream("stderr"))  # type: ignore[arg-type]


def mask_logs() -> None:
    """Mask national ids in every log line this process writes (our loggers, uvicorn's, the last resort)."""
    mask = MaskingFilter()
    for handler in [*logging.getLogger().handlers, logging.lastResort]:
        if handler is not None and not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(mask)
    for name in ("uvicorn.access", "uvicorn.error"):  # uvicorn logs there directly, through its own handlers
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskingFilter) for f in logger.filters):
            logger.addFilter(mask)


mask_logs()

_shown_type = TyperOption.display_type_rich


def _flag_shows_no_type(self: TyperOption, ctx: Any) -> str | None:
    """A flag takes no value, so its help shows no ``<bool>`` beside it (Typer shows one for every flag)."""
    return None if self.is_flag else _shown_type(self, ctx)


TyperOption.display_type_rich = _flag_shows_no_type  # type: ignore[method-assign]


CONFIG_OPTION = typer.Option(None, "--config", "-c", help="Config file (else $EDUSYNC_CONFIG, else ./edusync.yaml).")
JSON_OPTION = typer.Option(False, "--json", help="Print JSON for machines instead of tables.")


def find_config(explicit: Path | None) -> Path:
    if explicit is not None:
        return explicit
    env = os.environ.get("EDUSYNC_CONFIG")
    if env:
        return Path(env)
    here = Path("edusync.yaml")
    if here.exists():
        return here
    raise ConfigError(
        [
            "no configuration: pass --config FILE, set EDUSYNC_CONFIG, or run in a folder with "
            "edusync.yaml (`edusync init DIR` makes one)"
        ]
    )


def open_all(explicit: Path | None, *, connectors: bool = True) -> tuple[LoadedConfig, Database]:
    """The config and the database; ``connectors=False`` when no connector will be opened."""
    loaded = load_config(find_config(explicit), require_env=connectors)
    return loaded, open_database(loaded.config.storage.url, loaded.base_dir)


def actor() -> str:
    """Who runs this command, for the run's record (``edusync`` when nobody is known)."""
    return os.environ.get("EDUSYNC_ACTOR") or os.environ.get("USER") or "edusync"


def known_actor() -> str:
    """Who decides (approve, reject, restore): refused when nobody is known, rather than recorded as "unknown"."""
    who = os.environ.get("EDUSYNC_ACTOR") or os.environ.get("USER")
    if not who:
        raise ActorUnknown()
    return who


def print_json(data: Any) -> None:
    """``data`` as JSON on stdout, every national id in it masked."""
    sys.stdout.write(orjson.dumps(redact(data), option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode() + "\n")


@contextlib.contextmanager
def handled() -> Iterator[None]:
    """Known errors print one clear message and exit 1; nothing else is swallowed."""
    try:
        yield
    except EdusyncError as exc:
        err_console.print(f"[bold red]error:[/] {escape(mask_text(str(exc)))}", highlight=False, markup=True)
        raise typer.Exit(1) from None


class Bars:
    """The services' progress callback: Rich bars in a terminal, else log lines (:class:`.logs.ProgressLog`).

    Bars need both streams to be a terminal and no ``--json``; a run from cron, a pipe or a
    script writes a line per task every few seconds instead, so it is seen to be alive.
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled and console.is_terminal and sys.stderr.isatty()
        self.lines = ProgressLog()
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.tasks: dict[str, Any] = {}

    def __call__(self, label: str, done: int, total: int | None) -> None:
        if not self.enabled:
            self.lines(label, done, total)
            return
        task = self.tasks.get(label)
        if task is None:
            task = self.tasks[label] = self.progress.add_task(label, total=total)
        self.progress.update(task, completed=done, total=total)

    def __enter__(self) -> Bars:
        if self.enabled:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.progress.stop()
