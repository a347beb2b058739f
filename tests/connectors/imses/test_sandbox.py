"""The sandbox speaks SOAP as itslearning does: raw envelopes with itslearning's own prefixes, over HTTP."""

from __future__ import annotations

import datetime as dt

import httpx
from lxml import etree

from edusync.connectors.imses.soap import MESS_BIND, SOAP_ENV, WSU, parse
from tests.connectors.imses.conftest import PASSWORD, USERNAME, Site

NS = {"s": SOAP_ENV, "h": MESS_BIND, "u": WSU}
PMS = "http://www.imsglobal.org/services/pms/xsd/imsPersonManMessSchema_v1p0"
TOKEN = f"""<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">
  <wsse:UsernameToken><wsse:Username>{USERNAME}</wsse:Username><wsse:Password>{PASSWORD}</wsse:Password></wsse:UsernameToken>
</wsse:Security>"""

# itslearning's createPerson example puts MessBind on ims, person messages on ims1, common on ims2, data on ims3.
CREATE = """<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:ims="http://www.imsglobal.org/services/common/imsMessBindSchema_v1p0"
    xmlns:ims1="http://www.imsglobal.org/services/pms/xsd/imsPersonManMessSchema_v1p0"
    xmlns:ims2="http://www.imsglobal.org/services/common/imsCommonSchema_v1p0"
    xmlns:ims3="http://www.imsglobal.org/services/pms/xsd/imsPersonManDataSchema_v1p0">
 <soapenv:Header>
  <ims:syncRequestHeaderInfo><ims:messageIdentifier>1234567890</ims:messageIdentifier></ims:syncRequestHeaderInfo>
  {token}
 </soapenv:Header>
 <soapenv:Body>
  <ims1:createPersonRequest>
   <ims1:sourcedId><ims2:identifier>{key}</ims2:identifier></ims1:sourcedId>
   <ims1:person>
    <ims3:formatName xsi:nil="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>
    <ims3:name>
     <ims3:partName><ims3:namePartType>First</ims3:namePartType><ims3:namePartValue>Kari</ims3:namePartValue></ims3:partName>
     <ims3:partName><ims3:namePartType>Last</ims3:namePartType><ims3:namePartValue>Nordmann</ims3:namePartValue></ims3:partName>
    </ims3:name>
    <ims3:institutionRole><ims3:institutionRoleType>Student</ims3:institutionRoleType>
     <ims3:primaryRoleType>true</ims3:primaryRoleType></ims3:institutionRole>
   </ims1:person>
  </ims1:createPersonRequest>
 </soapenv:Body>
</soapenv:Envelope>"""

# ... and its deletePersons example uses ims for person messages, ims1 for common, ims2 for MessBind.
DELETE = """<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:ims="http://www.imsglobal.org/services/pms/xsd/imsPersonManMessSchema_v1p0"
    xmlns:ims1="http://www.imsglobal.org/services/common/imsCommonSchema_v1p0"
    xmlns:ims2="http://www.imsglobal.org/services/common/imsMessBindSchema_v1p0">
 <soapenv:Header>
  <ims2:syncRequestHeaderInfo><ims2:messageIdentifier>42</ims2:messageIdentifier></ims2:syncRequestHeaderInfo>
  {token}
 </soapenv:Header>
 <soapenv:Body>
  <ims:{operation}Request><ims:sourcedIdSet>{ids}</ims:sourcedIdSet></ims:{operation}Request>
 </soapenv:Body>
</soapenv:Envelope>"""


def post(site: Site, envelope: str, action: str) -> httpx.Response:
    return httpx.post(
        site.endpoint,
        content=envelope.encode(),
        headers={
            "content-type": "text/xml; charset=utf-8",
            "SOAPAction": f'"http://www.imsglobal.org/soap/pms/{action}"',
        },
    )


def statuses(response: httpx.Response) -> list[tuple[str, str | None, str | None]]:
    root = parse(response.content)
    found = root.iterfind(".//h:syncResponseHeaderInfo//h:statusInfo", NS)
    return [
        (
            e.findtext("h:codeMajor", namespaces=NS),
            e.findtext(".//h:codeMinorValue", namespaces=NS),
            e.findtext("h:messageIdRef", namespaces=NS),
        )
        for e in found
    ]


def fault(response: httpx.Response) -> tuple[str, str]:
    assert response.status_code == 500
    found = parse(response.content).find("s:Body/s:Fault", NS)
    assert found is not None
    return (found.findtext("faultcode") or "", found.findtext("faultstring") or "")


def ids(*keys: str) -> str:
    return "".join(f"<ims1:identifier>{k}</ims1:identifier>" for k in keys)


def test_create_with_itslearnings_prefixes_answers_like_itslearning(site: Site) -> None:
    response = post(site, CREATE.format(token=TOKEN, key="333222"), "createPerson")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    assert statuses(response) == [("success", None, "1234567890")]
    root = parse(response.content)
    body = root.find("s:Body", NS)
    assert body is not None and etree.QName(body[0]).localname == "createPersonResponse"
    assert etree.QName(body[0]).namespace == PMS
    created = root.findtext(".//u:Timestamp/u:Created", namespaces=NS)
    expires = root.findtext(".//u:Timestamp/u:Expires", namespaces=NS)
    assert created and expires
    lifetime = dt.datetime.fromisoformat(expires) - dt.datetime.fromisoformat(created)
    assert lifetime == dt.timedelta(minutes=5)
    assert site.summary()["persons"] == ["333222"]


def test_batch_statuses_come_in_request_order(site: Site) -> None:
    for key in ("66666", "33333"):
        post(site, CREATE.format(token=TOKEN, key=key), "createPerson")
    first = post(site, DELETE.format(token=TOKEN, operation="deletePersons", ids=ids("66666")), "deletePersons")
    assert statuses(first) == [("success", None, "42")]
    # 66666 is in the trash now, 999 never existed, 33333 is there
    response = post(
        site, DELETE.format(token=TOKEN, operation="deletePersons", ids=ids("66666", "999", "33333")), "deletePersons"
    )
    assert [(major, minor) for major, minor, _ in statuses(response)] == [
        ("failure", "unknownobject"),
        ("failure", "unknownobject"),
        ("success", None),
    ]
    read = post(site, DELETE.format(token=TOKEN, operation="readPersons", ids=ids("33333", "66666")), "readPersons")
    assert [major for major, _, _ in statuses(read)] == ["failure", "failure"], "deleted persons cannot be read"


def test_no_token_or_a_wrong_password_is_a_security_fault(site: Site) -> None:
    code, text = fault(post(site, CREATE.format(token="", key="1"), "createPerson"))
    assert code.endswith(":FailedAuthentication") and "could not be authenticated" in text
    wrong = TOKEN.replace(PASSWORD, "gjett")
    code, _ = fault(post(site, CREATE.format(token=wrong, key="1"), "createPerson"))
    assert code.endswith(":FailedAuthentication")
    assert site.summary()["persons"] == []


def test_the_soap_action_must_name_the_body(site: Site) -> None:
    code, text = fault(post(site, CREATE.format(token=TOKEN, key="1"), "deletePerson"))
    assert code == "s:Client" and "does not name the body's operation" in text


def test_entities_are_never_expanded(site: Site) -> None:
    evil = '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n' + CREATE.format(
        token=TOKEN, key="&secret;"
    )
    code, text = fault(post(site, evil, "createPerson"))
    assert code == "s:Client" and "DOCTYPE" in text
    assert "root:" not in text
    assert site.summary()["persons"] == []


def test_an_endpoint_serves_only_its_own_service(site: Site) -> None:
    response = httpx.post(
        f"{site.base}/WCFServiceLibrary/GroupManagementServiceSync.svc",
        content=CREATE.format(token=TOKEN, key="1").encode(),
        headers={"SOAPAction": "http://www.imsglobal.org/soap/pms/createPerson"},
    )
    code, text = fault(response)
    assert code.endswith(":ActionNotSupported") and "createPerson" in text
