"""The changes the benchmarks send: a county, then about 1 % of a day, in the exporter's batches.

Changes are built as the engine's exporter builds them (attributes as JSON). The targets want a
few attributes the others do without (a person's school, a new pupil's username), so each
benchmark says those; the rest of the county is the same for every target.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import orjson

from edusync.model.records import Change, Op


class Ids:
    def __init__(self) -> None:
        self.n = 0

    def change(self, object_type: str, key: str, op: Op = Op.ADD, **attrs: object) -> Change:
        self.n += 1
        return Change(self.n, object_type, key, op, hash=key, attrs_json=orjson.dumps(attrs).decode())


def county(ids: Ids, persons: int, groups: int, memberships: int, *, persons_at_schools: bool) -> Iterator[Change]:
    """An owner, a school per 80 groups, and the persons (each at a school, with ``persons_at_schools``), groups
    and memberships."""
    schools = max(1, groups // 80)
    yield ids.change("organisation", "org-owner", name="Fylkeskommunen", groupType="skoleeier")
    for s in range(schools):
        yield ids.change("organisation", f"org-{s:04d}", name=f"Skole {s}", groupType="skole", parent="org-owner")
    for p in range(persons):
        school = {"school": f"org-{p % schools:04d}"} if persons_at_schools else {}
        yield ids.change("person", f"per-{p:07d}", givenName="Åse", familyName=f"Ødegård {p}",
                         feide=f"p{p}@fylke.no", email=f"p{p}@skole.no", **school,
                         role="teacher" if p % 12 == 0 else "student")  # fmt: skip
    for g in range(groups):
        kind_of_group = "basisgruppe" if g % 4 == 0 else "undervisningsgruppe"
        yield ids.change("group", f"grp-{g:06d}", name=f"Gruppe {g}", groupType=kind_of_group,
                         school=f"org-{g % schools:04d}")  # fmt: skip
    for m in range(memberships):
        role = "teacher" if m % 15 == 0 else "student"
        person, group = f"per-{(m * 7919) % persons:07d}", f"grp-{m % groups:06d}"
        yield ids.change("membership", f"mem-{m:08d}", person=person, group=group, role=role)


def one_day(
    ids: Ids, persons: int, groups: int, memberships: int, *, first_leaver: int,
    arrival: Callable[[int], dict[str, object]],
) -> Iterator[Change]:  # fmt: skip
    """About 1 % churn: renamed groups, pupils leaving (every 100th from ``first_leaver``) and new ones arriving
    (with ``arrival(p)``'s attributes besides their names and role), moved memberships."""
    for g in range(0, groups, 100):
        yield ids.change("group", f"grp-{g:06d}", Op.UPDATE, name=f"Gruppe {g} (ny)", groupType="undervisningsgruppe",
                         school="org-0000")  # fmt: skip
    for p in range(first_leaver, persons, 100):
        yield ids.change("person", f"per-{p:07d}", Op.DELETE)
        yield ids.change("person", f"new-{p:07d}", givenName="Ny", familyName=f"Elev {p}", **arrival(p),
                         role="student")  # fmt: skip
    for m in range(0, memberships, 100):
        yield ids.change("membership", f"mem-{m:08d}", Op.UPDATE, person=f"per-{(m * 7919) % persons:07d}",
                         group=f"grp-{(m + 1) % groups:06d}", role="student")  # fmt: skip


def batches(changes: Iterator[Change], size: int) -> Iterator[list[Change]]:
    """The changes in lists of ``size`` (the last one shorter, maybe empty), as the exporter sends them."""
    batch: list[Change] = []
    for c in changes:
        batch.append(c)
        if len(batch) == size:
            yield batch
            batch = []
    yield batch
