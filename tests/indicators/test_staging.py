"""Write-behind state and grouped memos: fewer changelog records, the same answers."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from samstat_kit.periods import parse
from services.indicators.domain.values import Emitter
from services.indicators.staging import Grouped, Staged, by_year


class Writes(dict[str, Any]):
    """A dict that counts writes, as a faust table's changelog would."""

    count = 0

    def __setitem__(self, key: str, value: Any) -> None:
        self.count += 1
        super().__setitem__(key, value)


def test_keys_ending_in_a_period_group_by_year() -> None:
    assert by_year("fye_share|2480|2023-05") == ("fye_share|2480|2023", "2023-05")
    assert by_year("fye_share|2480|2023") == ("fye_share|2480|2023", "2023")
    assert by_year("2480|2023-Q2") == ("2480|2023", "2023-Q2")
    dq = "dq|2480|2023|benefit_net_days|sex"
    assert by_year(dq) == (dq, "")


def test_grouped_reads_back_what_was_written() -> None:
    table = Writes()
    memos = Grouped(table)
    memos["fye_share|2480|2023-05"] = {"value": 1.0}
    memos["fye_share|2480|2023-Q2"] = {"value": 2.0}
    memos["dq|2480|2023|m|sex"] = ["ok", 1, 1]
    assert memos.get("fye_share|2480|2023-05") == {"value": 1.0}
    assert memos.get("fye_share|2480|2023-06") is None
    assert memos["dq|2480|2023|m|sex"] == ["ok", 1, 1]
    assert sorted(memos) == ["dq|2480|2023|m|sex", "fye_share|2480|2023-05",
                             "fye_share|2480|2023-Q2"]
    assert len(memos) == 3 and len(table) == 2


def test_an_emitter_over_grouped_staged_memos_writes_an_entry_per_area_and_year() -> None:
    table = Writes()
    staged = Staged(table)
    emitter = Emitter(Grouped(staged))
    codes = ["2023-01", "2023-02", "2023-Q1", "2023-H1", "2023", "2024-01"]

    def say(value: float) -> int:
        sent = 0
        for code in codes:
            event = emitter.value_event(
                indicator="fye_share", area="2480", period=parse(code), value=value,
                year_ago_value=None, unit="share", components={}, revisions={},
                complete=True, now=datetime.now(UTC))
            sent += event is not None
        emitter.confirm()
        staged.flush()
        return sent

    assert say(0.5) == 6
    assert table.count == 2  # 2023 and 2024, not one write per period
    assert say(0.5) == 0  # a redelivery says nothing again
    assert table.count == 2
    assert say(0.6) == 6 and table.count == 4
    restarted = Emitter(Grouped(Staged(dict(table))))  # state restored from the changelog
    assert restarted.said("fye_share|2480|2023-Q1")["value"] == 0.6
