"""docs/operations.md: every link into it (from the rules, manifests, code and itself) lands on
a heading."""

from __future__ import annotations

import re

from tests.ops.metrics_inventory import ROOT, github_anchors

OPERATIONS = ROOT / "docs/operations.md"
SOURCES = [*sorted((ROOT / "deploy").rglob("*.y*ml")), *sorted((ROOT / "deploy").rglob("*.json")),
           ROOT / "deploy/Dockerfile", ROOT / "samstat_kit/lag.py"]


def test_links_into_the_operations_doc_resolve() -> None:
    anchors = github_anchors(OPERATIONS.read_text())
    links = []
    for path in SOURCES:
        for anchor in re.findall(r"operations\.md#([\w-]+)", path.read_text()):
            links.append((path.relative_to(ROOT), anchor))
    for anchor in re.findall(r"\]\(#([\w-]+)\)", OPERATIONS.read_text()):
        links.append((OPERATIONS.relative_to(ROOT), anchor))
    assert links
    missing = [(str(p), a) for p, a in links if a not in anchors]
    assert not missing, missing
