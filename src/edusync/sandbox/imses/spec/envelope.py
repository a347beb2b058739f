"""SOAP 1.1 envelopes and the WS-SecurityPolicy of itslearning's bindings, as the sandbox and the checker apply them.

Every binding in itslearning's WSDLs carries the same policy: a ``TransportBinding`` (HTTPS, with
``IncludeTimestamp``) and a ``UsernameToken`` (``WssUsernameToken10``) as a signed supporting
token, always sent to the recipient. In a message that means one ``wsse:Security`` header holding
a ``wsu:Timestamp`` and a ``UsernameToken`` with a username and a password; the transport
protects the token, so the password is plain text. The HTTPS part is outside a loopback sandbox.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from edusync.sandbox.imses.spec import schemas
from edusync.sandbox.imses.spec.names import (
    MESS_BIND,
    PASSWORD_TEXT,
    SOAP_ENV,
    WSSE,
    WSU,
    Element,
    q,
    text_at,
)
from edusync.sandbox.imses.spec.names import parse as parse_xml


class NotSoap(ValueError):
    """A document that is not a SOAP 1.1 envelope with one element in its body."""


@dataclass(frozen=True)
class Envelope:
    header: Element | None
    body: Element  # the one element inside soap:Body

    def header_block(self, ns: str, name: str) -> list[Element]:
        return [] if self.header is None else self.header.findall(q(ns, name))


def open_envelope(data: bytes) -> Envelope:
    """The header and the body's element of a SOAP 1.1 message; raises :class:`NotSoap` (or ``NotXml``)."""
    root = parse_xml(data)
    if root.tag != q(SOAP_ENV, "Envelope"):
        raise NotSoap(f"the document's root is {root.tag!r}, not a SOAP 1.1 Envelope")
    parts = [el for el in root if isinstance(el.tag, str)]
    header = parts.pop(0) if parts and parts[0].tag == q(SOAP_ENV, "Header") else None
    if not parts or parts[0].tag != q(SOAP_ENV, "Body"):
        raise NotSoap("the Envelope has no Body (after its optional Header)")
    inside = [el for el in parts[0] if isinstance(el.tag, str)]
    if len(inside) != 1:
        raise NotSoap(f"the SOAP Body holds {len(inside)} elements; an IMS ES message has one")
    return Envelope(header, inside[0])


def _instant(stamp: Element, name: str) -> dt.datetime | None:
    value = text_at(stamp, (WSU, name))
    if value is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.utcoffset() == dt.timedelta(0) else None


def timestamp_problems(envelope: Envelope, *, expires: bool) -> list[str]:
    """The policy's ``IncludeTimestamp``: one ``wsu:Timestamp`` in ``wsse:Security``, created (and expiring) in UTC."""
    security = envelope.header_block(WSSE, "Security")
    stamps = security[0].findall(q(WSU, "Timestamp")) if len(security) == 1 else []
    if len(stamps) != 1:
        return ["wsse:Security holds no wsu:Timestamp, which the binding's IncludeTimestamp requires"]
    created, until = _instant(stamps[0], "Created"), _instant(stamps[0], "Expires")
    if created is None:
        return ["wsu:Timestamp has no wsu:Created in UTC (an xsd:dateTime ending in Z)"]
    if expires and until is None:
        return ["wsu:Timestamp has no wsu:Expires in UTC"]
    if until is not None and until <= created:
        return ["wsu:Timestamp expires before it was created"]
    return []


def token_problems(envelope: Envelope) -> list[str]:
    """The policy's supporting ``UsernameToken``: one, with a Username and a PasswordText Password."""
    security = envelope.header_block(WSSE, "Security")
    if len(security) != 1:
        return [f"the header holds {len(security)} wsse:Security elements; the binding's policy needs one"]
    tokens = security[0].findall(q(WSSE, "UsernameToken"))
    if len(tokens) != 1:
        return ["wsse:Security holds no UsernameToken, the binding's signed supporting token"]
    password = tokens[0].find(q(WSSE, "Password"))
    found = []
    if not text_at(tokens[0], (WSSE, "Username")):
        found.append("the UsernameToken has no Username")
    if password is None:
        found.append("the UsernameToken has no Password")
    elif password.get("Type", PASSWORD_TEXT) != PASSWORD_TEXT:
        found.append(f"the Password's Type is {password.get('Type')!r}, not PasswordText")
    return found


def request_header_problems(envelope: Envelope) -> list[str]:
    """What a request's header lacks: the WSDL's ``syncRequestHeaderInfo`` part, a token and a timestamp."""
    found = token_problems(envelope) + timestamp_problems(envelope, expires=False)
    infos = envelope.header_block(MESS_BIND, "syncRequestHeaderInfo")
    if len(infos) != 1:
        return [*found, f"the header holds {len(infos)} syncRequestHeaderInfo; the WSDL's binding sends one"]
    return found + schemas.problems(infos[0], "syncRequestHeaderInfo")


def message_id(envelope: Envelope) -> str | None:
    infos = envelope.header_block(MESS_BIND, "syncRequestHeaderInfo")
    return text_at(infos[0], (MESS_BIND, "messageIdentifier")) if infos else None
