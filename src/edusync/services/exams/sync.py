"""``edusync exams sync``: run the exam profile, then hold every flow's allocation to FS's.

The engine's export sends what changed. Allocation needs more: once a manager switches a flow
back from manual allocation, FS's allocation must return even though nothing changed in FS. So
after the run, every flow edusync provisions is reconciled against what edusync last sent its
participants (``target_objects``): their kommisjon is the allocation FS wants. A flow on manual
allocation is left alone, and the run's report carries one warning for it.

A run whose export could not send everything (WISEflow down or answering garbage, a change
WISEflow refused) exits 1 here, although the engine stores it as done with failed changes: the
exam office must learn that flows are behind, and the next ``exams sync`` sends only what did not
go through. If WISEflow does not answer the allocation pass, that is an error of the run too.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select, update

from edusync import vault
from edusync.config.loader import LoadedConfig
from edusync.connectors.registry import connector_class
from edusync.connectors.wiseflow import AllocationOutcome, WiseflowConnector
from edusync.errors import ConfigError, EdusyncError
from edusync.model.hashing import dumps, loads
from edusync.pipeline.context import Progress, _no_progress
from edusync.pipeline.run import Runner, RunOutcome
from edusync.storage import Database, tables


@dataclass
class ExamSyncOutcome:
    run: RunOutcome
    allocations: list[AllocationOutcome] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # the run report's, the allocation pass's included
    failed_changes: int = 0
    allocation_error: str | None = None

    @property
    def exit_code(self) -> int:
        if self.run.exit_code == 0 and (self.failed_changes or self.allocation_error):
            return 1
        return self.run.exit_code


def connector_of_type(loaded: LoadedConfig, type_name: str) -> str:
    """The name of the one connector of ``type_name`` in the configuration."""
    names = [n for n, c in loaded.config.connectors.items() if c.type == type_name]
    if len(names) != 1:
        found = ", ".join(names) or "none"
        raise ConfigError([f"{loaded.path}: expected exactly one connector of type {type_name!r} (found: {found})"])
    return names[0]


def open_wiseflow(loaded: LoadedConfig) -> WiseflowConnector:
    name = connector_of_type(loaded, "wiseflow")
    connector = connector_class("wiseflow")(name, loaded.settings[name], loaded.base_dir)
    assert isinstance(connector, WiseflowConnector)
    return connector


def desired_allocations(db: Database, target: str) -> dict[str, dict[str, str | None]]:
    """Per exam key, ``{kandidatnr: kommisjon id}`` as last sent to ``target``."""
    to = tables.target_objects
    query = select(to.c.attrs).where(to.c.target == target, to.c.object_type == "participant", to.c.state == "present")
    out: dict[str, dict[str, str | None]] = defaultdict(dict)
    with db.begin() as conn:
        for (text,) in conn.execute(query):
            attrs = loads(vault.current().unseal_text(text))
            unique = attrs.get("uniqueExamId")
            kandidatnr = unique.get("value") if isinstance(unique, dict) else unique or attrs.get("kandidatnr")
            groups = attrs.get("assessmentGroupIds") or []
            if attrs.get("exam") and kandidatnr:
                out[str(attrs["exam"])][str(kandidatnr)] = str(groups[0]) if groups else None
    return dict(out)


def sync_exams(
    loaded: LoadedConfig,
    db: Database,
    *,
    profile: str | None = None,
    actor: str = "edusync",
    progress: Progress = _no_progress,
) -> ExamSyncOutcome:
    """Run ``profile`` (default: the config's default), then reconcile allocations in WISEflow."""
    run = Runner(loaded, db, progress=progress).start(profile, actor=actor)
    if run.status != "done":
        return ExamSyncOutcome(run, warnings=list(run.report.warnings))
    connector = open_wiseflow(loaded)
    failed = int(run.report.counts.get("export", {}).get(connector.name, {}).get("failed", 0))
    outcomes: list[AllocationOutcome] = []
    error = None
    try:
        outcomes = connector.reconcile_allocations(desired_allocations(db, connector.name))
    except EdusyncError as exc:  # WISEflow went away between the export and this pass
        error = f"allocation: {exc}"
    finally:
        connector.close()
    for outcome in outcomes:
        run.report.add("allocation", connector.name, outcome.status)
    _append_to_run(db, run, connector.warnings, error)
    return ExamSyncOutcome(run, outcomes, list(run.report.warnings), failed, error)


def _append_to_run(db: Database, run: RunOutcome, warnings: list[str], error: str | None) -> None:
    """The allocation warnings and counts join the run's own report, so `edusync runs show` has them."""
    report = run.report
    report.warnings.extend(w for w in warnings if w not in report.warnings)
    if error:
        report.errors.append(error)
    with db.begin() as conn:
        conn.execute(
            update(tables.runs)
            .where(tables.runs.c.id == run.run_id)
            .values(warnings=dumps(report.warnings), errors=dumps(report.errors), counts=dumps(report.as_dict()))
        )
