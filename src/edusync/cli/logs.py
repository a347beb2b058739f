"""Log lines for runs nobody watches: ``--log-level``, ``--log-format text|json``, ``--log-file``.

The standard :mod:`logging` module does the work; this module only configures it once per
process. Every record passes :class:`~edusync.model.fnr.MaskingFilter`, and the formatted line is
masked once more (a traceback, or a value given as ``extra``, may hold a national id too). The run
and the step a record was written under come from :data:`~edusync.pipeline.context.CURRENT_RUN`
and :data:`~edusync.pipeline.context.CURRENT_STEP`, so a connector's warning names them without
knowing them.

Where no bar can be drawn (stderr or stdout is not a terminal, or ``--json``), the run's progress
becomes an INFO line per task (``import sis/person``) every ``interval`` seconds: done/total, rate.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import time
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson

from edusync.model.fnr import MaskingFilter, mask_text, redact
from edusync.pipeline.context import CURRENT_RUN, CURRENT_STEP

#: What a record may carry as ``extra`` that the JSON format writes as its own field.
FIELDS = ("run_id", "step", "task", "counts", "done", "total", "rate", "host", "attempt", "elapsed_s")
#: Libraries that log every request at INFO: heard at WARNING unless the level is DEBUG.
CHATTY = ("httpx", "httpcore", "asyncio")
PROGRESS_INTERVAL = 10.0


class Level(StrEnum):
    debug = "debug"
    info = "info"
    warning = "warning"
    error = "error"


class Format(StrEnum):
    text = "text"
    json = "json"


class _Context(logging.Filter):
    """Adds the run and step the record was written under, when the caller did not name them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "run_id", None) is None:
            record.__dict__["run_id"] = CURRENT_RUN.get()
        if getattr(record, "step", None) is None:
            record.__dict__["step"] = CURRENT_STEP.get()
        return True


class TextFormatter(logging.Formatter):
    """``2026-12-03T02:00:01Z INFO edusync.pipeline.run [run 3 sis:import] message``, masked."""

    def format(self, record: logging.LogRecord) -> str:
        run_id, step = getattr(record, "run_id", None), getattr(record, "step", None)
        where = " ".join(part for part in (f"run {run_id}" if run_id is not None else "", step or "") if part)
        head = f"{_time(record)} {record.levelname} {record.name}" + (f" [{where}]" if where else "")
        line = f"{head} {record.getMessage()}"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return mask_text(line)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the fields of :data:`FIELDS` that are set."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": _time(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                out[name] = value
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return mask_text(orjson.dumps(redact(out), default=str).decode())


def _time(record: logging.LogRecord) -> str:
    return dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class _State:
    explicit = False  # the level was chosen (option or environment), so a command's default does not apply
    interval = PROGRESS_INTERVAL
    handler: logging.Handler | None = None  # the one this module added to the root logger


def setup(
    level: Level | None, fmt: Format = Format.text, file: Path | None = None, interval: float | None = None
) -> None:
    """Configure this process's logging once: one handler, masked, on stderr or ``file``.

    Without a ``level``: INFO when stderr is not a terminal (cron, a pipe: progress lines say the
    run is alive), else WARNING (the bars show progress, and lines would tear them).
    """
    _State.explicit = level is not None
    if interval is not None:
        _State.interval = interval
    chosen = logging.getLevelNamesMapping()[(level or _default_level()).upper()]
    handler: logging.Handler
    if file is not None:
        file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(file, encoding="utf-8")
    else:
        handler = logging.StreamHandler(_Stderr())
    handler.setFormatter(JsonFormatter() if fmt == Format.json else TextFormatter())
    handler.addFilter(_Context())
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    if _State.handler is not None:  # a second setup in one process (tests) replaces the first
        root.removeHandler(_State.handler)
        _State.handler.close()
    _State.handler = handler
    root.addHandler(handler)
    root.setLevel(chosen)
    for name in CHATTY:
        logging.getLogger(name).setLevel(chosen if chosen <= logging.DEBUG else logging.WARNING)


class _Stderr:
    """``sys.stderr`` as it is at each write (tests and pipes swap it after the handler is made)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def _default_level() -> Level:
    return Level.warning if sys.stderr.isatty() else Level.info


def at_least(level: int) -> None:
    """A command that speaks at ``level`` by default (``serve``'s access lines): unless a level was chosen."""
    if not _State.explicit and logging.getLogger().level > level:
        logging.getLogger().setLevel(level)


class ProgressLog:
    """The progress callback as log lines: a step's first report, then one every ``interval`` seconds, then its end."""

    def __init__(
        self,
        interval: float | None = None,
        logger: str = "edusync.progress",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.interval = _State.interval if interval is None else interval
        self.clock = clock
        self.log = logging.getLogger(logger)
        self.steps: dict[str, tuple[float, float]] = {}  # label → (started, last line)

    def __call__(self, label: str, done: int, total: int | None) -> None:
        now = self.clock()
        seen = self.steps.get(label)
        started, last = seen or (now, 0.0)
        finished = total is not None and done >= total
        if seen is not None and not finished and now - last < self.interval:
            return
        if seen is not None and finished and last < 0:
            return  # its end was written already
        self.steps[label] = (started, -1.0 if finished else now)
        if not self.log.isEnabledFor(logging.INFO):
            return
        elapsed = now - started
        rate = round(done / elapsed, 1) if elapsed > 0 else None
        of = f"/{total}" if total is not None else ""
        per_s = f", {rate}/s" if rate is not None else ""
        self.log.info(
            "%s: %d%s%s", label, done, of, per_s, extra={"task": label, "done": done, "total": total, "rate": rate}
        )
