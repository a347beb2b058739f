"""Connectors: one plugin per external system, found through the ``edusync.connectors`` entry point."""

from edusync.connectors.base import Capability, Connector, ImportStream, ObjectTypeSpec

__all__ = ["Capability", "Connector", "ImportStream", "ObjectTypeSpec"]
