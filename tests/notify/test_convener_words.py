"""What conveners read instead of codes: data-quality alerts named from the catalogue (also
alerts stored before they had a name), alerts that opened and resolved within minutes kept
out of the unread count and out of the digest's lists, a digest with nothing to say not
sent, the subject's singular, periods and resolved alerts in words."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from services.notify import names
from services.notify.alerts.models import Alert, AlertEvent
from services.notify.alerts.quality import handle_data_quality
from services.notify.digests import render
from services.notify.digests.service import says_something, summarize
from services.notify.explain import Facts, explain
from services.notify.inbox import listing
from services.notify.inbox import service as inbox
from services.notify.inbox.links import Links

from .factory import NOW, agency_id, later
from .test_inbox_listing import agency

LINKS = Links(["a secret of sixteen+"], "https://notify.example/", 60)


def finding(status: str, total: float, parts: float, *, agency: str, period: str = "2023",
            measure: str = "coordination_need_persons", dimension: str = "target_group",
            others: dict[str, str] | None = None) -> dict[str, Any]:
    return {"event_id": str(uuid.uuid4()), "kind": "total_mismatch", "status": status,
            "agency": agency, "measure": measure, "area": "umearegionen", "period": period,
            "dimension": dimension, "dimensions": others or {}, "total": total, "parts": {},
            "parts_sum": parts, "difference": parts - total, "detected_at": NOW.isoformat()}


def test_data_quality_alerts_are_named_from_the_catalogue() -> None:
    sv = names.alert_title(None, "dq:coordination_need_persons:target_group", "sv")
    assert sv == ("Totalen och delarna stämmer inte – Personer i behov av samordnat stöd, "
                  "efter målgrupp")
    assert names.alert_title(None, "dq:gk_referrals:group:sex=_T", "en") == (
        "Total and parts disagree – Referrals to joint mapping (GK), by group (sex: total)")
    assert names.alert_title(None, "dq:fye_official:source", "sv") == \
        "Samstats helårsekvivalenter skiljer sig från SCB:s"
    assert names.breakdown({"cause": "ill_health", "sex": "K"}, "sv") == \
        "orsak: ohälsa, kön: kvinnor"
    assert names.measure_title("econ_assistance_mean_months", "sv") == \
        "Varaktighet i försörjningsstöd"
    # Every code of the catalogue has words (no "_" left for a reader to decode).
    from samstat_kit.contracts import load_catalogue
    catalogue = load_catalogue()
    for m in catalogue.measures.values():
        for dim, codes in m.dimensions.items():
            assert dim in names.DIMENSIONS, dim
            assert all(c in catalogue.code_names for c in codes), (dim, codes)
    # Indicator alerts keep their definition's title.
    assert names.alert_title({"title_sv": "Andel", "title_en": "Share"}, "i1", "en") == "Share"


def test_brief_alerts_are_not_unread_and_the_digest_sums_them_up(session: Session) -> None:
    me = agency_id()
    flood = []
    for month in range(1, 4):  # opened and resolved within seconds, as while figures arrive
        period = f"2023-{month:02d}"
        a = handle_data_quality(session=session, now=NOW,
                                doc=finding("mismatch", 10, 5, agency=me, period=period))
        handle_data_quality(session=session, now=later(seconds=15),
                            doc=finding("ok", 10, 10, agency=me, period=period))
        assert a is not None
        flood.append(a)
    real = handle_data_quality(session=session, now=NOW,
                               doc=finding("mismatch", 2670, 2833, agency=me))
    slow = handle_data_quality(session=session, now=NOW,
                               doc=finding("mismatch", 7, 9, agency=me, period="2022"))
    handle_data_quality(session=session, now=later(hours=2),
                        doc=finding("ok", 9, 9, agency=me, period="2022"))
    assert real is not None and slow is not None
    page = listing.page(session=session, principal=agency(me), reader="r", now=later(1))
    assert (page.total, page.unread) == (5, 2)  # the open one and the one open for 2 hours
    assert {r.alert.id for r in page.rows if r.unread} == {real.id, slow.id}

    summary = summarize(session=session, convener=me, week="2024-W10", start=NOW,
                        end=later(7), public_base_url="https://pages.example", links=LINKS)
    assert [e["id"] for e in summary["fired"]] == [real.id, slow.id]
    assert (summary["fired_brief"], summary["resolved_brief"]) == (3, 3)
    assert [e["id"] for e in summary["resolved"]] == [slow.id]
    text = render.text(summary, "sv")
    assert "Nya larm under veckan: 2" in text and "Dessutom 3 som öppnades och upphörde" in text
    assert "dq:" not in text and "Personer i behov av samordnat stöd" in text
    assert "Totalen och delarna stämmer inte" in render.text(summary, "sv")
    assert render.subject(summary, "sv").startswith(
        "[samstat] Veckosammanfattning vecka 10, 2024: 1 öppen avvikelse – ")
    assert ": 1 open alert – " in render.subject(summary, "en")
    assert "2 öppna avvikelser" in render.subject(summary | {"open_count": 2}, "sv")
    # An old stored summary (the title was the code) reads well too.
    old = summary | {"fired": [e | {"title_sv": e["indicator"]} for e in summary["fired"]]}
    assert "dq:" not in render.text(old, "sv")
    empty = summarize(session=session, convener=agency_id(), week="2024-W10", start=NOW,
                      end=later(7), public_base_url="https://pages.example", links=LINKS)
    assert not says_something(empty) and says_something(summary)


def test_snooze_and_assignment_keep_their_data_apart_from_comments(session: Session) -> None:
    me = agency_id()
    alert = handle_data_quality(session=session, now=NOW,
                                doc=finding("mismatch", 1, 2, agency=me))
    assert alert is not None
    inbox.snooze(session=session, principal=agency(me), alert_id=alert.id, who="a@x.se",
                 until=date(2024, 3, 20), now=NOW)
    inbox.assign(session=session, principal=agency(me), alert_id=alert.id, who="a@x.se",
                 assignee="", now=NOW, comment="Tar det själv")
    snoozed, assigned = inbox.history(session=session, alert_id=alert.id)[-2:]
    assert inbox.snoozed_date(snoozed) == (date(2024, 3, 20), None)
    assert inbox.assigned_to(assigned) == ("", "Tar det själv")
    # What earlier versions stored: the date, in English, as the comment.
    old = AlertEvent(reason="x", comment="until 2026-12-20", transition="snoozed")
    assert inbox.snoozed_date(old) == (date(2026, 12, 20), None)
    assert inbox.assigned_to(AlertEvent(reason="x", comment="lena@vannas.se")) == (
        "lena@vannas.se", None)


def test_a_snooze_or_assignment_sent_twice_is_one_step(session: Session) -> None:
    """A form sent twice (a double click, a reload) wrote the same step twice in the history
    (a review); with a comment it is a step of its own, and a change always is."""
    me = agency_id()
    alert = handle_data_quality(session=session, now=NOW,
                                doc=finding("mismatch", 1, 2, agency=me))
    assert alert is not None
    steps = len(inbox.history(session=session, alert_id=alert.id))
    for _ in range(2):
        inbox.snooze(session=session, principal=agency(me), alert_id=alert.id, who="a@x.se",
                     until=date(2024, 3, 20), now=NOW)
        inbox.assign(session=session, principal=agency(me), alert_id=alert.id, who="a@x.se",
                     assignee="", now=NOW)
        session.flush()
        session.expire_all()  # as the next request reads it
    assert len(inbox.history(session=session, alert_id=alert.id)) == steps + 1  # the snooze
    inbox.snooze(session=session, principal=agency(me), alert_id=alert.id, who="a@x.se",
                 until=date(2024, 3, 21), now=NOW)
    inbox.assign(session=session, principal=agency(me), alert_id=alert.id, who="a@x.se",
                 assignee="", now=NOW, comment="Tar det själv")
    assert len(inbox.history(session=session, alert_id=alert.id)) == steps + 3


def test_explanations_say_periods_in_words_and_resolved_alerts_in_the_past() -> None:
    f = Facts(rule="data_quality", value=2670, expected=2833, unit="persons", period="2024-05")
    assert explain(f, lang="sv").what == ("Den rapporterade totalen för maj\u00a02024 är "
                                          "2\u00a0670, men delarna summerar till 2\u00a0833.")
    ended = Facts(rule="data_quality", value=2670, expected=2833, unit="persons",
                  period="2023", status="resolved", ended_at=NOW,
                  end_reason="the total now agrees with its parts")
    said = explain(ended, lang="sv").what
    assert said.startswith("Larmet upphörde 1 mars 2024 kl. 13:00. Totalen stämmer nu")
    assert "var den rapporterade totalen för 2023 2\u00a0670" in said and "summerar" not in said
    assert explain(ended, lang="en").what.startswith("The alert ended on 1 March 2024, 13:00.")
    gap = Facts(rule="data_quality", value=507, expected=466.6, unit="fye", period="2023-12",
                gap=True)
    assert explain(gap, lang="sv").what.startswith("SCB:s helårsekvivalenter för december")
    assert "5 procent" in explain(gap, lang="sv").rule
    milestone = Facts(rule="target_missed", value=0, expected=1, unit="done", period="2024")
    words = explain(milestone, rule={"kind": "target_missed"},
                    target={"value": 1, "direction": "rise", "date": "2024-12-31"}, lang="sv")
    assert "(−1)" not in words.what and words.what.startswith("Delmålet är inte klart för 2024")
    assert words.rule == "Målet är att delmålet ska vara klart senast 31 december 2024."


def test_a_stored_alert_from_before_gets_its_name_on_the_list(session: Session) -> None:
    me = agency_id()
    alert = handle_data_quality(session=session, now=NOW,
                                doc=finding("mismatch", 3, 4, agency=me, measure="gk_referrals",
                                            dimension="group", others={"sex": "_T"}))
    assert alert is not None
    session.execute(update(Alert).where(Alert.id == alert.id).values(
        resolved_at=None, fired_at=NOW - timedelta(days=1)))
    [row] = listing.page(session=session, principal=agency(me), reader="r", now=NOW).rows
    assert row.title == ("Totalen och delarna stämmer inte – Aktualiseringar till gemensam "
                         "kartläggning (GK), efter grupp (kön: totalt)")


def test_a_zero_tolerance_alerts_as_soon_as_and_the_association_is_not_escalated() -> None:
    f = Facts(rule="yoy_wrong_direction", value=8.2, expected=7.41, unit="months",
              period="2024-Q1")
    rule = {"kind": "yoy_wrong_direction", "direction": "fall", "tolerance": 0}
    sv, en = explain(f, rule=rule, lang="sv").rule, explain(f, rule=rule, lang="en").rule
    assert sv.endswith("larmar så fort det går åt andra hållet.") and "±0" not in sv
    assert en.endswith("alerts as soon as it moves the other way.") and "±0" not in en
    some = explain(f, rule={**rule, "tolerance": 0.5}, lang="sv").rule
    assert "mer än 0,5" in some
    rise = Facts(rule="yoy_rise", value=8.2, expected=7.41, unit="months", period="2024")
    assert explain(rise, rule={"kind": "yoy_rise"}, lang="sv").rule == (
        "Larmar så fort värdet stiger jämfört med samma period året innan.")
    assert "lyfts till samordningsförbundet" in explain(f, lang="sv").next_step
    own = explain(f, lang="sv", escalates=False).next_step
    assert "samordningsförbundet" not in own and own.endswith("ge det till en kollega.")
    assert "escalated" not in explain(f, lang="en", escalates=False).next_step
