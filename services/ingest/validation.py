"""Per-record validation: the pure checks live in :mod:`samstat_kit.checks` (shared with the
agencies' CLI and client, which run them offline); re-exported here for ingest's modules."""

from __future__ import annotations

from samstat_kit.checks import (
    Problem,
    check_catalogue,
    dump_records,
    parse_record,
    parse_records,
)

__all__ = ["Problem", "check_catalogue", "dump_records", "parse_record", "parse_records"]
