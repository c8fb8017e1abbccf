"""Reading an agency's files now lives in :mod:`samstat_kit.agency_files` (shared with
ingest's upload page and the agencies' client); the old import path keeps working."""

from samstat_kit.agency_files import (
    FORMATS,
    PublishError,
    Row,
    RowError,
    detect_format,
    parse_csv,
    parse_json,
    parse_sdmx_csv,
    read_bytes,
    read_rows,
    sdmx_period,
)

__all__ = ["FORMATS", "PublishError", "Row", "RowError", "detect_format", "parse_csv",
           "parse_json", "parse_sdmx_csv", "read_bytes", "read_rows", "sdmx_period"]
