from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from samstat.components import migrate_all
from samstat_kit.auth import service as tokens
from samstat_kit.broker import LocalBroker
from samstat_kit.db import dispose_engines, session_factory, session_scope
from services.initiatives.registry import service as registry
from tests.e2e.stack import Stack


def seeded_stack(bootstrap: str, tmp: Path) -> Stack:
    """The whole exchange on a fresh SQLite file, seeded with the 2024 plan (not started)."""
    url = f"sqlite:///{tmp / 'samstat.db'}"
    migrate_all(url)
    with session_scope(session_factory(url)) as session:
        registry.seed(session=session, year=2024)
    return Stack(db_url=url, bootstrap=bootstrap, log_dir=tmp)


@pytest.fixture(scope="module")
def stack(broker: LocalBroker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    s = seeded_stack(broker.bootstrap, tmp_path_factory.mktemp("stack"))
    s.start_all()
    yield s
    s.stop_all()
    dispose_engines()


@pytest.fixture(scope="module")
def issue(stack: Stack) -> object:
    def make(agency: str | None = None) -> str:
        with session_scope(session_factory(stack.db_url)) as session:
            return tokens.issue(session=session, scope="agency" if agency else "admin",
                                agency=agency)

    return make
