"""The body guard's cost (samstat_kit/bodyguard.py): what reading a request's body for a
personal number costs, beside what the route does with the same body anyway (parsing it as
JSON or as a form), in the same run.

Run: ``.venv/bin/python -m bench.bodyguard [--reps N]``. Bodies of the services' cap (2 MiB,
samstat_kit/http.py) and of an ordinary comment; medians of ``--reps`` runs, milliseconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from urllib.parse import parse_qsl

from samstat_kit.bodyguard import has_personal_number

JSON, FORM = "application/json", "application/x-www-form-urlencoded"
BODIES: dict[str, tuple[bytes, str]] = {
    "a comment (JSON, 60 B)": (json.dumps({"text": "Ring Anna om siffrorna för 2024-11"},
                                          ensure_ascii=False).encode(), JSON),
    "2 MiB JSON, ASCII with digits": (json.dumps({"text": "a1234 " * 340000}).encode(), JSON),
    "2 MiB JSON, Swedish letters": (json.dumps({"text": "åäö 12345 " * 200000},
                                               ensure_ascii=False).encode(), JSON),
    "2 MiB form, digit runs": (("text=" + "1234567 " * 260000).encode(), FORM),
    "2 MiB form, + and %-escapes": (("text=" + "12%2034+567 " * 170000).encode(), FORM),
    # A charset of two bytes a unit: read from each offset of a unit (a red team's form).
    "2 MiB multipart form in UTF-16": (
        b'--b\r\nContent-Disposition: form-data; name="' + "text".encode("utf-16-le")
        + b'"\r\n\r\n' + ("åäö 12345 " * 100000).encode("utf-16-le") + b"\r\n--b--\r\n",
        "multipart/form-data; boundary=b; charset=utf-16-le"),
}


def _median_ms(fn: Callable[[], object], reps: int) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _parse(body: bytes, kind: str) -> object:
    if kind.startswith("multipart/"):  # the least a route does: decode its part
        return body.split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n--b--", 1)[0].decode("utf-16-le")
    return json.loads(body) if kind == JSON else parse_qsl(body.decode("latin-1"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--reps", type=int, default=5)
    args = ap.parse_args()
    print("| body | guard (ms, median) | the route's own parse (baseline, ms) | ratio |")
    print("|---|---|---|---|")
    for name, (body, kind) in BODIES.items():
        guard = _median_ms(lambda b=body, k=kind: has_personal_number(b, k), args.reps)
        parse = _median_ms(lambda b=body, k=kind: _parse(b, k), args.reps)
        print(f"| {name} | {guard:.2f} | {parse:.2f} | {guard / parse:.1f}× |")


if __name__ == "__main__":
    main()
