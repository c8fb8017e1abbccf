"""The language a signed-out reader asked for survives the way through the sign-in page, in
real headless Chromium: ``/inbox?lang=en`` (or any page) led to a Swedish sign-in page,
because the redirect to ``/login?next=…`` kept ``lang`` only inside ``next``."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import build_app, serve
from .test_browser import CHROMIUM_ARGS


@pytest.mark.integration
@pytest.mark.parametrize(("lang", "heading"), [("en", "Sign in"), ("sv", "Logga in")])
def test_sign_in_page_in_the_language_asked_for(sqlite_url: str, tmp_path: Path, lang: str,
                                                 heading: str) -> None:
    from playwright.sync_api import sync_playwright

    with serve(build_app("initiatives", sqlite_url)) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
        page.goto(f"{base}/reports/2024?lang={lang}")
        assert "/login?next=%2Freports%2F2024%3Flang%3D" in page.url
        page.screenshot(path=str(tmp_path / f"login_{lang}.png"), full_page=True)
        assert page.locator("html").get_attribute("lang") == lang
        assert page.locator("h1").inner_text() == heading
        # the switch on the sign-in page still leads back to the same page after signing in
        switch = page.locator("a.lang").get_attribute("href") or ""
        assert "next=%2Freports%2F2024" in switch
        browser.close()
