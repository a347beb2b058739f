"""The served OpenAPI document holds: schemathesis calls every operation with generated input.

No answer is a server error, and every answer's status, content type and body are those the
document declares. The calls go over real HTTP to the console on SQLite, with a token that has
every console scope (so the generated input, not the sign-in, decides the answer).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi import checks

from tests.console.conftest import Console, _site


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    yield from _site("sqlite", Path(tmp_path_factory.mktemp("schemathesis")), None)


CHECKS = [
    schemathesis.checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


def test_the_api_keeps_its_openapi_document(served: Console) -> None:
    token = served.token("console:read", "console:operate", "console:approve", user="fuzz@fylke.no")
    schema = schemathesis.openapi.from_url(f"{served.url}/api/v1/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15, [op.label for op in operations]
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def call(case: schemathesis.Case) -> None:
            case.call_and_validate(
                base_url=f"{served.url}/api/v1", headers={"Authorization": f"Bearer {token}"}, checks=CHECKS
            )

        call()
