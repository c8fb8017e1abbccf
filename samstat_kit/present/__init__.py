"""The presentation kit: one look, one language switch and one way of writing numbers for
every samstat page.

* :class:`Presenter` - a Jinja2 environment (autoescape on, undefined names fail loudly) over
  the service's own template folder and the kit's ``base.html``; ``render`` answers an
  :class:`~fastapi.responses.HTMLResponse` in the reader's language.
* Language: Swedish first. ``?lang=en`` (or ``?lang=sv``) on any page switches and is
  remembered in the ``samstat_lang`` cookie; the base template links to the other language.
  Each page brings its words as a small dict per language (``{"sv": {...}, "en": {...}}``),
  shown in the template as ``{{ t.key }}``; :func:`check_texts` (use it in a unit test)
  says which keys a language lacks.
* Formatting (:mod:`~samstat_kit.present.formatting`, Babel): as template filters that know
  the page's language - ``{{ x|number }}`` "12 345", ``{{ share|percent }}`` "12,2 %",
  ``{{ d|points }}`` "+1,6 procentenheter", ``{{ v|value(unit) }}``, ``{{ d|change(unit) }}``,
  ``{{ day|date }}`` "4 december 2026", ``{{ ts|datetime }}``.
* Charts (:mod:`~samstat_kit.present.charts`): ``line_chart(points, marked=..., title=...)``
  returns escaped SVG markup to put in a template as ``{{ chart }}``.
* Style: ``static/present.css``, served by :func:`install` at ``/static/samstat/present.css``
  (a file, not inline styles, so the Content-Security-Policy can forbid inline code).

Use in a service::

    from samstat_kit import present

    PAGES = present.Presenter(Path(__file__).parent / "templates")
    TEXTS = {"sv": {"title": "Inkorg"}, "en": {"title": "Inbox"}}

    present.install(app)                                   # once, in create_app

    @router.get("/inbox")
    def inbox(request: Request) -> Response:
        return PAGES.render(request, "inbox.html", texts=TEXTS, title_key="title", rows=rows)

A template extends the base::

    {% extends "base.html" %}
    {% block main %}<h1>{{ t.title }}</h1>{{ chart }}{% endblock %}

The base shows ``t[title_key]`` in the header and ``<title>``; optional context:
``account`` (a name to show) and ``logout`` (markup of a sign-out form, CSRF input included).
A page with ``logout`` also gets the bar linking the services (:mod:`.nav`; pass
``services_nav=[]`` to leave it out, or a list of :class:`~.nav.NavLink` of your own).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, pass_context
from jinja2.runtime import Context

from samstat_kit.auth.hardening import nonce, secure_request
from samstat_kit.present import charts, formatting, nav
from samstat_kit.present.charts import Reference, line_chart

__all__ = [
    "LANGUAGES",
    "LANG_COOKIE",
    "Presenter",
    "Reference",
    "Texts",
    "charts",
    "check_texts",
    "formatting",
    "install",
    "language",
    "line_chart",
    "other_language",
    "remember",
    "url_in",
]

HERE = Path(__file__).parent
LANGUAGES = ("sv", "en")
# A page or answer for one signed-in reader: kept by no cache, shared or the browser's.
PRIVATE = {"Cache-Control": "private, no-store"}
LANG_COOKIE = "samstat_lang"
STATIC_PATH = "/static/samstat"
Texts = Mapping[str, Mapping[str, str]]
"""A page's words: ``{"sv": {"key": "..."}, "en": {"key": "..."}}``."""

BASE_TEXTS: Texts = {
    "sv": {"samstat": "samstat", "tagline": "Samordningsförbundets statistik",
           "switch": "English", "switch_lang": "en", "skip": "Hoppa till innehållet",
           "sign_out": "Logga ut", "services": "Sidor i samstat",
           "footer": "samstat · statistik för samverkan inom Finsam"},
    "en": {"samstat": "samstat", "tagline": "The coordination association's statistics",
           "switch": "Svenska", "switch_lang": "sv", "skip": "Skip to content",
           "sign_out": "Sign out", "services": "samstat's pages",
           "footer": "samstat · statistics for Finsam collaboration"},
}


def language(request: Request) -> str:
    """``?lang=`` if it names a language, else the cookie, else Swedish."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked
    kept = request.cookies.get(LANG_COOKIE)
    return kept if kept in LANGUAGES else "sv"


def check_texts(texts: Texts) -> dict[str, set[str]]:
    """Keys some language has and another lacks, per language (empty: complete)."""
    every = set().union(*(set(t) for t in texts.values()))
    return {lang: missing for lang in LANGUAGES
            if (missing := every - set(texts.get(lang, {})))}


def url_in(request: Request, lang: str) -> str:
    """This page's address in ``lang`` (the language switch's link). Its path begins with
    one slash: a path of ``//evil.example/x`` (sent as ``/%2F/…`` or with a tab, which the
    URL parser drops) is another site's address to a browser, and the switch of a page not
    found there led off the site (a red team)."""
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
    path = "/" + request.url.path.lstrip("/\\")
    return path + "?" + urlencode([*query, ("lang", lang)])


def other_language(lang: str) -> str:
    return BASE_TEXTS[lang]["switch_lang"]


def remember(request: Request, response: Response) -> None:
    """Keep a language asked for by ``?lang=`` in the cookie, for the reader's next pages."""
    lang = request.query_params.get("lang")
    if lang in LANGUAGES:
        # Secure whenever the session's cookie is (behind TLS, in production): the one
        # cookie without it could be set or read by anyone on the network path.
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, path="/",
                            samesite="lax", httponly=True, secure=secure_request(request))


def _filter(fn: Any) -> Any:
    @pass_context
    def apply(ctx: Context, value: Any, *args: Any) -> str:
        return str(fn(value, *args, lang=ctx.get("lang", "sv")))
    return apply


def _value(x: float | None, unit: str | None = None, decimals: int | None = None, *,
           lang: str) -> str:
    return formatting.value(x, unit, lang, decimals=decimals)


def _change(x: float | None, unit: str | None = None, *, lang: str) -> str:
    return formatting.change(x, unit, lang)


def environment(*folders: Path) -> Environment:
    """Jinja2 over ``folders`` (first match wins) and the kit's templates, with the filters."""
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader([str(f) for f in folders]),
                             FileSystemLoader(str(HERE / "templates"))]),
        autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    env.filters.update(
        number=_filter(lambda v, decimals=None, lang="sv": formatting.number(v, lang, decimals)),
        percent=_filter(lambda v, decimals=1, lang="sv": formatting.percent(v, lang, decimals)),
        points=_filter(lambda v, decimals=1, lang="sv": formatting.points(v, lang, decimals)),
        value=_filter(_value), change=_filter(_change),
        date=_filter(lambda v, lang="sv": formatting.date(v, lang)),
        datetime=_filter(lambda v, lang="sv": formatting.datetime(v, lang)),
        period=_filter(lambda v, lang="sv": formatting.period(v, lang)),
    )
    return env


class Presenter:
    """Renders one service's pages (its template folder first, then the kit's)."""

    def __init__(self, *folders: Path) -> None:
        self.env = environment(*folders)

    def render(self, request: Request, template: str, /, *, texts: Texts | None = None,
               title_key: str = "title", status: int = 200,
               headers: Mapping[str, str] | None = None, switch_url: str | None = None,
               **context: Any) -> HTMLResponse:
        lang = language(request)
        words = {**BASE_TEXTS[lang], **(texts or {}).get(lang, {})}
        services_nav = self._services_nav(request, lang, context)
        # A page's own <style> block carries the request's CSP nonce: the policy allows no
        # other inline style (an injected one could restyle the page or read it by selectors).
        context.setdefault("nonce", nonce(request))
        page = self.env.get_template(template).render(
            request=request, lang=lang, t=words, title=words.get(title_key, ""),
            switch_url=switch_url or url_in(request, other_language(lang)),
            stylesheet=f"{STATIC_PATH}/present.css",
            account=context.pop("account", None), logout=context.pop("logout", None),
            services_nav=services_nav, **context)
        response = HTMLResponse(page, status_code=status, headers=dict(headers or {}))
        remember(request, response)
        return response

    @staticmethod
    def _services_nav(request: Request, lang: str, context: dict[str, Any]
                      ) -> list[nav.NavLink]:
        """The links to the services (``services_nav=[]`` leaves them out); a page for a
        signed-in reader (one with a sign-out form) gets them by default."""
        if "services_nav" in context:
            return list(context.pop("services_nav") or [])
        if context.get("logout") is None:
            return []
        return nav.links(request.url.path, lang)

    def string(self, template: str, /, *, lang: str, texts: Texts | None = None,
               **context: Any) -> str:
        """A template rendered outside a request (e-mail bodies) in ``lang``."""
        words = {**BASE_TEXTS.get(lang, BASE_TEXTS["sv"]), **(texts or {}).get(lang, {})}
        context.setdefault("nonce", "")  # no policy outside a response (a printed report)
        return self.env.get_template(template).render(lang=lang, t=words, **context)


def install(app: FastAPI) -> None:
    """Serve the kit's stylesheet at ``/static/samstat/present.css`` (once per app)."""
    if not any(getattr(r, "path", None) == STATIC_PATH for r in app.routes):
        app.mount(STATIC_PATH, StaticFiles(directory=HERE / "static"), name="samstat-static")
