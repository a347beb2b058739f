"""The sandbox speaks SOAP as itslearning does: raw envelopes with itslearning's own prefixes, over HTTP.

The envelopes are itslearning's examples (developer.itslearning.com), with the WS-Security
header its bindings' policy requires. Requests that break the specification on purpose go to a
``drifting_site``, whose exchanges the test holds to the checker itself.
"""

from __future__ import annotations

import datetime as dt

import httpx
from lxml import etree

from edusync.sandbox.imses.spec.names import COMMON, MESS_BIND, SOAP_ENV, WSU, parse
from tests.connectors.imses.conftest import PASSWORD, USERNAME, DriftingSite, Site
from tests.connectors.imses.test_export import ASE, change, school_and_course

NS = {"s": SOAP_ENV, "h": MESS_BIND, "u": WSU, "c": COMMON}
PMS = "http://www.imsglobal.org/services/pms/xsd/imsPersonManMessSchema_v1p0"
STAMP = "<wsu:Timestamp><wsu:Created>{now}</wsu:Created></wsu:Timestamp>"
TOKEN = """<wsse:Security xmlns:wsse="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
    xmlns:wsu="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">
  <wsse:UsernameToken><wsse:Username>{user}</wsse:Username><wsse:Password>{password}</wsse:Password></wsse:UsernameToken>
  {stamp}
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
    {demographics}
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


def token(user: str = USERNAME, password: str = PASSWORD, *, stamped: bool = True) -> str:
    now = dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return TOKEN.format(user=user, password=password, stamp=STAMP.format(now=now) if stamped else "")


def create(key: str, *, security: str | None = None, demographics: str = "") -> str:
    return CREATE.format(token=token() if security is None else security, key=key, demographics=demographics)


def post(site: Site, envelope: str, action: str, path: str | None = None) -> httpx.Response:
    return httpx.post(
        site.base + path if path else site.endpoint,
        content=envelope.encode(),
        headers={
            "content-type": "text/xml; charset=utf-8",
            "SOAPAction": f'"http://www.imsglobal.org/soap/pms/{action}"',
        },
    )


def statuses(response: httpx.Response) -> list[tuple[str | None, str | None, str | None, str | None]]:
    root = parse(response.content)
    found = root.iterfind(".//h:syncResponseHeaderInfo//h:statusInfo", NS)
    return [
        (
            e.findtext("h:codeMajor", namespaces=NS),
            e.findtext(".//h:codeMinorValue", namespaces=NS),
            e.findtext("h:messageIdRef", namespaces=NS),
            e.findtext("h:description/c:text", namespaces=NS),
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
    response = post(site, create("333222"), "createPerson")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/xml")
    assert statuses(response) == [("success", None, "1234567890", None)]
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


def test_batch_statuses_come_in_request_order_with_their_reason(site: Site) -> None:
    for key in ("66666", "33333"):
        post(site, create(key), "createPerson")
    first = post(site, DELETE.format(token=token(), operation="deletePersons", ids=ids("66666")), "deletePersons")
    assert statuses(first) == [("success", None, "42", None)]
    # 66666 is in the trash now, 999 never existed, 33333 is there
    response = post(
        site, DELETE.format(token=token(), operation="deletePersons", ids=ids("66666", "999", "33333")), "deletePersons"
    )
    assert statuses(response) == [
        ("failure", "unknownobject", "42", "person 66666 is already in the trash can"),
        ("failure", "unknownobject", "42", "The sourcedId 999 does not exist"),
        ("success", None, "42", None),
    ], "the description's text is in the common namespace"
    read = post(site, DELETE.format(token=token(), operation="readPersons", ids=ids("33333", "66666")), "readPersons")
    assert [major for major, *_ in statuses(read)] == ["failure", "failure"], "deleted persons cannot be read"


def test_a_wrong_password_is_a_security_fault(site: Site) -> None:
    code, text = fault(post(site, create("1", security=token(password="gjett")), "createPerson"))
    assert code.endswith(":FailedAuthentication") and "could not be authenticated" in text
    assert site.summary()["persons"] == []


def test_a_missing_token_or_timestamp_breaks_the_security_policy(drifting_site: DriftingSite) -> None:
    site = drifting_site
    code, _ = fault(post(site, create("1", security=""), "createPerson"))
    assert code.endswith(":FailedAuthentication")
    code, text = fault(post(site, create("1", security=token(stamped=False)), "createPerson"))
    assert code.endswith(":InvalidSecurity") and "Timestamp" in text
    assert site.summary()["persons"] == []
    sent, answered = site.problems()
    assert sent == [
        "the header holds 0 wsse:Security elements; the binding's policy needs one",
        "wsse:Security holds no wsu:Timestamp, which the binding's IncludeTimestamp requires",
        "wsse:Security holds no wsu:Timestamp, which the binding's IncludeTimestamp requires",
    ]
    assert answered == []


def test_a_request_that_breaks_the_schema_is_refused_whole(drifting_site: DriftingSite) -> None:
    """bday before gender (and no gender): edusync's old demographics, which itslearning's schema refuses."""
    site = drifting_site
    wrong = "<ims3:demographics><ims3:bday>2010-03-04</ims3:bday></ims3:demographics>"
    code, text = fault(post(site, create("p1", demographics=wrong), "createPerson"))
    assert code == "s:Client"
    assert "does not validate against the IMS ES schemas" in text and "'bday': This element is not expected" in text
    assert site.summary()["persons"] == [], "nothing in it was carried out"
    right = "<ims3:demographics><ims3:gender>Female</ims3:gender><ims3:bday>2010-03-04</ims3:bday></ims3:demographics>"
    assert post(site, create("p1", demographics=right), "createPerson").status_code == 200
    sent, answered = site.problems()
    assert len(sent) == 1 and "createPersonRequest" in sent[0] and "'bday'" in sent[0]
    assert answered == []


def test_the_soap_action_must_name_the_body(drifting_site: DriftingSite) -> None:
    code, text = fault(post(drifting_site, create("1"), "deletePerson"))
    assert code == "s:Client" and "the SOAPAction names deletePerson, the body holds createPersonRequest" in text
    sent, answered = drifting_site.problems()
    assert any("not the deletePerson request" in p for p in sent) and answered == []


def test_entities_are_never_expanded(drifting_site: DriftingSite) -> None:
    evil = '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/passwd">]>\n' + create("&secret;")
    code, text = fault(post(drifting_site, evil, "createPerson"))
    assert code == "s:Client" and "DOCTYPE" in text
    assert "root:" not in text
    assert drifting_site.summary()["persons"] == []
    sent, answered = drifting_site.problems()
    assert sent == ["request: a DOCTYPE is not allowed in a SOAP message"] and answered == []


def test_an_endpoint_serves_only_its_own_binding(drifting_site: DriftingSite) -> None:
    response = post(drifting_site, create("1"), "createPerson", "/WCFServiceLibrary/GroupManagementServiceSync.svc")
    code, text = fault(response)
    assert code.endswith(":ActionNotSupported") and "createPerson" in text
    sent, answered = drifting_site.problems()
    assert sent == ["/WCFServiceLibrary/GroupManagementServiceSync.svc does not serve createPerson (person binding)"]
    assert answered == []


def test_an_action_of_the_wsdl_the_sandbox_does_not_cover(drifting_site: DriftingSite) -> None:
    """updatePerson is itslearning's, but not the sandbox's: refused as WCF refuses what it does not serve."""
    envelope = create("1").replace("createPersonRequest", "updatePersonRequest")
    code, text = fault(post(drifting_site, envelope, "updatePerson"))
    assert code.endswith(":ActionNotSupported") and "updatePerson" in text
    sent, answered = drifting_site.problems()
    assert sent == ["updatePerson is not covered by the project's IMS ES schemas"] and answered == []


READ = """<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:h="http://www.imsglobal.org/services/common/imsMessBindSchema_v1p0"
    xmlns:m="http://www.imsglobal.org/services/{short}/xsd/ims{stem}MessSchema_v1p0"
    xmlns:c="http://www.imsglobal.org/services/common/imsCommonSchema_v1p0">
 <s:Header><h:syncRequestHeaderInfo><h:messageIdentifier>7</h:messageIdentifier></h:syncRequestHeaderInfo>{token}</s:Header>
 <s:Body><m:{operation}Request>{content}</m:{operation}Request></s:Body>
</s:Envelope>"""


def call(site: Site, short: str, stem: str, operation: str, content: str) -> httpx.Response:
    envelope = READ.format(short=short, stem=stem, operation=operation, content=content, token=token())
    return httpx.post(
        site.endpoint,
        content=envelope.encode(),
        headers={"content-type": "text/xml", "SOAPAction": f"http://www.imsglobal.org/soap/{short}/{operation}"},
    )


def test_the_reads_and_batch_deletes_edusync_does_not_send(site: Site) -> None:
    """readPerson, readMembershipsForPerson and deleteGroups, as itslearning's WSDL has them."""
    connector = site.connector()
    members = [change("membership", "m1", person="p1", group="C1")]
    assert all(r.ok for r in connector.export([change("person", "p1", **ASE), *school_and_course(), *members]))
    key = "<m:sourcedId><c:identifier>{}</c:identifier></m:sourcedId>"
    read = call(site, "pms", "PersonMan", "readPerson", key.format("p1"))
    assert parse(read.content).findtext(".//{*}person/{*}formatName") == "Åse Ødegård"
    assert statuses(call(site, "pms", "PersonMan", "readPerson", key.format("p9")))[0][:2] == (
        "failure",
        "unknownobject",
    )
    person = "<m:personSourcedId><c:identifier>p1</c:identifier></m:personSourcedId>"
    found = call(site, "mms", "MemberMan", "readMembershipsForPerson", person)
    assert [e.text for e in parse(found.content).iterfind(".//{*}membershipIdPair/{*}sourcedId/{*}identifier")] == [
        "m1"
    ]
    keys = "<m:sourcedIdSet><c:identifier>C1</c:identifier><c:identifier>S9</c:identifier></m:sourcedIdSet>"
    deleted = call(site, "gms", "GroupMan", "deleteGroups", keys)
    assert [s[:2] for s in statuses(deleted)] == [("success", None), ("failure", "unknownobject")]
    assert site.summary()["archived"] == ["C1"] and site.summary()["memberships"] == {}
