"""Find connector classes through the ``edusync.connectors`` entry point group."""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points
from typing import Any

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
    """The class of one connector type; only its own plugin is loaded, so a broken one elsewhere cannot stop a run."""
    cache_info = getattr(connector_types, "cache_info", None)
    types: dict[str, Any]
    if cache_info is None or cache_info().currsize:  # already loaded, or replaced by a test
        types = dict(connector_types())
    else:
        types = {ep.name: ep for ep in entry_points(group=GROUP)}
    if type_name not in types:
        known = ", ".join(sorted(types)) or "none"
        raise ConfigError([f"unknown connector type {type_name!r} (installed: {known})"])
    found = types[type_name]
    cls = found if isinstance(found, type) else found.load()
    if not (isinstance(cls, type) and issubclass(cls, Connector)):
        raise ConfigError([f"entry point {type_name!r} in {GROUP} is not a Connector class"])
    return cls
