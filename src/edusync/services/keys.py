"""Key rotation: a new data key, everything stored sealed anew with it, and a record of it in the audit log.

``rotate`` appends a new key to the key file (unless the keys come from ``$EDUSYNC_KEYS``: then the
person puts the new key last there first, and rotates with ``new_key=False``), then walks every
table that holds attributes and every PIFU state file, a batch per transaction. Until it has
finished, the old keys stay in the key file and everything stays readable; a rotation stopped
half way is run again and goes on. Values still in clear (from before sealing, or under a name
added to ``storage.sensitive`` since) are sealed on the way.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from edusync import vault
from edusync.config.loader import LoadedConfig
from edusync.connectors.pifu.state import State
from edusync.errors import KeyUnavailable
from edusync.storage import Database, sealing
from edusync.storage.audit import audit


def key_file(loaded: LoadedConfig) -> Path | None:
    """The key file the keys come from, or None when they come from ``$EDUSYNC_KEYS``."""
    if os.environ.get(vault.ENV_KEYS):
        return None
    if os.environ.get(vault.ENV_KEY_FILE):
        return Path(os.environ[vault.ENV_KEY_FILE])
    configured = loaded.config.storage.key_file
    return None if configured is None else loaded.base_dir / configured


def rotate(loaded: LoadedConfig, db: Database, actor: str, *, new_key: bool = True) -> dict[str, Any]:
    """Seal everything with the newest key (a new one first, with ``new_key``); what was done."""
    path = key_file(loaded)
    added = None
    if new_key:
        if path is None:
            raise KeyUnavailable(
                f"the keys come from ${vault.ENV_KEYS}: add the new key there, last, and run "
                "`edusync keys rotate --no-new` (keep the old ones there until it has finished)"
            )
        added = vault.add_key(path)
    keys = loaded.vault()
    vault.install(keys)
    with db.connect() as conn:
        tables_done = sealing.reseal(conn, keys, only_sealed=False, commit=conn.commit)
        tables_done["source_lines"] = sealing.reseal_lines(conn, keys)
        conn.commit()
    files = {str(p): _reseal_state(p, keys) for p in state_files(loaded)}
    with db.connect() as conn:
        used = sealing.key_use(conn)
    retired = [kid for kid in keys.keys if kid != keys.current and not used.get(kid)]
    result = {
        "key": keys.current,
        "added": added,
        "rows": tables_done,
        "state_files": files,
        "in_use": dict(used),
        "no_longer_used": retired,
    }
    with db.begin() as conn:
        audit(conn, actor, "key-rotate", None, None, **result)
    return result


def state_files(loaded: LoadedConfig) -> list[Path]:
    """The PIFU state files of the config's pifu-xml connectors (those that exist)."""
    found = []
    for name, conn in loaded.config.connectors.items():
        if conn.type != "pifu-xml":
            continue
        settings: Any = loaded.settings[name]
        if settings.output is None:
            continue
        folder = Path(settings.output)
        folder = folder if folder.is_absolute() else loaded.base_dir / folder
        found += sorted(folder.glob(".*.pifu-state.sqlite"))
    return found


def _reseal_state(path: Path, keys: vault.Vault) -> int:
    state = State(path)
    try:
        return state.reseal(keys.reseal_text)
    finally:
        state.close()


def status(loaded: LoadedConfig, db: Database) -> dict[str, Any]:
    """Which keys are set, which seals new values, and how many stored rows each one's values are in."""
    keys = vault.current()
    with db.connect() as conn:
        used = sealing.key_use(conn)
    return {
        "origin": keys.origin,
        "keys": list(keys.keys),
        "current": keys.current,
        "join_secret": keys.join is not None,
        "in_use": dict(used),
        "unknown": sorted(set(used) - set(keys.keys)),
    }
