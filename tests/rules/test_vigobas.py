"""The VIGO-BAS rules extensions, one behaviour each."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from edusync.model import fnr
from edusync.rules import vigobas as v
from edusync.rules.registry import get_rule

ROLES = ["elevforhold@39001", "skoleressurs@39002", "undervisningsforhold@39002"]
CLASSES = [
    {"ref": "/bg/1", "navn": "1STA", "skole": "39001", "hovedskole": True},
    {"ref": "/bg/2", "navn": "2STB", "skole": "39003", "hovedskole": False},
]


@pytest.mark.parametrize(
    ("raw", "first", "last"),
    [
        ("  ola   nordmann ", "Ola Nordmann", "Ola Nordmann"),
        ("ÅSE-MARIT", "Åse-Marit", "Åse-Marit"),
        ("van der berg", "Van Der Berg", "Van der Berg"),
        ("McDonald", "McDonald", "McDonald"),
        ("Per2 #Olsen", "Per Olsen", "Per Olsen"),
        ("o'brien", "O'Brien", "O'Brien"),
        ("   ", None, None),
        (None, None, None),
    ],
)
def test_clean_names(raw: str | None, first: str | None, last: str | None) -> None:
    assert v.clean_firstname(raw) == first
    assert v.clean_lastname(raw) == last


def test_pifu_names_keep_norwegian_letters_and_drop_accents() -> None:
    assert v.pifu_firstname("josé ærlig") == "Jose Ærlig"
    assert v.pifu_lastname("Øvergård-Šimić") == "Øvergård-Simic"
    assert len(v.pifu_lastname("a" * 100) or "") == 64


def test_ssn_validation() -> None:
    assert v.ssn_validation(fnr.generate(dt.date(2010, 5, 17), random.Random(3))) == "valid"
    assert v.ssn_validation("12345678901") == "invalid"
    assert v.ssn_validation(None) == "missing"


def test_class_groups() -> None:
    assert v.class_groups_single(CLASSES, ROLES) == "1STA@39001;2STB@39003"
    assert v.primary_class_group(CLASSES, ROLES) == "1STA", "the class at a school where the person is a pupil"
    assert v.primary_class_group(CLASSES, ["elevforhold@39003"]) == "2STB"
    assert v.contact_teacher_group([], ROLES) is None
    assert v.class_groups_single(None, ROLES) is None


def test_group_names() -> None:
    assert v.unique_group_name("1STA", "Evastrøm vgs") == "1STA (Evastrøm vgs)"
    assert v.unique_group_name("1STA", None) == "1STA"
    assert v.orgunit_group_displayname("Elev", "Evastrøm vgs") == "Elever ved Evastrøm vgs"
    assert v.orgunit_group_displayname("Lærer", "Evastrøm vgs") == "Lærere ved Evastrøm vgs"
    assert v.school_code(" 1234 ") == "01234"


def test_primary_role_and_affiliation_follow_the_seed() -> None:
    assert v.primary_role(ROLES) == "Elev"
    assert v.primary_role(["undervisningsforhold@39002"]) == "Ansatt"
    assert v.primary_role([]) is None
    assert v.primary_affiliation(ROLES) == "student"
    assert v.primary_affiliation(["skoleressurs@1", "undervisningsforhold@1"]) == "faculty"
    assert v.primary_affiliation(["skoleressurs@1"]) == "staff"
    assert v.affiliations(["skoleressurs@1"]) == ["employee", "member", "staff"]


def test_company_is_the_primary_school() -> None:
    names = {"39001": "Evastrøm vgs", "39002": "Solheim vgs"}
    assert v.company(ROLES, names, "39001") == "Evastrøm vgs"
    assert v.company(["skoleressurs@39002"], names, None) == "Solheim vgs"
    assert v.company([], names, None) is None


def test_single_values_and_feide_name() -> None:
    assert v.units_single(["/s/1", "/s/2"]) == "/s/1;/s/2"
    assert v.unit_user_type_single(ROLES) == "39001:Elev;39002:Ansatt;39002:Lærer"
    assert v.feide_name(" OlaN ", "Fjordheim.no") == "olan@fjordheim.no"
    assert v.feide_name(None, "x.no") is None


def test_rules_are_registered_by_name() -> None:
    assert get_rule("vigobas_primary_role")(None, ROLES) == "Elev"  # type: ignore[arg-type]
