"""The page header's account (samstat_kit.present.account): one wording on every service.

A review: the inbox named an administrator "admin" (in English, on a Swedish page) where the
follow-up said "administratör" and the indicator pages the agency code; four copies of the
same few lines had drifted apart."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from samstat_kit.present import account
from tests.auth.helpers import build_app, client
from tests.notify.factory import tokens


def _reader(agency: str | None, person: bool) -> object:
    who = SimpleNamespace(name="Karin Lund", email="k@x.se", agency=agency) if person else None
    return SimpleNamespace(principal=SimpleNamespace(agency=agency), person=who)


@pytest.mark.parametrize(("agency", "person", "sv", "en"), [
    ("forsakringskassan", True, "Karin Lund · Försäkringskassan", None),
    (None, True, "Karin Lund · administratör", "Karin Lund · administrator"),
    ("forsakringskassan", False, "Försäkringskassan", None),
    (None, False, "administratör", "administrator"),
    ("kommun-9999", False, "kommun-9999", None),  # an agency the code list lost: its code
])
def test_who_is_signed_in_in_words(agency: str | None, person: bool, sv: str,
                                   en: str | None) -> None:
    reader = _reader(agency, person)
    assert account.who(reader, "sv") == sv  # type: ignore[arg-type]
    assert account.who(reader, "en") == (en or sv)  # type: ignore[arg-type]


PAGES = [("notify", "/inbox"), ("initiatives", "/reports"), ("indicators", "/indicators")]


@pytest.mark.parametrize(("service", "path"), PAGES)
def test_every_service_names_an_administrator_the_same_way(service: str, path: str,
                                                           sqlite_url: str) -> None:
    admin = tokens(sqlite_url)["admin"]
    c = client(build_app(service, sqlite_url))
    for lang, word in (("sv", "administratör"), ("en", "administrator")):
        page = c.get(f"{path}?lang={lang}", headers=admin)
        assert page.status_code == 200, page.text[:300]
        shown = re.search(r'<span class="account">([^<]*)</span>', page.text)
        assert shown is not None and shown.group(1) == word, (service, lang)
        assert 'action="/logout"' in page.text and 'name="csrf_token"' in page.text
