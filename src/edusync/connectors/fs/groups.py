"""Study groups (issue §6): studieprogram, studieretning and kull, with their students.

Each becomes a ``group`` (anchored ``fs:studieprogram:KODE``, ``fs:studieretning:PROG,KODE``,
``fs:kull:PROG,YYYY,TERM``) and each student's studierett a ``membership`` in all three, with
the studierett's ``fra``/``til`` as begin and end, as Feide group memberships carry them. The
students themselves are ``person`` records anchored by personløpenummer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from edusync.connectors.fs.mapping import STRICT, Checks

Json = dict[str, Any]


def _group(anchor: str, kind: str, code: str, name: str | None, programme: str) -> tuple[str, Json]:
    return anchor, {"id": anchor, "groupType": kind, "code": code, "name": name, "programme": programme}


def group_records(programmes: Iterable[Json], kull: Iterable[Json]) -> list[tuple[str, Json]]:
    out: list[tuple[str, Json]] = []
    names: dict[str, str | None] = {}
    for p in programmes:
        code = p["studieprogramkode"]
        names[code] = p.get("navn")
        out.append(_group(f"fs:studieprogram:{code}", "studieprogram", code, p.get("navn"), code))
        for r in p.get("studieretninger") or []:
            key = f"{code},{r['studieretningkode']}"
            out.append(_group(f"fs:studieretning:{key}", "studieretning", key, r.get("navn"), code))
    for k in kull:
        title = f"{names.get(k['studieprogramkode']) or k['studieprogramkode']}, kull {k.get('tid') or ''}".strip()
        out.append(_group(f"fs:kull:{k['id']}", "kull", k["id"], title, k["studieprogramkode"]))
    return out


def person_attrs(s: Json, checks: Checks = STRICT) -> Json:
    contact = s.get("kontaktinfo") or {}
    plnr = str(s["personlopenummer"])
    return {
        "personlopenummer": plnr,
        "organisationId": s.get("brukernavn"),
        "nationalId": checks.national_id(s.get("fnr"), f"FS student {plnr} ({s.get('studieprogramkode')})"),
        "firstName": s.get("fornavn"),
        "lastName": s.get("etternavn"),
        "email": contact.get("epost"),
        "phone": contact.get("telefonnr"),
    }


def membership_records(students: Iterable[Json]) -> list[tuple[str, Json]]:
    """Every studierett's three memberships: programme, direction (if any) and cohort."""
    out: list[tuple[str, Json]] = []
    for s in students:
        plnr = str(s["personlopenummer"])
        groups = [f"fs:studieprogram:{s['studieprogramkode']}"]
        if s.get("studieretningkode"):
            groups.append(f"fs:studieretning:{s['studieprogramkode']},{s['studieretningkode']}")
        if s.get("kull"):
            groups.append(f"fs:kull:{s['kull']['id']}")
        for group in groups:
            anchor = f"{group}|{plnr}"
            attrs = {"person": plnr, "group": group, "role": "student", "begin": s.get("fra"), "end": s.get("til")}
            out.append((anchor, attrs))
    return out
