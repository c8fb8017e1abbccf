"""Red-team finding (2026-12-07): digits that are not decimal digits. The gate read any
Unicode *decimal* digit (``\\d``: full-width, Arabic-Indic, Devanagari) by its value, but
not the other characters Unicode gives a digit value and every screen shows as a digit:
superscripts (``⁸⁸⁰²⁰⁸⁻⁹⁷¹⁷``), subscripts, circled digits (``⑧⑧⓪②⓪⑧⑨⑦①⑦``), the
dingbats' (``➑``). An upload kept such a cell and its page showed the number."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from samstat_kit.anonymity import contains_personal_number, is_personal_number, masked

HIDDEN = ("⁸⁸⁰²⁰⁸⁻⁹⁷¹⁷", "⁸⁸⁰²⁰⁸⁹⁷¹⁷", "₈₈₀₂₀₈₋₉₇₁₇", "⑧⑧⓪②⓪⑧⑨⑦①⑦",
          "880208⁻9717", "¹⁹⁸⁸⁰²⁰⁸⁻⁹⁷¹⁷", "➑➑⓪➁⓪➇➈➆➀➆", "⁸8⁰2⁰8-⁹7¹7",
          # combining marks over the digits: keycaps (8️⃣ is 8, VS16, U+20E3), underlines,
          # strikes; a screen shows the digits marked, and a reader reads them
          "".join(d + "\ufe0f\u20e3" if d.isdigit() else d for d in "880208-9717"),
          "".join(d + "\u0332" for d in "8802089717"), "880208\u0336-9717")
CLEAN = ("⁸⁸⁰²⁰⁸⁻⁹⁷¹⁸", "① ② ③", "x² + y² = 10²", "⑧⑧⓪②⓪⑧.⑨⑦①⑦", "Umeå ½ år",
         "Umea\u030a o\u0308rebro 8802089718")


@pytest.mark.parametrize("text", HIDDEN)
def test_a_number_in_other_digits_is_found(text: str) -> None:
    assert is_personal_number(text), text
    assert contains_personal_number({"a": [f"ring {text} idag"]}), text
    assert contains_personal_number({f"k{text}": 1}), text
    assert masked(text) == "" or not is_personal_number(masked(text))


@pytest.mark.parametrize("text", CLEAN)
def test_what_holds_none_is_not_refused(text: str) -> None:
    assert not is_personal_number(text), text
    assert not contains_personal_number({"a": [text]}), text


HEADER = "measure;area;period;value;dim_duration;dim_cause;dim_sex\n"
ROW = "econ_assistance_recipients;2460;2019-05;41;0-10;other;K\n"


def test_the_upload_refuses_such_a_cell(upload_staff: tuple[TestClient, str]) -> None:
    c, token = upload_staff
    for text in HIDDEN[:4]:
        data = (HEADER + ROW.replace(";K", f";{text}")).encode()
        r = c.post("/upload", data={"csrf_token": token},
                   files={"file": ("f.csv", data, "text/csv")})
        assert r.status_code == 422, text


def test_the_api_refuses_such_a_body(client: TestClient, token: Any) -> None:
    from tests.ingest.conftest import obs

    for text in HIDDEN[:4]:
        r = client.post("/v1/observations?dry_run=true",
                        json={"observations": [obs()], "note": text},
                        headers={"Authorization": f"Bearer {token('forsakringskassan')}"})
        assert r.status_code == 422, (text, r.text)
        assert "personal identity number" in r.json()["detail"]
