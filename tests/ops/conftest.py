"""Fixtures of the operations tests: the real exchange as processes (for a real Prometheus)."""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from samstat.components import migrate_all
from samstat_kit.broker import LocalBroker
from samstat_kit.db import dispose_engines, session_factory, session_scope
from tests.e2e.stack import Stack


@pytest.fixture(scope="module")
def stack(broker: LocalBroker, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The four services and the worker on a fresh SQLite file, seeded with the 2024 plan."""
    tmp: Path = tmp_path_factory.mktemp("ops-stack")
    url = f"sqlite:///{tmp / 'samstat.db'}"
    migrate_all(url)
    try:
        registry: Any = importlib.import_module("services.initiatives.registry.service")
    except ImportError:  # the registry is being written elsewhere; the stack still starts
        registry = None
    if registry is not None and hasattr(registry, "seed"):
        with session_scope(session_factory(url)) as session:
            registry.seed(session=session, year=2024)
    s = Stack(db_url=url, bootstrap=broker.bootstrap, log_dir=tmp)
    # faust keeps an "<app id>-data" directory in its working directory (here the repository)
    # unless APP_DATADIR says otherwise; Stack passes our environment on to the worker.
    saved = os.environ.get("APP_DATADIR")
    os.environ["APP_DATADIR"] = str(tmp / "faust-data")
    try:
        try:
            s.start_all()
        finally:
            if saved is None:
                os.environ.pop("APP_DATADIR", None)
            else:
                os.environ["APP_DATADIR"] = saved
        yield s
    finally:
        s.stop_all()
        dispose_engines()
