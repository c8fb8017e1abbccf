"""schemathesis against the OpenAPI of notify, initiatives and indicators (ingest has its
own, tests/ingest/test_openapi_fuzz.py), on SQLite and PostgreSQL, with a valid token of an
agency and of an admin: no server error, no undocumented status, every body as documented.
The issue's "schemathesis is clean on all four services" (issue 14)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from samstat_kit.auth import service as tokens
from samstat_kit.db import session_factory, session_scope
from tests.conftest import migrated


def _notify(url: str) -> FastAPI:
    from services.notify.app import create_app
    from services.notify.config import NotifySettings

    return create_app(NotifySettings(database_url=url, kafka_enabled=False,
                                     sweep_interval_seconds=3600, digest_enabled=False,
                                     dispatch_idle_seconds=3600))


def _initiatives(url: str) -> FastAPI:
    from services.initiatives.app import create_app
    from services.initiatives.config import InitiativesSettings

    return create_app(InitiativesSettings(database_url=url, registry_publish=False))


def _indicators(url: str) -> FastAPI:
    from services.indicators.app import create_app
    from services.indicators.config import IndicatorsSettings

    return create_app(IndicatorsSettings(database_url=url))


SERVICES: dict[str, Callable[[str], FastAPI]] = {
    "notify": _notify, "initiatives": _initiatives, "indicators": _indicators}


@pytest.mark.parametrize("service", sorted(SERVICES))
@pytest.mark.parametrize("scope", ["agency", "admin"])
def test_no_server_errors_and_documented_responses(empty_url: str, service: str,
                                                   scope: str) -> None:
    # A database of its own: what the fuzzer creates (silences, quiet times, initiatives)
    # would otherwise mute or count in every later test that shares the session's.
    db_url = migrated(empty_url, ("samstat_kit.auth", f"services.{service}"))
    with session_scope(session_factory(db_url)) as s:
        tok = tokens.issue(session=s, scope=scope,
                           agency="forsakringskassan" if scope == "agency" else None)
    app = SERVICES[service](db_url)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations
    statuses: list[int] = []
    for operation in operations:
        _fuzz(operation, tok, statuses)
    # Guard against a vacuous run: requests went out, and some were answered 2xx.
    assert len(statuses) >= 5 * len(operations)
    assert any(200 <= s < 300 for s in statuses)


def _fuzz(operation: Any, tok: str, statuses: list[int]) -> None:
    @given(case=operation.as_strategy())
    @settings(max_examples=15, deadline=None, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    def check(case: schemathesis.Case) -> None:
        response = case.call_and_validate(headers={"Authorization": f"Bearer {tok}"},
                                          checks=[not_a_server_error,
                                                  status_code_conformance,
                                                  response_schema_conformance])
        statuses.append(response.status_code)

    check()
