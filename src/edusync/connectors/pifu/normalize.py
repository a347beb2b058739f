"""Target attributes -> the canonical form the PIFU writer renders.

Normalising happens once, when a change arrives, so that a change the profile
cannot carry fails on its own (a :class:`SkippableError` naming the attribute)
and the file writer later never has to judge data. Mandatory PIFU fields that are
missing fail the change; an optional contact value the XSD would reject (a phone
number without digits, an e-mail without ``@``) is left out instead, because the
person matters more than a bad phone number.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

from edusync.connectors.pifu import vocab
from edusync.errors import SkippableError
from edusync.model.fnr import mask

Canon = dict[str, Any]

PERSON, ORG, GROUP, MEMBERSHIP = 0, 1, 2, 3  # also the order of the sections in a file


def text(attrs: dict[str, Any], name: str) -> str | None:
    """The attribute as stripped text; the first non-empty value of a list."""
    value = attrs.get(name)
    # The common cases first: this runs some ten million times for a county.
    if value is None:
        return None
    if type(value) is str:
        return value.strip() or None
    if isinstance(value, list):
        value = next((v for v in value if v not in (None, "")), None)
    if value is None:
        return None
    out = str(value).strip()
    return out or None


def _date(attrs: dict[str, Any], name: str) -> str | None:
    value = text(attrs, name) if name in attrs else None
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        raise SkippableError(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None


def _phone(value: str | None) -> str | None:
    if value is None:
        return None
    digits = re.sub(r"[^\d]", "", value)
    if not digits:
        return None
    if value.startswith("+") or value.startswith("00"):
        return "+" + digits.removeprefix("00") if value.startswith("00") else "+" + digits
    return "+47" + digits if len(digits) == 8 else None


def _email(value: str | None) -> str | None:
    return value if value and vocab.EMAIL.fullmatch(value) and len(value) <= 256 else None


def _url(value: str | None) -> str | None:
    return value if value and vocab.URL.fullmatch(value) else None


def person(attrs: dict[str, Any]) -> Canon:
    """``givenName`` and ``familyName`` are mandatory in PIFU; ``fullName`` defaults to both."""
    given, family = text(attrs, "givenName"), text(attrs, "familyName")
    if not given or not family:
        raise SkippableError("a PIFU person needs givenName and familyName")
    ids = [[utype, v] for name, utype in vocab.USERID_TYPES.items() if (v := text(attrs, name))]
    for utype, value in ids:
        if utype == "personNIN" and not (len(value) == 11 and value.isdigit()):
            raise SkippableError(f"nin: {mask(value)} is not an 11-digit fødselsnummer")
    out: Canon = {"ids": ids, "fn": text(attrs, "fullName") or f"{given} {family}", "given": given, "family": family}
    gender = text(attrs, "gender")
    if gender is not None:
        out["gender"] = vocab.GENDERS.get(gender.lower(), "0")
    if bday := _date(attrs, "birthDate"):
        out["bday"] = bday
    if email := _email(text(attrs, "email")):
        out["email"] = email
    if url := _url(text(attrs, "url")):
        out["url"] = url
    tel = [[t, n] for t, name in (("1", "phone"), ("3", "mobile")) if (n := _phone(text(attrs, name)))]
    if tel:
        out["tel"] = tel
    adr = {k: v for k, name in _ADR if (v := text(attrs, name))}
    if adr:
        out["adr"] = adr
    ext: Canon = {}
    if private := _email(text(attrs, "privateEmail")):
        ext["email"] = [["personEmailPrivate", private]]
    status = text(attrs, "pupilStatus")
    if status and status.lower() in vocab.PUPIL_STATUSES:
        ext["pupilStatus"] = status.lower()
    guardians = attrs.get("guardians")
    if guardians:
        ext["guardians"] = [str(g).strip() for g in (guardians if isinstance(guardians, list) else [guardians])]
    if ext:
        out["ext"] = ext
    return out


_ADR = (("street", "street"), ("pcode", "postalCode"), ("locality", "locality"), ("country", "country"))


def group_type(value: str | None, default: str) -> str:
    word = vocab.squash(value) if value else default
    word = vocab.GROUP_ALIASES.get(word, word)
    if word not in vocab.GROUP_TYPES:
        raise SkippableError(f"groupType: {value!r} is not a PIFU group type ({', '.join(vocab.GROUP_TYPES)})")
    return word


def admin_period(value: str | None, begin: str | None) -> str | None:
    """The given period, or the school year the group starts in (August on: ``2025/2026``)."""
    if value:
        if not vocab.ADMIN_PERIOD.fullmatch(value) or len(value) > 32:
            raise SkippableError(f"adminPeriod: {value!r} is not like 2025/2026, H2025 or V2026")
        return value
    if begin is None:
        return None
    start = dt.date.fromisoformat(begin)
    first = start.year if start.month >= 7 else start.year - 1
    return f"{first}/{first + 1}"


def group(attrs: dict[str, Any], key: str, default_type: str) -> Canon:
    """``name`` is mandatory; ``parent`` (else ``school``) names the org unit above; a top org points to itself."""
    name = text(attrs, "name")
    if not name:
        raise SkippableError("a PIFU group needs a name")
    typevalue = group_type(text(attrs, "groupType"), default_type)
    scheme = vocab.GROUP_TYPES[typevalue][0]
    out: Canon = {"kind": ORG if scheme == vocab.ORG_SCHEME else GROUP, "type": typevalue, "short": name[:60]}
    long = text(attrs, "description") or (name if len(name) > 60 else None)
    if long:
        out["long"] = long[:256]
    begin, end = _date(attrs, "start"), _date(attrs, "end")
    period = admin_period(text(attrs, "adminPeriod"), begin)
    out["tf"] = {k: v for k, v in (("begin", begin), ("end", end), ("adminperiod", period)) if v}
    if email := _email(text(attrs, "email")):
        out["email"] = email
    if url := _url(text(attrs, "url")):
        out["url"] = url
    parent = text(attrs, "parent") or text(attrs, "school")
    if parent is None and out["kind"] != ORG:
        raise SkippableError("a PIFU group needs its org unit: set parent (or school)")
    out["parent"] = parent or key
    if label := text(attrs, "parentName"):
        out["label"] = label[:128]
    ext: Canon = {}
    if orgnr := text(attrs, "organizationNumber"):
        ext["orgnr"] = orgnr
    if grep := text(attrs, "grepCode"):
        ext["grep"] = grep
    if legal := text(attrs, "legalName"):
        ext["legalName"] = legal
    school_type = text(attrs, "schoolType")
    if school_type and school_type.lower() in vocab.SCHOOL_TYPES:
        ext["schoolType"] = school_type.lower()
    if ext:
        out["ext"] = ext
    return out


def role(attrs: dict[str, Any]) -> tuple[str, str | None]:
    """``roletype`` (a code) wins over ``role`` (a word); students are the default."""
    code = text(attrs, "roletype") if "roletype" in attrs else None
    if code:
        code = code.zfill(2)
        if code not in vocab.ROLE_NAMES:
            raise SkippableError(f"roletype: {code!r} is not one of 01-08")
        return code, None
    word = text(attrs, "role") or "student"
    found = _role_word(word)
    if found is None:
        raise SkippableError(f"role: {word!r} has no PIFU roletype; set roletype (01-08)")
    return found


@functools.lru_cache(maxsize=1024)
def _role_word(word: str) -> tuple[str, str | None] | None:
    # A county has a handful of role words and a million memberships: look each word up once.
    return vocab.ROLE_ALIASES.get(vocab.squash(word)) or vocab.ROLE_ALIASES.get(word.lower())


def membership(attrs: dict[str, Any]) -> Canon:
    """``person`` and ``group`` are the keys of the objects they point at."""
    person_key, group_key = text(attrs, "person"), text(attrs, "group")
    if not person_key or not group_key:
        raise SkippableError("a PIFU membership needs person and group")
    roletype, implied = role(attrs)
    out: Canon = {"group": group_key, "person": person_key, "roletype": roletype}
    # The optional attributes are usually absent; a county has a million memberships.
    subrole = (text(attrs, "subrole") if "subrole" in attrs else None) or implied
    if subrole:
        if subrole not in vocab.SUBROLES:
            raise SkippableError(f"subrole: {subrole!r} is not a PIFU subrole")
        out["subrole"] = subrole
    status = text(attrs, "status") if "status" in attrs else None
    out["status"] = "0" if status and status.lower() in ("0", "inactive", "inaktiv", "false", "no") else "1"
    tf: dict[str, str] = {}
    out["tf"] = tf
    if begin := _date(attrs, "begin"):
        tf["begin"] = begin
    if end := _date(attrs, "end"):
        tf["end"] = end
    primary = text(attrs, "primary") if "primary" in attrs else None
    if primary is not None:
        out["primary"] = "1" if primary.lower() in ("1", "true", "yes") else "0"
    return out


#: Characters XML 1.0 cannot carry at all: the C0 controls but tab, newline and return; U+FFFE and
#: U+FFFF; lone surrogates.
NONCHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
#: orjson writes those controls as ``\b``, ``\f`` or ``\u00XX`` (and tab, newline, return as ``\t`` …).
_JSON_ESCAPE = re.compile(r"\\(?:u00([01][0-9a-f])|(.))")


def unwritable(record_json: str, key: str = "") -> str | None:
    """The first character of a record (as orjson wrote it) or of its key that XML 1.0 cannot carry.

    lxml refused such a value only when the file was written, which failed the
    whole file; checked when the change arrives, it fails that change alone.
    """
    if key and (bad := NONCHAR.search(key)):
        return bad.group()
    if "\\" in record_json:  # rare: orjson escapes only quotes, backslashes and controls
        for m in _JSON_ESCAPE.finditer(record_json):
            if m.group(1):
                return chr(int(m.group(1), 16))
            if m.group(2) in ("b", "f"):
                return "\b" if m.group(2) == "b" else "\f"
    for nonchar in ("\ufffe", "\uffff"):  # orjson writes these as they are
        if nonchar in record_json:
            return nonchar
    return None


def canon(object_type: str, key: str, attrs: dict[str, Any]) -> tuple[int, Canon]:
    """The section and canonical record of one target object; raises :class:`SkippableError`."""
    if object_type == "person":
        return PERSON, person(attrs)
    if object_type == "membership":
        return MEMBERSHIP, membership(attrs)
    record = group(attrs, key, "skole" if object_type == "organisation" else "undervisningsgruppe")
    return int(record["kind"]), record
