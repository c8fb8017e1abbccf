"""The thin but real path, end to end, on the real broker and real services:

agency POST → ingest (DB, outbox) → relay → Kafka → faust worker (FYE) → indicator value
→ read model (GET /v1/fye) and notify (rule → alert for the convener → GET /v1/alerts).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from samstat_kit.anonymity import new_event_id
from tests.e2e.stack import Stack

pytestmark = pytest.mark.integration

POP = {"K": 1_400, "M": 1_200}  # Vindeln-sized population 20–64


def _obs(agency: str, measure: str, period: str, dims: dict[str, str], value: float,
         unit: str, revision: int = 1, area: str = "2404") -> dict[str, Any]:
    return {"event_id": new_event_id(), "agency": agency, "measure": measure, "area": area,
            "period": period, "dimensions": dims, "value": value, "unit": unit,
            "revision": revision, "produced_at": datetime.now(UTC).isoformat()}


def _sickness(period: str, per_day: float, revision: int = 1) -> list[dict[str, Any]]:
    days = 31  # March
    return [_obs("forsakringskassan", "benefit_net_days", period,
                 {"benefit": "sickness", "sex": sex}, per_day * days * share, "days", revision)
            for sex, share in (("K", 0.6), ("M", 0.4))]


def _post(stack: Stack, token: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    r = httpx.post(stack.url("ingest") + "/v1/observations", json={"observations": records},
                   headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert r.status_code == 202, r.text
    body: dict[str, Any] = r.json()
    assert body["rejected"] == [], body
    return body


def _get(stack: Stack, service: str, path: str, token: str, **params: Any) -> httpx.Response:
    return httpx.get(stack.url(service) + path, params=params,
                     headers={"Authorization": f"Bearer {token}"}, timeout=10)


def _alerts(stack: Stack, token: str, period: str) -> list[dict[str, Any]]:
    r = _get(stack, "notify", "/v1/alerts", token, convener="samordningsforbundet")
    assert r.status_code == 200, r.text
    return [a for a in r.json() if a["area"] == "2404" and a["period"] == period
            and a["indicator"] == "fye_share"]


def test_observation_to_alert(stack: Stack, issue: Any) -> None:
    fk, scb, reader = issue("forsakringskassan"), issue("scb"), issue("kommun-2404")
    _post(stack, scb, [_obs("scb", "population", year, {"sex": s, "age": "20-64"}, n,
                            "persons") for year in ("2023", "2024") for s, n in POP.items()])
    # 2023: 300 persons on sickness benefit every day; 2024: 420, a rise of 4.6 percentage
    # points of the population, far beyond the overarching indicator's 0.5-point tolerance.
    _post(stack, fk, _sickness("2023-03", 300))
    _post(stack, fk, _sickness("2024-03", 420))

    def fye() -> dict[str, Any] | None:
        r = _get(stack, "indicators", "/v1/fye/2404/2024-03", reader)
        return r.json() if r.status_code == 200 else None

    body = stack.wait_for(fye, timeout=90)
    assert body["fye"] == pytest.approx(420)
    assert body["population"] == 2600
    assert body["share"] == pytest.approx(420 / 2600)
    assert body["by_benefit"] == {"sickness": pytest.approx(420)}
    assert body["by_sex"] == {"K": pytest.approx(252), "M": pytest.approx(168)}
    region = _get(stack, "indicators", "/v1/fye/umearegionen/2024-03", reader).json()
    assert region["fye"] == pytest.approx(420) and region["municipalities"] == ["2404"]

    alert = stack.wait_for(lambda: _alerts(stack, reader, "2024-03"), timeout=60)[0]
    assert alert["rule"] == "yoy_rise"
    assert alert["status"] == "firing"
    assert alert["value"] == pytest.approx(420 / 2600)
    assert alert["expected"] == pytest.approx(300 / 2600, abs=0.006)
    assert alert["convener"] == "samordningsforbundet"

    # Försäkringskassan corrects March 2024 (revision 2): back to last year's level.
    _post(stack, fk, _sickness("2024-03", 301, revision=2))
    resolved = stack.wait_for(
        lambda: [a for a in _alerts(stack, reader, "2024-03") if a["status"] == "resolved"],
        timeout=60)
    assert resolved[0]["id"] == alert["id"]  # the same alert, resolved: not a new one
    assert stack.wait_for(lambda: (fye() or {}).get("fye", 0) < 302)


def test_initiative_indicator_from_the_registry(stack: Stack, issue: Any) -> None:
    """A formula defined as data in the registry is computed by the worker and served."""
    umea = issue("kommun-2480")
    dims = {"sex": "_T"}
    _post(stack, umea, [
        _obs("kommun-2480", "torget_discharges_to_occupation", f"2023-0{m}", dims, v,
             "persons", area="2480") for m, v in ((1, 11.0), (2, 12.0), (3, 13.0))])

    def series() -> list[dict[str, Any]]:
        r = _get(stack, "indicators", "/v1/indicators/i04_torget_discharges_to_occupation/series",
                 umea, area="2480", granularity="quarter")
        assert r.status_code == 200, r.text
        return [p for p in r.json()["points"] if p["period"] == "2023-Q1" and p["value"] == 36]

    point = stack.wait_for(series, timeout=90)[0]
    assert point["complete"] is True


def test_a_withdrawn_month_leaves_no_figure_and_no_alert(stack: Stack, issue: Any) -> None:
    """Withdrawing every cell of a month (SDMX ACTION=D) takes its value back: the
    municipality's and the region's FYE are gone and the alert resolves (years of their own,
    so the test above keeps its region to itself)."""
    fk, scb, reader = issue("forsakringskassan"), issue("scb"), issue("kommun-2404")
    _post(stack, scb, [_obs("scb", "population", year, {"sex": s, "age": "20-64"}, n,
                            "persons") for year in ("2021", "2022") for s, n in POP.items()])
    _post(stack, fk, _sickness("2021-03", 300))
    _post(stack, fk, _sickness("2022-03", 420))

    def fye(area: str, period: str) -> dict[str, Any] | None:
        r = _get(stack, "indicators", f"/v1/fye/{area}/{period}", reader)
        return r.json() if r.status_code == 200 else None

    def firing() -> list[dict[str, Any]]:
        return [a for a in _alerts(stack, reader, "2022-03") if a["status"] == "firing"]

    assert stack.wait_for(lambda: fye("2404", "2022-03"), timeout=90)["fye"] == \
        pytest.approx(420)
    assert stack.wait_for(firing, timeout=60)
    before = datetime.now(UTC).isoformat()  # after the value was served
    withdrawal = [o | {"value": None, "revision": 2, "withdrawn": True}
                  for o in _sickness("2022-03", 0)]
    _post(stack, fk, withdrawal)
    assert stack.wait_for(lambda: fye("2404", "2022-03") is None, timeout=60)
    assert fye("umearegionen", "2022-03") is None
    assert stack.wait_for(lambda: not firing(), timeout=60)
    # what was shown before the withdrawal is still shown as of then
    then = _get(stack, "indicators", "/v1/fye/2404/2022-03", reader, as_of=before)
    assert then.status_code == 200 and then.json()["fye"] == pytest.approx(420)
