"""The HTTP API on both databases: roles, ETag/If-Match, audit history, plans."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from samstat_kit.db import session_factory, session_scope
from services.initiatives.registry.models import Indicator, Initiative

from .helpers import Api

SUM_LONG_TERM = {"kind": "sum", "filters": {"measure": "unemployed_persons",
                                            "dimensions": {"birth_region": "_T",
                                                           "duration": "long"}}}


def _initiative(year: int, number: int = 1, **extra: Any) -> dict[str, Any]:
    return {"plan_year": year, "number": number, "title": "Unga med aktivitetsersättning",
            "area": "ill_health", "convener": "forsakringskassan", "impact": 2,
            "status": "ongoing", **extra}


def _indicator(year: int, code: str = "i01_test", **extra: Any) -> dict[str, Any]:
    return {"plan_year": year, "id": code, "initiative": 1, "title_sv": "Långtidsarbetslösa",
            "title_en": "Long-term unemployed", "unit": "persons", "areas": ["2480"],
            "formula": SUM_LONG_TERM, "rules": [{"kind": "yoy_wrong_direction",
                                                 "direction": "fall", "tolerance": 0}],
            **extra}


def test_roles(api: Api, plan_year: int) -> None:
    c = api.client
    assert c.get("/v1/initiatives").status_code == 401
    assert c.post("/v1/initiatives", json=_initiative(plan_year)).status_code == 401
    bad = {"Authorization": "Bearer sst_nope_nope"}
    assert c.get("/v1/contacts", headers=bad).status_code == 401
    assert c.post("/v1/initiatives", json=_initiative(plan_year),
                  headers=api.agency).status_code == 403
    created = c.post("/v1/initiatives", json=_initiative(plan_year), headers=api.admin)
    assert created.status_code == 201, created.text
    url = f"/v1/initiatives/1?year={plan_year}"
    assert c.get(url, headers=api.agency).status_code == 200
    assert c.get(f"/v1/initiatives?year={plan_year}", headers=api.agency).status_code == 200
    assert c.get(f"/v1/initiatives/1/history?year={plan_year}",
                 headers=api.agency).status_code == 200
    assert c.patch(url, json={"impact": 3}, headers=api.agency | {"If-Match": "1"}
                   ).status_code == 403
    assert c.delete(url, headers=api.agency).status_code == 403
    assert c.post("/v1/indicators", json=_indicator(plan_year),
                  headers=api.agency).status_code == 403
    assert c.post(f"/v1/plans/{plan_year + 1}/copy-from/{plan_year}",
                  headers=api.agency).status_code == 403
    assert c.delete(url, headers=api.admin).status_code == 204
    assert c.get(url, headers=api.agency).status_code == 404


def test_etag_if_match_and_history(api: Api, plan_year: int) -> None:
    c = api.client
    created = c.post("/v1/initiatives", json=_initiative(plan_year), headers=api.admin)
    assert created.headers["ETag"] == '"1"'
    url = f"/v1/initiatives/1?year={plan_year}"
    got = c.get(url, headers=api.agency)
    assert got.headers["ETag"] == '"1"' and got.json()["version"] == 1
    assert got.json()["impact"] == 2 and got.json()["indicators"] == []

    assert c.patch(url, json={"impact": 4}, headers=api.admin).status_code == 428
    stale = c.patch(url, json={"impact": 4}, headers=api.admin | {"If-Match": '"7"'})
    assert stale.status_code == 412 and stale.headers["ETag"] == '"1"'
    ok = c.patch(url, json={"impact": None, "current_state": "Pågår"},
                 headers=api.admin | {"If-Match": '"1"'})
    assert ok.status_code == 200, ok.text
    assert ok.headers["ETag"] == '"2"' and ok.json()["impact"] is None
    assert c.patch(url, json={"status": "paused"},
                   headers=api.admin | {"If-Match": "1"}).status_code == 412
    assert c.patch(url, json={"status": "paused"},
                   headers=api.admin | {"If-Match": "2"}).status_code == 200

    history = c.get(f"/v1/initiatives/1/history?year={plan_year}", headers=api.agency).json()
    assert [h["action"] for h in history] == ["create", "update", "update"]
    assert history[1]["before"] == {"impact": 2, "current_state": None}
    assert history[1]["after"] == {"impact": None, "current_state": "Pågår"}
    assert history[0]["actor"] == history[1]["actor"] != ""


def test_validation_is_422(api: Api, plan_year: int) -> None:
    c = api.client
    bad: dict[str, Any]
    for bad in ({"impact": 6}, {"convener": "nobody"}, {"area": "weather"},
                {"title": None}):
        r = c.post("/v1/initiatives", json=_initiative(plan_year, **bad), headers=api.admin)
        assert r.status_code == 422, bad
    c.post("/v1/initiatives", json=_initiative(plan_year), headers=api.admin)
    assert c.post("/v1/initiatives", json=_initiative(plan_year),
                  headers=api.admin).status_code == 409
    for bad in ({"formula": {"kind": "median"}}, {"rules": [{"kind": "vibes"}]},
                {"rules": [{"kind": "target_missed"}]}, {"initiative": 99}):
        r = c.post("/v1/indicators", json=_indicator(plan_year, **bad), headers=api.admin)
        assert r.status_code == 422, (bad, r.text)


def test_indicator_crud(api: Api, plan_year: int) -> None:
    c = api.client
    c.post("/v1/initiatives", json=_initiative(plan_year), headers=api.admin)
    created = c.post("/v1/indicators", json=_indicator(plan_year), headers=api.admin)
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["convener"], body["follow_up_owner"], body["initiative"]) == (
        "forsakringskassan", "forsakringskassan", 1)
    url = f"/v1/indicators/i01_test?year={plan_year}"
    assert c.get(url, headers=api.agency).headers["ETag"] == '"1"'
    target = {"value": 100, "direction": "fall", "date": f"{plan_year}-12-31"}
    patched = c.patch(url, json={"target": target, "rules": [{"kind": "target_missed"}]},
                      headers=api.admin | {"If-Match": "1"})
    assert patched.status_code == 200, patched.text
    assert patched.json()["target"] == target and patched.json()["version"] == 2
    listed = c.get(f"/v1/indicators?year={plan_year}&initiative=1", headers=api.agency)
    assert [i["id"] for i in listed.json()] == ["i01_test"]
    embedded = c.get(f"/v1/initiatives/1?year={plan_year}", headers=api.agency).json()
    assert [i["id"] for i in embedded["indicators"]] == ["i01_test"]
    assert c.delete(url, headers=api.admin | {"If-Match": "1"}).status_code == 412
    assert c.delete(url, headers=api.admin | {"If-Match": "2"}).status_code == 204
    history = c.get(f"/v1/initiatives/1/history?year={plan_year}", headers=api.agency).json()
    assert [(h["entity"], h["action"]) for h in history] == [
        ("initiative", "create"), ("indicator", "create"), ("indicator", "update"),
        ("indicator", "delete")]


def test_plans_copy_and_milestones(api: Api, plan_year: int) -> None:
    c = api.client
    c.post("/v1/initiatives", json=_initiative(plan_year), headers=api.admin)
    c.post("/v1/indicators", json=_indicator(plan_year), headers=api.admin)
    # Without ?year the latest plan is meant.
    assert [i["number"] for i in c.get("/v1/initiatives", headers=api.agency).json()] == [1]
    copied = c.post(f"/v1/plans/{plan_year + 1}/copy-from/{plan_year}", headers=api.admin)
    assert copied.status_code == 201, copied.text
    assert copied.json() == {"year": plan_year + 1, "status": "draft",
                             "decided_at": None, "copied_from": plan_year, "initiatives": 1,
                             "association": None}
    assert c.post(f"/v1/plans/{plan_year + 1}/copy-from/{plan_year}",
                  headers=api.admin).status_code == 409
    assert c.post(f"/v1/plans/{plan_year + 2}/copy-from/1999",
                  headers=api.admin).status_code == 404
    nxt = c.get("/v1/initiatives", headers=api.agency).json()
    assert nxt[0]["plan_year"] == plan_year + 1
    assert [i["id"] for i in nxt[0]["indicators"]] == ["i01_test"]
    wheel = c.get(f"/v1/plans/{plan_year + 1}/milestones", headers=api.agency).json()
    assert [m["kind"] for m in wheel] == [
        "spring_analysis", "workshop", "planning_day", "board_decision"]
    assert wheel[-1]["due_on"] == f"{plan_year}-11-30"
    decided = c.post(f"/v1/plans/{plan_year + 1}/decide", json={"decided_at":
                                                                f"{plan_year}-11-29"},
                     headers=api.admin)
    assert decided.json()["status"] == "decided"
    assert c.delete(f"/v1/plans/{plan_year + 1}", headers=api.admin).status_code == 409
    assert c.delete(f"/v1/plans/{plan_year}", headers=api.admin).status_code == 204


def test_contacts(api: Api) -> None:
    c = api.client
    c.delete("/v1/contacts/kommun-2403", headers=api.admin)  # left over from a failed run
    new = {"agency": "kommun-2403", "email": "sammankallande@bjurholm.example"}
    assert c.post("/v1/contacts", json=new, headers=api.agency).status_code == 403
    assert c.post("/v1/contacts", json=new, headers=api.admin).status_code == 201
    assert c.post("/v1/contacts", json=new | {"agency": "kommun-0000"},
                  headers=api.admin).status_code == 422
    url = "/v1/contacts/kommun-2403"
    assert c.get(url, headers=api.agency).headers["ETag"] == '"1"'
    assert c.patch(url, json={"webhook_url": "https://hooks.bjurholm.example/x"},
                   headers=api.admin).status_code == 428
    patched = c.patch(url, json={"webhook_url": "https://hooks.bjurholm.example/x"},
                      headers=api.admin | {"If-Match": "1"})
    assert patched.json()["webhook_url"] == "https://hooks.bjurholm.example/x"
    # Another agency's token reads the contact, but not its webhook URL (a secret).
    seen = {x["agency"]: x for x in c.get("/v1/contacts", headers=api.agency).json()}
    assert seen["kommun-2403"]["webhook_url"] is None
    assert c.get(url, headers=api.agency).json()["webhook_url"] is None
    assert c.get(url, headers=api.admin).json()["webhook_url"] == \
        "https://hooks.bjurholm.example/x"
    assert c.delete(url, headers=api.admin).status_code == 204


def test_health_and_metrics(api: Api) -> None:
    assert api.client.get("/healthz").json()["status"] == "ok"
    assert "initiatives_changes_total" in api.client.get("/metrics").text


# Red team: a title took line breaks and other invisible characters (a U+2028 ends a line in
# some readers, a right-to-left override turns the rest around), which then reached every
# page, report, alert and mail subject that names it.
NOT_ONE_LINE = {
    "Rad ett\nrad två": "line break", "Rad\r\nett": "line break", "a\u2028b": "line break",
    "a\u2029b": "line break", "a\u0085b": "line break", "a\x0bb": "line break",
    "nul\x00": "control character", "klocka\x07": "control character",
    "vänd\u202edet": "invisible formatting character",
    "isolera\u2066det": "invisible formatting character",
    "\u00ad\u200b": "no visible character",
}
# What a word processor leaves in pasted text reads the same without it: removed, not refused.
PASTED = {"mjuk\u00adhyfen": "mjukhyfen", "noll\u200bbredd": "nollbredd",
          "\ufeffBOM": "BOM", "tab\tinne": "tab inne", "fog\u2060ord": "fogord"}
SWEDISH = "Unga i Umeå – ”Vägen vidare”, ’steg 2’ och \"Ö-projektet\" (ÅÄÖ, é, 50\u00a0%)"
ONE_LINE_FIELDS = ("title", "convener_unit", "responsible", "parties_text",
                   "follow_up_owner_text")


def _refused(r: Any, field: str, text: str, reason: str) -> None:
    assert r.status_code == 422, (field, text, r.text)
    detail = r.json()["detail"]
    assert [d["loc"] for d in detail] == [["body", field]], detail
    assert "one line" in detail[0]["msg"] and reason in detail[0]["msg"], detail
    # the input is never said back, neither as the characters nor JSON-escaped
    assert text not in r.text and json.dumps(text)[1:-1] not in r.text


def test_titles_and_names_are_one_line_of_text(api: Api, plan_year: int) -> None:
    c = api.client
    for field in ONE_LINE_FIELDS:
        for text, reason in NOT_ONE_LINE.items():
            _refused(c.post("/v1/initiatives", json=_initiative(plan_year) | {field: text},
                            headers=api.admin), field, text, reason)
    created = c.post("/v1/initiatives", headers=api.admin,
                     json=_initiative(plan_year) | dict.fromkeys(ONE_LINE_FIELDS, SWEDISH))
    assert created.status_code == 201, created.text
    assert all(created.json()[f] == SWEDISH for f in ONE_LINE_FIELDS)
    url = f"/v1/initiatives/1?year={plan_year}"
    for field in ONE_LINE_FIELDS:
        for text, reason in NOT_ONE_LINE.items():
            _refused(c.patch(url, json={field: text}, headers=api.admin | {"If-Match": "1"}),
                     field, text, reason)

    for field in ("title_sv", "title_en"):
        for text, reason in NOT_ONE_LINE.items():
            _refused(c.post("/v1/indicators", json=_indicator(plan_year, **{field: text}),
                            headers=api.admin), field, text, reason)
    ind = c.post("/v1/indicators", headers=api.admin,
                 json=_indicator(plan_year, title_sv=SWEDISH, title_en="Long – “quoted”"))
    assert ind.status_code == 201, ind.text
    assert (ind.json()["title_sv"], ind.json()["title_en"]) == (SWEDISH, "Long – “quoted”")
    for n, (pasted, kept) in enumerate(PASTED.items()):
        r = c.post("/v1/indicators", headers=api.admin,
                   json=_indicator(plan_year, f"i0{n + 2}_pasted", title_sv=pasted))
        assert r.status_code == 201 and r.json()["title_sv"] == kept, r.text
    ind_url = f"/v1/indicators/i01_test?year={plan_year}"
    for text, reason in NOT_ONE_LINE.items():
        _refused(c.patch(ind_url, json={"title_en": text},
                         headers=api.admin | {"If-Match": "1"}), "title_en", text, reason)


def test_a_title_stored_before_with_a_line_break_still_reads(api: Api, db_url: str,
                                                            plan_year: int) -> None:
    """Titles stored before the check may hold line breaks: they are read as they are, and
    the record can still be changed in its other fields."""
    c = api.client
    assert c.post("/v1/initiatives", json=_initiative(plan_year),
                  headers=api.admin).status_code == 201
    assert c.post("/v1/indicators", json=_indicator(plan_year),
                  headers=api.admin).status_code == 201
    old = "Gammal titel\nmed radbrytning\u2028och mer"
    with session_scope(session_factory(db_url)) as s:
        ini = s.scalars(select(Initiative).where(Initiative.plan_year == plan_year)).one()
        ini.title = old
        ind = s.scalars(select(Indicator).where(Indicator.plan_year == plan_year)).one()
        ind.title_sv = old
    url = f"/v1/initiatives/1?year={plan_year}"
    got = c.get(url, headers=api.agency)
    assert got.status_code == 200 and got.json()["title"] == old
    assert got.json()["indicators"][0]["title_sv"] == old
    listed = c.get(f"/v1/indicators?year={plan_year}", headers=api.agency)
    assert listed.status_code == 200 and listed.json()[0]["title_sv"] == old
    changed = c.patch(url, json={"impact": 3},
                      headers=api.admin | {"If-Match": got.headers["ETag"]})
    assert changed.status_code == 200, changed.text
    assert changed.json()["title"] == old
    renamed = c.patch(url, json={"title": "Ny titel"},
                      headers=api.admin | {"If-Match": changed.headers["ETag"]})
    assert renamed.status_code == 200 and renamed.json()["title"] == "Ny titel"
