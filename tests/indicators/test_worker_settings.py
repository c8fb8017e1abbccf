"""The stream worker's consumer settings that faust does not expose."""

from __future__ import annotations

from pathlib import Path

import pytest

from samstat_kit.broker import LocalBroker
from services.indicators.config import IndicatorsSettings
from services.indicators.worker.app import create_worker_app
from services.indicators.worker.faust_compat import limit_fetch_wait


async def test_the_stream_consumer_waits_for_data_as_configured(
        broker: LocalBroker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAMSTAT_KAFKA_TOPIC_PREFIX", "fetchwait")
    monkeypatch.setenv("SAMSTAT_KAFKA_FETCH_MAX_WAIT_MS", "200")
    app = create_worker_app(IndicatorsSettings(data_dir=tmp_path))
    thread = app.consumer._thread  # type: ignore[attr-defined]
    assert thread._create_worker_consumer(app.transport)._fetch_max_wait_ms == 200
    limit_fetch_wait(50)  # set again: replaces the first setting, does not stack
    assert thread._create_worker_consumer(app.transport)._fetch_max_wait_ms == 50
    limit_fetch_wait(1500)  # what faust alone would use
