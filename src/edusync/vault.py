"""Sensitive values sealed at rest, and join keys as keyed hashes.

A value is *sensitive* when its attribute is named so (:data:`DEFAULT_SENSITIVE`, or the config's
``storage.sensitive``) or when it is a string of exactly eleven digits: the shape of a fødselsnummer,
valid or not (a mistyped number is still somebody's). Wherever edusync stores attributes (the
connector space, the metaverse, change sets, what a target holds, the PIFU state file), such a value
is stored sealed, as the string ``es1$<key id>$<base64url(nonce | ciphertext | tag)>``: AES-256-GCM
over the value's JSON, a random 96-bit nonce, the attribute's name as associated data (a sealed value
moved to another attribute does not open). Only values are sealed, never whole rows, so a row
without a sensitive value costs one substring scan.

Row hashes are computed over the plain values before sealing, so sealing (with its random nonce)
never makes an object look changed.

Keys come from ``$EDUSYNC_KEYS`` (entries ``name=base64`` separated by ``;`` or newlines), else from
the key file ``$EDUSYNC_KEY_FILE`` or ``storage.key_file`` (one ``name base64`` per line, ``#``
comments), never from the config itself. The entry named ``join`` is the HMAC secret of the join keys;
every other entry is a data key, and the last one seals new values. Older keys stay until
``edusync keys rotate`` has sealed everything again with the newest.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from edusync.errors import KeyUnavailable
from edusync.model.fnr import NATIONAL_ID_NAMES

PREFIX = "es1$"
ENV_KEYS = "EDUSYNC_KEYS"
ENV_KEY_FILE = "EDUSYNC_KEY_FILE"
JOIN = "join"
#: Attribute names sealed whatever their values look like (sources', the metaverse's and targets' names).
DEFAULT_SENSITIVE = NATIONAL_ID_NAMES
_KID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
_DIGITS = re.compile(r"[0-9]{11}")
_OPTS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS


def _is_eleven_digits(value: object) -> bool:
    return isinstance(value, str) and len(value) == 11 and value.isascii() and value.isdigit()


def parse_keys(text: str, origin: str) -> tuple[dict[str, bytes], bytes | None]:
    """Data keys (in order, newest last) and the join secret from key-file or ``$EDUSYNC_KEYS`` text."""
    keys: dict[str, bytes] = {}
    join: bytes | None = None
    entries = [e.strip() for line in text.splitlines() for e in line.split("#", 1)[0].split(";")]
    for n, entry in enumerate((e for e in entries if e), 1):
        name, value = entry.split(None, 1) if " " in entry or "\t" in entry else entry.partition("=")[::2]
        value = value.strip()
        try:
            key = base64.urlsafe_b64decode(value.replace("+", "-").replace("/", "_") + "=" * (-len(value) % 4))
        except ValueError:
            key = b""
        if not _KID.match(name) or len(key) != 32:
            raise KeyUnavailable(f"{origin}: entry {n} is not 'name base64-of-32-bytes' (name: letters, digits, _.-)")
        if name == JOIN:
            join = key
        else:
            keys.pop(name, None)
            keys[name] = key
    return keys, join


class Vault:
    """The keys of one installation: seals and opens sensitive values, makes keyed join hashes."""

    def __init__(
        self,
        keys: Mapping[str, bytes],
        join: bytes | None,
        sensitive: Iterable[str] = DEFAULT_SENSITIVE,
        origin: str = "no key set",
    ) -> None:
        self.keys = dict(keys)
        self.join = join
        self.sensitive = frozenset(sensitive)
        self.origin = origin
        self._aead = {kid: AESGCM(key) for kid, key in self.keys.items()}
        names = "|".join(re.escape(n) for n in sorted(self.sensitive))
        self._names = re.compile(rf'"(?:{names})":')

    @property
    def current(self) -> str | None:
        """The key id new values are sealed with (the newest key), or None when there is no key."""
        return next(reversed(self.keys), None)

    # -- one value ---------------------------------------------------------------------------

    def needs_seal(self, name: str, value: object) -> bool:
        if name in self.sensitive:
            return value not in (None, "", [])
        return _is_eleven_digits(value) or (isinstance(value, str) and value.startswith(PREFIX))

    def seal_value(self, name: str, value: Any) -> str:
        kid = self.current
        if kid is None:
            raise KeyUnavailable(
                f"{name}: a sensitive value must be encrypted at rest and no key is set ({self.origin}): "
                f"set ${ENV_KEY_FILE} (or storage.key_file) to a key file, or ${ENV_KEYS}; nothing was stored"
            )
        nonce = os.urandom(12)
        sealed = self._aead[kid].encrypt(nonce, orjson.dumps(value, option=_OPTS), name.encode())
        return f"{PREFIX}{kid}${base64.urlsafe_b64encode(nonce + sealed).decode().rstrip('=')}"

    def open_value(self, name: str, token: str) -> Any:
        kid, _, body = token[len(PREFIX) :].partition("$")
        aead = self._aead.get(kid)
        if aead is None:
            raise KeyUnavailable(
                f"{name}: the value is sealed with key {kid!r}, which is not among the keys set ({self.origin})"
            )
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            return orjson.loads(aead.decrypt(raw[:12], raw[12:], name.encode()))
        except (InvalidTag, ValueError):
            raise KeyUnavailable(f"{name}: key {kid!r} ({self.origin}) does not open its sealed value") from None

    def seal_bytes(self, name: str, data: bytes) -> bytes:
        """``data`` encrypted with the newest key, bound to ``name``: ``key id``, ``$``, nonce and ciphertext."""
        kid = self.current
        if kid is None:
            raise KeyUnavailable(f"{name}: no key is set to encrypt it at rest ({self.origin})")
        nonce = os.urandom(12)
        return kid.encode() + b"$" + nonce + self._aead[kid].encrypt(nonce, data, name.encode())

    def open_bytes(self, name: str, sealed: bytes) -> bytes:
        """What :meth:`seal_bytes` sealed; :class:`KeyUnavailable` when its key is gone or does not open it."""
        kid, _, raw = sealed.partition(b"$")
        aead = self._aead.get(kid.decode(errors="replace"))
        if aead is None:
            raise KeyUnavailable(f"{name}: sealed with key {kid.decode(errors='replace')!r}, which is not set")
        try:
            return aead.decrypt(raw[:12], raw[12:], name.encode())
        except (InvalidTag, ValueError):
            raise KeyUnavailable(f"{name}: the key set ({self.origin}) does not open it") from None

    # -- attribute dictionaries ------------------------------------------------------------

    def seal(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of ``attrs`` with every sensitive value sealed."""
        return {name: self._seal_one(name, value) for name, value in attrs.items()}

    def _seal_one(self, name: str, value: Any) -> Any:
        if self.needs_seal(name, value):
            return self.seal_value(name, value)
        if isinstance(value, list):
            return [self._seal_one(name, v) for v in value]
        if isinstance(value, dict):
            return {k: self._seal_one(name, v) for k, v in value.items()}
        return value

    def unseal(self, attrs: Mapping[str, Any]) -> dict[str, Any]:
        """A copy of ``attrs`` with every sealed value opened."""
        return {name: self._open_one(name, value) for name, value in attrs.items()}

    def _open_one(self, name: str, value: Any) -> Any:
        if isinstance(value, str):
            return self.open_value(name, value) if value.startswith(PREFIX) else value
        if isinstance(value, list):
            return [self._open_one(name, v) for v in value]
        if isinstance(value, dict):
            return {k: self._open_one(name, v) for k, v in value.items()}
        return value

    # -- stored JSON text (the stores' edge) -------------------------------------------------

    def seal_text(self, text: str) -> str:
        """Stored JSON with its sensitive values sealed; most rows hold none and come back as they are."""
        # Three quick scans say whether a row may hold anything to seal (most rows: memberships, groups, don't).
        if not (_DIGITS.search(text) or PREFIX in text or self._names.search(text)):
            return text
        value = orjson.loads(text)
        if not isinstance(value, dict):
            return text
        return orjson.dumps(self.seal(value), option=_OPTS).decode()

    def unseal_text(self, text: str) -> str:
        """Stored JSON with its sealed values opened (untouched when it holds none)."""
        if PREFIX not in text:
            return text
        return orjson.dumps(self.unseal(orjson.loads(text)), option=_OPTS).decode()

    def reseal_text(self, text: str) -> str | None:
        """``text`` sealed anew with the newest key, or None when nothing in it needs that."""
        kid = self.current
        if PREFIX in text and kid is not None and self.key_ids(text) <= {kid}:
            return None
        sealed = self.seal_text(self.unseal_text(text))
        return None if sealed == text else sealed

    @staticmethod
    def key_ids(text: str) -> set[str]:
        """The key ids of the sealed values in ``text``."""
        return set(re.findall(re.escape(PREFIX) + r"([A-Za-z0-9_.-]{1,32})\$", text))

    # -- join keys ---------------------------------------------------------------------------

    def join_hash(self, *parts: str) -> str:
        """HMAC-SHA-256 of the parts (128 bits in hex): without the secret, no guess can be checked."""
        if self.join is None:
            raise KeyUnavailable(
                f"join keys are keyed hashes and no join secret is set ({self.origin}): add a 'join' entry "
                f"to the key file (${ENV_KEY_FILE}) or to ${ENV_KEYS}"
            )
        return hmac.new(self.join, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()[:32]


def load(key_file: Path | None = None, sensitive: Iterable[str] = DEFAULT_SENSITIVE) -> Vault:
    """The vault from ``$EDUSYNC_KEYS``, else ``$EDUSYNC_KEY_FILE``, else ``key_file`` (else keyless)."""
    names = {*DEFAULT_SENSITIVE, *sensitive}
    env = os.environ.get(ENV_KEYS)
    if env:
        keys, join = parse_keys(env, f"${ENV_KEYS}")
        return Vault(keys, join, names, f"${ENV_KEYS}")
    path = Path(os.environ[ENV_KEY_FILE]) if os.environ.get(ENV_KEY_FILE) else key_file
    if path is None:
        return Vault({}, None, names)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KeyUnavailable(f"cannot read the key file {path}: {exc.strerror}") from None
    keys, join = parse_keys(text, str(path))
    return Vault(keys, join, names, f"key file {path}")


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def create_key_file(path: Path) -> None:
    """A new key file (readable by its owner only) with a join secret and one data key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(
            "# edusync's keys: keep this file apart from the database and its backups, readable by edusync only.\n"
            "# 'join' keys the join hashes; the other lines are data keys, newest last (see docs/data-protection.md).\n"
            f"{JOIN} {new_key()}\n{_key_id()} {new_key()}\n"
        )


def add_key(path: Path) -> str:
    """Append a new data key to the key file; it seals every value from now on. Returns its id."""
    kid = _key_id()
    with path.open("a", encoding="utf-8") as out:
        out.write(f"{kid} {new_key()}\n")
    return kid


def _key_id() -> str:
    return "k" + dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + os.urandom(2).hex()


_installed: Vault | None = None


def install(vault: Vault | None) -> None:
    """Make ``vault`` this process's (None: read the environment again at the next use)."""
    global _installed
    _installed = vault


def current() -> Vault:
    """This process's vault: the one installed with the config, else one from the environment."""
    global _installed
    if _installed is None:
        _installed = load()
    return _installed
