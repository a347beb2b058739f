"""The IMS ES operations the sandbox serves, as functions of the store and one request.

Person, group and membership management: ``createX``/``createXs`` (upserts), ``deleteX``/``deleteXs``,
and the reads ``readPerson(s)``, ``readGroup``, ``readMembershipsForGroup``
and ``readMembershipsForPerson``. The other actions of itslearning's WSDL are answered with the
fault WCF gives for an action an endpoint does not serve, ``ActionNotSupported``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable

from lxml import etree

from edusync.sandbox.imses.spec.names import COMMON, Element, Service, q, sub, text_at
from edusync.sandbox.imses.store import Failure, Membership, Store
from edusync.sandbox.imses.wire import Outcome, Request, answer, client_fault, default_ns

Handler = Callable[[Store, Service, Request], bytes]


def _put(store: Store, kind: str) -> Callable[[str, Element], Outcome]:
    return {"person": store.put_person, "group": store.put_group, "membership": store.put_membership}[kind]


def _delete(store: Store, kind: str) -> Callable[[str], Outcome]:
    return {"person": store.delete_person, "group": store.delete_group, "membership": store.delete_membership}[kind]


def _key(parent: Element, svc: Service, wrapper: str = "sourcedId") -> str:
    key = text_at(parent, (svc.mess, wrapper), (COMMON, "identifier"))
    if key is None:
        raise client_fault(f"<{wrapper}><identifier> is missing")
    return key


def _ids(req: Request, svc: Service) -> list[str]:
    found = req.root.find(q(svc.mess, "sourcedIdSet"))
    if found is None:
        raise client_fault("<sourcedIdSet> is missing")
    return [(e.text or "").strip() for e in found.iterfind(q(COMMON, "identifier"))]


def _upsert(store: Store, svc: Service, key: str, data: Element | None) -> Outcome:
    if data is None:
        return Failure("invaliddata", f"<{svc.kind}> is missing for {key}")
    return _put(store, svc.kind)(key, data)


def create_one(store: Store, svc: Service, req: Request) -> bytes:
    outcome = _upsert(store, svc, _key(req.root, svc), req.root.find(q(svc.mess, svc.kind)))
    return answer(req, [outcome])


def create_many(store: Store, svc: Service, req: Request) -> bytes:
    pair = f"{svc.kind}IdPair"
    pairs = req.root.find(q(svc.mess, f"{pair}Set"))
    if pairs is None:
        raise client_fault(f"<{pair}Set> is missing")
    items = pairs.iterfind(q(svc.mess, pair))
    outcomes = [_upsert(store, svc, _key(item, svc), item.find(q(svc.mess, svc.kind))) for item in items]
    return answer(req, outcomes)


def delete_one(store: Store, svc: Service, req: Request) -> bytes:
    return answer(req, [_delete(store, svc.kind)(_key(req.root, svc))])


def delete_many(store: Store, svc: Service, req: Request) -> bytes:
    return answer(req, [_delete(store, svc.kind)(key) for key in _ids(req, svc)])


def _found(store: Store, kind: str, key: str) -> Element | None:
    held = store.persons.get(key) if kind == "person" else store.groups.get(key)
    return None if held is None else held.element


def _missing(key: str) -> Failure:
    return Failure("unknownobject", f"The sourcedId {key} does not exist")


def read_one(store: Store, svc: Service, req: Request) -> bytes:
    key = _key(req.root, svc)
    found = _found(store, svc.kind, key)
    body = etree.Element(req.action.response, nsmap=default_ns(svc.mess))
    if found is not None:
        body.append(copy.deepcopy(found))
    return answer(req, [None if found is not None else _missing(key)], body=body)


def read_many(store: Store, svc: Service, req: Request) -> bytes:
    body = etree.Element(req.action.response, nsmap=default_ns(svc.mess))
    found_set = sub(body, svc.mess, f"{svc.kind}Set")
    outcomes: list[Outcome] = []
    for key in _ids(req, svc):
        found = _found(store, svc.kind, key)
        if found is not None:
            found_set.append(copy.deepcopy(found))
        outcomes.append(None if found is not None else _missing(key))
    return answer(req, outcomes, body=body)


def _memberships(svc: Service, req: Request, pairs: Iterable[tuple[str, Element]]) -> Element:
    body = etree.Element(req.action.response, nsmap=default_ns(svc.mess))
    found_set = sub(body, svc.mess, "membershipIDPairSet")  # sic: capital ID, as itslearning spells it
    for key, element in pairs:
        pair = sub(found_set, svc.mess, "membershipIdPair")
        sub(sub(pair, svc.mess, "sourcedId"), COMMON, "identifier", key)
        pair.append(copy.deepcopy(element))
    return body


def _read_for(req: Request, svc: Service, wrapper: str, known: Iterable[str], pairs: Iterable[Membership]) -> bytes:
    key = _key(req.root, svc, wrapper)
    if key not in known:
        return answer(req, [_missing(key)])
    return answer(req, [None], body=_memberships(svc, req, [(m.key, m.element) for m in pairs]))


def read_for_group(store: Store, svc: Service, req: Request) -> bytes:
    group = _key(req.root, svc, "groupSourcedId")
    held = (m for m in store.memberships.values() if m.group == group)
    return _read_for(req, svc, "groupSourcedId", store.groups, held)


def read_for_person(store: Store, svc: Service, req: Request) -> bytes:
    person = _key(req.root, svc, "personSourcedId")
    held = (m for m in store.memberships.values() if m.person == person)
    return _read_for(req, svc, "personSourcedId", store.persons, held)


HANDLERS: dict[str, Handler] = {
    **{f"create{noun}": create_one for noun in ("Person", "Group", "Membership")},
    **{f"create{noun}s": create_many for noun in ("Person", "Group", "Membership")},
    **{f"delete{noun}": delete_one for noun in ("Person", "Group", "Membership")},
    **{f"delete{noun}s": delete_many for noun in ("Person", "Group", "Membership")},
    "readPerson": read_one,
    "readPersons": read_many,
    "readGroup": read_one,
    "readMembershipsForGroup": read_for_group,
    "readMembershipsForPerson": read_for_person,
}
SERVED = frozenset(HANDLERS)


def dispatch(store: Store, req: Request) -> bytes:
    """Carry out ``req`` (an action :func:`~edusync.sandbox.imses.wire.read_request` let through)."""
    count = len(req.root[0]) if req.action.batch and len(req.root) else 1
    store.calls.append((req.operation, count))
    return HANDLERS[req.operation](store, req.action.service, req)
