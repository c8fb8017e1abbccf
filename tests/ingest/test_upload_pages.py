"""The upload pages speak the page's language and say a problem once, where it is: Swedish
headings are read, unknown ones are named once at the top (with what they could be), a code
field's finding lists the allowed codes, a refused file or fix says why in Swedish or English
on the page itself, an unknown upload has a page of its own, the template downloads."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from fastapi.testclient import TestClient

from samstat_kit.agency_files import read_bytes
from services.ingest.upload import reasons
from services.ingest.upload.texts import PREVIEW, REFUSALS, UPLOAD
from tests.echo import said
from tests.workbooks import xlsx

SV = ["Mått", "Område", "Period", "Värde", "Varaktighet", "Orsak", "Kön"]
ROWS = [["econ_assistance_recipients", "2460", "2019-07", v, "0-10", cause, sex]
        for v, cause, sex in ((41, "ill_health", "K"), (37, "sjukdom", "M"), (52, "other", "K"))]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Staff = tuple[TestClient, str]




def _upload(staff: Staff, data: bytes, name: str = "nov.xlsx", lang: str = "sv") -> object:
    client, csrf = staff
    return client.post(f"/upload?lang={lang}", data={"csrf_token": csrf},
                       files={"file": (name, data, XLSX)})


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _staged(staff: Staff) -> str:
    r = _upload(staff, xlsx(SV, ROWS))
    assert r.status_code == 303, r.text  # type: ignore[attr-defined]
    return str(r.headers["location"])  # type: ignore[attr-defined]


def test_swedish_headings_are_read_and_a_wrong_code_lists_the_allowed(
        upload_staff: Staff) -> None:
    client, _ = upload_staff
    page = _text(client.get(_staged(upload_staff)).text)
    assert "3 rader: 2 kan publiceras, 1 har fel." in page
    assert "3 Orsak Koden är inte tillåten" in page  # the sheet's row, the file's heading
    assert ("Tillåtna koder: _T (totalt), ill_health (ohälsa), other (annat), "
            "unemployment (arbetslöshet)") in page
    assert "should match pattern" not in page and "Field required" not in page
    english = _text(client.get(_staged(upload_staff) + "?lang=en").text)
    # the meanings Swedish gives are not dropped (a black-box test): English words where
    # they say more than the code, else the Swedish ones a file may be written in
    assert ("Allowed codes: _T (total), ill_health (Swedish: ohälsa), other (Swedish: annat), "
            "unemployment (Swedish: arbetslöshet)") in english


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_unknown_headings_are_said_once_with_what_they_could_be(upload_staff: Staff,
                                                                lang: str) -> None:
    header = ["Mått", "Kommun", "Period", "Antal", "Varaktighet", "Orsak", "Kön", "Kommentar"]
    r = _upload(upload_staff, xlsx(header, [[*row, "x"] for row in ROWS]), lang=lang)
    assert r.status_code == 422  # type: ignore[attr-defined]
    page = _text(r.text)  # type: ignore[attr-defined]
    assert UPLOAD[lang]["headings"] in page
    could = {"sv": ("”Kommun” känns inte igen – menar du Område?",
                    "”Antal” känns inte igen – menar du Värde?", "”Kommentar” känns inte"),
             "en": ("”Kommun” is not known – did you mean Area?",
                    "”Antal” is not known – did you mean Value?", "”Kommentar” is not known")}
    assert all(line in page for line in could[lang]), page
    assert page.count("Kommun") == 1 and "Extra inputs" not in page  # once, not per row
    assert UPLOAD[lang]["template_url"] in r.text  # type: ignore[attr-defined]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_template_has_the_headings_and_the_measures_codes(upload_staff: Staff,
                                                             lang: str) -> None:
    client, _ = upload_staff
    r = client.get(UPLOAD[lang]["template_url"] + f"?lang={lang}")
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    first, codes, meanings, areas = book.worksheets
    header = [c.value for c in first[1]]
    assert header[:4] == (["Mått", "Område", "Period", "Värde"] if lang == "sv"
                          else ["measure", "area", "period", "value"])
    # the headings read back as the contract's fields
    filled = xlsx([str(h) for h in header], [["econ_assistance_recipients", "2460",
                                               "2026-11", 5]])
    assert set(read_bytes("t.xlsx", filled)[1][0].doc) == {"measure", "area", "period",
                                                          "value"}
    listed = {row[0].value: [c.value for c in row] for row in codes.iter_rows(min_row=2)}
    econ = listed["econ_assistance_recipients"]
    assert ("Personer med ekonomiskt bistånd" in econ) == (lang == "sv")
    assert "K, M, _T" in econ and "_T, ill_health, other, unemployment" in econ
    # every column but the value is text: Excel made "2026-11" a date (a review: every row
    # of a filled template was refused)
    formats = {c.value: first.column_dimensions[c.column_letter].number_format
               for c in first[1]}
    assert formats.pop(header[3]) == "General" and set(formats.values()) == {"@"}
    # what each code means, under the heading the file uses; the agency's own area first
    meaning = {(r[0].value, r[1].value): r[2].value for r in meanings.iter_rows(min_row=2)}
    cause = "Orsak" if lang == "sv" else "dim_cause"
    assert meaning[(cause, "ill_health")] == ("ohälsa" if lang == "sv" else "ill health")
    assert all(meaning.values())
    listed_areas = [[c.value for c in r] for r in areas.iter_rows(min_row=2)]
    assert listed_areas[0] == ["2460", "Vännäs", "kommun" if lang == "sv" else "municipality"]


def test_a_period_excel_made_a_date_is_read_as_its_month() -> None:
    from datetime import datetime

    typed = xlsx(["Mått", "Område", "Period", "Värde"],
                 [["econ_assistance_recipients", "2460", datetime(2026, 11, 1), 5]])
    [row] = read_bytes("t.xlsx", typed)[1]
    assert row.doc["period"] == "2026-11"


def test_a_refused_file_says_why_in_the_page_s_language(upload_staff: Staff) -> None:
    text = "Hej! Här är siffrorna för november.\n".encode()
    sv = _text(_upload(upload_staff, text, "anteckningar.txt").text)  # type: ignore[attr-defined]
    assert "Filen togs inte emot. " + REFUSALS["sv"]["no_rows"] in sv
    assert "holds no rows" not in sv
    en = _text(_upload(upload_staff, text, "notes.txt", "en").text)  # type: ignore[attr-defined]
    assert REFUSALS["en"]["no_rows"] in en


def test_every_reason_the_reader_gives_has_words_in_both_languages() -> None:
    for _pattern, name in reasons._REFUSED:
        assert name in REFUSALS["sv"] and name in REFUSALS["en"]
    assert reasons.refusal("at most 3 rows per file", "en") == \
        "It has more than 3 rows. Split it into several files."
    assert reasons.refusal("the columns Kön and dim_sex both name dim_sex", "sv") == \
        "Kolumnerna Kön och dim_sex betyder samma sak (Kön). Ta bort den ena."
    assert reasons.refusal("something new", "sv") == REFUSALS["sv"]["unreadable"]


def test_a_personal_number_in_the_fix_form_is_said_on_the_page_unechoed(
        upload_staff: Staff) -> None:
    client, csrf = upload_staff
    page = _staged(upload_staff)
    r = client.post(f"{page}/rows/3", data={"csrf_token": csrf, "c3": "19121212-1212"})
    assert r.status_code == 422 and "1212" not in said(r.text)
    assert PREVIEW["sv"]["personal_fix"].format(n=3) in _text(r.text)
    assert 'href="/upload"' in r.text  # the way back
    assert f'href="{page}?lang=en"' in r.text  # the switch leads to the page, not the form


def test_a_fix_still_wrong_is_no_green_notice(upload_staff: Staff) -> None:
    client, csrf = upload_staff
    page = _staged(upload_staff)
    assert client.post(f"{page}/rows/3", data={"csrf_token": csrf, "c5": "sjuk"}
                       ).status_code == 303
    wrong = client.get(page, params={"fixed": 3}).text
    assert '<p class="notice" role="status">' in wrong
    assert PREVIEW["sv"]["fixed_still"].format(n=3) in _text(wrong)
    client.post(f"{page}/rows/3", data={"csrf_token": csrf, "c5": "ill_health"})
    assert '<p class="notice ok" role="status">' in client.get(page, params={"fixed": 3}).text


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_an_unknown_upload_has_a_page_with_the_way_back(upload_staff: Staff,
                                                        lang: str) -> None:
    client, csrf = upload_staff
    for r in (client.get(f"/upload/no-such-upload?lang={lang}"),
              client.post(f"/upload/no-such-upload/publish?lang={lang}",
                          data={"csrf_token": csrf}),
              client.post(f"/upload/no-such-upload/rows/2?lang={lang}",
                          data={"csrf_token": csrf, "c3": "1"})):
        assert r.status_code == 404
        assert f"<h1>{UPLOAD[lang]['missing_title']}</h1>" in r.text
        assert 'href="/upload"' in r.text and "no such" not in r.text
    # The switch of the page asked for keeps its address (it led to /upload), the other
    # language; a form's answer leads to the uploads (the form's address is no page).
    other = "en" if lang == "sv" else "sv"
    page = client.get(f"/upload/no-such-upload?lang={lang}").text
    assert f'class="lang" href="/upload/no-such-upload?lang={other}"' in page
    assert f'class="lang" href="/upload?lang={other}"' in r.text


def test_the_receipt_has_a_receipt_heading_and_its_findings(upload_staff: Staff) -> None:
    client, csrf = upload_staff
    page = _staged(upload_staff)
    assert client.post(f"{page}/publish", data={"csrf_token": csrf}).status_code == 303
    receipt = _text(client.get(page).text)
    assert f"{PREVIEW['sv']['receipt_title']} " in receipt
    assert "Granska uppladdningen" not in receipt
    # the kept finding shows under its column, in words
    assert "3 Orsak Koden är inte tillåten" in receipt and "Tillåtna koder:" in receipt
