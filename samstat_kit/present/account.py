"""The page header's account: who is signed in, and the sign-out form, worded one way on
every service ("Karin Lund · Försäkringskassan"; a token's agency alone; an administrator as
"administratör" in Swedish, not "admin" on one service and "–" on another).

The sign-out form carries the CSRF token: without it the button was refused and the person
stayed signed in on every service.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from markupsafe import Markup

from samstat_kit.contracts import load_catalogue
from samstat_kit.present import BASE_TEXTS, language
from samstat_kit.web import Reader, csrf_input

ADMIN = {"sv": "administratör", "en": "administrator"}


def who(reader: Reader, lang: str) -> str:
    """The person before the agency, else the token's agency; no agency: an administrator."""
    agencies = load_catalogue().agencies

    def name(code: str | None) -> str:
        if not code:
            return ADMIN[lang]
        agency = agencies.get(code)
        return agency.name if agency else code

    person = reader.person
    if person is not None:
        return f"{person.name or person.email} · {name(person.agency)}"
    return name(reader.principal.agency)


def sign_out(request: Request, lang: str) -> Markup:
    return Markup('<form method="post" action="/logout">{}<button type="submit">{}</button>'
                  "</form>").format(csrf_input(request), BASE_TEXTS[lang]["sign_out"])


def header(request: Request, reader: Reader, lang: str | None = None) -> dict[str, Any]:
    """The header's part of a page's context: ``account`` and ``logout``."""
    lang = lang or language(request)
    return {"account": who(reader, lang), "logout": sign_out(request, lang)}
