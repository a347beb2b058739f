"""FS → edusync → WISEflow over HTTP, on SQLite and PostgreSQL: every field of the FS client's
mapping tables arrives where WISEflow keeps it; the daily re-sync sends nothing twice and follows
FS's changes; FS's study groups become metaverse groups the groups API serves."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from edusync.groupsapi.service import GroupsService
from edusync.sandbox.fs.model import Exam, Kommisjon
from edusync.sandbox.wiseflow.state import NATIONAL_ID
from tests.exams.conftest import Cycle

OSLO = ZoneInfo("Europe/Oslo")


def unix(value: dt.date | dt.datetime | None) -> int | None:
    """What WISEflow holds for an FS date: a moment as is, a bare date (a deadline) at the end of that day."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return int(value.timestamp())
    return int(dt.datetime.combine(value, dt.time(23, 59, 59), OSLO).timestamp())


def user(cycle: Cycle, feide: str) -> dict[str, Any]:
    found: dict[str, Any] = cycle.api.get(f"/user/eduPrincipalName/{feide}").json()
    return found


def ids(user_json: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in user_json["externalIds"]}


def writes(cycle: Cycle) -> dict[str, int]:
    """The WISEflow requests that change something (searches only read)."""
    return {k: n for k, n in cycle.handled().items() if not k.startswith("GET") and "/search" not in k}


def check_flow(cycle: Cycle, exam: Exam) -> int:
    """Assessment info: title, subTitle, term, dates with their fallbacks, grade type, test type, rooms."""
    flow_id = cycle.flow(exam.key.id)
    meta = cycle.api.get(f"/flows/{flow_id}/metadata").json()["data"]
    assert meta["title"] == exam.emnetittel
    assert meta["subtitle"] == exam.key.emnekode
    assert meta["term"] == exam.key.tid
    assert meta["code"] == exam.key.id
    assert not {"gradeType", "testType"} & set(meta), "WISEflow's metadata has no field for them (docs/exams.md)"
    dates = cycle.api.get(f"/flows/{flow_id}/dates").json()["data"]
    assert dates["participation"].get("start") == unix(exam.dato_eksamen_fra or exam.start)
    assert dates["participation"].get("end") == unix(exam.dato_eksamen_til or exam.slutt)
    assert dates.get("marking", {}).get("end") == unix(exam.sensurfrist)
    assert "complaint" not in dates, "nor has WISEflow's API a complaint period"
    bookings = cycle.api.get(f"/flows/{flow_id}/room-bookings").json()["data"]
    rooms = {r["id"]: r for r in cycle.api.get("/license/rooms", params={"limit": 100}).json()["data"]}
    booked = {rooms[b["roomId"]]["identifier"]: rooms[b["roomId"]] for b in bookings}
    assert set(booked) == {r.id for r in exam.rom}
    for r in exam.rom:
        room = booked[r.id]
        assert (room["building"], room["description"]) == (r.bygningsnavn, r.utstyr)
        assert r.romnavn in room["name"]
    return flow_id


def check_people(cycle: Cycle, exam: Exam, flow_id: int) -> None:
    """Participants (personInfo, uniqueExamId, language, room, dispensation) and assessors with their groups."""
    participants = {k: p for k, p in cycle.participants(flow_id).items() if p["activated"]}
    assert set(participants) == {k.kandidatnr for k in exam.kandidater()}
    flow_dates = cycle.api.get(f"/flows/{flow_id}/dates").json()["data"]["participation"]
    rooms = {r["id"]: r["identifier"] for r in cycle.api.get("/license/rooms", params={"limit": 100}).json()["data"]}
    seats: dict[int, str] = {}
    for b in cycle.api.get(f"/flows/{flow_id}/room-bookings").json()["data"]:
        placed = cycle.api.get(f"/flows/{flow_id}/room-bookings/{b['roomBookingId']}/participants").json()["data"]
        seats |= {pid: rooms[b["roomId"]] for pid in placed}
    groups = cycle.groups(flow_id)
    for k in exam.kandidater():
        p, person, contact = participants[k.kandidatnr], k.person, k.person.kontakt
        u = user(cycle, person.brukernavn)
        assert p["userId"] == u["id"]
        assert (u["firstName"], u["lastName"]) == (person.fornavn, person.etternavn)
        assert u["emails"] == [e for e in (contact.epost, contact.epost_privat) if e]
        assert u["phone"] == (contact.telefonnr or "")
        assert u.get("language") == person.sprak
        assert ids(u) == {"Feide ID": person.brukernavn, "External user ID": str(person.personlopenummer)}
        assert cycle.store.users[u["id"]].external_ids[NATIONAL_ID] == person.fnr, "kept, never shown back"
        assert seats.get(p["participantId"]) == k.sted_id
        own = cycle.api.get(f"/flows/{flow_id}/participants/{p['participantId']}/dates").json()["data"]
        assert own["participation"].get("end") == (unix(k.innleveringsfrist) or flow_dates.get("end"))
        if k.kommisjonsid is not None:
            assert p["participantId"] in groups[str(k.kommisjonsid)], "allocated to FS's commission"
    legacy = {a["id"]: a for a in cycle.api.get(f"/flow/{flow_id}/assessors").json()}
    group_ids = cycle.assessor_groups(flow_id)
    assert len(group_ids) == len(cycle.api.get(f"/flows/{flow_id}/assessor-groups").json()["data"]), "all mapped"
    by_plnr = {ids(a["user"])["External user ID"]: a for a in legacy.values()}
    for kommisjon in exam.kommisjoner:
        group = group_ids[str(kommisjon.id)]
        assert group["title"] == kommisjon.navn
        members = {ids(legacy[a]["user"])["External user ID"] for a in group["assessorIds"]}
        assert members == {str(s.person.personlopenummer) for s in kommisjon.sensorer}
        for sensor in kommisjon.sensorer:
            a, person = by_plnr[str(sensor.person.personlopenummer)], sensor.person
            assert a["type"] == {"INTERN": 0, "EKSTERN": 1}[sensor.sensorrolle]
            assert group["id"] in a["assessorGroupIds"]
            u = user(cycle, person.brukernavn)
            assert (u["firstName"], u["lastName"], u["id"]) == (person.fornavn, person.etternavn, a["user"]["id"])
            assert u["emails"] == [e for e in (person.kontakt.epost, person.kontakt.epost_privat) if e]
            assert u["phone"] == (person.kontakt.telefonnr or "")
            assert cycle.store.users[u["id"]].external_ids[NATIONAL_ID] == person.fnr


def test_every_field_reaches_wiseflow(cycle: Cycle) -> None:
    out = cycle.sync()
    assert out.run.status == "done" and out.exit_code == 0, out.run.report.errors
    s, exams = cycle.university.scenario, cycle.university.exams
    assert len(cycle.admin.get("/summary").json()["flows"]) == len(exams)
    main = exams[s.exam_main]
    check_people(cycle, main, check_flow(cycle, main))
    for fallback in (s.exam_only_dato_eksamen_fra, s.exam_start_slutt_only, s.exam_fra_with_slutt):
        check_flow(cycle, exams[fallback])
    extra = cycle.participants(cycle.flow(s.exam_main))[s.kandidat_with_extra_time.kandidatnr]
    own = cycle.api.get(f"/flows/{cycle.flow(s.exam_main)}/participants/{extra['participantId']}/dates").json()
    assert own["data"]["participation"]["end"] > (unix(main.dato_eksamen_til) or 0)
    lonely = cycle.flow(s.exam_without_kommisjoner)
    assert cycle.groups(lonely) == {}


def test_daily_resync_sends_nothing_twice_and_follows_fs(cycle: Cycle) -> None:
    assert cycle.sync().exit_code == 0
    before = writes(cycle)
    again = cycle.sync()
    assert again.run.status == "done" and again.exit_code == 0 and not again.run.report.errors
    assert writes(cycle) == before, "a night without changes in FS writes nothing to WISEflow"

    # FS changes in the day: a second commission with an assessor from another exam; a candidate
    # moves to it, to a new room, and gets extra time; another candidate leaves
    exam = cycle.university.exams[cycle.university.scenario.exam_main]
    registered = exam.sensor_ids()
    outsider = next(
        s
        for e in cycle.university.exams.values()
        for c in e.kommisjoner
        for s in c.sensorer
        if s.person.personlopenummer not in registered
    )
    added = Kommisjon(max(c.id for c in exam.kommisjoner) + 1000, "Kommisjon B", [outsider])
    exam.kommisjoner.append(added)
    mover, leaver = [k for k in exam.kandidater() if k.kommisjonsid is not None and k.sted_id][:2]
    mover.kommisjonsid = added.id
    # and a second room, where the mover now sits
    exam.rom.append(next(r for r in cycle.university.rooms if r not in exam.rom))
    mover.sted_id = exam.rom[-1].id
    assert exam.end is not None
    mover.innleveringsfrist = exam.end + dt.timedelta(hours=2)
    for gruppe in exam.vurderingsgrupper:
        gruppe.kandidater = [k for k in gruppe.kandidater if k is not leaver]
    third = cycle.sync()
    assert third.exit_code == 0, third.run.report.errors
    flow_id = cycle.flow(exam.key.id)
    check_flow(cycle, exam)  # the new room is booked
    check_people(cycle, exam, flow_id)  # the mover's commission, seat and dispensation followed FS
    assert not cycle.participants(flow_id)[leaver.kandidatnr]["activated"], "kept in WISEflow, deactivated"


def test_study_groups_become_metaverse_groups_the_groups_api_serves(cycle: Cycle) -> None:
    assert cycle.sync().exit_code == 0
    service = GroupsService(cycle.db, cycle.loaded.config.groups_api)
    rett = next(r for r in cycle.university.studieretter if r.studieretningkode and r.til is None)
    groups = service.my_groups(rett.person.brukernavn, show_all=True)
    types = {g["type"] for g in groups}
    assert {"fc:fs:prg", "fc:fs:str", "fc:fs:kull"} <= types, groups
    programme = next(g for g in groups if g["type"] == "fc:fs:prg" and rett.studieprogramkode in g["id"])
    assert programme["membership"]["basic"] == "member"
