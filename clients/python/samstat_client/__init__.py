"""samstat-client: an agency's files to samstat, with one verdict.

The functions are those of ``samstat publish`` (the wheel carries the same modules the
services and the CLI run): :func:`publish` reads a file, completes it and sends it (or, with
``dry_run``, asks ingest's ``?dry_run=true``; ``offline`` judges here with ingest's own
checks). Errors name the file row and column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from samstat import publish as _publish
from samstat.agency_send import Summary, send_http, send_kafka
from samstat_kit.agency_files import FORMATS, PublishError, Row, RowError, read_bytes, read_rows
from samstat_kit.checks import judge
from samstat_kit.contracts import SCHEMAS_DIR, load_catalogue, validator

__version__ = "0.1.0"
__all__ = ["FORMATS", "SCHEMAS_DIR", "PublishError", "Row", "RowError", "Summary", "judge",
           "load_catalogue", "publish", "read_bytes", "read_rows", "send_http", "send_kafka",
           "validator"]


def publish(path: str | Path, **options: Any) -> Summary:
    """Publish (or with ``dry_run=True`` judge) a file; see ``samstat publish --help``."""
    return _publish.publish(Path(path), **options)
