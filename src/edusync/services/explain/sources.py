"""The source itself asked, for a person: each VIGO-BAS criterion over what FINT holds today.

Only a source can say why it gives nobody for a key (an ended elevforhold never reaches the
connector space), so for persons explain reads each FINT connector whole, as a full import
does (minutes in a large county; ``--no-source`` skips it), and judges the key's elev and
skoleressurs objects with :mod:`edusync.engine.vigobas_trace`. Nothing is stored.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from edusync.config.loader import LoadedConfig
from edusync.connectors.fint import FintConnector
from edusync.connectors.fint.clock import today_in_oslo
from edusync.connectors.fint.loading import Loaded
from edusync.connectors.fint.settings import FintSettings
from edusync.connectors.registry import connector_class
from edusync.engine import vigobas_trace
from edusync.errors import EdusyncError
from edusync.model.fnr import mask_text


def _fint_connectors(loaded: LoadedConfig, object_type: str) -> list[str]:
    names = {r.connector for r in loaded.config.sync if r.metaverse_type == object_type}
    return sorted(n for n in names if loaded.config.connectors[n].type == FintConnector.type_name)


def _read(loaded: LoadedConfig, name: str, settings: FintSettings, now: dt.datetime) -> Loaded:
    con = connector_class("fint")(name, settings, loaded.base_dir)
    assert isinstance(con, FintConnector)
    con.now, con.today = now, today_in_oslo(now)
    try:
        return con.read_whole()
    finally:
        con.close()


def trace_sources(
    loaded: LoadedConfig,
    object_type: str,
    keys: Iterable[str],
    now: dt.datetime,
    cache: dict[str, Loaded] | None = None,
) -> list[dict[str, Any]]:
    """Per FINT connector: the role objects the keys name, with every criterion's verdict.

    ``cache`` keeps each connector's read for a second call with other keys (one read per explain)."""
    cache = {} if cache is None else cache
    out: list[dict[str, Any]] = []
    if object_type != "person":
        return out
    wanted = [k for k in dict.fromkeys(keys) if k]
    for name in _fint_connectors(loaded, object_type):
        settings = loaded.settings[name]
        assert isinstance(settings, FintSettings)
        try:
            whole = cache[name] if name in cache else _read(loaded, name, settings, now)
        except EdusyncError as exc:
            out.append({"connector": name, "error": mask_text(str(exc)), "roles": [], "paths": [], "verdict": None})
            continue
        cache[name] = whole
        seen: dict[tuple[str, str], vigobas_trace.RoleTrace] = {}
        for key in wanted:
            for t in vigobas_trace.trace_person(whole.graph, settings.filters, whole.today, key):
                seen.setdefault((t.kind, t.id), t)
        traces = list(seen.values())
        out.append(
            {
                "connector": name,
                "day": whole.today.isoformat(),
                "roles": [t.as_dict() for t in traces],
                "paths": [p for t in traces for p in t.paths],
                "verdict": vigobas_trace.imported(traces).as_dict(),
            }
        )
    return out
