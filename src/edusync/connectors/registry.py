"""Find connector classes through the ``edusync.connectors`` entry point group."""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points

from edusync.connectors.base import Connector
from edusync.errors import ConfigError

GROUP = "edusync.connectors"


@cache
def connector_types() -> dict[str, type[Connector]]:
    """Every installed connector type by name."""
    found: dict[str, type[Connector]] = {}
    for ep in entry_points(group=GROUP):
        cls = ep.load()
        if not (isinstance(cls, type) and issubclass(cls, Connector)):
            raise ConfigError([f"entry point {ep.name!r} in {GROUP} is not a Connector class"])
        found[ep.name] = cls
    return found


def connector_class(type_name: str) -> type[Connector]:
    types = connector_types()
    if type_name not in types:
        known = ", ".join(sorted(types)) or "none"
        raise ConfigError([f"unknown connector type {type_name!r} (installed: {known})"])
    return types[type_name]
