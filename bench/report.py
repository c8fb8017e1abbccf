"""Builds docs/benchmarks.md: the hand-written intro (bench/intro.md) and findings
(bench/findings.md), then a summary and one section per benchmark from bench/results/, then
the hand-written sections of the standalone benchmarks (bench/standalone.md)."""

from __future__ import annotations

import json
from pathlib import Path

from bench.common import RESULTS_DIR, ROOT, Section, load_sections

DOC = ROOT / "docs" / "benchmarks.md"
HERE = Path(__file__).resolve().parent
ORDER = ("ingest", "worker", "e2e", "replay", "memory", "recompute", "load", "dryrun", "vintages")
TITLES = {
    "ingest": "1. Ingest: request to durable 202",
    "worker": "2. Worker: observations through `samstat worker`",
    "e2e": "3. End-to-end latency: 202 → webhook delivered",
    "replay": "4. Replay: ingest log → empty broker → state rebuilt",
    "memory": "5. Worker memory at national scale",
    "recompute": "6. Incremental update vs full SQL recomputation",
    "load": "7. Load test: every agency that publishes benefit_net_days",
    "dryrun": "8. Dry run: one verdict, nothing stored",
    "vintages": "9. Vintages: what was known at any instant",
}


def _esc(cell: str) -> str:
    return cell.replace("|", "\\|").replace("\n", " ")


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(_esc(h) for h in headers) + " |",
           "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(_esc(c) for c in r) + " |" for r in rows]
    return out


def _section(s: Section) -> list[str]:
    out = [f"## {s.title}", "", f"*Run: {s.date}, {s.mode} sizes"
           + (f", {s.raw['elapsed_seconds']:.0f} s" if "elapsed_seconds" in s.raw else "")
           + (f"; code {s.raw['code']}" if "code" in s.raw else "") + ".*", ""]
    if s.method:
        out += [f"**Method.** {s.method}", ""]
    if s.summary:
        summary = [[x.figure, x.value, x.baseline, x.ratio, x.target, x.verdict]
                   for x in s.summary]
        out += [*_table(["figure", "measured", "baseline (same run)", "ratio", "target",
                         "verdict"], summary), ""]
    for caption, headers, rows in s.tables:
        out += [f"**{caption}**", "", *_table(headers, rows), ""]
    for n in s.notes:
        out += [f"- {n}"]
    if s.notes:
        out.append("")
    return out


def write(machine: dict[str, str] | None = None) -> Path:
    if machine is None:
        path = RESULTS_DIR / "machine.json"
        machine = json.loads(path.read_text()) if path.exists() else {}
    sections = load_sections()
    out = []
    intro = HERE / "intro.md"
    if intro.exists():
        out += [intro.read_text().rstrip(), ""]
    out += ["## Summary", "", "The machine, as seen by the last invocation of `python -m bench` "
            "(each section below says when it ran and which code it measured):", ""]
    out += [*_table(["machine", ""], [[k, v] for k, v in machine.items()]), ""]
    rows = []
    for name in ORDER:
        s = sections.get(name)
        if s is None:
            rows.append([TITLES[name], "not run yet", "", "", "", "", ""])
            continue
        if not s.summary:
            rows.append([s.title, "failed: see its section", "", "", "", "", s.date])
        for x in s.summary:
            rows.append([s.title.split(":")[0], x.figure, x.value, x.baseline, x.ratio,
                         x.target, f"{x.verdict} ({s.mode}, {s.date})"])
    out += [*_table(["benchmark", "figure", "measured", "baseline (same run)", "ratio",
                     "target", "verdict (sizes, run)"], rows), ""]
    findings = HERE / "findings.md"
    if findings.exists():
        out += [findings.read_text().rstrip(), ""]
    for name in ORDER:
        if name in sections:
            out += _section(sections[name])
    standalone = HERE / "standalone.md"  # benchmarks run by their own scripts, written by hand
    if standalone.exists():
        out += [standalone.read_text().split("-->", 1)[-1].strip(), ""]
    DOC.write_text("\n".join(out).rstrip() + "\n")
    return DOC
