"""The configuration as an admin reads it in the console: the file as written, secrets as ``${ENV}`` references.

The loader substitutes ``${ENV}`` references as it reads the file, so the loaded config holds the
secrets' values; this view reads the file again without substituting, so a reference shows as
written and a value from the environment never does. The loader already refuses a secret written
as a literal; as a second guard, a value that is no reference under a key naming a secret, or a
password inside a URL, is shown as ``***``, and 11-digit numbers are masked.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from edusync.errors import NotFound
from edusync.model.fnr import mask_text

HIDDEN = "***"
_REF = re.compile(r"\$\{[A-Za-z_][A-Za-z0-9_]*\}")
_SECRET_KEY = re.compile(r"password|passwd|secret|token|api_?key|private|credential|authorization", re.IGNORECASE)
_URL_PASSWORD = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://[^/@\s:]*:)([^/@\s]+)(@)")


def read(path: Path) -> dict[str, Any]:
    """``{"path", "config"}``: the file's settings as written, with nothing secret in them."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise NotFound(f"the configuration file {path} cannot be read now: {exc.strerror}") from None
    except yaml.YAMLError:
        raise NotFound(
            f"the configuration file {path} is no longer valid YAML (the server runs the one it read)"
        ) from None
    return {"path": str(path), "config": redact(data, "")}


def redact(value: Any, key: str) -> Any:
    """``value`` (found under ``key``) with every secret that is not a ``${ENV}`` reference hidden."""
    if isinstance(value, dict):
        return {k: redact(v, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v, key) for v in value]
    if not isinstance(value, str):
        # A number or a boolean under a secret's name is still its value; an 11-digit number may be a person's.
        if value is not None and _names_secret(key):
            return HIDDEN
        return mask_text(str(value)) if isinstance(value, int) and len(str(value)) == 11 else value
    if _names_secret(key) and not _REF.fullmatch(value.strip()):
        return HIDDEN
    url = _URL_PASSWORD.match(value)
    if url and not _REF.fullmatch(url.group(2)):
        value = url.group(1) + HIDDEN + url.group(3) + value[url.end() :]
    return mask_text(value)


def _names_secret(key: str) -> bool:
    # ``secret_env`` and ``client_secret_env`` name the variable that holds the secret: not secret themselves.
    return bool(_SECRET_KEY.search(key)) and not key.endswith("_env")


def as_yaml(view: dict[str, Any]) -> str:
    text: str = yaml.safe_dump(view["config"], sort_keys=False, allow_unicode=True, width=110)
    return text
