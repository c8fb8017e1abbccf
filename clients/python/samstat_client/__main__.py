"""``samstat-publish FILE --agency ... [--url ... --token ...] [--dry-run [--offline]]
[--via kafka]``: the summary as JSON; exit 0 all accepted, 1 some row rejected, 2 nothing
could be sent."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from samstat.publish import FORMATS, PublishError, publish


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="samstat-publish", description=__doc__)
    parser.add_argument("file", type=Path)
    parser.add_argument("--agency", required=True)
    parser.add_argument("--format", dest="fmt", default="auto", choices=FORMATS)
    parser.add_argument("--via", default="http", choices=("http", "kafka"))
    parser.add_argument("--url", default="http://127.0.0.1:8001")
    parser.add_argument("--token", help="better SAMSTAT_TOKEN in the environment: a token "
                        "on the command line is readable by every user of the machine (ps)")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--bootstrap-servers")
    parser.add_argument("--stable-ids", action="store_true")
    parser.add_argument("--dry-run", action="store_true")
    parser.add_argument("--offline", action="store_true")
    args = vars(parser.parse_args(argv))
    path = args.pop("file")
    if args["token"]:
        print("samstat-publish: --token shows the token to every user of this machine "
              "(ps, shell history); set SAMSTAT_TOKEN instead", file=sys.stderr)
    else:
        args["token"] = os.environ.get("SAMSTAT_TOKEN")
    try:
        summary = publish(path, **args)
    except PublishError as exc:
        print(json.dumps({"error": str(exc)}))
        return 2
    print(json.dumps(summary.as_dict(), ensure_ascii=False))
    return 0 if summary.ok else 1


if __name__ == "__main__":
    sys.exit(main())
