"""From the graph to the agent's connector-space objects (attribute names as in VIGO-BAS).

eduOrg (the county), eduOrgUnit (schools), eduGroup (basis-, teaching and contact
teacher groups), eduOrgUnitGroup (pupils, staff and teachers of a school), eduPerson,
and the memberships edusync keeps first-class: eduMembership (in an eduGroup) and
eduOrgUnitMembership (in an eduOrgUnitGroup).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from edusync.connectors.base import VALID_UNTIL
from edusync.connectors.fint import criteria as c
from edusync.connectors.fint.graph import Graph, Obj, ident, period
from edusync.connectors.fint.people import GROUP_KINDS, Person, address, anchor, contact, date_only, school_number

Attrs = dict[str, Any]
UNIT_GROUPS = {"elevforhold": ("elever", "Elev"), "skoleressurs": ("ansatte", "Ansatt"),
               "undervisningsforhold": ("larere", "Lærer")}  # fmt: skip


def county(g: Graph) -> Obj | None:
    """The top org unit (the skoleeier is its own ``overordnet``)."""
    units = g.of_kind("organisasjonselement")
    for unit in units:
        if unit["_path"] in g.rel(unit, "overordnet") or not g.rel(unit, "overordnet"):
            return unit
    return units[0] if units else None


def org_record(g: Graph) -> tuple[str, Attrs] | None:
    top = county(g)
    if top is None:
        return None
    attrs: Attrs = {
        "OrganisasjonOrganisasjonsId": ident(top, "organisasjonsId"),
        "OrganisasjonOrganisasjonsIdUri": top["_path"],
        "OrganisasjonNavn": top.get("navn"),
        "OrganisasjonOrganisasjonsnavn": top.get("organisasjonsnavn"),
        "OrganisasjonOrganisasjonnummer": ident(top, "organisasjonsnummer"),
        "OrganisasjonOrganisasjonsnummer": ident(top, "organisasjonsnummer"),
    }
    contact(top, "Organisasjon", attrs)
    return top["_path"], attrs


def school_record(g: Graph, school: Obj, owner: str | None) -> Attrs:
    attrs: Attrs = {
        "systemIdUri": school["_path"],
        "SkoleSystemId": ident(school, "systemId"),
        "SkoleSkolenummer": ident(school, "skolenummer"),
        "SkoleNavn": school.get("navn"),
        "SkoleJuridiskNavn": school.get("juridiskNavn"),
        "SkoleOrganisasjonsnavn": school.get("organisasjonsnavn"),
        "SkoleOrganisasjonsnummer": ident(school, "organisasjonsnummer"),
        "SkoleDomenenavn": school.get("domenenavn"),
        "Skoleeier": owner,
    }
    contact(school, "Skole", attrs)
    address(school, "forretningsadresse", "SkoleForretningsadresse", attrs)
    return _clean(attrs)


def group_records(g: Graph) -> Iterator[tuple[str, Attrs]]:
    for kind, _ in GROUP_KINDS:
        for grp in g.of_kind(kind):
            school_path = next(iter(g.rel(grp, "skole")), None)
            school = g.get(school_path)
            start, end = period(grp, "periode")
            fag = [f for p in g.rel(grp, "fag") if (f := g.get(p))]
            attrs: Attrs = {
                "GruppeSystemIdUri": grp["_path"],
                "GruppeSystemId": ident(grp, "systemId"),
                "GruppeNavn": grp.get("navn"),
                "GruppeBeskrivelse": grp.get("beskrivelse"),
                "GruppePeriodeStart": start,
                "GruppePeriodeSlutt": end,
                "GruppeSkoleRef": school_path,
                "GruppeSkoleSkolenummer": ident(school, "skolenummer"),
                "GruppeSkoleNavn": school.get("navn") if school else None,
                "EduGroupType": kind,
                "GruppeTrinn": (g.one(grp, "trinn") or {}).get("navn"),
                "GruppeSkolear": (g.one(grp, "skolear") or {}).get("navn"),
                "GruppeFag": [f.get("navn") for f in fag] or None,
                "GruppeFagBeskrivelse": [f.get("beskrivelse") for f in fag] or None,
            }
            yield grp["_path"], _clean(attrs)


def unit_group_anchor(school_path: str, role: str) -> str:
    return f"{school_path}#{UNIT_GROUPS[role][0]}"


def unit_group_records(g: Graph) -> Iterator[tuple[str, Attrs]]:
    for school in g.of_kind("skole"):
        number = ident(school, "skolenummer")
        for role, (suffix, label) in UNIT_GROUPS.items():
            yield (
                unit_group_anchor(school["_path"], role),
                {
                    "GroupId": f"{number}-{suffix}",
                    "GroupName": f"{label} ved {school.get('navn')}",
                    "GroupType": label,
                    "SchoolRef": school["_path"],
                    "SchoolName": school.get("navn"),
                    "SchoolNumber": number,
                },
            )


def person_record(g: Graph, p: Person, realm: str | None) -> tuple[str, Attrs]:
    attrs: Attrs = {"FeideRealm": realm}
    elev, sr = p.elev, (p.skoleressurs[0] if p.skoleressurs else None)
    personal = g.one(sr, "personalressurs") if sr is not None else None
    if elev is not None:
        attrs |= {
            "ElevSystemId": ident(elev, "systemId"),
            "ElevSystemIdUri": elev["_path"],
            "ElevElevnummer": ident(elev, "elevnummer"),
            "ElevBrukernavn": ident(elev, "brukernavn"),
            "ElevFeidenavn": ident(elev, "feidenavn"),
        }
        contact(elev, "Elev", attrs)
    if sr is not None:
        attrs["SkoleressursSystemIdUri"] = sr["_path"]
        attrs["SkoleressursFeidenavn"] = ident(sr, "feidenavn")
    if personal is not None:
        attrs |= {
            "PersonalSystemId": ident(personal, "systemId"),
            "PersonalSystemIdUri": personal["_path"],
            "PersonalAnsattnummer": ident(personal, "ansattnummer"),
            "PersonalBrukernavn": ident(personal, "brukernavn"),
            "PersonalJobbtittel": personal.get("jobbtittel"),
        }
        contact(personal, "Personal", attrs)
    pupil_first = elev is not None and (p.first_is_pupil or sr is None)
    person_path = p.elev_person_path if pupil_first else next(iter(g.rel(sr, "person") or g.rel(personal, "person")))
    person = g.get(person_path)
    attrs["PersonKilde"] = "elev" if pupil_first else "personal"
    attrs["ElevPersonalSystemId"] = anchor(g, p)
    attrs["PersonFodselsnummer"] = ident(person, "fodselsnummer") or p.key
    if person is not None:
        name = person.get("navn") or {}
        attrs |= {
            "PersonNavnFornavn": name.get("fornavn"),
            "PersonNavnMellomnavn": name.get("mellomnavn"),
            "PersonNavnEtternavn": name.get("etternavn"),
            "PersonFodselsdato": date_only(person.get("fodselsdato")),
        }
        contact(person, "Person", attrs)
        address(person, "postadresse", "PersonKontaktinformasjonPostadresse", attrs)
    roles = sorted({(role, school_number(g, school) or "", school) for role, school in p.roles})
    attrs["RolleOgSkole"] = [f"{role}@{number}" for role, number, _ in roles]
    attrs["EduPersonOrgUnitDN"] = sorted({school for _, _, school in roles})
    attrs["Skolenavn"] = {number: (g.get(s) or {}).get("navn") for _, number, s in roles}
    main = next((ef for ef in p.elevforhold if ef.get("hovedskole")), p.elevforhold[0] if p.elevforhold else None)
    if main is not None:
        attrs["ElevforholdHovedskole"] = school_number(g, next(iter(g.rel(main, "skole")), ""))
    attrs["ElevforholdBasisgruppe"] = _groups(g, p, "basisgruppe")
    attrs["ElevforholdKontaktlarergruppe"] = _groups(g, p, "kontaktlarergruppe")
    attrs[VALID_UNTIL] = p.until
    return anchor(g, p), _clean(attrs)


def _groups(g: Graph, p: Person, kind: str) -> list[dict[str, Any]] | None:
    """The pupil's active groups of one kind, with what the class rules need to pick and name them."""
    out = []
    main = {ef["_path"]: bool(ef.get("hovedskole")) for ef in p.elevforhold}
    for _, _, _, ef_path, group_path in p.memberships:
        grp = g.get(group_path)
        if grp is None or grp["_kind"] != kind:
            continue
        school = next(iter(g.rel(grp, "skole")), "")
        out.append({"ref": group_path, "navn": grp.get("navn"), "skole": school_number(g, school),
                    "hovedskole": main.get(ef_path, False)})  # fmt: skip
    return sorted(out, key=lambda x: (not x["hovedskole"], str(x["navn"]), x["ref"])) or None


def membership_records(g: Graph, p: Person, person_anchor: str, today: dt.date) -> Iterator[tuple[str, Attrs]]:
    """eduMembership: the pupil's active memberships and the teacher's teaching groups."""
    for path, start, end, _, group_path in p.memberships:
        grp = g.get(group_path)
        if grp is not None:
            attrs = _membership(person_anchor, group_path, "Elev", start, end, grp["_kind"])
            yield path, _clean(attrs | {VALID_UNTIL: p.membership_until.get(path, end)})
    for uf in p.teaching:
        for kind, rels in GROUP_KINDS:
            for rel in rels:
                for group_path in g.rel(uf, rel):
                    grp = g.get(group_path)
                    if grp is None:
                        continue
                    start, end = period(grp, "periode")
                    if c.active(start, end, today):
                        attrs = _membership(person_anchor, group_path, "Lærer", start, end, kind)
                        yield f"{uf['_path']}|{group_path}", _clean(attrs | {VALID_UNTIL: end})


def unit_membership_records(g: Graph, p: Person, person_anchor: str) -> Iterator[tuple[str, Attrs]]:
    for role, school in sorted(p.roles):
        group = unit_group_anchor(school, role)
        attrs = _membership(person_anchor, group, UNIT_GROUPS[role][1], None, None, role)
        yield f"{group}|{person_anchor}", _clean(attrs | {VALID_UNTIL: p.role_until.get((role, school))})


def _membership(person: str, group: str, role: str, start: str | None, end: str | None, kind: str) -> Attrs:
    return _clean({"person": person, "group": group, "role": role, "begin": start, "end": end, "kind": kind})


def _clean(attrs: Attrs) -> Attrs:
    return {k: v for k, v in attrs.items() if v not in (None, "", [], {})}
