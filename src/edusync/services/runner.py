"""Run a profile: its steps in order, persisted, resumable, blocked by the gate when it must be.

Exit codes: 0 done, 1 failed, 3 blocked. A blocked run keeps what it computed and
waits for ``approve`` (bound to the hash of exactly what was shown) or ``reject``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from edusync.config.loader import LoadedConfig
from edusync.errors import EdusyncError, FatalError
from edusync.model.hashing import dumps, loads
from edusync.services.blocking import StepBlocked
from edusync.services.changeset import target_counts
from edusync.services.context import Progress, Report, RunContext, _no_progress
from edusync.services.exporting import Exporter
from edusync.services.importing import import_step
from edusync.services.lifecycle import lifecycle_step
from edusync.services.locking import RunInProgress, interrupted_runs, is_alive, owner
from edusync.services.memory import collector_paused
from edusync.services.notify import TargetResult, status_mails
from edusync.services.planning import plan_digest
from edusync.services.syncing import SyncStep
from edusync.services.targetplan import plan_for_export
from edusync.storage import Database
from edusync.storage import tables as t

log = logging.getLogger(__name__)

EXIT = {"done": 0, "failed": 1, "blocked": 3, "rejected": 1}


@dataclass
class RunOutcome:
    run_id: int
    status: str
    report: Report
    block: dict[str, Any] | None = None

    @property
    def exit_code(self) -> int:
        return EXIT.get(self.status, 1)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


class Runner:
    def __init__(self, loaded: LoadedConfig, db: Database, *, progress: Progress = _no_progress) -> None:
        self.loaded = loaded
        self.db = db
        self.progress = progress
        #: What the current attempt did to each target it exported to (for the status mails).
        self.targets: dict[str, TargetResult] = {}

    def _ctx(self, run_id: int, now: dt.datetime, report: Report, dry_run: bool, actor: str) -> RunContext:
        cfg = self.loaded
        return RunContext(
            self.db,
            cfg.config,
            cfg.settings,
            cfg.base_dir,
            run_id,
            now,
            report,
            dry_run,
            actor,
            self.progress,
        )

    def start(
        self,
        profile: str | None = None,
        *,
        dry_run: bool = False,
        now: dt.datetime | None = None,
        actor: str = "edusync",
    ) -> RunOutcome:
        name, steps = self.loaded.config.profile(profile)
        clock = now or utcnow()
        with self.db.begin() as conn:
            dead = interrupted_runs(conn)
        for run_id in dead:  # settle an interrupted export before anything is planned again
            earlier = self.resume(run_id, actor=actor)
            if earlier.status != "done":
                raise RunInProgress(
                    f"run {run_id} was interrupted and could not be finished ({earlier.status}); "
                    f"see `edusync runs show {run_id}`"
                )
        started = utcnow().isoformat(timespec="seconds")
        with self.db.begin() as conn:
            res = conn.execute(
                t.runs.insert().values(
                    profile=name,
                    status="running",
                    dry_run=dry_run,
                    started_at=started,
                    clock=clock.isoformat(),
                    steps=dumps(steps),
                    step_index=0,
                    counts="{}",
                    errors="[]",
                    warnings="[]",
                    owner=owner(),
                )
            )
            run_id = int(res.inserted_primary_key[0])  # type: ignore[index]
        return self._execute(run_id, steps, 0, clock, Report(), dry_run, actor, approved=set())

    def resume(self, run_id: int, *, actor: str = "edusync") -> RunOutcome:
        """Continue a run from the step that blocked or failed (after an approval)."""
        with self.db.begin() as conn:
            row = conn.execute(select(t.runs).where(t.runs.c.id == run_id)).first()
        if row is None:
            raise FatalError(f"there is no run {run_id}")
        if row.status not in ("running", "failed", "blocked"):
            raise FatalError(f"run {run_id} is {row.status}; only an interrupted, failed or approved run can resume")
        if row.status == "running" and row.owner and is_alive(row.owner):
            raise RunInProgress(f"run {run_id} is still in progress ({row.owner})")
        block = loads(row.block) if row.block else None
        if row.status == "blocked" and not (block and block.get("approved")):
            raise FatalError(f"run {run_id} is blocked; approve or reject it first")
        approved = {block["hash"]} if block and block.get("approved") else set()
        report = Report.from_dict(loads(row.counts), loads(row.errors), loads(row.warnings))
        with self.db.begin() as conn:
            conn.execute(update(t.runs).where(t.runs.c.id == run_id).values(status="running", owner=owner()))
        return self._execute(
            run_id,
            loads(row.steps),
            row.step_index,
            dt.datetime.fromisoformat(row.clock),
            report,
            row.dry_run,
            actor,
            approved,
        )

    def _execute(
        self,
        run_id: int,
        steps: list[str],
        first: int,
        now: dt.datetime,
        report: Report,
        dry_run: bool,
        actor: str,
        approved: set[str],
    ) -> RunOutcome:
        ctx = self._ctx(run_id, now, report, dry_run, actor)
        self.targets = {}
        index = first
        try:
            for index in range(first, len(steps)):
                began = time.perf_counter()
                with collector_paused():
                    self._step(ctx, steps[index], approved)
                report.add("timing", steps[index], "ms", int((time.perf_counter() - began) * 1000))
                with self.db.begin() as conn:
                    conn.execute(
                        update(t.runs)
                        .where(t.runs.c.id == run_id)
                        .values(step_index=index + 1, counts=dumps(report.as_dict()))
                    )
        except StepBlocked as exc:
            block = {
                "kind": exc.kind,
                "reasons": exc.reasons,
                "hash": exc.hash,
                "step": steps[index],
                **exc.detail,
            }
            return self._finish(ctx, "blocked", steps[first:], block)
        except EdusyncError as exc:
            report.errors.append(f"{steps[index]}: {exc}")
            return self._finish(ctx, "failed", steps[first:])
        except Exception as exc:  # a bug or an unwrapped library error: record it, then re-raise
            report.errors.append(f"{steps[index]}: unexpected {type(exc).__name__}: {exc}")
            self._finish(ctx, "failed", steps[first:])
            raise
        return self._finish(ctx, "done", steps[first:])

    def _finish(
        self, ctx: RunContext, status: str, attempted: list[str], block: dict[str, Any] | None = None
    ) -> RunOutcome:
        outcome = self._store(ctx, status, block)
        profile = self._profile(ctx.run_id)
        try:
            warnings = status_mails(ctx, profile, attempted, self.targets, status, block)
        except Exception as exc:  # the run is stored; a bug in the mail must not turn it into a crash
            log.exception("status mails of run %s", ctx.run_id)
            warnings = [f"status mails not sent: unexpected {type(exc).__name__}: {exc}"]
        if warnings:
            ctx.report.warnings.extend(warnings)
            with self.db.begin() as conn:
                conn.execute(
                    update(t.runs).where(t.runs.c.id == ctx.run_id).values(warnings=dumps(ctx.report.warnings))
                )
        return outcome

    def _profile(self, run_id: int) -> str:
        with self.db.begin() as conn:
            return str(conn.execute(select(t.runs.c.profile).where(t.runs.c.id == run_id)).scalar_one())

    def _store(self, ctx: RunContext, status: str, block: dict[str, Any] | None) -> RunOutcome:
        r = ctx.report
        with self.db.begin() as conn:
            conn.execute(
                update(t.runs)
                .where(t.runs.c.id == ctx.run_id)
                .values(
                    status=status,
                    finished_at=utcnow().isoformat(timespec="seconds"),
                    counts=dumps(r.as_dict()),
                    errors=dumps(r.errors),
                    warnings=dumps(r.warnings),
                    block=dumps(block) if block else None,
                )
            )
        return RunOutcome(ctx.run_id, status, r, block)

    def _step(self, ctx: RunContext, step: str, approved: set[str]) -> None:
        if step == "sync":
            SyncStep(ctx).run()
            return
        if step == "lifecycle":
            lifecycle_step(ctx)
            return
        name, _, action = step.partition(":")
        if action in ("import", "import-delta"):
            import_step(ctx, name, delta=action == "import-delta", approved=approved)
        elif action == "export":
            self._export(ctx, name, approved)
        else:
            raise FatalError(f"unknown step {step!r}")

    def _export(self, ctx: RunContext, target: str, approved: set[str]) -> None:
        cst = t.change_sets
        with self.db.begin() as conn:
            row = conn.execute(
                select(cst).where(cst.c.run_id == ctx.run_id, cst.c.target == target).order_by(cst.c.id.desc())
            ).first()
        if row is not None and row.status == "done":
            return
        if row is not None and row.status in ("approved", "exporting", "partial"):
            cs_id = row.id
            self.targets[target] = TargetResult("exporting", cs_id, loads(row.base_counts), None, loads(row.counts))
        else:
            cs_id = plan_for_export(ctx, target, approved, self.targets)
            if cs_id is None:
                return
        result = Exporter(ctx, target, cs_id).run()
        ctx.report.add("export", target, "failed", int(result["failed"]))
        if result["status"] in ("done", "partial"):
            with self.db.begin() as conn:
                ctx.db.upsert(
                    conn,
                    t.target_state,
                    [{"target": target, "planned_run": ctx.run_id, "config_hash": plan_digest(ctx, target)}],
                    ["target"],
                )
                done = self.targets[target]
                done.status, done.after = str(result["status"]), target_counts(conn, target)
