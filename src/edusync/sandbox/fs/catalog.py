"""Fixed vocabulary the generator draws from: subject areas, assessment forms, buildings.

Kept apart from the generator so the word lists do not drown its logic. ``SØK`` is a real-looking
emnekode prefix with a non-ASCII letter on purpose: exam keys then need proper URL encoding.
"""

from __future__ import annotations

from dataclasses import dataclass

from edusync.sandbox.fs.scales import Scale


@dataclass(frozen=True, slots=True)
class Area:
    prefix: str
    fag: str
    topics: tuple[str, ...]


AREAS: tuple[Area, ...] = (
    Area("INF", "informatikk", ("programmering", "algoritmer", "maskinlæring", "databaser")),
    Area("SØK", "samfunnsøkonomi", ("mikroøkonomi", "makroøkonomi", "økonometri", "offentlig økonomi")),
    Area("MAT", "matematikk", ("kalkulus", "lineær algebra", "analyse", "tallteori")),
    Area("FYS", "fysikk", ("mekanikk", "elektromagnetisme", "kvantefysikk", "termodynamikk")),
    Area("KJM", "kjemi", ("organisk kjemi", "analytisk kjemi", "biokjemi", "materialkjemi")),
    Area("BIO", "biologi", ("økologi", "genetikk", "cellebiologi", "marinbiologi")),
    Area("GEO", "geofag", ("geologi", "meteorologi", "oseanografi", "klimasystemet")),
    Area(
        "PSY",
        "psykologi",
        ("kognitiv psykologi", "utviklingspsykologi", "sosialpsykologi", "forskningsmetode"),
    ),
    Area("SOS", "sosiologi", ("sosiologisk teori", "kvalitativ metode", "arbeidslivet", "migrasjon")),
    Area("HIS", "historie", ("norsk historie", "antikken", "middelalderen", "moderne historie")),
    Area("NOR", "nordisk språk og litteratur", ("norrønt", "språkhistorie", "litteraturteori", "dialektologi")),
    Area("ENG", "engelsk", ("grammatikk", "britisk litteratur", "amerikansk litteratur", "fonetikk")),
    Area("JUS", "rettsvitenskap", ("forvaltningsrett", "strafferett", "avtalerett", "folkerett")),
    Area("MED", "medisin", ("anatomi", "fysiologi", "farmakologi", "samfunnsmedisin")),
    Area("SYK", "sykepleie", ("klinisk sykepleie", "helseetikk", "folkehelse", "sykdomslære")),
    Area("PED", "pedagogikk", ("læringsteori", "didaktikk", "spesialpedagogikk", "skoleledelse")),
    Area("STK", "statistikk", ("sannsynlighetsregning", "regresjon", "bayesiansk statistikk", "tidsrekker")),
    Area("FIL", "filosofi", ("etikk", "logikk", "erkjennelsesteori", "politisk filosofi")),
    Area(
        "STV",
        "statsvitenskap",
        ("komparativ politikk", "internasjonal politikk", "offentlig politikk", "valg"),
    ),
    Area("MEVIT", "medievitenskap", ("journalistikk", "digitale medier", "filmanalyse", "medieøkonomi")),
    Area("ARK", "arkeologi", ("steinalderen", "bronsealderen", "feltarkeologi", "vikingtiden")),
    Area("MUS", "musikkvitenskap", ("musikkteori", "musikkhistorie", "komposisjon", "etnomusikologi")),
)

TITLE_PATTERNS: tuple[str, ...] = (
    "Innføring i {t}",
    "Videregående {t}",
    "Metoder i {t}",
    "Emner i {t}",
    "Prosjektoppgave i {t}",
    "Seminar i {t}",
    "{T} for lærere",
    "Praksis i {t}",
)


@dataclass(frozen=True, slots=True)
class AssessmentForm:
    """A vurderingskombinasjon kind: its code, title, weight and which scales it uses how often."""

    kode: str
    tittel: str
    weight: int
    scales: tuple[tuple[Scale, int], ...]
    in_room: bool  # sat in an exam room, so candidates get an oppmøte place


FORMS: tuple[AssessmentForm, ...] = (
    AssessmentForm("SKR", "Skriftlig eksamen", 45, ((Scale.BOKSTAV, 90), (Scale.TALL, 5), (Scale.BESTATT, 5)), True),
    AssessmentForm("HJEM", "Hjemmeeksamen", 20, ((Scale.BOKSTAV, 85), (Scale.BESTATT, 15)), False),
    AssessmentForm("MUNT", "Muntlig eksamen", 10, ((Scale.BOKSTAV, 70), (Scale.BESTATT, 30)), True),
    AssessmentForm("OPPG", "Oppgave", 10, ((Scale.BOKSTAV, 50), (Scale.GODKJENT, 50)), False),
    AssessmentForm("MAPPE", "Mappevurdering", 10, ((Scale.BOKSTAV, 80), (Scale.BESTATT, 20)), False),
    AssessmentForm("PRAKS", "Praksis", 5, ((Scale.BESTATT, 50), (Scale.GODKJENT, 50)), False),
)

FORMS_BY_CODE = {f.kode: f for f in FORMS}

BUILDINGS: tuple[tuple[str, str], ...] = (
    ("EKS", "Eksamenshallen"),
    ("RFB", "Realfagbygget"),
    ("SFB", "Samfunnsfagbygget"),
    ("UB", "Universitetsbiblioteket"),
    ("HVB", "Helsevitenskapsbygget"),
    ("TEK", "Teknologibygget"),
)

ROOM_NAMES: tuple[str, ...] = ("Auditorium", "Sal", "Lesesal", "Grupperom", "Eksamenssal")

EQUIPMENT: tuple[str, ...] = (
    "PC-er med låst nettleser",
    "Skrivepulter",
    "Projektor og skrivepulter",
    "PC-er og skriver",
)

PROGRAMME_LEVELS: tuple[tuple[str, str, int], ...] = (
    ("BA", "Bachelorprogram i {fag}", 3),
    ("MA", "Masterprogram i {fag}", 2),
    ("ÅRS", "Årsstudium i {fag}", 1),
    ("PHD", "Ph.d.-program i {fag}", 3),
)

EXTERNAL_REALMS: tuple[str, ...] = ("annen-hogskole.example", "nabo-universitet.example")
