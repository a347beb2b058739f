"""A sync rule made ready to run, and the metaverse id a projection gives."""

from __future__ import annotations

from edusync.config.models import SyncRule
from edusync.engine.criteria import compile_all
from edusync.engine.flows import FlowSet
from edusync.model.hashing import text_hash


def mv_id_for(metaverse_type: str, connector: str, object_type: str, anchor: str) -> str:
    """Projection ids are derived from the sync key, so a returning key finds its old object."""
    return f"{metaverse_type[:3]}-{text_hash(connector, object_type, anchor)[:16]}"


class CompiledRule:
    """A sync rule with its criteria and inbound flows compiled once per run."""

    def __init__(self, rule: SyncRule) -> None:
        self.rule = rule
        self.criteria = compile_all(rule.criteria)
        self.flows = FlowSet(rule.flows)

    @property
    def subject(self) -> str:
        return f"{self.rule.connector}/{self.rule.object_type}"

    def project_id(self, anchor: str) -> str:
        return mv_id_for(self.rule.metaverse_type, self.rule.connector, self.rule.object_type, anchor)
