"""The e-mailed sign-in in real headless Chromium: ask for a link, read it from a real SMTP
server (aiosmtpd), open it, confirm, land signed in; English by the switch (the report's
pages too); sign out. The
screenshots are left in the test's tmp_path for a human to look at."""

from __future__ import annotations

import email
import email.policy
import re
import uuid
from pathlib import Path

import pytest
from sqlalchemy import delete

from samstat_kit.auth.models import SignInLink, User, WebSession
from samstat_kit.auth.people import add_person
from samstat_kit.db import session_factory, session_scope
from tests.notify.factory import wait_for

from .helpers import build_app, serve, smtp_server

LINK = re.compile(r"https?://\S+/login/link\?token=\S+")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.mark.integration
def test_sign_in_by_emailed_link_in_chromium(sqlite_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    address = f"karin-{uuid.uuid4().hex[:8]}@example.se"
    with session_scope(session_factory(sqlite_url)) as s:
        person = add_person(session=s, email=address, agency="forsakringskassan",
                            name="Karin Lund")
    shots = tmp_path
    try:
        with smtp_server() as (sink, port), \
                serve(build_app("initiatives", sqlite_url, smtp_port=port)) as base, \
                sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_context(viewport={"width": 1100, "height": 800}).new_page()
            errors: list[str] = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

            page.goto(f"{base}/reports")  # not signed in: to the sign-in page
            assert "/login?next=%2Freports" in page.url
            assert page.locator("h1").inner_text() == "Logga in"
            page.screenshot(path=str(shots / "1_login_sv.png"), full_page=True)
            page.fill("#email", address.upper())
            page.click("text=Skicka inloggningslänk")
            assert page.locator("h1").inner_text() == "Kolla din e-post"
            page.screenshot(path=str(shots / "2_sent.png"), full_page=True)

            # The mail goes out after the answer (a background task): wait for it.
            [raw] = wait_for(lambda: sink.to(address))
            msg = email.message_from_bytes(raw, policy=email.policy.default)
            text = msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
            link = LINK.search(text).group(0)  # type: ignore[union-attr]
            assert link.startswith(base)

            page.goto(link)
            assert page.locator("h1").inner_text() == "Bekräfta inloggningen"
            assert page.locator(".who").inner_text() == address
            page.screenshot(path=str(shots / "3_confirm.png"), full_page=True)
            page.click("button:has-text('Logga in')")
            page.wait_for_url(f"{base}/reports")
            assert page.locator("h1").inner_text() == "Uppföljningar"  # no English beside it
            assert page.locator("header.site").inner_text().count("Sign out") == 0
            page.screenshot(path=str(shots / "4_signed_in.png"), full_page=True)
            page.click("header.site a.lang")  # the report's pages switch language too
            assert page.locator("h1").inner_text() == "Follow-ups"
            assert "Sign out" in page.locator("header.site").inner_text()
            assert "Uppföljningar" not in page.locator("main").inner_text()
            page.screenshot(path=str(shots / "4_reports_en.png"), full_page=True)
            page.goto(f"{base}/reports")  # remembered
            assert page.locator("h1").inner_text() == "Follow-ups"
            page.click("header.site a.lang")
            assert page.locator("h1").inner_text() == "Uppföljningar"

            page.goto(f"{base}/login?lang=en")
            assert page.locator("h1").inner_text() == "Sign in"
            assert address in page.locator(".who").inner_text()
            page.screenshot(path=str(shots / "5_signed_in_en.png"), full_page=True)
            page.click("button:has-text('Sign out')")
            page.wait_for_url(f"{base}/login")
            page.goto(f"{base}/reports")
            assert "/login?next=" in page.url
            page.screenshot(path=str(shots / "6_signed_out_en.png"), full_page=True)
            assert not [e for e in errors if "Content Security Policy" in e], errors
            browser.close()
    finally:
        with session_scope(session_factory(sqlite_url)) as s:
            for model in (WebSession, SignInLink):
                s.execute(delete(model).where(model.user_id == person.id))
            s.execute(delete(User).where(User.id == person.id))
