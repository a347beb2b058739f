"""The SOAP side of the sandbox: read a request as itslearning's bindings require, write answers and faults.

A request is refused as a whole, with a SOAP 1.1 Fault and HTTP 500 (as WCF answers faults), when
it is not a SOAP envelope, when its ``wsse:Security`` header breaks the binding's policy (the
WS-Security faults of OASIS SOAP Message Security 1.0, section 12: ``FailedAuthentication`` for a
missing or wrong UsernameToken, ``InvalidSecurity`` for a header without its timestamp), when its
SOAPAction is not one this endpoint serves (``ActionNotSupported``, as WCF names it), or when its
header or body does not validate against the project's IMS ES schemas (``s:Client``, SOAP 1.1's
code for a message the sender got wrong), so nothing in it is carried out.

Answers look like itslearning's: a ``syncResponseHeaderInfo`` whose default namespace is the
message-binding schema, with one ``statusInfo`` (single calls) or a ``statusInfoSet`` (one per
item, in request order), a WS-Security ``Timestamp`` valid for five minutes, and the operation's
response element in the body.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from edusync.sandbox.imses.spec import schemas
from edusync.sandbox.imses.spec.actions import ACTIONS, Action, served
from edusync.sandbox.imses.spec.envelope import (
    Envelope,
    NotSoap,
    message_id,
    open_envelope,
    request_header_problems,
    timestamp_problems,
    token_problems,
)
from edusync.sandbox.imses.spec.names import (
    ADDRESSING,
    COMMON,
    MESS_BIND,
    SOAP_ENV,
    WSSE,
    WSU,
    Element,
    NotXml,
    q,
    sub,
    text_at,
)
from edusync.sandbox.imses.store import Failure

Outcome = Failure | None


def default_ns(ns: str, **prefixed: str) -> Any:
    """An nsmap that makes ``ns`` the default namespace, as itslearning's answers do (lxml-stubs lack None keys)."""
    return {None: ns, **prefixed}


class Fault(Exception):
    """Refuse the whole call. ``code`` is a QName given as (namespace, local part)."""

    def __init__(self, code: tuple[str, str], text: str) -> None:
        super().__init__(text)
        self.code = code
        self.text = text


def client_fault(text: str) -> Fault:
    return Fault((SOAP_ENV, "Client"), text)


@dataclass(frozen=True)
class Request:
    action: Action
    root: Element  # the request element
    message_id: str | None

    @property
    def operation(self) -> str:
        return self.action.operation


def _envelope(data: bytes) -> Envelope:
    try:
        return open_envelope(data)
    except (NotXml, NotSoap) as exc:
        raise client_fault(str(exc)) from None


def _authenticate(envelope: Envelope, username: str, password: str) -> None:
    if token_problems(envelope):
        raise Fault((WSSE, "FailedAuthentication"), "The security token could not be authenticated")
    token = envelope.header_block(WSSE, "Security")[0].find(q(WSSE, "UsernameToken"))
    given_user = text_at(token, (WSSE, "Username")) or ""
    given_pw = text_at(token, (WSSE, "Password")) or ""
    user_ok = secrets.compare_digest(given_user.encode(), username.encode())
    pw_ok = secrets.compare_digest(given_pw.encode(), password.encode())
    if not (user_ok and pw_ok):
        raise Fault((WSSE, "FailedAuthentication"), "The security token could not be authenticated")
    if found := timestamp_problems(envelope, expires=False):
        raise Fault((WSSE, "InvalidSecurity"), f"An error was discovered processing the Security header: {found[0]}")


def _action(path: str, soap_action: str | None, served_here: frozenset[str]) -> Action:
    raw = (soap_action or "").strip().strip('"')
    action = ACTIONS.get(raw)
    if action is None or not served(path, action) or action.operation not in served_here:
        raise Fault((ADDRESSING, "ActionNotSupported"), f"this endpoint does not serve the action {raw!r}")
    return action


def read_request(
    data: bytes, *, path: str, soap_action: str | None, served_here: frozenset[str], username: str, password: str
) -> Request:
    """The request in ``data``, once its token, action and schema are checked; raises :class:`Fault`."""
    envelope = _envelope(data)
    _authenticate(envelope, username, password)
    action = _action(path, soap_action, served_here)
    if envelope.body.tag != action.request:
        held = etree.QName(envelope.body).localname
        raise client_fault(f"the SOAPAction names {action.operation}, the body holds {held}")
    invalid = request_header_problems(envelope) + schemas.problems(envelope.body, f"{action.operation}Request")
    if invalid:
        raise client_fault("the request does not validate against the IMS ES schemas: " + "; ".join(invalid[:3]))
    return Request(action, envelope.body, message_id(envelope))


def _status(parent: Element, outcome: Outcome, message_id: str | None) -> None:
    info = sub(parent, MESS_BIND, "statusInfo")
    sub(info, MESS_BIND, "codeMajor", "success" if outcome is None else "failure")
    sub(info, MESS_BIND, "severity", "status" if outcome is None else "error")
    if outcome is not None:
        field = sub(sub(info, MESS_BIND, "codeMinor"), MESS_BIND, "codeMinorField")
        sub(field, MESS_BIND, "codeMinorName", "TargetEndSystem")
        sub(field, MESS_BIND, "codeMinorValue", outcome.minor)
    if message_id is not None:
        sub(info, MESS_BIND, "messageIdRef", message_id)
    if outcome is not None:
        desc = sub(info, MESS_BIND, "description")
        # the description is in the message-binding namespace, its language and text in the common one
        etree.SubElement(desc, q(COMMON, "language"), nsmap=default_ns(COMMON)).text = "en-US"
        etree.SubElement(desc, q(COMMON, "text"), nsmap=default_ns(COMMON)).text = outcome.text


def _timestamp(header: Element) -> None:
    security = etree.SubElement(header, q(WSSE, "Security"), nsmap={"o": WSSE, "u": WSU})
    security.set(q(SOAP_ENV, "mustUnderstand"), "1")
    stamp = sub(security, WSU, "Timestamp")
    stamp.set(q(WSU, "Id"), "_0")
    now = dt.datetime.now(dt.UTC)
    for tag, when in (("Created", now), ("Expires", now + dt.timedelta(minutes=5))):
        sub(stamp, WSU, tag, when.isoformat(timespec="milliseconds").replace("+00:00", "Z"))


def answer(request: Request, outcomes: Sequence[Outcome], *, body: Element | None = None) -> bytes:
    """The answer to ``request``: one status per outcome (a set for a batch or a read of memberships), and ``body``."""
    env = etree.Element(q(SOAP_ENV, "Envelope"), nsmap={"s": SOAP_ENV})
    header = sub(env, SOAP_ENV, "Header")
    info = etree.SubElement(header, q(MESS_BIND, "syncResponseHeaderInfo"), nsmap=default_ns(MESS_BIND, h=MESS_BIND))
    sub(info, MESS_BIND, "messageIdentifier", uuid.uuid4().hex)
    grouped = request.action.batch or request.operation.startswith("readMembershipsFor")
    holder = sub(info, MESS_BIND, "statusInfoSet") if grouped else info
    for outcome in outcomes:
        _status(holder, outcome, request.message_id)
    _timestamp(header)
    payload = sub(env, SOAP_ENV, "Body")
    if body is None:
        body = etree.Element(request.action.response, nsmap=default_ns(request.action.service.mess))
    payload.append(body)
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


def fault_body(fault: Fault) -> bytes:
    ns, local = fault.code
    env = etree.Element(q(SOAP_ENV, "Envelope"), nsmap={"s": SOAP_ENV})
    found = sub(sub(env, SOAP_ENV, "Body"), SOAP_ENV, "Fault")
    code = etree.SubElement(found, "faultcode", nsmap={"a": ns} if ns != SOAP_ENV else None)
    code.text = f"{'s' if ns == SOAP_ENV else 'a'}:{local}"
    etree.SubElement(found, "faultstring").text = fault.text
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")
