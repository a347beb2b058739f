"""The SOAP side of the sandbox: read a request, check its UsernameToken, write answers and faults.

Answers look like itslearning's: a ``syncResponseHeaderInfo`` whose default namespace is the
message-binding schema, with one ``statusInfo`` (single calls) or a ``statusInfoSet`` (batch
calls, one per item in request order), a WS-Security ``Timestamp`` valid for five minutes, and
the operation's response element in the body. A refused call is a SOAP 1.1 Fault with HTTP 500;
a wrong or missing UsernameToken is the WS-Security fault ``wsse:FailedAuthentication``.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

from edusync.connectors.imses.soap import (
    MESS_BIND,
    PASSWORD_TEXT,
    SOAP_ENV,
    WSSE,
    WSU,
    Element,
    MalformedXml,
    parse,
    q,
    sub,
    text_of,
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
    operation: str  # e.g. createPersons
    namespace: str  # the request element's namespace (a service's message schema)
    root: Element  # the request element
    message_id: str | None


def read_request(data: bytes, username: str, password: str) -> Request:
    """The request in ``data``, once its UsernameToken is checked; raises :class:`Fault`."""
    try:
        env = parse(data)
    except MalformedXml as exc:
        raise client_fault(str(exc)) from None
    if env.tag != q(SOAP_ENV, "Envelope"):
        raise client_fault("the request is not a SOAP 1.1 Envelope")
    header = env.find(q(SOAP_ENV, "Header"))
    token = header.find(f"{q(WSSE, 'Security')}/{q(WSSE, 'UsernameToken')}") if header is not None else None
    _authenticate(token, username, password)
    body = env.find(q(SOAP_ENV, "Body"))
    if body is None or not len(body):
        raise client_fault("the SOAP Body is empty")
    root = body[0]
    name = etree.QName(root)
    if not name.localname.endswith("Request"):
        raise client_fault(f"<{name.localname}> is not an IMS ES request")
    message_id = text_of(header, (MESS_BIND, "syncRequestHeaderInfo"), (MESS_BIND, "messageIdentifier"))
    return Request(name.localname.removesuffix("Request"), name.namespace or "", root, message_id)


def _authenticate(token: Element | None, username: str, password: str) -> None:
    given_user = text_of(token, (WSSE, "Username")) or ""
    pw = token.find(q(WSSE, "Password")) if token is not None else None
    given_pw = (pw.text or "") if pw is not None else ""
    kind = pw.get("Type", PASSWORD_TEXT) if pw is not None else PASSWORD_TEXT
    user_ok = secrets.compare_digest(given_user.encode(), username.encode())
    pw_ok = secrets.compare_digest(given_pw.encode(), password.encode())
    if token is None or kind != PASSWORD_TEXT or not (user_ok and pw_ok):
        raise Fault((WSSE, "FailedAuthentication"), "The security token could not be authenticated")


def _status(parent: Element, outcome: Outcome, message_id: str | None) -> None:
    info = sub(parent, MESS_BIND, "statusInfo")
    sub(info, MESS_BIND, "codeMajor", "success" if outcome is None else "failure")
    sub(info, MESS_BIND, "severity", "status" if outcome is None else "error")
    if outcome is not None:
        field = sub(sub(info, MESS_BIND, "codeMinor"), MESS_BIND, "codeMinorField")
        sub(field, MESS_BIND, "codeMinorName", "TargetEndSystem")
        sub(field, MESS_BIND, "codeMinorValue", outcome.minor)
    sub(info, MESS_BIND, "messageIdRef", message_id)
    if outcome is not None:
        desc = sub(info, MESS_BIND, "description")
        sub(desc, MESS_BIND, "language", "en-US")
        sub(desc, MESS_BIND, "text", outcome.text)


def _timestamp(header: Element) -> None:
    security = etree.SubElement(header, q(WSSE, "Security"), nsmap={"o": WSSE, "u": WSU})
    security.set(q(SOAP_ENV, "mustUnderstand"), "1")
    stamp = sub(security, WSU, "Timestamp")
    stamp.set(q(WSU, "Id"), "_0")
    now = dt.datetime.now(dt.UTC)
    for tag, when in (("Created", now), ("Expires", now + dt.timedelta(minutes=5))):
        sub(stamp, WSU, tag, when.isoformat(timespec="milliseconds").replace("+00:00", "Z"))


def answer(request: Request, outcomes: Sequence[Outcome], *, batch: bool, body: Element | None = None) -> bytes:
    """The answer to ``request``: one status per outcome (a set for a batch call) and ``body``."""
    env = etree.Element(q(SOAP_ENV, "Envelope"), nsmap={"s": SOAP_ENV})
    header = sub(env, SOAP_ENV, "Header")
    info = etree.SubElement(header, q(MESS_BIND, "syncResponseHeaderInfo"), nsmap=default_ns(MESS_BIND, h=MESS_BIND))
    sub(info, MESS_BIND, "messageIdentifier", uuid.uuid4().hex)
    holder = sub(info, MESS_BIND, "statusInfoSet") if batch else info
    for outcome in outcomes:
        _status(holder, outcome, request.message_id)
    _timestamp(header)
    payload = sub(env, SOAP_ENV, "Body")
    if body is None:
        body = etree.Element(q(request.namespace, f"{request.operation}Response"), nsmap=default_ns(request.namespace))
    payload.append(body)
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


def fault_body(fault: Fault) -> bytes:
    ns, local = fault.code
    env = etree.Element(q(SOAP_ENV, "Envelope"), nsmap={"s": SOAP_ENV})
    body = sub(env, SOAP_ENV, "Body")
    found = sub(body, SOAP_ENV, "Fault")
    code = etree.SubElement(found, "faultcode", nsmap={"a": ns} if ns != SOAP_ENV else None)
    code.text = f"{'s' if ns == SOAP_ENV else 'a'}:{local}"
    etree.SubElement(found, "faultstring").text = fault.text
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")
