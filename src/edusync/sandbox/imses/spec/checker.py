"""Holds every HTTP exchange with the IMS ES sandbox to itslearning's published IMS ES.

A request must be a SOAP 1.1 POST (``text/xml``) whose ``SOAPAction`` is one of the WSDL's 41
actions, sent to an endpoint whose binding has it, with the header the binding and its security
policy require and a body that is that action's request and validates against the project's
schemas. An answer must be HTTP 200 with the action's response, the ``syncResponseHeaderInfo``
(one status per item, in order, for a batch call, each naming the request's message id) and a
timestamp; or HTTP 500 with a SOAP 1.1 Fault. Some answers carry no SOAP and are not checked:
503, a server that is down; 499, the sandbox's mark for a client that hung up before it
answered; and 404 from a path where no endpoint is (the request is still held to the WSDL's
addresses). The ``/_sandbox`` controls are not IMS ES and are counted apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from edusync.sandbox.imses.spec import schemas
from edusync.sandbox.imses.spec.actions import ACTIONS, BY_REQUEST, COVERED, ENDPOINTS, Action, served
from edusync.sandbox.imses.spec.envelope import (
    Envelope,
    NotSoap,
    message_id,
    open_envelope,
    request_header_problems,
    timestamp_problems,
)
from edusync.sandbox.imses.spec.names import MESS_BIND, SOAP_ENV, Element, NotXml, q, text_at
from edusync.testing.exchanges import Exchange

CONTROLS = "sandbox controls (not IMS ES)"
NO_SOAP = (499, 503)


@dataclass
class _Sent:
    action: Action | None = None
    message_id: str | None = None
    items: int = 1
    problems: list[str] = field(default_factory=list)


def _action(exchange: Exchange, body: Envelope | None) -> Action | None:
    raw = exchange.request_headers.get("soapaction")
    if raw is not None and (found := ACTIONS.get(raw.strip().strip('"'))):
        return found
    return BY_REQUEST.get(str(body.body.tag)) if body is not None else None


def _envelope(data: bytes) -> Envelope | str:
    try:
        return open_envelope(data)
    except (NotXml, NotSoap) as exc:
        return str(exc)


def _http_problems(exchange: Exchange) -> list[str]:
    found = []
    if exchange.method != "POST":
        found.append(f"IMS ES is sent as SOAP 1.1 over HTTP POST, not {exchange.method}")
    if exchange.request_type != "text/xml":
        found.append(f"a SOAP 1.1 request is text/xml, not {exchange.request_type or 'untyped'}")
    raw = exchange.request_headers.get("soapaction")
    if raw is None:
        found.append("the request has no SOAPAction header, which SOAP 1.1 over HTTP requires")
    elif raw.strip().strip('"') not in ACTIONS:
        found.append(f"SOAPAction {raw!r} is none of the actions in itslearning's WSDL")
    return found


def _read_request(exchange: Exchange) -> _Sent:
    found = _http_problems(exchange)
    if exchange.path not in ENDPOINTS:
        found.append(f"{exchange.path} is none of itslearning's IMS ES endpoints")
    if not exchange.request_body and exchange.status in (*NO_SOAP, 404):
        return _Sent(problems=found)  # answered before the body was read: only the HTTP side can be held
    envelope = _envelope(exchange.request_body)
    if isinstance(envelope, str):
        return _Sent(_action(exchange, None), problems=[*found, f"request: {envelope}"])
    action = _action(exchange, envelope)
    sent = _Sent(action, message_id(envelope), problems=found + request_header_problems(envelope))
    if action is None:
        return sent
    if not served(exchange.path, action):
        sent.problems.append(f"{exchange.path} does not serve {action.operation} ({action.binding} binding)")
    if envelope.body.tag != action.request:
        sent.problems.append(f"the body holds {envelope.body.tag}, not the {action.operation} request")
    elif action.operation not in COVERED:
        sent.problems.append(f"{action.operation} is not covered by the project's IMS ES schemas")
    else:
        sent.problems += schemas.problems(envelope.body, f"{action.operation}Request")
        sent.items = len(envelope.body[0]) if action.batch and len(envelope.body) else 1
    return sent


def _fault_problems(fault: Element) -> list[str]:
    code, text = fault.find("faultcode"), fault.find("faultstring")
    if code is None or text is None or not (text.text or "").strip():
        return ["a SOAP 1.1 Fault has an unqualified faultcode and faultstring"]
    prefix, _, local = (code.text or "").strip().rpartition(":")
    if not local or (prefix and prefix not in code.nsmap):
        return [f"faultcode {code.text!r} is not a QName whose prefix is declared"]
    return []


def _status_problems(envelope: Envelope, sent: _Sent) -> list[str]:
    infos = envelope.header_block(MESS_BIND, "syncResponseHeaderInfo")
    if len(infos) != 1:
        return ["the answer's header has no syncResponseHeaderInfo, which the WSDL's binding returns"]
    found = schemas.problems(infos[0], "syncResponseHeaderInfo")
    grouped = infos[0].find(q(MESS_BIND, "statusInfoSet"))
    single = infos[0].findall(q(MESS_BIND, "statusInfo"))
    statuses = grouped.findall(q(MESS_BIND, "statusInfo")) if grouped is not None else single
    assert sent.action is not None
    if sent.action.batch and (grouped is None or len(statuses) != sent.items):
        found.append(f"a batch call of {sent.items} items is answered with a statusInfoSet of as many statuses")
    elif not sent.action.batch and len(statuses) != 1:
        found.append(f"{sent.action.operation} is answered with one status, not {len(statuses)}")
    refs = {text_at(s, (MESS_BIND, "messageIdRef")) for s in statuses}
    if sent.message_id is not None and refs - {sent.message_id}:
        found.append(f"a status's messageIdRef is not the request's messageIdentifier {sent.message_id!r}")
    return found


def _answer_problems(exchange: Exchange, sent: _Sent) -> list[str]:
    if exchange.status in NO_SOAP or (exchange.status == 404 and exchange.path not in ENDPOINTS):
        return []
    envelope = _envelope(exchange.response_body)
    typed = exchange.response_type == "text/xml"
    found = [] if typed else [f"a SOAP 1.1 answer is text/xml, not {exchange.response_type}"]
    if isinstance(envelope, str):
        return [*found, f"answer: {envelope}"]
    is_fault = envelope.body.tag == q(SOAP_ENV, "Fault")
    if exchange.status == 500 and is_fault:
        return found + _fault_problems(envelope.body)
    if exchange.status != 200 or is_fault:
        return [*found, f"HTTP {exchange.status} with {envelope.body.tag}: SOAP 1.1 answers 200, or 500 with a Fault"]
    if sent.action is None:
        return found
    found += timestamp_problems(envelope, expires=True) + _status_problems(envelope, sent)
    if envelope.body.tag != sent.action.response:
        return [*found, f"the answer holds {envelope.body.tag}, not the {sent.action.operation} response"]
    if sent.action.operation in COVERED:
        found += schemas.problems(envelope.body, f"{sent.action.operation}Response")
    return found


class ImsesChecker:
    """The IMS ES checker the conformance ledger uses (see :mod:`edusync.testing.exchanges`)."""

    system = "imses"

    def kind(self, exchange: Exchange) -> str:
        if exchange.path.startswith("/_sandbox"):
            return CONTROLS
        envelope = _envelope(exchange.request_body)
        action = _action(exchange, None if isinstance(envelope, str) else envelope)
        return action.operation if action is not None else "unknown action"

    def request_problems(self, exchange: Exchange) -> list[str]:
        return [] if exchange.path.startswith("/_sandbox") else _read_request(exchange).problems

    def answer_problems(self, exchange: Exchange) -> list[str]:
        if exchange.path.startswith("/_sandbox"):
            return []
        return _answer_problems(exchange, _read_request(exchange))

    def problems(self, exchange: Exchange) -> list[str]:
        if exchange.path.startswith("/_sandbox"):
            return []
        sent = _read_request(exchange)
        return sent.problems + _answer_problems(exchange, sent)
