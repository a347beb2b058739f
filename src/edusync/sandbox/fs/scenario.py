"""Plant the awkward cases in a generated university and say where they are.

Random data may or may not contain an exam with only datoEksamenFra or a candidate without an
email; a test that needs one must not depend on luck. So after generation this module bends a
few exams into each awkward shape, deterministically, and returns a :class:`Scenario` that names
them. ``GET /_sandbox/scenario`` serves it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from edusync.sandbox.fs.exams import extra_time
from edusync.sandbox.fs.model import Exam, Sensor
from edusync.sandbox.fs.scales import Scale


@dataclass(frozen=True, slots=True)
class KandidatRef:
    exam_id: str
    kandidatnr: str

    def as_json(self) -> dict[str, str]:
        return {"examId": self.exam_id, "kandidatnr": self.kandidatnr}


@dataclass(frozen=True, slots=True)
class Scenario:
    """Exam ids (``institusjonsnr|emnekode|versjonskode|vurderingsordning|tid``) of the awkward cases."""

    exam_main: str  # A–F, datoEksamenFra/Til, commissions; holds the candidate cases below
    exams_by_scale: dict[str, str]
    exam_only_dato_eksamen_fra: str  # no datoEksamenTil, no start, no slutt
    exam_start_slutt_only: str  # no datoEksamenFra/Til: both ends come from the fallbacks
    exam_fra_with_slutt: str  # datoEksamenFra, then slutt as the end
    exam_without_kommisjoner: str  # no commissions, so no assessor is registered
    kandidat_without_email: KandidatRef
    kandidat_without_phone: KandidatRef
    kandidat_with_extra_time: KandidatRef
    sensor_on_two_exams: int  # personløpenummer
    sensor_exams: tuple[str, ...]  # every exam that sensor is registered on

    def as_json(self) -> dict[str, object]:
        return {
            "examMain": self.exam_main,
            "examsByScale": dict(self.exams_by_scale),
            "examOnlyDatoEksamenFra": self.exam_only_dato_eksamen_fra,
            "examStartSluttOnly": self.exam_start_slutt_only,
            "examFraWithSlutt": self.exam_fra_with_slutt,
            "examWithoutKommisjoner": self.exam_without_kommisjoner,
            "kandidatWithoutEmail": self.kandidat_without_email.as_json(),
            "kandidatWithoutPhone": self.kandidat_without_phone.as_json(),
            "kandidatWithExtraTime": self.kandidat_with_extra_time.as_json(),
            "sensorOnTwoExams": {
                "personlopenummer": self.sensor_on_two_exams,
                "examIds": list(self.sensor_exams),
            },
        }


def _first_date(exam: Exam) -> dt.datetime:
    first = exam.dato_eksamen_fra or exam.start or exam.dato_eksamen_til or exam.slutt
    assert first is not None, "the generator gives every exam a date"
    return first


def _clear_extra_time(exam: Exam) -> None:
    for kandidat in exam.kandidater():
        kandidat.innleveringsfrist = None


def stage(exams: list[Exam]) -> Scenario:
    """Bend ``exams`` (at least eight, sorted by id) into the awkward shapes; name them."""
    if len(exams) < 8:
        raise ValueError("a scenario needs at least eight exams")
    used: set[str] = set()

    def take(prefer: Iterator[Exam]) -> Exam:
        exam = next((e for e in prefer if e.key.id not in used), None)
        exam = exam or next(e for e in exams if e.key.id not in used)
        used.add(exam.key.id)
        return exam

    main = take(e for e in exams if e.key.vurdkombkode == "SKR" and sum(1 for _ in e.kandidater()) >= 3)
    main.karakterskala = Scale.BOKSTAV
    if not (main.dato_eksamen_fra and main.dato_eksamen_til):
        main.dato_eksamen_fra = _first_date(main).replace(hour=9, minute=0)
        main.dato_eksamen_til = main.dato_eksamen_fra + dt.timedelta(hours=4)
    first, second, third, *_ = [*main.kandidater(), None, None, None]
    if first is None or second is None or third is None:
        raise ValueError("the main exam needs three candidates")
    first.person.kontakt.epost = first.person.kontakt.epost_privat = None
    second.person.kontakt.telefonnr = None
    third.innleveringsfrist = extra_time(main)

    by_scale = {Scale.BOKSTAV.value: main.key.id}
    for scale in (Scale.BESTATT, Scale.GODKJENT, Scale.TALL):
        exam = take(e for e in exams if e.karakterskala is scale)
        exam.karakterskala = scale
        by_scale[scale.value] = exam.key.id

    sensor = main.kommisjoner[0].sensorer[0].person
    other = next(e for e in exams if e.key.id == by_scale[Scale.BESTATT.value])
    if sensor.personlopenummer not in other.sensor_ids():
        other.kommisjoner[0].sensorer.append(Sensor(sensor, "INTERN"))

    only_fra = take(iter(()))
    only_fra.dato_eksamen_fra = _first_date(only_fra)
    only_fra.dato_eksamen_til = only_fra.start = only_fra.slutt = None
    _clear_extra_time(only_fra)

    start_slutt = take(e for e in exams if e.start and e.slutt and not e.dato_eksamen_fra)
    start_slutt.start = start_slutt.start or _first_date(start_slutt)
    start_slutt.slutt = start_slutt.slutt or start_slutt.dato_eksamen_til or start_slutt.start
    start_slutt.dato_eksamen_fra = start_slutt.dato_eksamen_til = None

    fra_slutt = take(iter(()))
    fra_slutt.dato_eksamen_fra = _first_date(fra_slutt)
    fra_slutt.slutt = fra_slutt.slutt or fra_slutt.dato_eksamen_til or fra_slutt.dato_eksamen_fra
    fra_slutt.dato_eksamen_til = fra_slutt.start = None
    if fra_slutt.slutt <= fra_slutt.dato_eksamen_fra:
        fra_slutt.slutt = fra_slutt.dato_eksamen_fra + dt.timedelta(hours=4)

    no_commission = take(iter(()))
    no_commission.kommisjoner = []
    for kandidat in no_commission.kandidater():
        kandidat.kommisjonsid = None

    return Scenario(
        exam_main=main.key.id,
        exams_by_scale=by_scale,
        exam_only_dato_eksamen_fra=only_fra.key.id,
        exam_start_slutt_only=start_slutt.key.id,
        exam_fra_with_slutt=fra_slutt.key.id,
        exam_without_kommisjoner=no_commission.key.id,
        kandidat_without_email=KandidatRef(main.key.id, first.kandidatnr),
        kandidat_without_phone=KandidatRef(main.key.id, second.kandidatnr),
        kandidat_with_extra_time=KandidatRef(main.key.id, third.kandidatnr),
        sensor_on_two_exams=sensor.personlopenummer,
        sensor_exams=tuple(e.key.id for e in exams if sensor.personlopenummer in e.sensor_ids()),
    )
