"""The generated county: every FINT table, the simulated clock and the relation helpers.

All changes go through the helpers here so that both ends of a relation move
together and every object whose HAL form changes gets a new stamp. That is what
makes ``?sinceTimeStamp=`` return exactly what changed: a new membership changes
the membership, its elevforhold (new link) and its group (new link), and all three
show up in their deltas.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from edusync.sandbox.fint.curriculum import SchoolYear
from edusync.sandbox.fint.records import (
    Arbeidsforhold,
    Code,
    Elev,
    Elevforhold,
    Group,
    Membership,
    OrgUnit,
    Person,
    Personalressurs,
    School,
    Skoleressurs,
    Subject,
    Undervisningsforhold,
)
from edusync.sandbox.fint.table import Table

if TYPE_CHECKING:
    import random

    from edusync.sandbox.fint.day import DayReport
    from edusync.sandbox.fint.people import PersonFactory
    from edusync.sandbox.fint.scenario import Scenario

GroupKind = Literal["basis", "ug", "klg"]
CODE_TABLES = (
    "skolear",
    "termin",
    "elevkategori",
    "stillingskode",
    "arbeidsforholdstype",
    "personalressurskategori",
)


_OSLO = ZoneInfo("Europe/Oslo")


def iso(day: dt.date) -> str:
    """A day as FINT prints it: the instant the day begins in Norway, in UTC (18 August → ``…-08-17T22:00:00Z``).

    FINT's timestamps are UTC (its API overview); a source system's date is local midnight.
    """
    start = dt.datetime.combine(day, dt.time(0), tzinfo=_OSLO).astimezone(dt.UTC)
    return start.strftime("%Y-%m-%dT%H:%M:%SZ")


def now_ms() -> int:
    return time.time_ns() // 1_000_000


class County:
    """One county's FINT data. Read it under ``lock`` when another thread may change it."""

    def __init__(self, *, seed: int, size: str, today: dt.date, name: str, domain: str, code: str) -> None:
        self.seed, self.size, self.today = seed, size, today
        self.name, self.domain, self.code = name, domain, code
        self.lock = threading.RLock()
        self.stamp = now_ms()
        self.live = False  # False while generating: no per-row stamps or logs are needed yet
        self.scenario: Scenario | None = None
        self.people: PersonFactory | None = None  # kept so the simulated day can add pupils
        self.year = SchoolYear.around(today)
        self.current_skolear = 1  # skoleår rows are last year, this year, next year
        # Generator bookkeeping, not FINT data: which teaching groups a class takes,
        # and the elective groups per (school, trinn, fag), so newcomers can be placed.
        self.class_groups: dict[int, list[int]] = {}
        self.electives: dict[tuple[int, int, int], list[int]] = {}
        self.offered: dict[tuple[int, int], tuple[int, ...]] = {}
        self.regions: list[int] = []
        # Pupils and staff that carry a planted case: the simulated day leaves them alone.
        self.protected_elev: set[int] = set()
        self.protected_sr: set[int] = set()
        # Ids: stored where the real systems use opaque values, positional elsewhere.
        self.codes: dict[str, Table[Code]] = {n: Table(n, prefix=f"{n[:3].upper()}-") for n in CODE_TABLES}
        self.org: Table[OrgUnit] = Table("organisasjonselement", prefix=f"O-{code}-", offset=10)
        self.skole: Table[School] = Table("skole", prefix="", offset=10001)
        self.trinn: Table[Subject] = Table("arstrinn", prefix="TR-")
        self.fag: Table[Subject] = Table("fag", prefix="FAG-")
        self.person: Table[Person] = Table("person")  # id: fødselsnummer
        self.elev: Table[Elev] = Table("elev")  # id: UUID, as VIS has it
        self.elevforhold: Table[Elevforhold] = Table("elevforhold", prefix="", offset=74_000_001)
        self.basis: Table[Group] = Table("basisgruppe", prefix="BG-")
        self.ug: Table[Group] = Table("undervisningsgruppe", prefix="UG-")
        self.klg: Table[Group] = Table("kontaktlarergruppe", prefix="KG-")
        self.bgm: Table[Membership] = Table("basisgruppemedlemskap", prefix="BGM-")
        self.ugm: Table[Membership] = Table("undervisningsgruppemedlemskap", prefix="UGM-")
        self.kgm: Table[Membership] = Table("kontaktlarergruppemedlemskap", prefix="KGM-")
        self.hrm_person: Table[Person] = Table("hrmperson")  # id: fødselsnummer
        self.personalressurs: Table[Personalressurs] = Table("personalressurs", prefix="", offset=500_001)
        self.arbeidsforhold: Table[Arbeidsforhold] = Table("arbeidsforhold", prefix="AF-", offset=9001)
        self.skoleressurs: Table[Skoleressurs] = Table("skoleressurs", prefix="SR-", offset=1001)
        self.uf: Table[Undervisningsforhold] = Table("undervisningsforhold", prefix="UF-", offset=1001)

    # --- clock and stamps ---------------------------------------------------

    def all_tables(self) -> list[Table[Any]]:
        return [
            *self.codes.values(),
            self.org,
            self.skole,
            self.trinn,
            self.fag,
            self.person,
            self.elev,
            self.elevforhold,
            self.basis,
            self.ug,
            self.klg,
            self.bgm,
            self.ugm,
            self.kgm,
            self.hrm_person,
            self.personalressurs,
            self.arbeidsforhold,
            self.skoleressurs,
            self.uf,
        ]

    def tick(self) -> int:
        """Start a new change: a stamp later than every earlier one, close to the wall clock."""
        self.stamp = max(now_ms(), self.stamp + 1)
        return self.stamp

    def seal(self) -> None:
        """Generation is done: from now on changes are stamped and logged."""
        for table in self.all_tables():
            table.seal(self.stamp)
        self.live = True

    def touch(self, table: Table[Any], pos: int) -> None:
        if self.live:
            table.touch(pos, self.stamp)

    @property
    def today_iso(self) -> str:
        return iso(self.today)

    # --- memberships --------------------------------------------------------

    def group_tables(self, kind: GroupKind) -> tuple[Table[Group], Table[Membership]]:
        if kind == "basis":
            return self.basis, self.bgm
        if kind == "ug":
            return self.ug, self.ugm
        return self.klg, self.kgm

    def add_membership(self, kind: GroupKind, group: int, ef: int, start: str, slutt: str | None) -> int:
        """Put elevforhold ``ef`` in ``group``; both ends get the new link."""
        groups, members = self.group_tables(kind)
        pos = members.add(Membership(group, ef, start, slutt), self.stamp)
        groups.rows[group].members.append(pos)
        getattr(self.elevforhold.rows[ef], kind).append(pos)
        self.touch(groups, group)
        self.touch(self.elevforhold, ef)
        return pos

    def end_elevforhold(self, ef: int, slutt: str) -> None:
        """The pupil leaves: the relation and all its memberships end on ``slutt``."""
        forhold = self.elevforhold.rows[ef]
        forhold.slutt = slutt
        self.touch(self.elevforhold, ef)
        for kind in ("basis", "ug", "klg"):
            _, members = self.group_tables(kind)
            for pos in getattr(forhold, kind):
                members.rows[pos].slutt = slutt
                self.touch(members, pos)

    # --- teaching -----------------------------------------------------------

    def teach(self, uf: int, kind: GroupKind, group: int) -> None:
        """Undervisningsforhold ``uf`` teaches ``group`` (both ends get the link)."""
        groups, _ = self.group_tables(kind)
        links: list[int] = getattr(self.uf.rows[uf], kind)
        if group in links:
            return
        links.append(group)
        groups.rows[group].teachers.append(uf)
        self.touch(self.uf, uf)
        self.touch(groups, group)

    def stop_teaching(self, uf: int) -> None:
        """Take every group away from ``uf`` (the teacher left the school)."""
        forhold = self.uf.rows[uf]
        for kind in ("basis", "ug", "klg"):
            groups, _ = self.group_tables(kind)
            for group in getattr(forhold, kind):
                groups.rows[group].teachers.remove(uf)
                self.touch(groups, group)
            getattr(forhold, kind).clear()
        self.touch(self.uf, uf)

    def add_arbeidsforhold(self, af: Arbeidsforhold) -> int:
        pos = self.arbeidsforhold.add(af, self.stamp)
        self.personalressurs.rows[af.pr].arbeidsforhold.append(pos)
        self.org.rows[af.org].arbeidsforhold.append(pos)
        self.touch(self.personalressurs, af.pr)
        self.touch(self.org, af.org)
        return pos

    def add_undervisningsforhold(self, sr: int, af: int, school: int, hovedskole: bool) -> int:
        """A teaching relation for skoleressurs ``sr`` at ``school``, backed by arbeidsforhold ``af``."""
        navn = self.skole.rows[school].navn
        pos = self.uf.add(Undervisningsforhold(sr, af, school, hovedskole, f"Undervisning ved {navn}"), self.stamp)
        self.arbeidsforhold.rows[af].uf = pos
        self.skoleressurs.rows[sr].uf.append(pos)
        self.skole.rows[school].uf.append(pos)
        self.join_school(sr, school)
        for table, row in ((self.arbeidsforhold, af), (self.skoleressurs, sr), (self.skole, school)):
            self.touch(table, row)
        return pos

    def join_school(self, sr: int, school: int) -> None:
        ressurs = self.skoleressurs.rows[sr]
        if school not in ressurs.schools:
            ressurs.schools.append(school)
            self.skole.rows[school].skoleressurs.append(sr)
            self.touch(self.skoleressurs, sr)
            self.touch(self.skole, school)

    def leave_school(self, sr: int, school: int) -> None:
        ressurs = self.skoleressurs.rows[sr]
        if school in ressurs.schools:
            ressurs.schools.remove(school)
            self.skole.rows[school].skoleressurs.remove(sr)
            self.touch(self.skoleressurs, sr)
            self.touch(self.skole, school)

    def advance_day(self, rng: random.Random | None = None) -> DayReport:
        """Move one simulated day forward with realistic changes (see :mod:`.day`)."""
        from edusync.sandbox.fint.day import advance_day  # the day builds on this module

        return advance_day(self, rng)

    # --- counts -------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Rows per table, for the CLI banner and the admin API."""
        return {table.name: len(table) for table in self.all_tables()}
