"""Fixtures of the initiatives tests: an API client with tokens, unique plan years, and
brand-new databases for the migration and broker tests.

The shared ``db_url`` databases live for the whole test session, so tests that commit work in
plan years of their own and delete them afterwards.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from samstat_kit.db import session_factory, session_scope
from services.initiatives.app import create_app
from services.initiatives.config import InitiativesSettings
from services.initiatives.registry import service
from services.initiatives.registry.models import Plan
from tests.conftest import own_pg_schema

from .helpers import Api, bearer, tokens

# Far-future years: never the published plan while a decided earlier one exists, and unique
# per test (each test may also use year + 1).
_years = itertools.count(2050, 2)


@pytest.fixture
def api(db_url: str) -> Api:
    admin, agency = tokens(db_url)
    app = create_app(InitiativesSettings(database_url=db_url, registry_publish=False))
    return Api(TestClient(app), bearer(admin), bearer(agency))


@pytest.fixture
def plan_year(db_url: str) -> Iterator[int]:
    """A plan year of this test's own; its plans (year and year + 1) are deleted afterwards."""
    year = next(_years)
    yield year
    with session_scope(session_factory(db_url)) as s:
        for y in (year, year + 1):
            plan = s.get(Plan, y)
            if plan is not None:
                plan.status = "draft"
                s.flush()
                service.delete_plan(session=s, year=y, actor="test-cleanup")


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database, nothing migrated."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    with own_pg_schema("ti_") as url:
        yield url
