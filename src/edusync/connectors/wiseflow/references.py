"""External-source references: an FS exam key written the way WISEflow accepts it, and read back.

WISEflow takes a flow's external-source reference only if it matches ``^[a-zA-Z0-9-_]+$`` (at most
255 characters); an FS exam id such as ``9001|INF1370|1|MUNT|2025 HØST`` does not. The encoding
keeps letters, digits and ``-`` as they are and writes every other UTF-8 byte as ``_`` and two hex
digits (``|`` → ``_7C``, `` `` → ``_20``, ``Ø`` → ``_C3_98``, ``_`` itself → ``_5F``), so it is
reversible and a person can still read the key in WISEflow's UI. A key made only of letters,
digits and ``-`` is its own reference, so flows tagged before the encoding are found as before.
"""

from __future__ import annotations

import re

from edusync.errors import SkippableError

MAX_LENGTH = 255
_KEPT = re.compile(rb"[A-Za-z0-9-]")
_ESCAPE = re.compile(r"_([0-9A-F]{2})")
ALLOWED = re.compile(r"^[a-zA-Z0-9-_]+$")


def encode(key: str) -> str:
    """The reference WISEflow accepts for ``key``; a key too long for it is refused, named."""
    out = "".join(chr(b) if _KEPT.fullmatch(bytes([b])) else f"_{b:02X}" for b in key.encode("utf-8"))
    if not out or len(out) > MAX_LENGTH:
        raise SkippableError(f"exam {key}: its reference would be {len(out)} characters; WISEflow takes 1-255")
    return out


def decode(reference: str) -> str:
    """The key a reference was made from (a reference that is no encoding comes back as it is)."""
    out, i = bytearray(), 0
    while i < len(reference):
        if reference[i] == "_" and _ESCAPE.match(reference, i):
            out.append(int(reference[i + 1 : i + 3], 16))
            i += 3
        else:
            out += reference[i].encode("utf-8")
            i += 1
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        return reference


def legacy(key: str) -> str | None:
    """The reference an earlier edusync may have tagged a flow with, when it differs from :func:`encode`'s.

    Only keys WISEflow accepted as they are can have been stored raw: those with a ``_``.
    """
    return key if ALLOWED.fullmatch(key) and "_" in key else None
