"""``samstat import kolada``: a Kolada API v3 answer mapped per KPI onto catalogue measures and
published into a real ingest (the ``ingest`` fixture of tests/test_publish.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from samstat.cli import app as cli
from samstat.importers import kolada
from samstat.importers.mapping import MappingError
from samstat_kit.auth import service as tokens
from samstat_kit.contracts import load_catalogue
from samstat_kit.db import session_factory, session_scope
from services.ingest.observations.models import IngestObservation
from tests.test_publish import Ingest, ingest  # noqa: F401  (the real-ingest fixture)

SAMPLE = Path(kolada.__file__).parent / "samples" / "kolada" / "kolada_v3.json"


def test_kpis_become_catalogue_measures_with_mapped_codes() -> None:
    docs = kolada.observations(SAMPLE)
    catalogue = load_catalogue()
    assert {d["measure"] for d in docs} == {"kolada_n01951", "kolada_u31004"}
    assert all(d["measure"] in catalogue.measures for d in docs)
    assert {d["area"] for d in docs} == {"0000", "24", "2401", "2403", "2404", "2409",
                                         "2460", "2480"}  # Kolada's county 0024 -> 24
    people = {(d["area"], d["period"], d["dimensions"]["sex"]): d["value"]
              for d in docs if d["measure"] == "kolada_n01951"}
    raw = json.loads(SAMPLE.read_text())
    entry = next(e for e in raw["values"] if (e["kpi"], e["municipality"], e["period"])
                 == ("N01951", "2480", 2022))
    assert people[("2480", "2022", "_T")] == next(
        v["value"] for v in entry["values"] if v["gender"] == "T")
    assert people[("2480", "2022", "K")] + people[("2480", "2022", "M")] == \
        people[("2480", "2022", "_T")]
    cost = [d for d in docs if d["measure"] == "kolada_u31004"]
    assert all(d["dimensions"] == {} for d in cost) and len(cost) == 40


def test_an_unknown_kpi_or_a_broken_answer_is_named(tmp_path: Path) -> None:
    raw = json.loads(SAMPLE.read_text())
    raw["values"][0]["kpi"] = "N99999"
    other = tmp_path / "other.json"
    other.write_text(json.dumps(raw))
    with pytest.raises(MappingError, match="no mapping for KPI N99999"):
        kolada.observations(other)
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps({"values": [{"kpi": "N01951"}]}))
    with pytest.raises(MappingError, match="entry 1: needs kpi, municipality"):
        kolada.observations(broken)


@pytest.mark.integration
def test_import_publishes_through_ingest(ingest: Ingest) -> None:  # noqa: F811
    with session_scope(session_factory(ingest.db_url)) as s:
        token = tokens.issue(session=s, scope="agency", agency="samordningsforbundet")
    result = CliRunner().invoke(cli, ["import", "kolada", "--url", ingest.url, "--json",
                                      str(SAMPLE)], env={"SAMSTAT_TOKEN": token})
    summary = json.loads(result.stdout)
    assert result.exit_code == 0, summary
    assert summary["accepted"] == 160 and summary["rejected"] == []
    with session_scope(session_factory(ingest.db_url)) as s:
        stored = s.scalars(select(IngestObservation.value).where(
            IngestObservation.measure == "kolada_u31004", IngestObservation.area == "2480",
            IngestObservation.period == "2023")).all()
    assert stored == [1230.4]
