"""Property tests of the anonymisation gate."""

from __future__ import annotations

import random
import uuid
from datetime import date, datetime

from hypothesis import given
from hypothesis import strategies as st

from samstat_kit import anonymity
from samstat_kit.anonymity import (
    _strings,
    chance_in_uuid4,
    contains_personal_number,
    is_personal_number,
    new_event_id,
    personal_number_fields,
    stable_event_id,
)
from samstat_kit.checks import refusal, shape_problem
from services.ingest.gate import suppress


def luhn_digit(nine: str) -> str:
    total = 0
    for i, ch in enumerate(nine):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return str((10 - total % 10) % 10)


@st.composite
def personal_numbers(draw: st.DrawFn) -> str:
    born = draw(st.dates(date(1900, 1, 1), date(2025, 12, 31)))
    coordination = draw(st.booleans())
    day = born.day + (60 if coordination else 0)
    serial = f"{draw(st.integers(0, 999)):03d}"
    core = f"{born.year % 100:02d}{born.month:02d}{day:02d}{serial}"
    check = luhn_digit(core)
    sep = draw(st.sampled_from(["", "-", "+"]))
    century = draw(st.booleans())
    prefix = f"{born.year // 100}" if century else ""
    return f"{prefix}{core[:6]}{sep}{core[6:]}{check}"


@given(personal_numbers(), st.text(max_size=5).filter(lambda t: not any(c.isdigit() for c in t)))
def test_every_valid_number_is_found_anywhere(pnr: str, noise: str) -> None:
    assert is_personal_number(pnr)
    assert contains_personal_number({"observations": [{"dimensions": {"x": noise + pnr}}]})
    assert contains_personal_number([{"deep": [[noise + pnr + noise]]}])
    assert contains_personal_number({pnr: 1})  # keys too


@given(personal_numbers())
def test_numbers_sent_as_json_integers_are_found(pnr: str) -> None:
    digits = pnr.replace("-", "").replace("+", "")
    if digits.startswith("0"):
        return  # as an integer it would lose its leading zero: it is not that number
    assert contains_personal_number({"value": int(digits)})


@given(personal_numbers())
def test_a_wrong_check_digit_passes(pnr: str) -> None:
    wrong = pnr[:-1] + str((int(pnr[-1]) + 1) % 10)
    assert not is_personal_number(wrong)


def test_impossible_dates_pass() -> None:
    core = "991332123"  # month 13
    assert not is_personal_number(core + luhn_digit(core))
    day_92 = "990192123"  # day 92 is neither a day nor a coordination day
    assert not is_personal_number(day_92 + luhn_digit(day_92))


@given(st.uuids(), st.datetimes())
def test_event_ids_timestamps_and_periods_pass(u: object, produced: datetime) -> None:
    event_id = str(u)
    doc = {"event_id": event_id, "period": "2023-10", "area": "2480",
           "produced_at": produced.isoformat(), "value": 1234.5}
    # Only a uuid that itself holds a number (about 1 in 11 700) makes the document fail.
    assert contains_personal_number(doc) == is_personal_number(event_id)


@given(personal_numbers())
def test_a_number_in_a_uuid_shaped_string_is_found_anywhere(pnr: str) -> None:
    """No exemption for canonical UUIDs: 19880208-9717-4000-8000-000000000000 is one."""
    digits = pnr.replace("-", "").replace("+", "")
    twelve = digits if len(digits) == 12 else "19" + digits  # a 12-digit form's century
    if not is_personal_number(twelve):
        return  # the 10-digit form's date is only valid in 20yy (a 19yy 12-digit is not)
    shaped = [f"{twelve[:8]}-{twelve[8:]}-4000-8000-000000000000",
              f"3f1c2a4b-0a1b-4c2d-8e3f-{twelve}",
              f"ab{digits[-10:-4]}-{digits[-4:]}-4c2d-8e3f-aaaaaaaaaaaa"]
    for value in shaped:
        assert is_personal_number(value)
        for doc in ({"event_id": value}, {"dimensions": {"sex": value}}, {value: 1},
                    {"observations": [], "note": value}):
            assert contains_personal_number(doc)


@given(personal_numbers())
def test_numbers_sent_as_floats_are_found(pnr: str) -> None:
    digits = pnr.replace("-", "").replace("+", "")
    if digits.startswith("0"):
        return  # as a number it would lose its leading zero: it is not that number
    assert contains_personal_number({"value": float(digits)})
    assert contains_personal_number([[{"x": float(f"{digits}e0")}]])
    assert contains_personal_number({"value": -float(digits)})


def test_the_chance_of_a_number_in_a_uuid4_is_as_documented() -> None:
    """chance_in_uuid4 (the figure the docs give) against a seeded sample of uuid4s."""
    p = chance_in_uuid4()
    assert 7e-5 < p < 1e-4  # "about 0.86 in 10 000"
    rng = random.Random(20241204)
    n = 200_000
    hits = sum(is_personal_number(str(uuid.UUID(int=rng.getrandbits(128), version=4)))
               for _ in range(n))
    expected = p * n  # ~17; Poisson: far outside 5..35 would mean the formula is wrong
    assert 5 <= hits <= 35, (hits, expected)


def test_new_event_ids_never_hold_a_number(monkeypatch: object) -> None:
    bad = uuid.UUID("19880208-9717-4000-8000-000000000000")
    draws = iter([bad, bad, uuid.UUID("3f1c2a4b-0a1b-4c2d-8e3f-0a0b0c0d0e0f")])
    monkeypatch.setattr(anonymity.uuid, "uuid4", lambda: next(draws))  # type: ignore[attr-defined]
    assert new_event_id() == "3f1c2a4b-0a1b-4c2d-8e3f-0a0b0c0d0e0f"


def test_stable_event_ids_are_deterministic_and_never_hold_a_number() -> None:
    """uuid5 ids (a demo's, ``samstat publish --stable-ids``) are the same every time, so an
    unlucky name would be refused every time: it gets a clean id of its own instead."""
    unlucky = "x15217"  # its plain uuid5 in the URL namespace holds a personal number
    assert is_personal_number(str(uuid.uuid5(uuid.NAMESPACE_URL, unlucky)))
    first = stable_event_id(uuid.NAMESPACE_URL, unlucky)
    assert not is_personal_number(first)
    assert first == stable_event_id(uuid.NAMESPACE_URL, unlucky)
    assert stable_event_id(uuid.NAMESPACE_URL, "x1") == str(uuid.uuid5(uuid.NAMESPACE_URL,
                                                                        "x1"))


def test_the_refusal_names_places_never_numbers() -> None:
    pnr = "198802089717"
    body = {"observations": [{"event_id": "x"}, {"event_id": "19880208-9717-4000-8000-"
                                                              "000000000000"}],
            "note": {"deep": [pnr]}, pnr: 1}
    found = refusal(body)
    assert found is not None
    assert set(found.places) == {"observations.1.event_id", "note.deep.0", "<key>"}
    assert not found.only_event_ids
    assert pnr not in found.detail() and "880208" not in found.detail()
    only_id = refusal({"observations": [{}, {}, {"event_id": "19880208-9717-4000-8000-"
                                                              "000000000000"}]})
    assert only_id is not None and only_id.only_event_ids and only_id.records == (2,)
    assert [(p.index, p.field) for p in only_id.problems()] == [(2, "event_id")]
    assert "new event_id" in only_id.detail()


def test_deep_nesting_and_huge_integers_are_named_not_crashed() -> None:
    deep: object = "x"
    for _ in range(1000):
        deep = [deep]
    assert "nested deeper" in (shape_problem({"observations": deep}) or "")
    assert not contains_personal_number(deep)  # the walk itself survives any depth
    assert personal_number_fields(deep) == []
    assert "64 bits" in (shape_problem({"observations": [{"revision": 2**64}]}) or "")
    assert "observations.0.revision" in (shape_problem({"observations": [{"revision": -2**70}]})
                                         or "")
    assert shape_problem({"observations": [{"revision": 2**63 - 1, "d": {"a": [1]}}]}) is None


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.integers(10**9, 10**12).map(float)
    | st.text(alphabet="0123456789-+ abx\"\\:٣\x01\x19\n.e") | st.uuids().map(str)
    | st.tuples(st.sampled_from(["\x01", "\x19", "\\u0019", "a"]), personal_numbers())
    .map("".join)
    | st.tuples(st.text(max_size=3), personal_numbers()).map("".join)
    | personal_numbers().map(lambda p: p.replace("-", "").replace("+", ""))
    .filter(lambda d: not d.startswith("0")).map(int)
    | personal_numbers().map(lambda p: p.replace("-", "").replace("+", ""))
    .filter(lambda d: not d.startswith("0")).map(float)
    | personal_numbers().map(lambda p: p.replace("-", "").replace("+", "")[-12:])
    .filter(lambda d: len(d) == 12).map(lambda d: f"{d[:8]}-{d[8:]}-4000-8000-000000000000"),
    lambda inner: st.lists(inner, max_size=4)
    | st.dictionaries(st.sampled_from(["event_id", "value", "x", "1981121898"]) | st.text(
        max_size=3) | personal_numbers(), inner, max_size=4),
    max_leaves=12)


@given(JSON)
def test_the_quick_test_never_hides_what_the_walk_finds(payload: object) -> None:
    """contains_personal_number's shortcut (orjson + a byte translation) is only a shortcut."""
    walk = any(is_personal_number(s) for s in _strings(payload))
    assert contains_personal_number(payload) == walk
    assert bool(personal_number_fields(payload)) == walk


@given(personal_numbers(), st.uuids())
def test_a_number_next_to_an_event_id_is_found(pnr: str, u: object) -> None:
    assert contains_personal_number([{"event_id": str(u), "x": pnr},
                                     {"x": f'"event_id": "{u}"{pnr}'},
                                     {"x": f'"event_id":"{u}"{pnr}'}])


def _rec(sex: str, value: float | None) -> dict[str, object]:
    return {"agency": "kommun-2480", "measure": "m", "area": "2480", "period": "2023",
            "dimensions": {"sex": sex}, "value": value, "conf_status": "F"}


def test_primary_suppression_hides_small_counts() -> None:
    records = [_rec("K", 3), _rec("M", 0), _rec("X", 7)]
    out = suppress(records, [True, True, True], threshold=5)
    assert records[0]["value"] is None and records[0]["conf_status"] == "C"
    assert records[1]["value"] == 0  # zero reveals nobody
    assert records[2]["value"] == 7
    assert [s.index for s in out] == [0]


def test_secondary_suppression_protects_the_hidden_part() -> None:
    records = [_rec("K", 2), _rec("M", 40), _rec("_T", 42)]
    out = suppress(records, [True, True, True], threshold=5)
    # K = T - M would reveal the hidden 2, so M (the smallest visible part) goes too.
    assert records[1]["value"] is None
    assert [s.reason.split(":")[0] for s in out] == ["primary", "secondary"]


@given(st.lists(st.integers(0, 30), min_size=2, max_size=6), st.integers(2, 10))
def test_no_hidden_cell_is_recomputable(parts: list[int], threshold: int) -> None:
    records = [_rec(f"c{i}", v) for i, v in enumerate(parts)] + [_rec("_T", sum(parts))]
    suppress(records, [True] * len(records), threshold)
    hidden = [r for r in records[:-1] if r["value"] is None]
    total_hidden = records[-1]["value"] is None
    for r in records:
        v = r["value"]
        assert v is None or not (0 < v < threshold)  # type: ignore[operator]
    # With a visible total, exactly one hidden part could be recomputed: never allowed.
    assert total_hidden or len(hidden) != 1
