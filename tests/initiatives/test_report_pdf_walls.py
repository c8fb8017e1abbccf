"""The PDF renderer reaches no network, even if markup from a user ever slipped into the page.

Red team: Chromium prints the report from a ``file://`` page, and fetched whatever that page
named: an ``<img>`` or a stylesheet pointing at an internal address would have been requested
from the server's network (SSRF). Two walls now stand, each tested alone with a real
Chromium and a real HTTP server on the loopback that counts what reaches it; a control
without either wall shows the server would have been reached.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from services.initiatives.report.pdf import (
    chromium_flags,
    find_chromium,
    html_to_pdf,
    run_chromium,
    with_policy,
)
from tests.notify.receivers import WebhookReceiver, webhook_receiver

pytestmark = pytest.mark.integration


@pytest.fixture
def server() -> Iterator[WebhookReceiver]:
    """A server on the loopback that records what is asked of it (the delivery tests')."""
    with webhook_receiver() as receiver:
        yield receiver


def _hostile(port: int) -> str:
    base = f"http://127.0.0.1:{port}"
    return ("<!doctype html><html lang=sv><head><title>t</title>"
            f'<link rel="stylesheet" href="{base}/link.css">'
            f"<style>@import url({base}/import.css); "
            f"body {{ background: url(http://localhost:{port}/by-name.png) }}</style></head>"
            f'<body><p>Rapport</p><img src="{base}/img.png">'
            f'<iframe src="{base}/frame"></iframe><object data="{base}/object"></object>'
            "</body></html>")


def _binary() -> str:
    binary = find_chromium("chromium")
    if binary is None:
        pytest.skip("no Chromium binary (Debian: apt-get install -y chromium)")
    return binary


def _print(binary: str, html: str, tmp_path: Path, flags: list[str]) -> None:
    page = tmp_path / "page.html"
    page.write_text(html, encoding="utf-8")
    run_chromium(binary, [*flags, f"--print-to-pdf={tmp_path / 'out.pdf'}", page.as_uri()],
                 tmp_path, timeout=60)


def _without_network_flags(tmp_path: Path) -> list[str]:
    return [f for f in chromium_flags(str(tmp_path / "profile"))
            if not f.startswith(("--proxy", "--host-resolver"))]


def test_the_printed_report_requests_nothing(server: WebhookReceiver) -> None:
    _binary()
    pdf = html_to_pdf(_hostile(server.port))
    assert pdf.startswith(b"%PDF")
    assert server.hits == []


def test_the_flags_alone_keep_chromium_off_the_network(server: WebhookReceiver,
                                                       tmp_path: Path) -> None:
    _print(_binary(), _hostile(server.port), tmp_path, chromium_flags(str(tmp_path / "profile")))
    assert server.hits == []


def test_the_policy_alone_keeps_the_page_from_asking(server: WebhookReceiver,
                                                     tmp_path: Path) -> None:
    _print(_binary(), with_policy(_hostile(server.port)), tmp_path,
           _without_network_flags(tmp_path))
    assert server.hits == []


def test_without_either_wall_the_server_is_reached(server: WebhookReceiver,
                                                   tmp_path: Path) -> None:
    # The control: the hostile page and the server are real, so the two tests above could
    # fail.
    _print(_binary(), _hostile(server.port), tmp_path, _without_network_flags(tmp_path))
    assert server.on("/img.png") and server.on("/link.css")


def test_the_policy_is_the_first_element_whatever_comes_before_the_head() -> None:
    # Searched as "<head", it once could have landed in a comment or an attribute.
    meta = '<meta http-equiv="Content-Security-Policy"'
    assert with_policy("<!DOCTYPE html>\n<html><head>").startswith("<!DOCTYPE html>" + meta)
    assert with_policy("<!-- <head> --><html><head>").startswith(meta)
    assert with_policy('<html data-x="<head>"><head>').startswith(meta)
    assert with_policy("<p>no head</p>").startswith(meta)


@pytest.mark.parametrize("decoy", ["<!-- <head> -->", '<span title="<head>"></span>'])
def test_a_decoy_head_does_not_move_the_policy(decoy: str, server: WebhookReceiver,
                                               tmp_path: Path) -> None:
    html = _hostile(server.port).replace("<!doctype html>", "<!doctype html>" + decoy, 1)
    _print(_binary(), with_policy(html), tmp_path, _without_network_flags(tmp_path))
    assert server.hits == []


def test_chromium_gets_none_of_the_services_secrets(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # The service's environment holds the database URL and tokens; Chromium's own /proc
    # environ, which a page navigated to file:///proc/self/environ could show, holds none.
    monkeypatch.setenv("SAMSTAT_DATABASE_URL", "postgresql://samstat:s3cret@db/samstat")
    script = tmp_path / "fake-chromium"
    script.write_text("#!/bin/sh\nenv > \"$PWD/env.txt\"\n", encoding="utf-8")
    script.chmod(0o755)
    run_chromium(str(script), [], tmp_path, timeout=10)
    seen = (tmp_path / "env.txt").read_text(encoding="utf-8")
    assert "s3cret" not in seen and "SAMSTAT_" not in seen
    assert "PATH=" in seen
