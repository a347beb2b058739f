"""Run a profile: its steps in order, persisted, resumable, blocked by the gate when it must be.

A run reads as its pipeline; each stage is a package of :mod:`edusync.pipeline`::

    NAME:import        importing/   read a source into its connector space (full: whole truth,
    NAME:import-delta                 sanity-checked before anything is marked gone; delta: since the watermark)
    sync               syncing/     criteria → join or project → inbound flows → precedence → lineage
    lifecycle          lifecycle/   grace → trash → purged by the clock; memberships follow their owners
    NAME:export        planning/    read the target back; desired vs last sent → a stored change set
                       gate/        thresholds and approvals: block (exit 3) or fail before anything is sent
                       exporting/   send batch by batch, each change with its own result; resumable
    (every attempt)    report/      the status mails; the run's report is stored with the run

A profile lists its steps (``nightly = fint:import, sync, lifecycle, itslearning:export``) and
:data:`STEPS` turns each into the :class:`~edusync.pipeline.step.Step` of its stage. After every
step the run's row records how far it got, so :meth:`Runner.resume` (after an approval, a
failure or a dead process) starts at the step that did not finish, and that step does only what
is left. Exit codes: 0 done, 1 failed, 3 blocked.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from edusync import faults
from edusync.config.loader import LoadedConfig
from edusync.errors import EdusyncError, FatalError, GateBlocked, RunInProgress, StopRequested
from edusync.memory import collector_paused
from edusync.pipeline import store
from edusync.pipeline.context import (
    CURRENT_RUN,
    CURRENT_STEP,
    Progress,
    Report,
    RunContext,
    RunMode,
    _no_progress,
    stop_point,
)
from edusync.pipeline.importing.step import ImportStep
from edusync.pipeline.lifecycle.step import LifecycleStep
from edusync.pipeline.report.alerts import run_mails
from edusync.pipeline.report.notify import status_mails
from edusync.pipeline.reverting.step import RevertStep
from edusync.pipeline.step import Step, parse
from edusync.pipeline.syncing.step import SyncStep
from edusync.pipeline.target import TargetStep
from edusync.storage import Database
from edusync.storage.audit import utcnow
from edusync.storage.runlock import is_alive, take_over

log = logging.getLogger(__name__)

#: ``stopped``: the process was asked to stop; the run stays ``running`` (its owner gone) and resumes.
EXIT = {"done": 0, "failed": 1, "blocked": 3, "rejected": 1, "stopped": 4}
MAX_SETTLE = 5  # rounds of settling dead runs before a start gives up

#: A profile's step, by its action, → the step of its stage. ``NAME:`` steps get the connector's name.
STEPS: dict[str, Callable[[str, str | None], Step]] = {
    "import": lambda step, name: ImportStep(step, _named(step, name), delta=False),
    "import-delta": lambda step, name: ImportStep(step, _named(step, name), delta=True),
    "sync": lambda step, _name: SyncStep(step),
    "lifecycle": lambda step, _name: LifecycleStep(step),
    "export": lambda step, name: TargetStep(step, _named(step, name)),
    "revert": lambda step, name: RevertStep(step, _named(step, name)),
}


def _named(step: str, name: str | None) -> str:
    if not name:
        raise FatalError(f"step {step!r} needs a connector: NAME:{step}")
    return name


def build(step: str) -> Step:
    """The step of its stage for one entry of a profile."""
    action, name = parse(step)
    factory = STEPS.get(action)
    if factory is None:
        raise FatalError(f"unknown step {step!r}")
    return factory(step, name)


@dataclass
class RunOutcome:
    run_id: int
    status: str
    report: Report
    block: dict[str, Any] | None = None

    @property
    def exit_code(self) -> int:
        return EXIT.get(self.status, 1)


class Runner:
    def __init__(self, loaded: LoadedConfig, db: Database, *, progress: Progress = _no_progress) -> None:
        self.loaded = loaded
        self.db = db
        self.progress = progress

    def start(
        self,
        profile: str | None = None,
        *,
        mode: RunMode = RunMode.REAL,
        now: dt.datetime | None = None,
        actor: str = "edusync",
        full: bool = False,
    ) -> RunOutcome:
        """Start a run of ``profile``; ``full`` reads every source in full (no snapshot skip, no delta)."""
        name, steps = self.loaded.config.profile(profile)
        return self.start_steps(name, steps, {"full": True} if full else {}, mode=mode, now=now, actor=actor)

    def start_steps(
        self,
        name: str,
        steps: list[str],
        options: dict[str, Any],
        *,
        mode: RunMode = RunMode.REAL,
        now: dt.datetime | None = None,
        actor: str = "edusync",
    ) -> RunOutcome:
        """Start a run of these steps under ``name`` (a profile, or ``revert``), with its stored ``options``."""
        clock = now or utcnow()
        for _ in range(MAX_SETTLE):
            claim = store.create(self.db, name, steps, clock, mode, options)
            if claim.run_id is not None:
                break
            for run_id in claim.dead:  # settle an interrupted export before anything is planned again
                earlier = self.resume(run_id, actor=actor)
                if earlier.status != "done":
                    raise RunInProgress(
                        f"run {run_id} was interrupted and could not be finished ({earlier.status}); "
                        f"see `edusync runs show {run_id}`",
                        run_id=run_id,
                    )
        else:
            raise RunInProgress("interrupted runs keep appearing; see `edusync runs`")
        # Under the lock, no other run can be loading in bulk: put back any index a dead bulk load dropped.
        self.db.ensure_indexes()
        ctx = self._context(claim.run_id, clock, Report(), mode, actor, frozenset(), options)
        return self._execute(ctx, steps, 0)

    def resume(self, run_id: int, *, actor: str = "edusync") -> RunOutcome:
        """Continue a run from the step that blocked or failed (after an approval), or that a dead process left."""
        run = store.load(self.db, run_id)
        if run.status not in ("running", "failed", "blocked"):
            raise FatalError(
                f"run {run_id} is {run.status}; only an interrupted, failed or approved run can resume", run_id=run_id
            )
        if run.status == "running" and run.owner and is_alive(run.owner):
            raise RunInProgress(f"run {run_id} is still in progress ({run.owner})", run_id=run_id, owner=run.owner)
        block = run.block
        if run.status == "blocked" and not (block and block.get("approved")):
            raise FatalError(f"run {run_id} is blocked; approve or reject it first", run_id=run_id)
        approved = frozenset({block["hash"]}) if block and block.get("approved") else frozenset()
        take_over(self.db, run_id, run.status, run.owner)
        self.db.ensure_indexes()
        # What went wrong in earlier attempts is kept apart: this attempt reports only what is still wrong.
        report = run.report
        report.recovered += report.errors
        report.errors = []
        ctx = self._context(run_id, run.clock, report, run.mode, actor, approved, run.options)
        return self._execute(ctx, run.steps, run.step_index)

    def _context(
        self,
        run_id: int,
        now: dt.datetime,
        report: Report,
        mode: RunMode,
        actor: str,
        approved: frozenset[str],
        options: dict[str, Any],
    ) -> RunContext:
        cfg = self.loaded
        return RunContext(
            self.db,
            cfg.config,
            cfg.settings,
            cfg.base_dir,
            run_id,
            now,
            report,
            mode,
            actor,
            self.progress,
            approved,
            full=bool(options.get("full")),
            options=options,
        )

    def _execute(self, ctx: RunContext, steps: list[str], first: int) -> RunOutcome:
        run_token = CURRENT_RUN.set(ctx.run_id)
        try:
            return self._steps(ctx, steps, first)
        finally:
            CURRENT_RUN.reset(run_token)

    def _steps(self, ctx: RunContext, steps: list[str], first: int) -> RunOutcome:
        index = first
        log.info("run %s: %s from step %d of %d", ctx.run_id, "starting" if first == 0 else "resuming",
                 first + 1, len(steps), extra={"run_id": ctx.run_id})  # fmt: skip
        try:
            for index in range(first, len(steps)):
                if index > first:
                    stop_point(f"before step {steps[index]}")
                began = time.perf_counter()
                step_token = CURRENT_STEP.set(steps[index])
                try:
                    with collector_paused():
                        result = build(steps[index]).run(ctx)
                finally:
                    CURRENT_STEP.reset(step_token)
                ms = int((time.perf_counter() - began) * 1000)
                ctx.report.add("timing", steps[index], "ms", ms)
                log.info(
                    "run %s: %s %s in %d ms%s",
                    ctx.run_id,
                    steps[index],
                    result.status,
                    ms,
                    f" ({result.note})" if result.note else "",
                    extra={
                        "run_id": ctx.run_id,
                        "step": steps[index],
                        "counts": _step_counts(ctx.report, steps[index]),
                    },
                )
                store.step_done(self.db, ctx.run_id, index + 1, ctx.report)
                faults.reach("run.step_recorded")
        except StopRequested as exc:
            # Left as it is, owned by this process: once it has exited, the next start settles it (runlock).
            store.save_warnings(self.db, ctx.run_id, ctx.report.warnings)
            log.warning("run %s: %s; it resumes on the next start (edusync resume %s)", ctx.run_id, exc, ctx.run_id,
                        extra={"run_id": ctx.run_id, "step": steps[index]})  # fmt: skip
            return RunOutcome(ctx.run_id, "stopped", ctx.report)
        except GateBlocked as exc:
            block = {"kind": exc.kind, "reasons": exc.reasons, "hash": exc.hash, "step": steps[index], **exc.detail}
            log.warning("run %s: blocked at %s: %s", ctx.run_id, steps[index], "; ".join(exc.reasons),
                        extra={"run_id": ctx.run_id, "step": steps[index]})  # fmt: skip
            return self._finish(ctx, "blocked", steps[first:], block)
        except EdusyncError as exc:
            ctx.report.errors.append(f"{steps[index]}: {exc}")
            log.error("run %s: %s failed: %s", ctx.run_id, steps[index], str(exc),
                      extra={"run_id": ctx.run_id, "step": steps[index]})  # fmt: skip
            return self._finish(ctx, "failed", steps[first:])
        except Exception as exc:  # a bug or an unwrapped library error: record it, then re-raise
            ctx.report.errors.append(f"{steps[index]}: unexpected {type(exc).__name__}: {exc}")
            self._finish(ctx, "failed", steps[first:])
            raise
        log.info("run %s: done", ctx.run_id, extra={"run_id": ctx.run_id})
        return self._finish(ctx, "done", steps[first:])

    def _finish(
        self, ctx: RunContext, status: str, attempted: list[str], block: dict[str, Any] | None = None
    ) -> RunOutcome:
        store.finish(self.db, ctx.run_id, status, ctx.report, block)
        profile = store.load(self.db, ctx.run_id).profile
        try:
            warnings = status_mails(ctx, profile, attempted, status, block) + run_mails(ctx, profile, status, block)
        except Exception as exc:  # the run is stored; a bug in the mail must not turn it into a crash
            log.exception("status mails of run %s", ctx.run_id)
            warnings = [f"status mails not sent: unexpected {type(exc).__name__}: {exc}"]
        if warnings:
            ctx.report.warnings.extend(warnings)
            store.save_warnings(self.db, ctx.run_id, ctx.report.warnings)
        return RunOutcome(ctx.run_id, status, ctx.report, block)


def _step_counts(report: Report, step: str) -> dict[str, dict[str, int]]:
    """What a step counted, for its log line: a connector's subjects (``sis/person``) under the step's stage."""
    action, name = parse(step)
    section = {"import": "import", "import-delta": "import", "sync": "sync", "lifecycle": "lifecycle"}.get(action)
    counts = report.as_dict()
    if section is not None:
        found = counts.get(section, {})
        return {k: v for k, v in found.items() if name is None or k.startswith(f"{name}/")}
    return {k: v for k, v in counts.get("plan", {}).items() if name is not None and k.startswith(f"{name}/")}
