"""What the inbox list page shows besides the list itself: its rows in words, the address of
the list with the same filters (the pager's links, and where acknowledging several alerts
returns to), and the sentence saying what that did."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from samstat_kit import present
from services.notify.delivery.texts import area_name, rule_name
from services.notify.inbox import bulk, listing
from services.notify.inbox.texts import INBOX

MAX_FILTER = 64  # an area code or an initiative number; anything longer is no filter


def _int(raw: str | None) -> int | None:
    try:
        return int(raw) if raw else None
    except ValueError:
        return None


def filters_of(status: str | None, initiative: str | None, area: str | None
               ) -> listing.Filters:
    """The list's filters from the page's query (or the bulk form's copy of it); anything
    that is not a filter is left out."""
    area = (area or "")[:MAX_FILTER] or None
    return listing.Filters(state=status if status in listing.STATES else None,
                           initiative="none" if initiative == "none" else _int(initiative),
                           area=area)


def list_query(filters: listing.Filters, *, after: listing.Cursor | None = None,
               before: listing.Cursor | None = None) -> list[tuple[str, str]]:
    """The query naming a page of the list: its filters and the row it follows or
    precedes."""
    query = [(k, str(v)) for k, v in (("status", filters.state),
                                      ("initiative", filters.initiative),
                                      ("area", filters.area)) if v is not None]
    if after is not None:
        query.append(("after", after.encode()))
    elif before is not None:
        query.append(("before", before.encode()))
    return query


def list_url(filters: listing.Filters, *, after: listing.Cursor | None = None,
             before: listing.Cursor | None = None,
             extra: list[tuple[str, str]] | None = None) -> str:
    """The inbox with these filters, at the page after/before a row (the first without)."""
    query = [*list_query(filters, after=after, before=before), *(extra or [])]
    return "/inbox?" + urlencode(query) if query else "/inbox"


# Swedish sorts å, ä, ö after z as letters of their own (æ, ø as ä, ö): the characters just
# after "z" stand in for them. Babel formats but does not collate, and ICU is not installed.
SWEDISH_LAST = str.maketrans({"å": "{", "ä": "|", "æ": "|", "ö": "}", "ø": "}"})


def collation_key(name: str, lang: str) -> str:
    """A name's place in an alphabetical list in the reader's language: in Swedish
    "Vindeln, Vännäs, Åsele, Örebro"; in English accents do not count ("Vännäs, Vindeln");
    case never does. By hand, and small: Swedish order needs ICU's tailoring (PyICU, which
    this image has no ICU for), and pyuca's default Unicode order puts "ä" beside "a"."""
    folded = name.casefold()
    if lang != "en":
        folded = folded.translate(SWEDISH_LAST)
    plain = unicodedata.normalize("NFKD", folded)
    return "".join(c for c in plain if not unicodedata.combining(c))


def area_choices(codes: Iterable[str], lang: str) -> list[tuple[str, str]]:
    """The area filter's choices, (code, name) by name in the reader's language (in code
    order, Nordmaling came before Bjurholm)."""
    named = [(code, area_name(code)) for code in codes]
    return sorted(named, key=lambda c: (collation_key(c[1], lang), c[1], c[0]))


def row(r: listing.Row, lang: str, people: dict[str, str], may_ack: bool,
        decimals: int | None = None) -> dict[str, Any]:
    """One line in words; ``may_ack``: it gets a checkbox (firing, and the reader's
    agency is its convener's or the reader is an admin); ``decimals``: its indicator's on
    the page (:func:`precisions`)."""
    assignee = r.alert.assignee or ""
    return {"alert": r.alert, "title": r.title, "unit": r.unit, "unread": r.unread,
            "muted": r.muted, "rule_name": rule_name(r.alert.rule, lang),
            "area_name": area_name(r.alert.area),
            "period": present.formatting.period(r.alert.period, lang),
            "assignee_name": people.get(assignee, assignee), "may_ack": may_ack,
            "decimals": decimals}


def precisions(rows: list[listing.Row]) -> dict[Any, int | None]:
    """The decimals of each indicator's values on the page: one for all of them (the kit's
    rule, :func:`samstat_kit.present.formatting.decimals_by`)."""
    return present.formatting.decimals_by((r.alert.indicator, r.unit, r.alert.value)
                                          for r in rows)


def day_month(month: int, day: int, lang: str) -> str:
    return present.formatting.date(date(2024, month, day), lang).rsplit(" ", 1)[0]


# --- what acknowledging several did ------------------------------------------------------------

def done_query(outcomes: list[bulk.Outcome]) -> list[tuple[str, str]]:
    """The counts the list shows after the bulk form, for its address (the ones not zero)."""
    return [("bulk", "done"), *((k, str(n)) for k, n in bulk.counts(outcomes).items() if n)]


@dataclass(frozen=True)
class Notice:
    kind: str  # ok, warn (some could not be acknowledged), error (nothing was asked)
    lines: list[str]


def _n(query: Mapping[str, str], key: str) -> int:
    value = _int(query.get(key))
    return value if value is not None and 0 <= value <= bulk.MAX_BULK else 0


def _say(words: Mapping[str, str], key: str, n: int, **more: str) -> str:
    return words[f"{key}_one" if n == 1 else key].format(n=n, **more)


def notice(query: Mapping[str, str], lang: str) -> Notice | None:
    """What the bulk form did, from the list's address (``bulk=done`` and the counts, or
    ``bulk=bulk_none``/``bulk_too_many``), in the reader's language; None without."""
    words = INBOX[lang]
    code = query.get("bulk")
    if code in ("bulk_none", "bulk_too_many"):
        return Notice("error", [words[code].format(n=bulk.MAX_BULK)])
    if code != "done":
        return None
    n = {k: _n(query, k) for k in (bulk.DONE, bulk.ALREADY, *bulk.REFUSED)}
    lines = []
    if n[bulk.DONE]:
        lines.append(_say(words, "bulk_done", n[bulk.DONE]))
    elif not n[bulk.ALREADY]:
        lines.append(words["bulk_done_none"])
    if n[bulk.ALREADY]:
        lines.append(_say(words, "bulk_already", n[bulk.ALREADY]))
    refused = sum(n[r] for r in bulk.REFUSED)
    if refused:
        why = "; ".join(_say(words, f"bulk_{r}", n[r]) for r in bulk.REFUSED if n[r])
        lines.append(_say(words, "bulk_refused", refused, why=why))
    return Notice("warn" if refused else "ok", lines)
