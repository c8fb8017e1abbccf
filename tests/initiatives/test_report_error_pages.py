"""The follow-up's error pages for a person: they were headed by the bare status ("404",
"404 · samstat" in the tab), the English words began in lower case ("there is no plan for
1999", "to the follow-ups"), and the English PDF page showed the renderer's own message
("PDF rendering needs Chromium: apt-get install -y chromium", or Chromium's stderr). Now a
heading in words in the page's language, sentences, and nothing of the host's internals."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from services.initiatives.report.pdf import PdfUnavailable
from tests.initiatives.test_report import (  # noqa: F401 (fixtures)
    _seeded,
    client,
    indicators,
    plan2024,
    token,
)

from .helpers import bearer

HEADINGS = {"sv": "Uppföljningen finns inte", "en": "No such follow-up"}
PDF_HEADINGS = {"sv": "PDF:en går inte att skapa just nu",
                "en": "The PDF cannot be made right now"}


def _h1(html: str) -> str:
    return re.sub(r"<[^>]+>", "", re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S).group(1))  # type: ignore[union-attr]


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_no_such_follow_up_is_headed_in_words(client: TestClient, token: str,  # noqa: F811
                                              lang: str) -> None:
    for path in ("/reports/1999", "/reports/abc"):
        r = client.get(path, params={"lang": lang}, headers=bearer(token))
        assert r.status_code == 404
        shown = r.text.split('<main id="main">', 1)[1].split("</main>", 1)[0]
        assert HEADINGS[lang] in _h1(shown), (path, _h1(shown))
        assert "<title>404" not in r.text
        # the language switch keeps the address asked for (the upload's led elsewhere)
        other = "en" if lang == "sv" else "sv"
        assert f'class="lang" href="{path}?lang={other}"' in r.text
        words = re.sub(r"<[^>]+>", "\n", shown)
        for line in (x.strip() for x in words.splitlines()):
            if line and line[0].isalpha():  # sentences and links begin in upper case
                assert line[0].isupper(), (path, line)


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_pdf_unavailable_shows_no_internals(client: TestClient, token: str,  # noqa: F811
                                            monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    def broken(*_a: object, **_k: object) -> bytes:
        raise PdfUnavailable("Chromium exited with 1: [0101/ERROR:zygote_host_impl_linux.cc]")

    monkeypatch.setattr("services.initiatives.report.router.html_to_pdf", broken)
    r = client.get("/reports/2024.pdf", params={"lang": lang}, headers=bearer(token))
    assert r.status_code == 503
    shown = r.text.split('<main id="main">', 1)[1]
    assert PDF_HEADINGS[lang] in _h1(shown)
    for internal in ("Chromium", "zygote", "exited"):
        assert internal not in shown, internal
