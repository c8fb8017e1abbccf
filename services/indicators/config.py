from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field

from samstat_kit.settings import KitSettings


class IndicatorsSettings(KitSettings):
    """The indicators worker and read-model API (environment variables prefixed SAMSTAT_)."""

    worker_id: str = "samstat-indicators"
    worker_web_host: str = "127.0.0.1"
    worker_web_port: int = 6066
    # Local state is memory; faust restores it from the changelog topics after a restart.
    worker_store: str = "memory://"
    # Standby replicas of the worker's tables (faust table_standby_replicas): another worker
    # keeps reading each changelog partition it does not own. Only a store that remembers its
    # changelog offset (rocksdb://) lets the standby take over from the tail: faust's memory
    # store reports no persisted offset, so a promoted partition is read again from offset 0
    # (docs/benchmarks.md, "Worker takeover").
    worker_standby_replicas: int = 1
    # RocksDB per table and partition (rocksdb:// only). Faust's defaults are a 64 MiB write
    # buffer (up to three) and a 2 GiB block cache for *each* of the worker's databases (six
    # tables x the partitions), so a national state stayed in memtables that never filled up
    # enough to be flushed: 418 MiB RSS (docs/benchmarks.md, section 5).
    worker_rocksdb_write_buffer_mib: Annotated[int, Field(gt=0)] = 2
    worker_rocksdb_block_cache_mib: Annotated[int, Field(gt=0)] = 4
    worker_commit_interval: float = 1.0
    # Messages faust may hold per stream ahead of the agents (faust's stream_buffer_maxsize,
    # 4,096 by default). Its consumer thread fetches until the buffer is full: with
    # 500-observation messages that was 150 MiB of records at the worker's peak while it
    # caught up (memray), memory the process then kept. Fewer cost throughput only in a
    # backlog of small messages (docs/operations.md, "Worker memory").
    worker_stream_buffer_messages: Annotated[int, Field(gt=0)] = 256
    readmodel_group: str = "samstat-indicators-readmodel"
    # Pages (web/pages.py): how long a browser keeps the token pasted at /login.
    login_cookie_max_age_seconds: int = 12 * 3600
    # Kolada-style groups of similar municipalities (api/groups.py); None: the default.
    comparison_groups_file: Path | None = None


def get_settings() -> IndicatorsSettings:
    return IndicatorsSettings()
