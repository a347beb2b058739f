"""IMS Enterprise Services v1.0 over SOAP 1.1, as itslearning speaks it: names, envelopes, answers.

The request header carries ``syncRequestHeaderInfo/messageIdentifier`` and a WS-Security header
with a UsernameToken (a ``PasswordText`` password) and a ``Timestamp``: the WS-SecurityPolicy of
itslearning's bindings is a TransportBinding with ``IncludeTimestamp`` and a ``WssUsernameToken10``
supporting token. The answer's header carries ``syncResponseHeaderInfo`` with one
``statusInfo`` for a single call, or a ``statusInfoSet`` with one ``statusInfo`` per item *in
request order* for a batch call: a status names no item, so results are matched by position.
A refusal of the whole call is a SOAP ``Fault`` instead.

Elements are matched by namespace URI, never by prefix (itslearning's own examples use
different prefixes for the same namespace). Parsing never resolves entities, loads a DTD
or touches the network; a document with a DOCTYPE is refused outright.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lxml import etree

from edusync.model.fnr import mask_text

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
MESS_BIND = "http://www.imsglobal.org/services/common/imsMessBindSchema_v1p0"
COMMON = "http://www.imsglobal.org/services/common/imsCommonSchema_v1p0"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
_OASIS = "http://docs.oasis-open.org/wss/2004/01/"
WSSE = _OASIS + "oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = _OASIS + "oasis-200401-wss-wssecurity-utility-1.0.xsd"
PASSWORD_TEXT = _OASIS + "oasis-200401-wss-username-token-profile-1.0#PasswordText"
BASE64_BINARY = _OASIS + "oasis-200401-wss-soap-message-security-1.0#Base64Binary"

Element = etree._Element


@dataclass(frozen=True)
class Service:
    """One of the three IMS ES management services."""

    kind: str  # person, group, membership
    short: str  # pms, gms, mms (the SOAPAction path)
    noun: str  # Person, Group, Membership (in operation and element names)
    mess: str  # the message namespace: requests, wrappers, responses
    data: str  # the data namespace: the object's own elements

    def action(self, operation: str) -> str:
        return f"http://www.imsglobal.org/soap/{self.short}/{operation}"

    @property
    def pair(self) -> str:
        """``personIdPair``, ``groupIdPair``, ``membershipIdPair``."""
        return f"{self.kind}IdPair"


def _service(kind: str, short: str, stem: str) -> Service:
    base = f"http://www.imsglobal.org/services/{short}/xsd/ims{stem}"
    return Service(kind, short, kind.capitalize(), f"{base}MessSchema_v1p0", f"{base}DataSchema_v1p0")


SERVICES = {
    "person": _service("person", "pms", "PersonMan"),
    "group": _service("group", "gms", "GroupMan"),
    "membership": _service("membership", "mms", "MemberMan"),
}


class MalformedXml(ValueError):
    """Bytes that are not a well-formed XML document edusync will read."""


def parser() -> etree.XMLParser:
    """A parser that resolves no entities, loads no DTD and never touches the network."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=True)


def parse(data: bytes) -> Element:
    try:
        root = etree.fromstring(data, parser())
    except etree.XMLSyntaxError as exc:
        raise MalformedXml(f"not well-formed XML: {exc}") from None
    if getattr(root.getroottree().docinfo, "doctype", ""):  # not in lxml-stubs
        raise MalformedXml("a DOCTYPE is not allowed in a SOAP message")
    return root


def q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def sub(parent: Element, ns: str, name: str, text: str | None = None) -> Element:
    child = etree.SubElement(parent, q(ns, name))
    if text is not None:
        child.text = text
    return child


def identifier(parent: Element, ns: str, wrapper: str, value: str) -> Element:
    """``<wrapper><common:identifier>value</common:identifier></wrapper>``."""
    outer = sub(parent, ns, wrapper)
    sub(outer, COMMON, "identifier", value)
    return outer


def text_of(el: Element | None, *path: tuple[str, str]) -> str | None:
    """The stripped text at ``path`` (pairs of namespace and local name) below ``el``."""
    for ns, name in path:
        if el is None:
            return None
        el = el.find(q(ns, name))
    if el is None or el.text is None:
        return None
    return el.text.strip() or None


# -- requests ---------------------------------------------------------------------------------


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def envelope(body: Element, *, username: str, password: str, message_id: str, now: dt.datetime) -> bytes:
    """The whole SOAP request around ``body`` (the operation's request element)."""
    env = etree.Element(q(SOAP_ENV, "Envelope"), nsmap={"soapenv": SOAP_ENV})
    header = sub(env, SOAP_ENV, "Header")
    info = etree.SubElement(header, q(MESS_BIND, "syncRequestHeaderInfo"), nsmap={"ims": MESS_BIND})
    sub(info, MESS_BIND, "messageIdentifier", message_id)
    security = etree.SubElement(header, q(WSSE, "Security"), nsmap={"wsse": WSSE, "wsu": WSU})
    security.set(q(SOAP_ENV, "mustUnderstand"), "1")
    token = sub(security, WSSE, "UsernameToken")
    sub(token, WSSE, "Username", username)
    sub(token, WSSE, "Password", password).set("Type", PASSWORD_TEXT)
    nonce = sub(token, WSSE, "Nonce", base64.b64encode(secrets.token_bytes(16)).decode())
    nonce.set("EncodingType", BASE64_BINARY)
    sub(token, WSU, "Created", _utc(now))
    # Required by the bindings' policy (a TransportBinding with IncludeTimestamp).
    stamp = sub(security, WSU, "Timestamp")
    sub(stamp, WSU, "Created", _utc(now))
    sub(stamp, WSU, "Expires", _utc(now + dt.timedelta(minutes=5)))
    sub(env, SOAP_ENV, "Body").append(body)
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


def upsert_request(service: Service, items: Sequence[tuple[str, Element]]) -> tuple[str, Element]:
    """``createX`` for one item, ``createXs`` for several; each item is (sourcedId, data element)."""
    m = service.mess
    if len(items) == 1:
        operation = f"create{service.noun}"
        root = etree.Element(q(m, f"{operation}Request"), nsmap={"ims": m, "ims1": COMMON, "ims2": service.data})
        key, data = items[0]
        identifier(root, m, "sourcedId", key)
        root.append(data)
        return operation, root
    operation = f"create{service.noun}s"
    root = etree.Element(q(m, f"{operation}Request"), nsmap={"ims": m, "ims1": COMMON, "ims2": service.data})
    pairs = sub(root, m, f"{service.pair}Set")
    for key, data in items:
        pair = sub(pairs, m, service.pair)
        identifier(pair, m, "sourcedId", key)
        pair.append(data)
    return operation, root


def delete_request(service: Service, keys: Sequence[str], *, batch: bool = True) -> tuple[str, Element]:
    """``deleteX`` for one key (or when the batch call is not used), ``deleteXs`` for several."""
    m = service.mess
    if len(keys) == 1 or not batch:
        operation = f"delete{service.noun}"
        root = etree.Element(q(m, f"{operation}Request"), nsmap={"ims": m, "ims1": COMMON})
        identifier(root, m, "sourcedId", keys[0])
        return operation, root
    operation = f"delete{service.noun}s"
    root = etree.Element(q(m, f"{operation}Request"), nsmap={"ims": m, "ims1": COMMON})
    ids = sub(root, m, "sourcedIdSet")
    for key in keys:
        sub(ids, COMMON, "identifier", key)
    return operation, root


def read_request(service: Service, operation: str, wrapper: str, keys: Iterable[str]) -> Element:
    """A read: ``readPersons`` (``sourcedIdSet``), ``readGroup`` (``sourcedId``), ``readMembershipsForGroup`` …"""
    m = service.mess
    root = etree.Element(q(m, f"{operation}Request"), nsmap={"ims": m, "ims1": COMMON})
    if wrapper == "sourcedIdSet":
        ids = sub(root, m, wrapper)
        for key in keys:
            sub(ids, COMMON, "identifier", key)
    else:
        identifier(root, m, wrapper, next(iter(keys)))
    return root


# -- answers ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    """One ``statusInfo``: ``codeMajor`` success, failure, unsupported or processing."""

    code_major: str
    severity: str
    code_minor: str | None = None
    description: str | None = None

    @property
    def ok(self) -> bool:
        return self.code_major.lower() == "success"

    def explain(self) -> str:
        """The status for an error message; a national id the server echoes is masked."""
        minor = f"/{self.code_minor}" if self.code_minor else ""
        return f"{self.code_major}{minor}: {mask_text(self.description or 'no description')}"


class SoapFault(Exception):
    """The server refused the whole call with a SOAP Fault."""

    def __init__(self, code: str, text: str) -> None:
        super().__init__(f"{code}: {text}")
        self.code = code  # the local part of faultcode, e.g. InvalidSecurity
        self.text = text


@dataclass(frozen=True)
class Reply:
    statuses: list[Status]
    body: Element | None  # the response element inside soap:Body (e.g. readPersonsResponse)


def _status(el: Element) -> Status:
    fields = el.iterfind(f"{q(MESS_BIND, 'codeMinor')}/{q(MESS_BIND, 'codeMinorField')}")
    minors = [v for f in fields if (v := text_of(f, (MESS_BIND, "codeMinorValue")))]
    return Status(
        code_major=text_of(el, (MESS_BIND, "codeMajor")) or "",
        severity=text_of(el, (MESS_BIND, "severity")) or "",
        code_minor=",".join(minors) or None,
        # the description is a LangStringDType: its language and text are in the common namespace
        description=text_of(el, (MESS_BIND, "description"), (COMMON, "text")),
    )


def read_reply(data: bytes) -> Reply:
    """The statuses and body of an answer; raises :class:`SoapFault` or :class:`MalformedXml`."""
    root = parse(data)
    if root.tag != q(SOAP_ENV, "Envelope"):
        raise MalformedXml(f"the answer's root is <{etree.QName(root).localname}>, not a SOAP 1.1 Envelope")
    body = root.find(q(SOAP_ENV, "Body"))
    first = body[0] if body is not None and len(body) else None
    if first is not None and first.tag == q(SOAP_ENV, "Fault"):
        raw = (first.findtext("faultcode") or "").strip()
        raise SoapFault(raw.rsplit(":", 1)[-1] or "Fault", (first.findtext("faultstring") or "").strip())
    info = root.find(f"{q(SOAP_ENV, 'Header')}/{q(MESS_BIND, 'syncResponseHeaderInfo')}")
    statuses: list[Status] = []
    if info is not None:
        found = info.find(q(MESS_BIND, "statusInfoSet"))
        elements = found.findall(q(MESS_BIND, "statusInfo")) if found is not None else []
        single = info.find(q(MESS_BIND, "statusInfo"))
        statuses = [_status(e) for e in (elements or ([single] if single is not None else []))]
    return Reply(statuses, first)
