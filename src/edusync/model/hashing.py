"""Stable content hashes: equal content gives equal hashes across processes and databases."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

_OPTS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
# A row hash only tells "changed or not" for one object: 64 bits is plenty and keeps
# a county's tables small. Change-set and approval hashes stay at 128 bits.
ROW_DIGEST = 8


def dumps(value: Any) -> str:
    """Canonical JSON (sorted keys) as text, for storage and hashing."""
    return orjson.dumps(value, option=_OPTS).decode()


def loads(text: str | bytes | None) -> Any:
    """Parse JSON stored by :func:`dumps`; ``None`` stays ``None``."""
    return None if text is None else orjson.loads(text)


def content_hash(value: Any) -> str:
    """A 128-bit BLAKE2b hex digest of the canonical JSON of ``value``."""
    return hashlib.blake2b(orjson.dumps(value, option=_OPTS), digest_size=16).hexdigest()


def dump_hash(value: Any) -> tuple[str, str]:
    """Canonical JSON text and its row hash, serialised once (the hot path of every step)."""
    raw = orjson.dumps(value, option=_OPTS)
    return raw.decode(), hashlib.blake2b(raw, digest_size=ROW_DIGEST).hexdigest()


def bytes_hash(*parts: bytes) -> str:
    """Row hash over several byte strings."""
    h = hashlib.blake2b(digest_size=ROW_DIGEST)
    for part in parts:
        h.update(part)
        h.update(b"\x1e")
    return h.hexdigest()


def text_hash(*parts: str) -> str:
    """Hash of several strings, for ids and join keys (separator cannot occur in text)."""
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()
