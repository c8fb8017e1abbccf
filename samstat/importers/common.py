"""What every importer shares: publishing mapped observations as an agency with the code of
``samstat publish`` (same checks, options and summary), and the fatal-error answer."""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path
from typing import Any


def publish_docs(docs: list[dict[str, Any]], *, name: str, agency: str,
                 json_output: bool = False, **options: Any) -> int:
    """Publish the observations through :func:`samstat.publish.main` (via a JSON file of
    ``{"observations": [...]}``, the format it reads); the exit code of ``samstat publish``."""
    from samstat import publish

    with tempfile.TemporaryDirectory(prefix="samstat-import-") as tmp:
        mapped = Path(tmp) / f"{name}.json"
        mapped.write_text(json.dumps({"observations": docs}, ensure_ascii=False), "utf-8")
        options.setdefault("stable_ids", True)
        # The table as it stands: unchanged cells are duplicates, changed ones corrections.
        options.setdefault("table", True)
        return int(publish.main(mapped, agency=agency, fmt="json", json_output=json_output,
                                **options))


def fatal(message: str, json_output: bool) -> int:
    if json_output:
        sys.stdout.write(json.dumps({"error": message}) + "\n")
    else:
        sys.stderr.write(f"error: {message}\n")
    return 2
