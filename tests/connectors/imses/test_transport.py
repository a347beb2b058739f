"""What no sandbox answers, through the client's ``transport=`` seam: the shared HTTP layer's rules for SOAP.

A SOAP Fault comes with HTTP 500 and is the server's answer, so it is never sent again; a 5xx
without one is passing trouble, retried; whatever the server quotes back is shown with national
ids masked, because a site may use them as sync keys.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import httpx
import pytest

from edusync.connectors.imses import ImsesConnector, ImsesSettings
from edusync.errors import FatalError
from edusync.model import fnr
from tests.connectors.imses.test_export import ASE, change

URL = "https://enterprise.example.no/WCFServiceLibrary/ImsEnterpriseServicesPort.svc"
NIN = fnr.generate(dt.date(2009, 5, 17), random.Random(7))
FAULT = f"""<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>
<faultcode>s:Client</faultcode><faultstring>person {NIN} is locked</faultstring></s:Fault></s:Body></s:Envelope>"""
FAILURE = f"""<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>
<syncResponseHeaderInfo xmlns="http://www.imsglobal.org/services/common/imsMessBindSchema_v1p0"><statusInfo>
<codeMajor>failure</codeMajor><severity>error</severity><description>
<language xmlns="http://www.imsglobal.org/services/common/imsCommonSchema_v1p0">en-US</language>
<text xmlns="http://www.imsglobal.org/services/common/imsCommonSchema_v1p0">The sourcedId {NIN} exists</text>
</description></statusInfo></syncResponseHeaderInfo></s:Header><s:Body/></s:Envelope>"""


def _connector(answers: list[httpx.Response], sent: list[httpx.Request]) -> ImsesConnector:
    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return answers.pop(0)

    settings = ImsesSettings.model_validate(
        {"url": URL, "username": "u", "password": "p", "retries": 2, "backoff": 0.001}
    )
    return ImsesConnector("itslearning", settings, Path("."), transport=httpx.MockTransport(handle))


def test_a_soap_fault_in_a_500_is_an_answer_and_is_not_sent_again() -> None:
    sent: list[httpx.Request] = []
    connector = _connector([httpx.Response(500, text=FAULT)], sent)
    (result,) = connector.export([change("person", "p1", **ASE)])
    assert len(sent) == 1, "a refusal is final"
    assert not result.ok and not result.retriable
    assert (
        result.error == f"itslearning IMS ES createPerson at {URL}: SOAP fault Client: person {fnr.mask(NIN)} is locked"
    )


def test_a_5xx_without_a_fault_is_retried_then_reported() -> None:
    sent: list[httpx.Request] = []
    connector = _connector([httpx.Response(502, text="Bad Gateway") for _ in range(3)], sent)
    (result,) = connector.export([change("person", "p1", **ASE)])
    assert len(sent) == 3 and sent[0].headers["soapaction"] == '"http://www.imsglobal.org/soap/pms/createPerson"'
    assert not result.ok and result.retriable
    assert result.error == f"itslearning IMS ES createPerson at {URL}: HTTP 502 (3 attempts)"


def test_what_the_server_quotes_back_is_masked() -> None:
    (result,) = _connector([httpx.Response(200, text=FAILURE)], []).export([change("person", "p1", **ASE)])
    assert result.error is not None and NIN not in result.error
    assert f"failure: The sourcedId {fnr.mask(NIN)} exists" in result.error
    connector = _connector([httpx.Response(400, text=f"<html>bad request for {NIN}</html>")], [])
    with pytest.raises(FatalError) as caught:
        connector.export([change("person", "p1", **ASE)])
    assert "HTTP 400" in str(caught.value) and NIN not in str(caught.value)
