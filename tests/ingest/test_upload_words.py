"""The preview and the receipt say in the page's language what ingest says in English (a
usability walk: a Vännäs analyst read "secondary: would narrow a protected sum of missing
parts through cause, duration, sex" under "too few persons", about values of 48 and 61):
why each value is not shown, a publishing right a row lacks and what to write instead, a
measure written by its name (not as a missing unit), a period Excel made a date as the month
it is read as, and a receipt whose counts say what was published, shown, hidden, already
there and refused."""

from __future__ import annotations

import re
from datetime import datetime
from html import unescape

import pytest
from fastapi.testclient import TestClient

from samstat_kit.agency_files import RowError
from samstat_kit.contracts import load_catalogue
from services.ingest.disclosure import protect
from services.ingest.upload import reasons
from services.ingest.upload.texts import HIDDEN, PREVIEW, UPLOAD
from tests.echo import said
from tests.ingest.test_upload_pages import _text, _upload
from tests.workbooks import xlsx

Staff = tuple[TestClient, str]
SV = ["Mått", "Område", "Period", "Värde", "Orsak", "Varaktighet", "Kön"]
M = "econ_assistance_recipients"
NOV = datetime(2026, 11, 1)  # "2026-11" typed into a cell: Excel makes it a date
ROWS = [  # the walk's November, rows 2..7, and three wrong rows 8..10
    [M, "2460", NOV, 61, "_T", "_T", "K"], [M, "2460", NOV, 74, "_T", "_T", "M"],
    [M, "2460", NOV, 135, "_T", "_T", "_T"], [M, "2460", NOV, 48, "ill_health", "_T", "_T"],
    [M, "2460", NOV, 57, "unemployment", "_T", "_T"], [M, "2460", NOV, 30, "other", "_T", "_T"],
    [M, "2480", NOV, 40, "_T", "_T", "_T"],  # Vindeln: not Vännäs's own area
    ["Personer med ekonomiskt bistånd", "2460", NOV, 135, "_T", "_T", "_T"],  # by its title
    ["ekbistand", "2460", NOV, 135, "_T", "_T", "_T"],  # a code no measure has
]
# What the pages never show: the disclosure control's and the catalogue's own words.
ENGLISH = ("secondary:", "primary:", "held:", "would narrow", "agency kommun-2460",
           "its own area 2460", "Field required", "T00:00:00", "stale:")


def _words(html: str) -> str:
    return unescape(_text(html))


def _published(staff: Staff) -> str:
    client, csrf = staff
    r = _upload(staff, xlsx(SV, ROWS), "vannas-nov.xlsx")
    page = str(r.headers["location"])  # type: ignore[attr-defined]
    assert client.post(f"{page}/publish", data={"csrf_token": csrf}).status_code == 303
    return page


def _hidden_rows(html: str) -> list[list[str]]:
    table = html.split('class="hidden-values"', 1)[1].split("</table>", 1)[0]
    return [[_text(c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
            for tr in re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S)]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_preview_and_receipt_say_why_in_the_page_s_language(upload_staff: Staff,
                                                                 lang: str) -> None:
    client, _ = upload_staff
    page = _published(upload_staff)
    html = client.get(f"{page}?lang={lang}").text
    text = _words(html)
    assert not [w for w in ENGLISH if w in text], text
    assert PREVIEW[lang]["suppressed_title"] in text
    # the walk's values: hidden to protect others (not "too few persons"), the sums named
    # each reason once, with its rows and their values
    [(rows, values, why)] = _hidden_rows(html)
    assert len(rows.split(", ")) == len(values.split(", ")) > 1
    assert set(values.split(", ")) <= {"61", "74", "135", "48", "57", "30"}
    via = {"sv": "summorna per orsak, varaktighet och kön",
           "en": "the totals by cause, duration and sex"}[lang]
    assert via in why and why.startswith(HIDDEN[lang]["secondary_sum"][:30]), why
    # the period as it is read, not as Excel keeps it
    assert "2026-11 61" in text and "T00" not in said(html)
    # a publishing right: what it means and what to write instead
    own = {"sv": "8 Område Ni får bara publicera siffror för ert eget område. Skriv 2460 "
                 "(Vännäs) i kolumnen Område.",
           "en": "8 Område You may publish figures for your own area only. Write 2460 "
                 "(Vännäs) in the column Område."}[lang]
    assert own in text
    # a measure by its name is read as its code: row 9 is then row 4's cell again, said so
    assert "9 Mått " not in text
    assert {"sv": "9 Raderna 4 och 9 gäller samma cell. Ta bort den ena raden.",
            "en": "9 Rows 4 and 9 are the same cell. Remove one of the rows."}[lang] in text
    assert "10 Mått " in text and "ekbistand" in text
    assert " unit " not in text


def test_the_receipt_says_what_was_published_shown_hidden_and_refused(
        upload_staff: Staff) -> None:
    client, _ = upload_staff
    page = _published(upload_staff)
    facts = {}
    for lang in ("sv", "en"):
        html = client.get(f"{page}?lang={lang}").text
        card = html.split('<dl class="facts receipt">', 1)[1].split("</dl>", 1)[0]
        facts[lang] = dict(zip((_text(d).strip() for d in re.findall(r"<dt>(.*?)</dt>", card)),
                               (_text(d).strip() for d in re.findall(r"<dd>(.*?)</dd>", card)),
                               strict=True))
    sv, en = facts["sv"], facts["en"]
    hidden = int(sv["Publicerade men dolda"].split()[0])
    assert 0 < hidden < 6  # some of the six good rows are hidden, the others shown
    assert sv["Publicerade och synliga"] == f"{6 - hidden} rader"
    assert sv["Publicerade men dolda"].startswith(f"{hidden} rader – ")
    assert sv["Redan mottagna"] == "0 rader"
    assert sv["Avvisade"] == "3 rader – har fel och publicerades inte"
    assert "Kvittonummer" in sv and len(sv) == 6  # one "Publicerad": when and by whom
    assert en["Published and shown"] == f"{6 - hidden} row{'' if hidden == 5 else 's'}"
    assert en["Refused"] == "3 rows – have problems and were not published"
    assert "Receipt number" in en and "Receipt numbers" not in en  # one batch
    # The month sent again (the walk's second upload): the shown values are already
    # received, the hidden ones' corrections stay hidden, and the page says so.
    again = _upload(upload_staff, xlsx(SV, ROWS[:6]), "vannas-nov.xlsx")
    second = str(again.headers["location"])  # type: ignore[attr-defined]
    client.post(f"{second}/publish", data={"csrf_token": upload_staff[1]})
    html = client.get(f"{second}?lang=sv").text
    text = _text(html)
    assert f"Redan mottagna {6 - hidden} rader – samma värden fanns redan" in text
    assert "Publicerade och synliga 0 rader" in text
    assert f"Publicerade men dolda {hidden} rader" in text
    assert {why for _r, _v, why in _hidden_rows(html)} == {HIDDEN["sv"]["held"]}


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_reason_disclosure_control_gives_has_words(lang: str) -> None:
    words = HIDDEN[lang]
    emitted = [*protect._REASON.values(),  # primary, held, agency
               "superseded within the batch by a newer revision: only the newest is "
               "published",  # disclosure/service.py
               "primary: fewer than 5 persons",  # gate.suppress, the baseline
               "secondary: would reveal a suppressed cell via the total"]
    said = [reasons.hidden(r, lang) for r in emitted]
    assert said == [words[k] for k in ("primary", "held", "agency", "superseded", "primary",
                                       "secondary_total")]
    assert len(set(words.values())) == len(words)  # each kind its own words
    cell = reasons.hidden("secondary: would narrow a protected cell through area, "
                          "period, target_group", lang)
    assert cell == words["secondary_cell"].format(via={
        "sv": "område, period och målgrupp", "en": "area, period and target group"}[lang])
    assert reasons.hidden("something new", lang) == words["other"]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_publishing_right_is_said_with_what_to_write(lang: str) -> None:
    catalogue = load_catalogue()
    lookup = reasons.Lookup(catalogue)
    denials = {  # (field, the row's column) -> the catalogue's reason
        ("area", "Område"): catalogue.publish_denial("kommun-2460", M, "2480", {}),
        ("measure", "Mått"): catalogue.publish_denial("kriminalvarden", M, "2460", {}),
        ("dimensions.benefit", ""): catalogue.publish_denial(
            "kommun-2460", "benefit_net_days", "2460", {}),
        ("dimensions.benefit", "Ersättning"): catalogue.publish_denial(
            "kommun-2460", "benefit_net_days", "2460", {"benefit": "sickness"}),
        ("measure", ""): catalogue.publish_denial("nobody", M, "2460", {}),
        ("agency", "agency"): "agency kommun-2460 may not publish as kommun-2480",
        ("area", ""): f"agency samordningsforbund has no own area and may not publish {M}",
    }
    said = {}
    for (field, column), reason in denials.items():
        assert reason is not None
        meaning, what = reasons.explain(RowError(2, field, reason, column), M, lang, lookup)
        assert meaning and what and reason not in meaning + what, (reason, meaning, what)
        said[reason] = (meaning, what)
    assert len({m for m, _w in said.values()}) == len(said)  # each its own words
    only = said[denials[("dimensions.benefit", "")]]
    assert only[1] == {"sv": "Skriv någon av: economic_assistance (ekonomiskt bistånd).",
                       # its English name only spells the code: its Swedish one says more
                       "en": "Write one of: economic_assistance (Swedish: ekonomiskt "
                             "bistånd)."}[lang]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_upload_page_explains_the_headings_without_field_names(upload_staff: Staff,
                                                                  lang: str) -> None:
    client, _ = upload_staff
    text = _text(client.get(f"/upload?lang={lang}").text)
    assert UPLOAD[lang]["formats"] in text
    assert "dim_" not in text and "measure, area" not in text


def test_a_range_is_written_as_the_page_writes_numbers() -> None:
    from samstat_kit.agency_files import RowError
    from samstat_kit.contracts import load_catalogue
    from services.ingest.upload import reasons

    lookup = reasons.Lookup(load_catalogue())
    error = RowError(3, "value", "value out of range [0.0, 1000000.0]", "Värde")
    sv = reasons.explain(error, "econ_assistance_recipients", "sv", lookup)[1]
    en = reasons.explain(error, "econ_assistance_recipients", "en", lookup)[1]
    assert (sv, en) == ("Värdet ska vara från 0 till 1\u00a0000\u00a0000.",
                        "The value must be from 0 to 1,000,000.")


@pytest.mark.parametrize("rows, says", [
    (ROWS[2:3], ("Raden kan publiceras.", "Publicera raden")),
    (ROWS[-1:], ("Filens enda rad har fel.",)),
    (ROWS[1:3], ("Alla 2 rader kan publiceras.", "Publicera 2 rader")),
])
def test_one_row_is_said_as_one(upload_staff: Staff, rows: list, says: tuple) -> None:
    """A walk read "Publicera 1 rader" for a file of one good row."""
    client, _ = upload_staff
    page = client.get(str(_upload(upload_staff, xlsx(SV, rows), "en-rad.xlsx")
                          .headers["location"])).text  # type: ignore[attr-defined]
    words = _words(page)
    assert all(s in words for s in says), says
    assert "1 rader" not in words
