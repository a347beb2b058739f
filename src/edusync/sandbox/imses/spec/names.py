"""The names IMS ES messages are made of, and the one way the sandbox side reads XML.

Written for the sandbox and its checker from itslearning's WSDLs, apart from the connector's own
constants on purpose: if both sides took their names from one module, a wrong name would pass
every test. Parsing resolves no entities, loads no DTD, never touches the network and refuses a
document with a DOCTYPE.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
MESS_BIND = "http://www.imsglobal.org/services/common/imsMessBindSchema_v1p0"
COMMON = "http://www.imsglobal.org/services/common/imsCommonSchema_v1p0"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ADDRESSING = "http://www.w3.org/2005/08/addressing"
_OASIS = "http://docs.oasis-open.org/wss/2004/01/"
WSSE = _OASIS + "oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU = _OASIS + "oasis-200401-wss-wssecurity-utility-1.0.xsd"
PASSWORD_TEXT = _OASIS + "oasis-200401-wss-username-token-profile-1.0#PasswordText"

Element = etree._Element


@dataclass(frozen=True)
class Service:
    """One IMS ES management service: its SOAPAction path and its two namespaces."""

    kind: str  # person, group, membership
    short: str  # pms, gms, mms
    mess: str  # requests, answers and their wrappers
    data: str  # the object itself

    def action(self, operation: str) -> str:
        return f"http://www.imsglobal.org/soap/{self.short}/{operation}"


def _service(kind: str, short: str, stem: str) -> Service:
    base = f"http://www.imsglobal.org/services/{short}/xsd/ims{stem}"
    return Service(kind, short, f"{base}MessSchema_v1p0", f"{base}DataSchema_v1p0")


SERVICES = {
    "person": _service("person", "pms", "PersonMan"),
    "group": _service("group", "gms", "GroupMan"),
    "membership": _service("membership", "mms", "MemberMan"),
}


class NotXml(ValueError):
    """Bytes the sandbox side will not read as XML (malformed, or with a DOCTYPE)."""


def parse(data: bytes) -> Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise NotXml(f"not well-formed XML: {exc}") from None
    if getattr(root.getroottree().docinfo, "doctype", ""):  # not in lxml-stubs
        raise NotXml("a DOCTYPE is not allowed in a SOAP message")
    return root


def q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


def sub(parent: Element, ns: str, name: str, text: str | None = None) -> Element:
    child = etree.SubElement(parent, q(ns, name))
    if text is not None:
        child.text = text
    return child


def text_at(el: Element | None, *path: tuple[str, str]) -> str | None:
    """The stripped text at ``path`` (pairs of namespace and local name) below ``el``."""
    for ns, name in path:
        if el is None:
            return None
        el = el.find(q(ns, name))
    if el is None or el.text is None:
        return None
    return el.text.strip() or None
