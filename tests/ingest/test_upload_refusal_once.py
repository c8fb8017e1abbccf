"""A refused file said its subject twice: "Filen togs inte emot: Filen är för stor …". Every
reason is composed after the page's "Filen togs inte emot." (reasons.refused), so none may
open with the file again, in Swedish or English; the page says it once."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from services.ingest.upload import service
from services.ingest.upload.reasons import refused
from services.ingest.upload.texts import REFUSALS, UPLOAD

SUBJECT = {"sv": ("Filen ", "filen "), "en": ("The file ", "the file ")}
HEADER = ["measure", "area", "period", "value"]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_no_reason_opens_with_the_file_again(lang: str) -> None:
    lead = UPLOAD[lang]["refused"]
    for name, words in REFUSALS[lang].items():
        assert not words.startswith(SUBJECT[lang]), (lang, name, words)
    for reason in ("the file is larger than 8388608 bytes", "at most 3 rows per file",
                   "the CSV file cannot be read", "something new"):
        message = refused(reason, lang)
        assert message.startswith(lead + ". "), message
        # a word of its own ("CSV-filen" is another): said once, by the lead
        assert len(re.findall(rf"(?:^|\s)(?:{'|'.join(SUBJECT[lang])})", message)) == 1, message


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize(("lang", "said"), [
    ("sv", "Filen togs inte emot. Den har fler än 3 rader. Dela upp den i flera filer."),
    ("en", "The file was not taken. It has more than 3 rows. Split it into several files.")])
def test_the_page_says_the_file_once(upload_staff: tuple[TestClient, str],
                                     monkeypatch: pytest.MonkeyPatch, lang: str,
                                     said: str) -> None:
    client, csrf = upload_staff
    monkeypatch.setattr(service, "MAX_ROWS", 3)
    text = ",".join(HEADER) + "\n" + "x,2460,2024,1\n" * 4
    r = client.post(f"/upload?lang={lang}", data={"csrf_token": csrf},
                    files={"file": ("many.csv", text.encode(), "text/csv")})
    assert r.status_code == 422 and said in _text(r.text)
    assert not re.search(r"(Filen|The file) (togs inte emot|was not taken): ", r.text)
