"""Plans are data files (schemas/plan.v1): checked with errors that name their place, loaded
by ``samstat seed --plan``, and the 2024 plan routes initiatives 5 and 9 per municipality."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from samstat.cli import app
from samstat_kit.contracts import validator
from services.initiatives.registry import service
from services.initiatives.registry.errors import Invalid
from services.initiatives.registry.plan_file import (
    DEFAULT_PLAN,
    PlanFileError,
    load_plan,
    parse_plan,
)

MEMBERS = ["2480", "2460", "2404", "2409", "2401", "2403"]


def _doc() -> dict[str, Any]:
    return yaml.safe_load(DEFAULT_PLAN.read_text(encoding="utf-8"))


def test_the_2024_plan_file_follows_the_public_schema() -> None:
    doc = _doc()
    assert list(validator("plan", 1).iter_errors(doc)) == []
    plan = load_plan()
    assert (plan.year, plan.status, len(plan.initiatives), len(plan.indicators)) == (
        2024, "decided", 12, 33)


def test_initiatives_5_and_9_alert_each_municipality(session: Session) -> None:
    service.seed(session=session, year=2024)
    events = service.registry_events(session=session)
    check = validator("registry-event", 1)
    routed = {}
    for event in events:
        assert list(check.iter_errors(event)) == [], event["indicator"]["id"]
        ind = event["indicator"]
        if ind["initiative"] in (5, 9):
            # Every area the indicator is computed for has its own municipality as convener,
            # and that municipality's role contact rides along for notify.
            assert ind["area_conveners"] == {a: f"kommun-{a}" for a in ind["areas"]}
            assert {c["agency"] for c in event["contacts"]} >= set(ind["area_conveners"]
                                                                   .values())
            routed[ind["id"]] = ind["area_conveners"]
        else:
            assert "area_conveners" not in ind
    assert routed["i05_sip_count_ea"] == {a: f"kommun-{a}" for a in MEMBERS}
    assert routed["i09_ea_unemployment_mean_months"] == {"2480": "kommun-2480"}
    assert len(routed) == 12  # 5 of initiative 5, 7 of initiative 9


def test_area_conveners_must_be_areas_of_the_indicator(session: Session) -> None:
    doc = _doc()
    doc["year"] = 2071
    ind = next(i for i in doc["indicators"] if i["id"] == "i09_matching_identified")
    ind["area_conveners"] = {"2460": "kommun-2460"}  # i09 is computed for Umeå only
    with pytest.raises(Invalid, match=r"not computed for.*2460"):
        service.seed(session=session, plan=parse_plan(doc))


@pytest.mark.parametrize("change, where", [
    (lambda d: d["indicators"][3].pop("formula"), r"indicators\[3\]: 'formula'"),
    (lambda d: d["initiatives"][1].update(area="health"), r"initiatives\[1\]\.area"),
    (lambda d: d.update(format="samstat-plan/9"), r"\.format"),
])
def test_shape_errors_name_their_place(change: Any, where: str) -> None:
    doc = _doc()
    change(doc)
    with pytest.raises(PlanFileError, match=where):
        parse_plan(doc, source="plan.yaml")


@pytest.mark.parametrize("change, where", [
    (lambda d: d["initiatives"][0].update(convener="kommun-9999"),
     r"initiatives\[0\]: convener: .*unknown agency code 'kommun-9999'"),
    (lambda d: d["indicators"][1]["formula"]["filters"].update(measure="nope"),
     r"indicators\[1\]: formula\.filters\.measure"),
    (lambda d: d["indicators"][2]["area_conveners"].update({"2460": "socialtjansten"}),
     r"indicators\[2\]: area_conveners\.2460"),
])
def test_code_errors_name_record_and_field(session: Session, change: Any,
                                           where: str) -> None:
    doc = copy.deepcopy(_doc())
    doc["year"] = 2073
    doc["indicators"][2]["area_conveners"] = {}
    change(doc)
    with pytest.raises(Invalid, match=where):
        service.seed(session=session, plan=parse_plan(doc))


def test_unreadable_files_are_clear_errors(tmp_path: Path) -> None:
    broken = tmp_path / "plan.yaml"
    broken.write_text("initiatives: [unclosed", encoding="utf-8")
    with pytest.raises(PlanFileError, match=r"plan\.yaml: not YAML"):
        load_plan(broken)
    with pytest.raises(PlanFileError, match="cannot read"):
        load_plan(tmp_path / "missing.yaml")


def test_cli_seeds_another_plan_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another plan, as JSON: ``samstat seed --plan`` loads it into a fresh data dir."""
    monkeypatch.setenv("SAMSTAT_DATA_DIR", str(tmp_path / "var"))  # the CLI sets it: restored
    doc = _doc()
    doc.update(year=2025, status="draft", decided_at="2024-11-29")
    doc["initiatives"] = doc["initiatives"][:2]
    doc["indicators"] = [i for i in doc["indicators"] if i["initiative"] in (1, 2)]
    path = tmp_path / "other.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(app, ["seed", "--data-dir", str(tmp_path / "var"), "--plan",
                                 str(path)])
    assert result.exit_code == 0, result.output
    assert "2 initiatives, 3 indicators" in result.output
    bad = tmp_path / "bad.json"
    doc["indicators"][0]["areas"] = ["9999"]
    bad.write_text(json.dumps(doc), encoding="utf-8")
    result = runner.invoke(app, ["seed", "--data-dir", str(tmp_path / "var2"), "--plan",
                                 str(bad)])
    assert result.exit_code == 2
    assert "indicators[0]: areas.0" in result.output


@pytest.mark.parametrize(("name", "content", "message"), [
    ("latin1.yaml", "format: samstat.plan.v1\nassociation: {name: Umeå}\n".encode("latin-1"),
     r"line 2 is not UTF-8"),
    ("deep.yaml", b"[" * 5000 + b"]" * 5000, r"nested too deeply"),
    ("deep.json", b"[" * 100_000 + b"]" * 100_000, r"nested too deeply"),
    ("nested.yaml", b"[" * 200 + b"]" * 200, r"nested more than 40 levels"),
    ("twice.yaml", b"year: 2024\ninitiatives: []\nyear: 2025\n", r"key 'year' twice"),
    ("twice.json", b'{"year": 2024, "year": 2025}', r"key 'year' twice"),
    # ten lines of aliases stand for 10^9 values: refused at once, not written out
    ("aliases.yaml", ("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9))).encode(),
     r"more than 100,000 values"),
])
def test_hostile_or_broken_files_are_clear_errors_at_once(tmp_path: Path, name: str,
                                                          content: bytes, message: str) -> None:
    """A file not in UTF-8, nested thousands deep, with a key written twice (the first would
    be dropped unseen) or an alias bomb is a PlanFileError naming it (the CLI's exit 2), never
    a traceback, a RecursionError or minutes of work and gigabytes of memory."""
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(PlanFileError, match=message):
        load_plan(path)


def test_a_plan_may_still_use_anchors_and_aliases(tmp_path: Path) -> None:
    """The limits count a shared part once per use; a plan that shares its rules loads."""
    doc = _doc()
    for ind in doc["indicators"][1:]:
        ind["rules"] = doc["indicators"][0]["rules"]
    text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    assert "&id001" in text and "*id001" in text
    path = tmp_path / "plan.yaml"
    path.write_text(text, encoding="utf-8")
    loaded = load_plan(path)
    assert loaded.year == doc["year"]
    assert loaded.indicators[-1]["rules"] == doc["indicators"][0]["rules"]
