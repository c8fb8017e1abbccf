import pytest

from samstat_kit.periods import Period, parse


@pytest.mark.parametrize(
    ("code", "days", "granularity"),
    [("2023", 365, "year"), ("2024", 366, "year"), ("2023-H1", 181, "half"),
     ("2023-Q2", 91, "quarter"), ("2024-02", 29, "month"), ("2023-10", 31, "month")],
)
def test_parse_days_and_round_trip(code: str, days: int, granularity: str) -> None:
    p = parse(code)
    assert p.days == days
    assert p.granularity == granularity
    assert p.code == code


@pytest.mark.parametrize("bad", ["23", "2023-13", "2023-H3", "2023-Q5", "2023-1", "x", "1800"])
def test_bad_periods_say_why(bad: str) -> None:
    with pytest.raises(ValueError, match="period"):
        parse(bad)


def test_enclosing_and_year_ago() -> None:
    p = parse("2023-05")
    assert [q.code for q in p.enclosing()] == ["2023-05", "2023-Q2", "2023-H1", "2023"]
    assert p.year_ago().code == "2022-05"
    assert parse("2023").contains(p)
    assert not parse("2023-H2").contains(p)
    assert Period(2023, 1, 12).months[11].code == "2023-12"
