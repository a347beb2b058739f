"""Target attributes -> the canonical rows both CSV package targets (OneRoster, SDS) render.

Normalising happens once, when a change arrives, so a change the package cannot carry (a
person without a name, a class without a school) fails on its own with a
:class:`SkippableError` naming the attribute, and the writer never judges data. A
fødselsnummer is never written unless the target's ``national_id`` says where it goes; any other
attribute holding one is left out with a warning that shows it masked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from edusync.errors import SkippableError
from edusync.model import fnr

Canon = dict[str, Any]
PERSON, ORG, GROUP, MEMBERSHIP = 0, 1, 2, 3  # the state's sections; 1 and 2 give the labels (a class's school)

#: edusync's organisation types (groupType/type) -> OneRoster's org type.
ORG_TYPES = {"skoleeier": "district", "fylke": "district", "kommune": "district", "skole": "school",
             "school": "school", "district": "district", "department": "department", "avdeling": "department",
             "national": "national", "state": "state", "local": "local"}  # fmt: skip
#: Group types that are a school's base group (basisgruppe: the class a pupil belongs to).
HOMEROOM = frozenset({"basisgruppe", "homeroom", "klasse"})


def text(attrs: Mapping[str, Any], name: str) -> str:
    """The attribute as stripped text ('' when missing); the first non-empty item of a list."""
    value = attrs.get(name)
    if isinstance(value, list):
        value = next((v for v in value if v not in (None, "")), None)
    return "" if value is None else str(value).strip()


def texts(attrs: Mapping[str, Any], name: str) -> list[str]:
    value = attrs.get(name)
    if value is None or value == "":
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    return [str(v).strip() for v in items if str(v).strip()]


def _date(attrs: Mapping[str, Any], name: str) -> str:
    value = text(attrs, name)
    if not value:
        return ""
    try:
        return dt.date.fromisoformat(value[:10]).isoformat()
    except ValueError:
        raise SkippableError(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None


def _need(value: str, name: str, what: str) -> str:
    if not value:
        raise SkippableError(f"{what} needs {name}")
    return value.replace("\n", " ").replace("\r", " ")  # SDS takes no line breaks; neither need OneRoster's readers


def school_year(day: dt.date, start: tuple[int, int]) -> tuple[str, str, str]:
    """``(id, first day, last day)`` of the school year ``day`` falls in; a year starts on ``start`` (month, day)."""
    first_year = day.year if (day.month, day.day) >= start else day.year - 1
    first = dt.date(first_year, *start)
    last = dt.date(first_year + 1, *start) - dt.timedelta(days=1)
    return f"{first_year}-{first_year + 1}", first.isoformat(), last.isoformat()


class Normaliser:
    """Builds canonical rows; ``warn`` takes the lines for the run report, ``national_id`` where a fnr may go."""

    def __init__(
        self,
        *,
        roles: Mapping[str, str],
        enrollment_roles: Mapping[str, str],
        national_id: str | None,
        year_start: tuple[int, int],
        today: Callable[[], dt.date],
        warn: Callable[[str], None],
    ) -> None:
        self.roles = {k.lower(): v for k, v in roles.items()}
        self.enrollment_roles = {k.lower(): v for k, v in enrollment_roles.items()}
        self.national_id = national_id
        self.year_start = year_start
        self.today = today
        self.warn = warn

    def role(self, value: str, what: str, *, enrollment: bool = False) -> str:
        if not value:
            raise SkippableError(f"{what} needs role")
        table, setting = (self.enrollment_roles, "enrollment_roles") if enrollment else (self.roles, "roles")
        mapped = table.get(value.lower())
        if mapped is None:
            raise SkippableError(f"role {value!r} has no mapping (the target's {setting!r} setting)")
        return mapped

    def _no_fnr(self, kind: str, key: str, out: Canon) -> None:
        for name, value in list(out.items()):
            if isinstance(value, str) and len(value) == 11 and fnr.is_valid(value):
                out[name] = ""
                self.warn(f"{kind} {key}: {name} left out, it holds a fødselsnummer ({fnr.mask(value)}) and "
                          "national_id is not set")  # fmt: skip

    def organisation(self, key: str, attrs: Mapping[str, Any]) -> Canon:
        kind = (text(attrs, "type") or text(attrs, "groupType") or "skole").lower()
        out: Canon = {
            "name": _need(text(attrs, "name"), "name", "an organisation"),
            "type": ORG_TYPES.get(kind, kind if kind.startswith("ext:") else "school"),
            "identifier": text(attrs, "identifier") or text(attrs, "schoolNumber") or text(attrs, "orgNumber"),
            "parent": text(attrs, "parent"),
        }
        if out["parent"] == key:
            out["parent"] = ""
        self._no_fnr("organisation", key, out)
        return out

    def person(self, key: str, attrs: Mapping[str, Any]) -> Canon:
        username = text(attrs, "username") or text(attrs, "feide") or text(attrs, "email")
        ids: dict[str, str] = {}
        raw = attrs.get("userIds")
        if isinstance(raw, dict):
            ids.update({str(k): str(v) for k, v in raw.items() if v})
        else:
            for item in texts(attrs, "userIds"):
                kind, _, ident = item.strip("{}").partition(":")
                if ident:
                    ids.setdefault(kind, ident)
        if feide := text(attrs, "feide"):
            ids.setdefault("Feide", feide)
        orgs = texts(attrs, "orgs") or texts(attrs, "school")
        out: Canon = {
            "username": _need(username, "username (or feide, or email)", "a person"),
            "givenName": _need(text(attrs, "givenName"), "givenName", "a person"),
            "familyName": _need(text(attrs, "familyName"), "familyName", "a person"),
            "middleName": text(attrs, "middleName"),
            "identifier": text(attrs, "identifier") or text(attrs, "studentId") or text(attrs, "employeeId"),
            "email": text(attrs, "email"),
            "sms": text(attrs, "mobile") or text(attrs, "sms"),
            "phone": text(attrs, "phone"),
            "grades": texts(attrs, "grades"),
            "agents": list(dict.fromkeys(texts(attrs, "agents") + texts(attrs, "guardians"))),
            "orgs": orgs,
            "role": self.role(text(attrs, "role"), "a person") if orgs else "",
            "enabled": text(attrs, "enabled").lower() not in ("false", "0", "no"),
        }
        self._no_fnr("person", key, out)
        bad = [k for k, v in ids.items() if fnr.is_valid(v)]
        for kind in bad:
            self.warn(f"person {key}: userIds {kind} left out, it holds a fødselsnummer ({fnr.mask(ids.pop(kind))})")
        nin = text(attrs, "nin")
        if nin and self.national_id and fnr.is_valid(nin):
            if self.national_id == "identifier":
                out["identifier"] = nin
            else:
                ids[self.national_id.removeprefix("userIds:")] = nin
        out["userIds"] = ids
        return out

    def group(self, key: str, attrs: Mapping[str, Any]) -> Canon:
        kind = (text(attrs, "groupType") or text(attrs, "classType")).lower()
        start = _date(attrs, "start")
        year, first, last = school_year(dt.date.fromisoformat(start) if start else self.today(), self.year_start)
        out: Canon = {
            "title": _need(text(attrs, "name") or text(attrs, "title"), "name", "a group"),
            "school": _need(text(attrs, "school") or text(attrs, "parent"), "school (or parent)", "a group"),
            "classType": "homeroom" if kind in HOMEROOM else "scheduled",
            "classCode": text(attrs, "code") or text(attrs, "classCode"),
            "location": text(attrs, "location"),
            "course": text(attrs, "course"),
            "grades": texts(attrs, "grades"),
            "subjects": texts(attrs, "subjects"),
            "subjectCodes": texts(attrs, "subjectCodes"),
            "term": {"id": year, "start": first, "end": last, "year": last[:4]},
        }
        self._no_fnr("group", key, out)
        return out

    def membership(self, key: str, attrs: Mapping[str, Any]) -> Canon:
        out: Canon = {
            "group": _need(text(attrs, "group"), "group", "a membership"),
            "person": _need(text(attrs, "person"), "person", "a membership"),
            "role": self.role(text(attrs, "role"), "a membership", enrollment=True),
            "primary": text(attrs, "primary").lower() in ("true", "1", "yes"),
            "begin": _date(attrs, "begin"),
            "end": _date(attrs, "end"),
        }
        return out
