"""Build connector instances from the configuration."""

from __future__ import annotations

from edusync.connectors.base import Connector
from edusync.connectors.registry import connector_class
from edusync.pipeline.context import RunContext


def open_connector(ctx: RunContext, name: str) -> Connector:
    cfg = ctx.config.connectors[name]
    cls = connector_class(cfg.type)
    connector = cls(name, ctx.settings[name], ctx.base_dir)
    connector.today = ctx.now.date()
    connector.now = ctx.now  # a source that judges days in its own time zone reads the run's clock (FINT: Oslo)
    connector.warnings = ctx.report.warnings  # contract rule 10: the connector's warnings are the run's
    return connector


def source_types(ctx: RunContext, connector: Connector) -> list[str]:
    """Object types to import: those the sync rules read, in the connector's own order."""
    wanted = {r.object_type for r in ctx.config.sync if r.connector == connector.name}
    declared = [t.name for t in connector.object_types() if not t.export_only]
    return [t for t in declared if t in wanted] or declared
