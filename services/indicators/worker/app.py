"""The indicators stream processor (faust-streaming): ``samstat worker``."""

from __future__ import annotations

import ssl

import faust
from faust.sensors.prometheus import setup_prometheus_sensors

from samstat_kit.heap import settle_heap
from samstat_kit.kafka import Topics, ensure_topics
from samstat_kit.settings import KafkaSettings
from services.indicators.config import IndicatorsSettings, get_settings
from services.indicators.worker import agents, faust_compat


def _credentials(kafka: KafkaSettings) -> faust.types.auth.CredentialsT | None:
    """SASL and/or TLS for a production cluster; None for the local plaintext broker."""
    ssl_context = None
    if kafka.security_protocol in ("SSL", "SASL_SSL"):
        ssl_context = ssl.create_default_context(
            cafile=str(kafka.ssl_cafile) if kafka.ssl_cafile else None)
    if kafka.sasl_mechanism:
        return faust.SASLCredentials(
            username=kafka.sasl_username,
            password=kafka.sasl_password.get_secret_value() if kafka.sasl_password else None,
            mechanism=kafka.sasl_mechanism,
            ssl_context=ssl_context,
        )
    return faust.SSLCredentials(ssl_context) if ssl_context else None


def table_options(settings: IndicatorsSettings) -> dict[str, int] | None:
    """Options of each table's store (faust ``Table(options=...)``): RocksDB's memory per
    database bounded by the settings; None for the memory store, which takes none."""
    if not settings.worker_store.startswith("rocksdb"):
        return None
    mib = 1024 * 1024
    return {"write_buffer_size": settings.worker_rocksdb_write_buffer_mib * mib,
            "max_write_buffer_number": 2,
            "block_cache_size": settings.worker_rocksdb_block_cache_mib * mib}


def create_worker_app(settings: IndicatorsSettings | None = None) -> faust.App:
    settings = settings or get_settings()
    kafka = settings.kafka
    topics = Topics(kafka.topic_prefix)
    # Topics are made up front with the exchange's partition count: the tables' changelogs
    # must be co-partitioned with the validated topic.
    ensure_topics(kafka, topics.core())
    (settings.data_dir / "faust").mkdir(parents=True, exist_ok=True)
    app = faust.App(
        f"{kafka.topic_prefix}-indicators",
        broker=[f"kafka://{s}" for s in kafka.bootstrap_servers.split(",")],
        broker_credentials=_credentials(kafka),
        store=settings.worker_store,
        table_standby_replicas=settings.worker_standby_replicas,
        # Faust keeps small local files (and rocksdb, if chosen) here, not in the cwd.
        datadir=str(settings.data_dir / "faust" / "{conf.name}"),
        topic_partitions=kafka.partitions,
        topic_replication_factor=kafka.replication_factor,
        broker_rebalance_timeout=kafka.rebalance_timeout_ms / 1000,
        broker_session_timeout=kafka.session_timeout_ms / 1000,
        broker_heartbeat_interval=max(1.0, kafka.session_timeout_ms / 4000),
        broker_commit_interval=settings.worker_commit_interval,
        stream_buffer_maxsize=settings.worker_stream_buffer_messages,
        consumer_auto_offset_reset="earliest",
        web_enabled=True,
        web_bind=settings.worker_web_host,
        web_host=settings.worker_web_host,
        web_port=settings.worker_web_port,
        web_in_thread=False,
        # The web server is for /metrics (its port is open to Prometheus' namespace): not
        # faust's /table views, which read the tables' keys and values without a token, nor
        # /router, which lists the workers' addresses (nothing here routes by table key).
        web_tables_enabled=False,
        web_router_enabled=False,
    )
    setup_prometheus_sensors(app, name_prefix="indicators_worker")
    faust_compat.lean_monitor(app)
    faust_compat.install_highwaters(kafka)
    faust_compat.install_quiet_recovery_end()
    faust_compat.install_real_seek()
    faust_compat.limit_fetch_wait(kafka.fetch_max_wait_ms)
    agents.register(app, kafka, table_options(settings))
    return app


def main(settings: IndicatorsSettings | None = None) -> None:
    from faust.worker import Worker

    settings = settings or get_settings()
    app = create_worker_app(settings)
    settle_heap()
    Worker(app, loglevel=settings.log_level.lower(), quiet=True).execute_from_commandline()
