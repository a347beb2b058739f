"""Which FINT classes the sandbox serves: path, table, renderer and identifier fields.

A *view* is one FINT endpoint. Two views may share a table: ``basisgruppe`` (v3)
and ``klasse`` (v4) are the same groups with different link names, and so are
their membership classes, exactly as a source system upgrading between model
versions would serve them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from edusync.sandbox.fint import hal
from edusync.sandbox.fint import render_admin as ra
from edusync.sandbox.fint import render_elev as re_
from edusync.sandbox.fint import render_groups as rg
from edusync.sandbox.fint.county import County
from edusync.sandbox.fint.render_elev import FastRenderer, Renderer
from edusync.sandbox.fint.table import Table

KeyGetter = Callable[[Any], "str | None"]


@dataclass(frozen=True)
class View:
    """One FINT endpoint over one table."""

    path: str
    table: Callable[[County], Table[Any]]
    render: Renderer
    primary: str = "systemid"  # the identifier field links use, lower case
    keys: Mapping[str, KeyGetter] = field(default_factory=dict)  # further identifier routes
    fast: FastRenderer | None = None  # same JSON as ``render``, many rows at once

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    def find(self, county: County, field_name: str, value: str) -> int | None:
        """Position of the object whose identifier ``field_name`` is ``value``."""
        table = self.table(county)
        field_name = field_name.lower()
        if field_name == self.primary:
            return table.find(value)
        getter = self.keys.get(field_name)
        if getter is None:
            return None
        return table.lookup(field_name, value, getter)


def _code(path: str, table: str, attr: str) -> View:
    return View(path, lambda c: c.codes[table], rg.code(table, attr))


VIEWS: tuple[View, ...] = (
    View(
        hal.ELEV,
        lambda c: c.elev,
        re_.elev,
        keys={
            "feidenavn": lambda r: r.feidenavn,
            "elevnummer": lambda r: r.elevnummer,
            "brukernavn": lambda r: r.brukernavn,
        },
    ),
    View(hal.PERSON, lambda c: c.person, re_.person, primary="fodselsnummer"),
    View(hal.ELEVFORHOLD, lambda c: c.elevforhold, re_.elevforhold),
    View(hal.BASISGRUPPE, lambda c: c.basis, rg.basisgruppe),
    View(hal.KLASSE, lambda c: c.basis, rg.klasse),
    View(hal.BASISGRUPPEMEDLEMSKAP, lambda c: c.bgm, re_.basisgruppemedlemskap, fast=re_.basisgruppemedlemskap_json),
    View(hal.KLASSEMEDLEMSKAP, lambda c: c.bgm, re_.klassemedlemskap, fast=re_.klassemedlemskap_json),
    View(hal.KONTAKTLARERGRUPPE, lambda c: c.klg, rg.kontaktlarergruppe),
    View(
        hal.KONTAKTLARERGRUPPEMEDLEMSKAP,
        lambda c: c.kgm,
        re_.kontaktlarergruppemedlemskap,
        fast=re_.kontaktlarergruppemedlemskap_json,
    ),
    View(hal.SKOLERESSURS, lambda c: c.skoleressurs, ra.skoleressurs, keys={"feidenavn": lambda r: r.feidenavn}),
    View(hal.UNDERVISNINGSFORHOLD, lambda c: c.uf, ra.undervisningsforhold),
    View(hal.UNDERVISNINGSGRUPPE, lambda c: c.ug, rg.undervisningsgruppe),
    View(
        hal.UNDERVISNINGSGRUPPEMEDLEMSKAP,
        lambda c: c.ugm,
        re_.undervisningsgruppemedlemskap,
        fast=re_.undervisningsgruppemedlemskap_json,
    ),
    View(hal.FAG, lambda c: c.fag, rg.fag),
    View(
        hal.SKOLE,
        lambda c: c.skole,
        rg.skole,
        keys={
            "skolenummer": lambda r: r.skolenummer,
            "organisasjonsnummer": lambda r: r.orgnr,
        },
    ),
    View(hal.ARSTRINN, lambda c: c.trinn, rg.arstrinn),
    _code(hal.SKOLEAR, "skolear", "skolear"),
    _code(hal.TERMIN, "termin", "termin"),
    _code(hal.ELEVKATEGORI, "elevkategori", "elevkategori"),
    View(
        hal.PERSONALRESSURS,
        lambda c: c.personalressurs,
        ra.personalressurs,
        keys={
            "ansattnummer": lambda r: r.ansattnummer,
            "brukernavn": lambda r: r.brukernavn,
        },
    ),
    View(hal.ARBEIDSFORHOLD, lambda c: c.arbeidsforhold, ra.arbeidsforhold),
    View(hal.HRM_PERSON, lambda c: c.hrm_person, ra.hrm_person, primary="fodselsnummer"),
    View(
        hal.ORGANISASJONSELEMENT,
        lambda c: c.org,
        ra.organisasjonselement,
        primary="organisasjonsid",
        keys={"organisasjonskode": lambda r: r.kode, "organisasjonsnummer": lambda r: r.orgnr},
    ),
    _code(hal.STILLINGSKODE, "stillingskode", "stillingskode"),
    _code(hal.ARBEIDSFORHOLDSTYPE, "arbeidsforholdstype", "arbeidsforholdstype"),
    _code(hal.PERSONALRESSURSKATEGORI, "personalressurskategori", "personalressurskategori"),
)

BY_PATH: dict[str, View] = {view.path: view for view in VIEWS}
