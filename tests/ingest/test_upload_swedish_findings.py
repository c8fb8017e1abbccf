"""The upload page says every finding in its language, naming the file's column (a black-box
test found developer English on the Swedish page: "Value error, value may be null only when
conf_status is C or N" under the column "observation", "String should have at most 64
characters", "unknown ACTION 'X'", "UNIT_MULT must be a whole number", a code "(not shown: it
holds 10 digits or more)", and "Perioden är fel skriven" for a period that has not begun)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.ingest.test_upload_personal_places import _table
from tests.workbooks import xlsx

Staff = tuple[TestClient, str]
M = "econ_assistance_recipients"
SV = ["Mått", "Område", "Period", "Värde", "Orsak", "Varaktighet", "Kön"]
SDMX = "STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,CAUSE,DURATION,SEX,TIME_PERIOD,OBS_VALUE,UNIT_MULT\n"
FLOW = f"dataflow,SAMSTAT:{M.upper()}(1.0)"
# What the page never shows: the readers' and the contract's own English.
ENGLISH = ("Value error", "String should", "unknown ACTION", "UNIT_MULT must", "not shown:",
           "has not begun", "conf_status", "Field required", "Input should")


def _problems(staff: Staff, name: str, data: bytes, lang: str = "sv"
              ) -> dict[int, tuple[str, str]]:
    """The preview's problem list: file row -> (its "Kolumn", its problem), as read."""
    client, csrf = staff
    staged = client.post(f"/upload?lang={lang}", data={"csrf_token": csrf},
                         files={"file": (name, data, "application/octet-stream")})
    assert staged.status_code == 303, staged.text
    html = client.get(f"{staged.headers['location']}?lang={lang}").text
    return _table(html.split('<table class="problems">', 1)[1])


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_finding_of_a_file_is_said_in_the_pages_words(upload_staff: Staff,
                                                            lang: str) -> None:
    rows = [[M, "2460", "2024-08", None, "_T", "_T", "_T"],  # 2: an empty value
            [M, "2460", "2024-08", "=1+1", "_T", "_T", "K"],  # 3: a formula, no cached value
            [M, "2460", "2024-08", 5, "a" * 65, "_T", "_T"],  # 4: a code too long
            [M, "2460", "2024-08", 5, "_T", "_T", "9999999999"],  # 5: a code of 10 digits
            [M, "2460", "2099-01", 5, "_T", "_T", "M"]]  # 6: a period not begun
    problems = _problems(upload_staff, "f.xlsx", xlsx(SV, rows), lang)
    said = {"sv": ["Värdet saknas.", "Värdet saknas.", "högst 64 tecken",
                   "Koden (visas inte: den har 10 siffror eller fler) är inte tillåten",
                   "Perioden har inte börjat än"],
            "en": ["The value is missing.", "The value is missing.", "at most 64 characters",
                   "The code (not shown: it holds 10 digits or more) is not allowed",
                   "The period has not begun yet"]}[lang]
    columns = ["Värde", "Värde", "Orsak", "Kön", "Period"]
    assert sorted(problems) == [2, 3, 4, 5, 6], problems
    for n, (column, words) in enumerate(zip(columns, said, strict=True), start=2):
        assert problems[n][0] == column and words in problems[n][1], (n, problems[n])
    if lang == "sv":
        text = " ".join(p for _c, p in problems.values())
        assert not [w for w in ENGLISH if w in text], text


def test_sdmx_actions_and_multipliers_are_said_in_swedish(upload_staff: Staff) -> None:
    data = (SDMX + f"{FLOW},X,2460,_T,_T,_T,2024-M08,5,\n"
                   f"{FLOW},I,2460,_T,_T,K,2024-M08,5,99\n").encode()
    problems = _problems(upload_staff, "f.csv", data)
    assert problems[2][0] == "ACTION" and "ACTION ska vara I eller A" in problems[2][1]
    assert problems[3][0] == "UNIT_MULT" and "UNIT_MULT ska vara ett heltal från" \
        in problems[3][1]
    text = " ".join(p for _c, p in problems.values())
    assert not [w for w in ENGLISH if w in text], text
