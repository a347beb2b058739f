"""Turn the sandbox university into the JSON the FS sandbox serves.

Every field a client reads is always present; a value FS does not have is ``null`` rather than
a missing key, so a client's fallback (``datoEksamenFra || start``) is tested on the value, and a
typo in a field name fails loudly instead of looking like missing data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from edusync.sandbox.fs.model import (
    Contact,
    Exam,
    Kandidat,
    Kull,
    Person,
    Room,
    Sensor,
    Studieprogram,
    Studierett,
)
from edusync.sandbox.fs.scales import SCALE_TITLES

Json = dict[str, Any]


def iso(value: dt.date | None) -> str | None:
    """ISO 8601; datetimes keep their Europe/Oslo offset so a client can convert them without guessing."""
    return value.isoformat() if value is not None else None


def exam_href(base: str, exam_id: str) -> str:
    return f"{base}vurderingsenheter/{quote(exam_id, safe='')}"


def exam_summary(exam: Exam, base: str) -> Json:
    """The exam's key parts and titles: one item of the fetchable-exams list."""
    key = exam.key
    return {
        "href": exam_href(base, key.id),
        "id": key.id,
        "institusjonsnr": key.institusjonsnr,
        "emnekode": key.emnekode,
        "versjonskode": key.versjonskode,
        "vurdkombkode": key.vurdkombkode,
        "vurderingsordning": key.vurdkombkode,
        "arstall": key.arstall,
        "terminkode": key.terminkode,
        "tid": key.tid,
        "emnetittel": exam.emnetittel,
        "vurdkombtittel": exam.vurdkombtittel,
    }


def exam_detail(exam: Exam, base: str) -> Json:
    """Everything WISEflow's FS client fetches for one exam."""
    return {
        **exam_summary(exam, base),
        "karakterskala": exam.karakterskala.value,
        "karakterskalaTittel": SCALE_TITLES[exam.karakterskala],
        "datoEksamenFra": iso(exam.dato_eksamen_fra),
        "datoEksamenTil": iso(exam.dato_eksamen_til),
        "start": iso(exam.start),
        "slutt": iso(exam.slutt),
        "sensurfrist": iso(exam.sensurfrist),
        "klagefrist": iso(exam.klagefrist),
        "rom": [room_json(r) for r in exam.rom],
        "vurderingsgrupper": [
            {"id": g.id, "navn": g.navn, "kandidater": [kandidat_json(k) for k in g.kandidater]}
            for g in exam.vurderingsgrupper
        ],
        "kommisjoner": [
            {"id": k.id, "navn": k.navn, "sensorer": [sensor_json(s) for s in k.sensorer]} for k in exam.kommisjoner
        ],
    }


def room_json(room: Room) -> Json:
    return {"id": room.id, "bygningsnavn": room.bygningsnavn, "romnavn": room.romnavn, "utstyr": room.utstyr}


def contact_json(contact: Contact) -> Json:
    return {"epost": contact.epost, "epostPrivat": contact.epost_privat, "telefonnr": contact.telefonnr}


def person_json(person: Person) -> Json:
    """The person fields kandidater, sensorer and studenter share; ``id`` is the personløpenummer."""
    return {
        "id": person.personlopenummer,
        "personlopenummer": person.personlopenummer,
        "brukernavn": person.brukernavn,
        "fnr": person.fnr,
        "fornavn": person.fornavn,
        "etternavn": person.etternavn,
        "kontaktinfo": contact_json(person.kontakt),
    }


def kandidat_json(kandidat: Kandidat) -> Json:
    return {
        **person_json(kandidat.person),
        "kandidatnr": kandidat.kandidatnr,
        "sprak": kandidat.person.sprak,
        "kommisjonsid": kandidat.kommisjonsid,
        "oppmote": [{"stedId": kandidat.sted_id}] if kandidat.sted_id else [],
        "innleveringsfrist": iso(kandidat.innleveringsfrist),
    }


def sensor_json(sensor: Sensor) -> Json:
    return {**person_json(sensor.person), "sensorrolle": sensor.sensorrolle}


def programme_json(programme: Studieprogram, base: str) -> Json:
    code = quote(programme.kode, safe="")
    retning_base = f"{base}studieretninger/{code}%2C"
    return {
        "href": f"{base}studieprogrammer/{code}",
        "studenterHref": f"{base}studieprogrammer/{code}/studenter",
        "studieprogramkode": programme.kode,
        "navn": programme.navn,
        "studieretninger": [
            {
                "studieretningkode": r.kode,
                "navn": r.navn,
                "studenterHref": f"{retning_base}{quote(r.kode, safe='')}/studenter",
            }
            for r in programme.studieretninger
        ],
    }


def kull_json(kull: Kull, members: int, base: str) -> Json:
    return {
        "studenterHref": f"{base}kull/{quote(kull.key, safe='')}/studenter",
        "id": kull.key,
        "studieprogramkode": kull.studieprogramkode,
        "arstall": kull.arstall,
        "terminkode": kull.terminkode,
        "tid": f"{kull.arstall} {kull.terminkode}",
        "antallStudenter": members,
    }


def student_json(rett: Studierett) -> Json:
    """One membership: the student, with the programme, direction, cohort and its time frame."""
    return {
        **person_json(rett.person),
        "studieprogramkode": rett.studieprogramkode,
        "studieretningkode": rett.studieretningkode,
        "kull": {"id": rett.kull.key, "arstall": rett.kull.arstall, "terminkode": rett.kull.terminkode},
        "fra": iso(rett.fra),
        "til": iso(rett.til),
    }


def page(items: list[Json], limit: int, offset: int) -> Json:
    """FS-style list envelope; ``limit=0`` means everything, as FS clients use it."""
    chosen = items[offset:] if limit == 0 else items[offset : offset + limit]
    return {"items": chosen, "size": len(items), "offset": offset, "limit": limit}
