"""Every IMS ES SOAP action itslearning publishes, and where each is served.

The 41 actions are those of itslearning's ``ImsEnterpriseServicesPort`` WSDL: thirteen each for
person and group management, fourteen for memberships and the extended person service's
``readAllPersons``. The combined port serves them all; a service's own endpoint serves only its
own binding (the ``soap:address`` of each of itslearning's per-service WSDLs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from edusync.sandbox.imses.spec.names import SERVICES, Service

BASE = "/WCFServiceLibrary"
COMBINED = f"{BASE}/ImsEnterpriseServicesPort.svc"

_OPERATIONS = {
    "person": (
        *("createPersons", "updatePersons", "replacePersons", "deletePersons", "readPersons"),
        *("changePersonsIdentifier", "createPerson", "updatePerson", "replacePerson", "deletePerson"),
        *("readPerson", "changePersonIdentifier", "readPersonsForGroup"),
    ),
    "group": (
        *("createGroups", "updateGroups", "deleteGroups", "replaceGroups", "readGroups"),
        *("changeGroupsIdentifier", "createGroup", "deleteGroup", "readGroup", "updateGroup"),
        *("replaceGroup", "changeGroupIdentifier", "readGroupsForPerson"),
    ),
    "membership": (
        *("createMemberships", "updateMemberships", "replaceMemberships", "deleteMemberships"),
        *("readMemberships", "changeMembershipsIdentifier", "createMembership", "deleteMembership"),
        *("readMembership", "updateMembership", "replaceMembership", "changeMembershipIdentifier"),
        *("readMembershipsForPerson", "readMembershipsForGroup"),
    ),
}
#: The binding of itslearning's extended person service: a person action outside the person binding.
EXTENDED = ("readAllPersons",)

ENDPOINTS = {
    COMBINED: ("person", "group", "membership", "extended"),
    f"{BASE}/PersonManagementServiceSync.svc": ("person",),
    f"{BASE}/GroupManagementServiceSync.svc": ("group",),
    f"{BASE}/MembershipManagementServiceSync.svc": ("membership",),
    f"{BASE}/ExtendedPersonManagementServiceSync.svc": ("extended",),
}

#: The operations whose messages the project's schemas cover (all that edusync sends, and the reads).
COVERED = frozenset(
    {
        *("createPerson", "createPersons", "deletePerson", "deletePersons", "readPerson", "readPersons"),
        *("createGroup", "createGroups", "deleteGroup", "deleteGroups", "readGroup"),
        *("createMembership", "createMemberships", "deleteMembership", "deleteMemberships"),
        *("readMembershipsForGroup", "readMembershipsForPerson"),
    }
)


_BATCH = re.compile(r"[a-z]+(Persons|Groups|Memberships)(Identifier)?")


@dataclass(frozen=True)
class Action:
    """One SOAP action: its operation, its service and the binding it belongs to."""

    operation: str
    service: Service
    binding: str  # person, group, membership or extended

    @property
    def uri(self) -> str:
        return self.service.action(self.operation)

    @property
    def request(self) -> str:
        """The request element's Clark name, e.g. ``{…PersonManMessSchema_v1p0}createPersonsRequest``."""
        return f"{{{self.service.mess}}}{self.operation}Request"

    @property
    def response(self) -> str:
        return f"{{{self.service.mess}}}{self.operation}Response"

    @property
    def batch(self) -> bool:
        """A call whose request carries a set of items, answered with one status per item in order."""
        return _BATCH.fullmatch(self.operation) is not None


def _all() -> dict[str, Action]:
    found = {}
    for binding, operations in (*_OPERATIONS.items(), ("extended", EXTENDED)):
        service = SERVICES["person" if binding == "extended" else binding]
        for operation in operations:
            action = Action(operation, service, binding)
            found[action.uri] = action
    return found


#: Every action by its SOAPAction URI.
ACTIONS = _all()
BY_REQUEST = {a.request: a for a in ACTIONS.values()}


def served(path: str, action: Action) -> bool:
    """Whether the endpoint at ``path`` serves ``action`` (an unknown path serves nothing)."""
    return action.binding in ENDPOINTS.get(path, ())
