"""What the itslearning sandbox holds, and the rules itslearning applies when it is changed.

Rules from itslearning's IMS ES documentation (docs/imses.md lists them with their sources):

- create is an upsert; creating a person who is in the trash can restores them;
- deleting a person moves them to the trash can; deleting them again is a failure;
- persons need a first and a last name; sync keys are at most 64 characters (memberships 255);
- groups are hierarchies of type Site (the one fixed main organisation), School, Course,
  CourseGroup or Unspecified; a School is level 1; a CourseGroup's parent is a Course; a Course
  needs the ``course`` extension field; a Course cannot change type, and only an Unspecified
  hierarchy can become a Course;
- deleting a course archives it (the site has course archiving on);
- a membership joins an existing person (not one in the trash) to an existing group; its
  HomeOrganisation extension is only for Site and School hierarchies.

Every rule that fails gives a :class:`Failure` with codeMinor and a description, which the
wire layer turns into that item's ``statusInfo``. What the schemas settle (element order, types,
lengths) is checked before, for the whole request, and never reaches the store.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from edusync.sandbox.imses.spec.names import COMMON, SERVICES, Element, text_at

P, G, M = (SERVICES[k].data for k in ("person", "group", "membership"))
GROUP_TYPES = ("Unspecified", "Site", "School", "Course", "CourseGroup")
ROLE_TYPES = frozenset(
    {
        *("Learner", "Instructor", "ContentDeveloper", "Member", "Manager", "Mentor", "Administrator"),
        *("TeachingAssistant", "Default", "Guest"),
        *(f"0{i}" for i in range(1, 9)),
    }
)


@dataclass(frozen=True)
class Failure:
    minor: str  # codeMinorValue: unknownobject, invaliddata …
    text: str


@dataclass
class Person:
    key: str
    element: Element
    first: str
    last: str
    username: str | None


@dataclass
class Group:
    key: str
    element: Element | None
    type: str
    name: str
    parent: str | None


@dataclass
class Membership:
    key: str
    element: Element
    group: str
    person: str
    role: str


@dataclass
class Store:
    """One itslearning site. ``site`` is the main organisation's sync key, which groups may hang under."""

    site: str = "site"
    persons: dict[str, Person] = field(default_factory=dict)
    trash: dict[str, Person] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    archived: dict[str, Group] = field(default_factory=dict)
    memberships: dict[str, Membership] = field(default_factory=dict)
    #: Sync keys whose next creates and deletes fail (a fault a test switches on), with the description.
    failing: dict[str, str] = field(default_factory=dict)
    restored: int = 0
    calls: list[tuple[str, int]] = field(default_factory=list)  # (operation, items) in arrival order

    def __post_init__(self) -> None:
        self.groups[self.site] = Group(self.site, None, "Site", "Site", None)

    def _injected(self, key: str) -> Failure | None:
        if key in self.failing:
            return Failure("invaliddata", self.failing[key])
        return None

    # -- persons ----------------------------------------------------------------------------

    def put_person(self, key: str, el: Element) -> Failure | None:
        if found := self._injected(key) or _key_problem(key, 64):
            return found
        names = {
            text_at(part, (P, "namePartType")): text_at(part, (P, "namePartValue"))
            for part in el.iterfind(f"{{{P}}}name/{{{P}}}partName")
        }
        first, last = names.get("First"), names.get("Last")
        if not first or not last:
            return Failure("invaliddata", f"person {key}: FirstName and LastName are mandatory")
        username = text_at(el, (P, "userId"), (COMMON, "userIdValue"))
        if self.trash.pop(key, None) is not None:
            self.restored += 1
        self.persons[key] = Person(key, copy.deepcopy(el), first, last, username)
        return None

    def delete_person(self, key: str) -> Failure | None:
        if found := self._injected(key):
            return found
        if key in self.trash:
            return Failure("unknownobject", f"person {key} is already in the trash can")
        person = self.persons.pop(key, None)
        if person is None:
            return Failure("unknownobject", f"The sourcedId {key} does not exist")
        self.trash[key] = person  # memberships stay: a restored person has them again
        return None

    # -- groups -----------------------------------------------------------------------------

    def put_group(self, key: str, el: Element) -> Failure | None:
        if found := self._injected(key) or _key_problem(key, 64):
            return found
        kind = text_at(el, (G, "groupType"), (G, "typeValue"), (G, "type")) or "Unspecified"
        scheme = text_at(el, (G, "groupType"), (G, "scheme"))
        level = text_at(el, (G, "groupType"), (G, "typeValue"), (G, "level"))
        name = text_at(el, (G, "description"), (G, "descShort"))
        parent = None
        for rel in el.iterfind(f"{{{G}}}relationship"):
            if text_at(rel, (G, "relation")) == "Parent":
                parent = text_at(rel, (G, "sourceId"), (COMMON, "identifier"))
        if problem := self._group_problem(key, el, kind, scheme, level, name, parent):
            return problem
        self.archived.pop(key, None)
        self.groups[key] = Group(key, copy.deepcopy(el), kind, name or "", parent)
        return None

    def _group_problem(
        self,
        key: str,
        el: Element,
        kind: str,
        scheme: str | None,
        level: str | None,
        name: str | None,
        parent: str | None,
    ) -> Failure | None:
        if scheme is not None and scheme != "ItslearningOrganisationTypes":
            return Failure(
                "invaliddata", f"group {key}: groupType scheme {scheme!r} is not ItslearningOrganisationTypes"
            )
        if kind not in GROUP_TYPES:
            return Failure(
                "invaliddata", f"group {key}: {kind!r} is not an organisation type ({', '.join(GROUP_TYPES)})"
            )
        if kind == "Site" or key == self.site:
            return Failure(
                "invaliddata", f"group {key}: the Site is the main organisation and cannot be created or changed"
            )
        if level is not None and (kind == "School") != (level == "1"):
            return Failure(
                "invaliddata", f"group {key}: type {kind} and level {level} do not agree (School is level 1)"
            )
        if not name:
            return Failure("invaliddata", f"group {key}: description/descShort (the title) is mandatory")
        if parent is not None and parent not in self.groups:
            return Failure("unknownobject", f"group {key}: the parent group {parent} does not exist")
        if kind == "CourseGroup" and (parent is None or self.groups[parent].type != "Course"):
            return Failure("invaliddata", f"group {key}: the parent of a CourseGroup must be a Course")
        fields = {
            text_at(f, (COMMON, "fieldName")) for f in el.iterfind(f"{{{G}}}extension/{{{COMMON}}}extensionField")
        }
        if kind == "Course" and "course" not in fields:
            return Failure("invaliddata", f"group {key}: a Course needs the extension field 'course' (its title)")
        old = self.groups.get(key)
        if old is not None and old.type != kind:
            if old.type == "Course":
                return Failure("invaliddata", f"group {key}: a hierarchy linked to a course cannot change its type")
            if kind == "Course" and old.type != "Unspecified":
                return Failure("invaliddata", f"group {key}: a {old.type} cannot become a Course")
        return None

    def delete_group(self, key: str) -> Failure | None:
        if found := self._injected(key):
            return found
        if key == self.site:
            return Failure("invaliddata", "the Site cannot be deleted")
        group = self.groups.pop(key, None)
        if group is None:
            return Failure("unknownobject", f"The sourcedId {key} does not exist")
        if group.type == "Course":
            self.archived[key] = group
        for mkey in [k for k, m in self.memberships.items() if m.group == key]:
            del self.memberships[mkey]
        return None

    # -- memberships ------------------------------------------------------------------------

    def put_membership(self, key: str, el: Element) -> Failure | None:
        if found := self._injected(key) or _key_problem(key, 255):
            return found
        group = text_at(el, (M, "groupSourcedId"), (COMMON, "identifier"))
        person = text_at(el, (M, "member"), (M, "memberSourcedId"), (COMMON, "identifier"))
        role = text_at(el, (M, "member"), (M, "role"), (M, "roleType"))
        if not group or group not in self.groups:
            return Failure("unknownobject", f"membership {key}: the group {group} does not exist")
        if person in self.trash:
            return Failure("invaliddata", f"membership {key}: the person {person} is in the trash can")
        if not person or person not in self.persons:
            return Failure("unknownobject", f"membership {key}: the person {person} does not exist")
        if role not in ROLE_TYPES:
            return Failure("invaliddata", f"membership {key}: roleType {role!r} is not valid")
        home = el.find(f"{{{M}}}member/{{{M}}}role/{{{M}}}extension")
        names = {text_at(f, (COMMON, "fieldName")) for f in home} if home is not None else set()
        if "HomeOrganisation" in names and self.groups[group].type not in ("Site", "School"):
            return Failure("invaliddata", f"membership {key}: HomeOrganisation needs a Site or School hierarchy")
        self.memberships[key] = Membership(key, copy.deepcopy(el), group, person, role)
        return None

    def delete_membership(self, key: str) -> Failure | None:
        if found := self._injected(key):
            return found
        if self.memberships.pop(key, None) is None:
            return Failure("unknownobject", f"The sourcedId {key} does not exist")
        return None


def _key_problem(key: str, limit: int) -> Failure | None:
    if not key or len(key) > limit:
        return Failure("invaliddata", f"the sourcedId must be 1-{limit} characters")
    return None
