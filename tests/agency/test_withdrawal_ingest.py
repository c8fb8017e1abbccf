"""SDMX-CSV 2.0 ACTION=D through ``samstat publish`` into a real ingest: the withdrawal is a
new revision in the cell's history (no value), and the message the indicators worker reads
says ``withdrawn: true``."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import httpx
import pytest
from kafka import KafkaConsumer
from typer.testing import CliRunner

from samstat.cli import app as cli
from samstat_kit.cells import cell_key
from samstat_kit.kafka import Topics
from tests.agency.conftest import RunningIngest

AGENCY = "forsakringskassan"
HEAD = "STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,BENEFIT,SEX,TIME_PERIOD,OBS_VALUE,REVISION\n"
FLOW = "dataflow,SAMSTAT:BENEFIT_NET_DAYS(1.0)"


def _publish(ingest: RunningIngest, path: Path, token: str) -> dict:
    result = CliRunner().invoke(cli, ["publish", "--agency", AGENCY, "--url", ingest.url,
                                      "--json", "--stable-ids", str(path)],
                                env={"SAMSTAT_TOKEN": token})
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


@pytest.mark.integration
def test_action_d_withdraws_the_cell_as_a_new_revision(running_ingest: RunningIngest,
                                                       tmp_path: Path) -> None:
    token = running_ingest.token(AGENCY)
    first = tmp_path / "first.csv"
    first.write_text(HEAD + f"{FLOW},I,2404,sickness,F,2019-M03,1200,1\n"
                            f"{FLOW},I,2404,sickness,M,2019-M03,900,1\n", encoding="utf-8")
    assert _publish(running_ingest, first, token)["accepted"] == 2
    # SDMX files name no revision: a D row becomes the cell's next one (asked of ingest).
    delete = tmp_path / "delete.csv"
    delete.write_text(HEAD.replace(",REVISION", "") + f"{FLOW},D,2404,sickness,F,2019-M03,\n",
                      encoding="utf-8")
    assert _publish(running_ingest, delete, token)["accepted"] == 1

    key = cell_key(AGENCY, "benefit_net_days", "2404", "2019-03",
                   {"benefit": "sickness", "sex": "K"})
    history = httpx.get(f"{running_ingest.url}/v1/cells/history", params={"cell_key": key},
                        headers={"Authorization": f"Bearer {token}"}).json()
    assert [(h["revision"], h["value"], h["withdrawn"]) for h in history] == \
        [(1, 1200.0, False), (2, None, True)]
    # The men's cell is untouched; the message to the worker carries the withdrawal.
    topic = Topics(os.environ["SAMSTAT_KAFKA_TOPIC_PREFIX"]).validated
    consumer = KafkaConsumer(topic, bootstrap_servers=os.environ[
        "SAMSTAT_KAFKA_BOOTSTRAP_SERVERS"], auto_offset_reset="earliest",
        consumer_timeout_ms=2000, enable_auto_commit=False)
    try:
        seen: list[dict] = []
        deadline = time.monotonic() + 30
        while not any(o.get("withdrawn") for o in seen):
            assert time.monotonic() < deadline, "the withdrawal never reached Kafka"
            for message in consumer:
                seen += [o for o in json.loads(message.value)["observations"]
                         if o.get("cell_key") == key]
    finally:
        consumer.close()
    assert [(o["revision"], o["value"], o.get("withdrawn", False)) for o in seen] == \
        [(1, 1200.0, False), (2, None, True)]
