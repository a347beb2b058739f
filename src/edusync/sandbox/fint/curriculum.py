"""Fixed reference data for the synthetic county: subjects, programmes, code lists.

Codes and names are plausible, not official (the real Grep and KS code lists
are far longer); what matters to edusync is that they look and link like the
real ones, including æøå in names.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

#: Upper secondary levels (Arstrinn): name, description.
TRINN = (("VG1", "Videregående trinn 1"), ("VG2", "Videregående trinn 2"), ("VG3", "Videregående trinn 3"))

#: Programme letters used in class names (1STA, 2ELB …).
PROGRAMMES = ("ST", "ST", "ST", "EL", "HO", "TP", "BA", "IM", "SS", "MK", "ID", "RM")

#: Subjects: code, description.
FAG = (
    ("NOR1211", "Norsk"),
    ("MAT1019", "Matematikk 1T"),
    ("MAT1021", "Matematikk 1P"),
    ("ENG1007", "Engelsk"),
    ("NAT1007", "Naturfag"),
    ("SAK1001", "Samfunnskunnskap"),
    ("GEO1003", "Geografi"),
    ("KRO1017", "Kroppsøving"),
    ("FSP6218", "Tysk nivå II"),
    ("FSP6220", "Spansk nivå II"),
    ("FSP6222", "Fransk nivå II"),
    ("HIS1010", "Historie"),
    ("REL1003", "Religion og etikk"),
    ("MAT1023", "Matematikk 2P"),
    ("NOR1260", "Norsk sidemål"),
    ("REA3056", "Matematikk R1"),
    ("REA3058", "Matematikk R2"),
    ("REA3060", "Matematikk S1"),
    ("FYS1001", "Fysikk 1"),
    ("FYS1002", "Fysikk 2"),
    ("KJE1001", "Kjemi 1"),
    ("KJE1002", "Kjemi 2"),
    ("BIO1001", "Biologi 1"),
    ("BIO1002", "Biologi 2"),
    ("SAM3072", "Sosiologi og sosialantropologi"),
    ("SAM3074", "Psykologi 1"),
    ("SAM3076", "Rettslære 1"),
    ("SAM3078", "Politikk og menneskerettigheter"),
    ("ØKO1001", "Økonomistyring"),
    ("ØKO1003", "Markedsføring og ledelse 1"),
    ("ØKO1005", "Entreprenørskap og bedriftsutvikling 1"),
    ("INF1001", "Informasjonsteknologi 1"),
    ("INF1003", "Programmering 1"),
    ("INF1005", "Programmering 2"),
    ("ENG1011", "Engelsk 1"),
    ("ENG1013", "Samfunnsfaglig engelsk"),
    ("GEF1001", "Geofag 1"),
    ("TEK1001", "Teknologi og forskningslære 1"),
    ("KRO3001", "Toppidrett 1"),
    ("MUS1001", "Musikk fordypning 1"),
)

#: Per trinn: indices into FAG taken by every class, and the electives each pupil picks from.
COMMON = (
    (0, 1, 3, 4, 5, 6, 7, 8, 9, 10),
    (0, 2, 3, 7, 8, 9, 10, 11, 13, 14),
    (0, 7, 11, 12, 14, 8, 9, 10, 3, 6),
)
ELECTIVES = (
    tuple(range(15, 40, 2)),
    tuple(range(15, 40)),
    tuple(range(16, 40)),
)
#: Electives per pupil per trinn; with the common subjects that is ~15 teaching groups a pupil.
ELECTIVE_PICKS = (4, 5, 5)

ELEVKATEGORI = (("E", "Elev"), ("L", "Lærekandidat"), ("P", "Privatist"), ("V", "Voksenopplæring"))
STILLINGSKODE = (
    ("7948", "Rektor"),
    ("7949", "Assisterende rektor"),
    ("7951", "Avdelingsleder"),
    ("7954", "Lektor"),
    ("7955", "Lektor med tilleggsutdanning"),
    ("7956", "Adjunkt"),
    ("7957", "Adjunkt med tilleggsutdanning"),
    ("1065", "Konsulent"),
    ("1408", "Førstekonsulent"),
    ("1434", "Rådgiver"),
    ("1364", "Seniorrådgiver"),
    ("8108", "Elevassistent"),
)
ARBEIDSFORHOLDSTYPE = (("F", "Fast"), ("M", "Midlertidig"), ("V", "Vikariat"), ("T", "Timelønnet"))
PERSONALRESSURSKATEGORI = (("F", "Fast ansatt"), ("M", "Midlertidig ansatt"), ("T", "Timelønnet"))
TERMIN = (("H1", "1. termin"), ("H2", "2. termin"))

# Positions in the tables built from the tuples above.
KODE_REKTOR, KODE_LEKTOR, KODE_ADJUNKT, KODE_KONSULENT, KODE_RADGIVER, KODE_ASSISTENT = 0, 3, 5, 7, 9, 11
TYPE_FAST, TYPE_MIDLERTIDIG, TYPE_VIKAR = 0, 1, 2

COUNTY_NAMES = ("Fjordheim", "Nordvika", "Sørmarka", "Vestre Ås", "Østerdal", "Havbygd", "Fjellrike")
COUNTY_CODES = ("39", "40", "42", "46", "50", "55", "56")
REGIONS = (
    "Region Nord",
    "Region Sør",
    "Region Øst",
    "Region Vest",
    "Region Midt",
    "Region Kyst",
    "Region Innland",
    "Region Fjord",
    "Region Fjell",
    "Region By",
)


@dataclass(frozen=True, slots=True)
class SchoolYear:
    """The school year ``today`` falls in, and its neighbours."""

    start: dt.date
    end: dt.date

    @classmethod
    def around(cls, today: dt.date) -> SchoolYear:
        year = today.year if today >= dt.date(today.year, 8, 1) else today.year - 1
        return cls(dt.date(year, 8, 18), dt.date(year + 1, 6, 20))

    @property
    def kode(self) -> str:
        return f"{self.start.year}{self.end.year}"

    @property
    def navn(self) -> str:
        return f"{self.start.year}/{self.end.year}"

    def shifted(self, years: int) -> SchoolYear:
        return SchoolYear(
            self.start.replace(year=self.start.year + years), self.end.replace(year=self.end.year + years)
        )
