from __future__ import annotations

from pathlib import Path

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
    worker_commit_interval: float = 1.0
    readmodel_group: str = "samstat-indicators-readmodel"
    # Pages (web/pages.py): how long a browser keeps the token pasted at /login.
    login_cookie_max_age_seconds: int = 12 * 3600
    # Kolada-style groups of similar municipalities (api/groups.py); None: the default.
    comparison_groups_file: Path | None = None


def get_settings() -> IndicatorsSettings:
    return IndicatorsSettings()
