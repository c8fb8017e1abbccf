"""The sign-in pages and the sign-in e-mail, in the presentation kit's look
(:mod:`samstat_kit.present`: its base template, ``?lang=en`` switch and stylesheet), Swedish
first. The e-mail is rendered here with autoescape for its HTML part only (the plain-text
part is not HTML)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from samstat_kit import present
from samstat_kit.auth import hardening

HERE = Path(__file__).parent / "templates"
PAGES = present.Presenter(HERE)
MAIL = Environment(loader=FileSystemLoader(str(HERE)), autoescape=select_autoescape(("html",)),
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)

TEXTS: Mapping[str, Mapping[str, str]] = {
    "sv": {
        "title": "Logga in",
        "lead": "Logga in för att se statistiken och dina larm.",
        "email_label": "Din e-postadress", "email_button": "Skicka inloggningslänk",
        "email_help": "Vi skickar en länk som loggar in dig. Den gäller i {minutes} minuter "
                      "och kan användas en gång.",
        "oidc_button": "Logga in med organisationens konto",
        "or": "eller",
        "token_summary": "För operatörer: logga in med token",
        "token_label": "Token", "token_button": "Logga in med token",
        "signed_in_as": "Du är inloggad som", "continue": "Fortsätt",
        "sent_title": "Kolla din e-post",
        "sent_body": "Om adressen hör till ett konto hos samstat har vi skickat en "
                     "inloggningslänk till den. Länken gäller i {minutes} minuter.",
        "sent_again": "Fick du inget? Kontrollera skräpposten eller försök igen.",
        "confirm_title": "Bekräfta inloggningen",
        "confirm_body": "Logga in på samstat som",
        "confirm_button": "Logga in",
        "invalid_title": "Länken gäller inte längre",
        "invalid_body": "Inloggningslänken är redan använd, har gått ut eller är felaktig. "
                        "Be om en ny.",
        "new_link": "Be om en ny länk",
        "mail_subject": "Din inloggningslänk till samstat",
        "mail_intro": "Hej {name}! Klicka på länken för att logga in på samstat:",
        "mail_expiry": "Länken gäller i {minutes} minuter och kan användas en gång.",
        "mail_ignore": "Bad du inte om att logga in kan du strunta i det här "
                       "meddelandet.",
        "error_invalid_token": "Ogiltig, utgången eller återkallad token.",
        "error_cross_site": "Formuläret kom från en annan webbplats eller är för gammalt. "
                            "Ladda om sidan och försök igen.",
        "error_form": "Formuläret kom inte fram rätt.",
        "confirm_logout": "Vill du logga ut? Bekräfta med knappen nedan.",
        "error_too_large": "För mycket data.",
        "error_email": "Skriv en giltig e-postadress.",
        "error_oidc": "Inloggningen via organisationens konto misslyckades. Försök igen.",
        "error_no_person": "Kontot finns inte hos samstat eller är avstängt. Kontakta "
                           "samstats operatör.",
    },
    "en": {
        "title": "Sign in",
        "lead": "Sign in to see the statistics and your alerts.",
        "email_label": "Your e-mail address", "email_button": "Send sign-in link",
        "email_help": "We send a link that signs you in. It is valid for {minutes} minutes "
                      "and works once.",
        "oidc_button": "Sign in with your organisation's account",
        "or": "or",
        "token_summary": "For operators: sign in with a token",
        "token_label": "Token", "token_button": "Sign in with token",
        "signed_in_as": "You are signed in as", "continue": "Continue",
        "sent_title": "Check your e-mail",
        "sent_body": "If the address belongs to a samstat account, we have sent a sign-in "
                     "link to it. The link is valid for {minutes} minutes.",
        "sent_again": "Nothing arrived? Check your spam folder or try again.",
        "confirm_title": "Confirm sign-in",
        "confirm_body": "Sign in to samstat as",
        "confirm_button": "Sign in",
        "invalid_title": "This link is no longer valid",
        "invalid_body": "The sign-in link has been used, has expired or is wrong. Ask for a "
                        "new one.",
        "new_link": "Ask for a new link",
        "mail_subject": "Your samstat sign-in link",
        "mail_intro": "Hello {name}! Follow this link to sign in to samstat:",
        "mail_expiry": "The link is valid for {minutes} minutes and works once.",
        "mail_ignore": "If you did not ask to sign in, you can ignore this message.",
        "error_invalid_token": "Invalid, expired or revoked token.",
        "error_cross_site": "The form came from another site or is too old. Reload the page "
                            "and try again.",
        "error_form": "Unexpected form encoding.",
        "confirm_logout": "Do you want to sign out? Confirm with the button below.",
        "error_too_large": "Too much data.",
        "error_email": "Enter a valid e-mail address.",
        "error_oidc": "Signing in with your organisation's account failed. Try again.",
        "error_no_person": "There is no active samstat account for you. Contact the samstat "
                           "operator.",
    },
}


def language(request: Request) -> str:
    return present.language(request)


def texts(lang: str) -> Mapping[str, str]:
    return TEXTS[lang if lang in TEXTS else "sv"]


def render(request: Request, template: str, *, title_key: str = "title", status: int = 200,
           **context: Any) -> HTMLResponse:
    """A sign-in page in the reader's language, never cached."""
    from samstat_kit.web import csrf_input  # web builds on this module

    return PAGES.render(request, template, texts=TEXTS, title_key=title_key, status=status,
                        headers=present.PRIVATE, csrf=csrf_input(request),
                        nonce=hardening.nonce(request), **context)


def mail_bodies(lang: str, *, name: str, link: str, minutes: int) -> tuple[str, str, str]:
    """Subject, plain text and HTML of the sign-in e-mail."""
    words = texts(lang)
    context = {"t": words, "name": name, "link": link, "minutes": minutes, "lang": lang}
    return (words["mail_subject"], MAIL.get_template("mail.txt").render(context),
            MAIL.get_template("mail.html").render(context))
