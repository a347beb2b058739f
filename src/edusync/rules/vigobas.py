"""The VIGO-BAS rules extensions (VigoBAS.Flow.dll's FINTEduMA_* flows), as rule functions.

Inputs are the FINT connector's attributes (``RolleOgSkole`` as ``role@skolenummer``
values; ``ElevforholdBasisgruppe`` and ``ElevforholdKontaktlarergruppe`` as lists of
``{ref, navn, skole, hovedskole}`` with the main school's groups first).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from edusync.model import fnr
from edusync.rules.registry import rule

_SPACES = re.compile(r"\s+")
# Letters (any script), space, hyphen, apostrophe and full stop survive; digits and symbols do not.
_NOT_NAME = re.compile(r"[^\w\s'.-]|[\d_]")
_PARTICLES = {"av", "da", "de", "del", "den", "der", "di", "du", "la", "le", "van", "von"}
_PIFU_KEEP = set("æøåÆØÅ")
ROLE_ELEV, ROLE_ANSATT, ROLE_LARER = "elevforhold", "skoleressurs", "undervisningsforhold"


def _roles(values: Any) -> list[tuple[str, str]]:
    out = []
    for value in values or ():
        role, _, school = str(value).partition("@")
        out.append((role, school))
    return out


def _fix_case(word: str, first: bool) -> str:
    """Names typed in capitals or in lower case get a capital per part; mixed case (McDonald) stays."""
    if not first and word.lower() in _PARTICLES:
        return word.lower()
    if word.isupper() or word.islower():
        return "-".join("'".join(p[:1].upper() + p[1:].lower() for p in part.split("'")) for part in word.split("-"))
    return word


def _clean(value: Any, *, surname: bool) -> str | None:
    if value is None:
        return None
    text = _NOT_NAME.sub("", unicodedata.normalize("NFC", str(value)))
    text = re.sub(r"\s*-\s*", "-", _SPACES.sub(" ", text)).strip(" -'.")
    if not text:
        return None
    words = text.split(" ")
    return " ".join(_fix_case(w, i == 0 or not surname) for i, w in enumerate(words))


@rule("vigobas_clean_firstname")
def clean_firstname(value: Any) -> str | None:
    """FINTEduMA_cleanFirstname: trimmed, single spaces, no digits or symbols, capitalised parts."""
    return _clean(value, surname=False)


@rule("vigobas_clean_lastname")
def clean_lastname(value: Any) -> str | None:
    """FINTEduMA_cleanLastName: as the first name, but particles (van, de, von…) stay lower case."""
    return _clean(value, surname=True)


def _pifu(text: str | None) -> str | None:
    """PIFU receivers take Latin letters: accents are dropped, æ, ø and å are kept."""
    if text is None:
        return None
    out = []
    for ch in text:
        if ch in _PIFU_KEEP or ch.isascii():
            out.append(ch)
        else:
            out.append("".join(c for c in unicodedata.normalize("NFKD", ch) if c.isascii()))
    return "".join(out)[:64] or None


@rule("vigobas_pifu_firstname")
def pifu_firstname(value: Any) -> str | None:
    """FINTEduMA_cleanPifuFirstName: the clean first name in PIFU's character set, at most 64 characters."""
    return _pifu(clean_firstname(value))


@rule("vigobas_pifu_lastname")
def pifu_lastname(value: Any) -> str | None:
    """FINTEduMA_cleanPifuLastName."""
    return _pifu(clean_lastname(value))


@rule("vigobas_ssn_validation")
def ssn_validation(value: Any) -> str:
    """FINTEduMA_setBasSSNValidation: ``valid``, ``invalid`` (checksum or date) or ``missing``."""
    if value in (None, ""):
        return "missing"
    return "valid" if fnr.is_valid(str(value)) else "invalid"


def _group_names(groups: Any) -> list[str]:
    return [f"{g.get('navn')}@{g.get('skole')}" for g in groups or () if g.get("navn")]


@rule("vigobas_class_groups_single")
def class_groups_single(groups: Any, roles: Any = None) -> str | None:
    """FINTEduMA_classGroupsAsSingleValue: every class as ``navn@skolenummer``, main school first, ``;``-joined."""
    return ";".join(_group_names(groups)) or None


def _primary(groups: Any, roles: Any) -> str | None:
    pupil_schools = {s for r, s in _roles(roles) if r == ROLE_ELEV}
    for g in groups or ():
        if roles is None or g.get("skole") in pupil_schools:
            return str(g.get("navn")) if g.get("navn") else None
    return None


@rule("vigobas_primary_class_group")
def primary_class_group(groups: Any, roles: Any = None) -> str | None:
    """FINTEduMA_setbasPrimaryClassGroup: the class at the main school (``hovedskole``)."""
    return _primary(groups, roles)


@rule("vigobas_contact_teacher_group")
def contact_teacher_group(groups: Any, roles: Any = None) -> str | None:
    """FINTEduMA_setbasContactTeacherGroup: the contact teacher group at the main school."""
    return _primary(groups, roles)


@rule("vigobas_unique_group_name")
def unique_group_name(name: Any, school_name: Any) -> str | None:
    """FINTEduMA_setUniqueGroupname: the same class name exists at many schools, so the school is added."""
    if not name:
        return None
    return f"{str(name).strip()} ({str(school_name).strip()})" if school_name else str(name).strip()


_UNIT_LABEL = {"Elev": "Elever", "Ansatt": "Ansatte", "Lærer": "Lærere"}


@rule("vigobas_orgunit_group_displayname")
def orgunit_group_displayname(group_type: Any, school_name: Any) -> str | None:
    """FINTEduMA_setDisplaynameOrgUnitGroup: ``Elever ved <skole>``, ``Ansatte ved …``, ``Lærere ved …``."""
    if not group_type or not school_name:
        return None
    return f"{_UNIT_LABEL.get(str(group_type), str(group_type))} ved {school_name}"


@rule("vigobas_school_code")
def school_code(value: Any) -> str | None:
    """FINTEduMA_setbasSchoolCode: the VIGO school number without spaces, five digits."""
    if value in (None, ""):
        return None
    digits = re.sub(r"\s+", "", str(value))
    return digits.zfill(5) if digits.isdigit() else digits


@rule("vigobas_primary_role")
def primary_role(roles: Any) -> str | None:
    """The seed's primary-role rule: ``Elev`` when any role is an elevforhold, otherwise ``Ansatt``."""
    found = [r for r, _ in _roles(roles)]
    if not found:
        return None
    return "Elev" if ROLE_ELEV in found else "Ansatt"


@rule("vigobas_primary_affiliation")
def primary_affiliation(roles: Any) -> str | None:
    """FINTEduMA_setEduPersonPrimaryAffiliation: student, else faculty (teaches), else staff."""
    found = {r for r, _ in _roles(roles)}
    if ROLE_ELEV in found:
        return "student"
    if ROLE_LARER in found:
        return "faculty"
    return "staff" if ROLE_ANSATT in found else None


@rule("vigobas_affiliations")
def affiliations(roles: Any) -> list[str] | None:
    """Every eduPersonAffiliation the roles give (faculty and staff are also employee and member)."""
    found = {r for r, _ in _roles(roles)}
    out = set()
    if ROLE_ELEV in found:
        out |= {"student", "member"}
    if ROLE_LARER in found:
        out |= {"faculty", "employee", "member"}
    if ROLE_ANSATT in found:
        out |= {"staff", "employee", "member"}
    return sorted(out) or None


@rule("vigobas_company")
def company(roles: Any, school_names: Any, main_school: Any = None) -> str | None:
    """FINTEduMA_setCompany: the name of the person's primary school (the main school for pupils)."""
    names = school_names or {}
    parsed = _roles(roles)
    order = [s for r, s in parsed if r == ROLE_ELEV] + [s for r, s in parsed if r != ROLE_ELEV]
    if main_school and main_school in names and any(r == ROLE_ELEV for r, _ in parsed):
        return str(names[main_school])
    return next((str(names[s]) for s in order if names.get(s)), None)


@rule("vigobas_units_single")
def units_single(units: Any) -> str | None:
    """FINTEduMA_orgUnitsToUnitsAsSingleValue: every org unit reference, ``;``-joined."""
    return ";".join(str(u) for u in units or ()) or None


@rule("vigobas_unit_user_type_single")
def unit_user_type_single(roles: Any) -> str | None:
    """FINTEduMA_unitUserTypeAsSingleValue: ``skolenummer:Elev`` per role, ``;``-joined."""
    label = {ROLE_ELEV: "Elev", ROLE_ANSATT: "Ansatt", ROLE_LARER: "Lærer"}
    values = sorted({f"{s}:{label.get(r, r)}" for r, s in _roles(roles)})
    return ";".join(values) or None


@rule("vigobas_feide_name")
def feide_name(username: Any, realm: Any) -> str | None:
    """A Feide name for one who has none yet: the user name at the county's realm, lower case."""
    if not username or not realm:
        return None
    return f"{str(username).strip().lower()}@{str(realm).strip().lower()}"
