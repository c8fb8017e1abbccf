"""The stream worker's consumer settings that faust does not expose."""

from __future__ import annotations

from pathlib import Path

import pytest

from samstat_kit.broker import LocalBroker
from services.indicators.config import IndicatorsSettings
from services.indicators.worker import app as worker_app
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


async def test_memory_bounds_reach_faust_and_rocksdb(
        broker: LocalBroker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The stream buffer and RocksDB's per-database memory are what the settings say (faust's
    defaults held 150 MiB of fetched records, and give each database a 2 GiB block cache)."""
    monkeypatch.setenv("SAMSTAT_KAFKA_TOPIC_PREFIX", "membounds")
    # Not what is tested, and registered once per process in the default registry.
    monkeypatch.setattr(worker_app, "setup_prometheus_sensors", lambda *a, **k: None)
    monkeypatch.setattr(worker_app.faust_compat, "lean_monitor", lambda app: None)
    settings = IndicatorsSettings(data_dir=tmp_path, worker_store="rocksdb://",
                                  worker_stream_buffer_messages=64,
                                  worker_rocksdb_write_buffer_mib=3,
                                  worker_rocksdb_block_cache_mib=5)
    app = create_worker_app(settings)
    assert app.conf.stream_buffer_maxsize == 64
    assert app.tables, "the pipeline's tables are registered"
    for table in app.tables.values():
        options = table.data.rocksdb_options  # type: ignore[attr-defined]
        assert options.write_buffer_size == 3 * 2**20
        assert options.block_cache_size == 5 * 2**20
        assert options.max_write_buffer_number == 2
    assert worker_app.table_options(IndicatorsSettings(data_dir=tmp_path)) is None  # memory://
    limit_fetch_wait(1500)  # what faust alone would use: the app above set the env's wait


async def test_the_worker_web_server_serves_no_table_data(
        broker: LocalBroker, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its port (6066, open to Prometheus' namespace) is for /metrics: faust's /table views
    would read the tables' keys and values without a token, /router the workers' addresses."""
    monkeypatch.setenv("SAMSTAT_KAFKA_TOPIC_PREFIX", "webviews")
    monkeypatch.setattr(worker_app, "setup_prometheus_sensors", lambda *a, **k: None)
    monkeypatch.setattr(worker_app.faust_compat, "lean_monitor", lambda app: None)
    app = create_worker_app(IndicatorsSettings(data_dir=tmp_path))
    assert app.conf.web_enabled  # /metrics
    assert not app.conf.web_tables_enabled
    assert not app.conf.web_router_enabled
    limit_fetch_wait(1500)  # what faust alone would use
