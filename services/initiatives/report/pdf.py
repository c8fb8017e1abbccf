"""The report as PDF: the HTML page printed by headless Chromium (Debian package ``chromium``).

Why Chromium and not WeasyPrint:

* **One engine, one look.** The board reads the same HTML in a browser; Chromium prints
  exactly that page (same CSS, fonts, inline SVG), with ``@page``/``@media print`` rules. A
  second renderer would need its own testing for layout differences.
* **One system dependency for two needs.** The tests already need a real browser to
  screenshot the page, so Chromium is installed anyway; WeasyPrint would add a PyPI package
  plus Pango/HarfBuzz system libraries for the PDF alone.
* **Well kept, from Debian.** ``apt-get install chromium`` gets security updates with the OS;
  nothing downloads a browser build of its own (as Playwright's installer would).

The cost — about a second and some hundred MB of memory per PDF — is acceptable for a yearly
report that is downloaded a few times; at most :data:`MAX_PARALLEL` renderings run at once
(:data:`RENDERERS`). A request waits for one of them on the event loop, a second or two at
most, never in a thread of the pool: it once waited there, and some forty PDF requests of one
signed-in user took every thread while two rendered, so every other page of the service
waited with them. One that gets none in time is answered 503 with Retry-After.
The page is written to a private temporary directory and opened as ``file://``: it is
self-contained (no script, no external resource). Should text from a user ever slip into it
as markup, two walls still keep Chromium off every network and every other file (a renderer
that fetches what a page names is an SSRF waiting to happen): the document carries a
Content-Security-Policy that allows only ``data:`` and inline styles (:data:`POLICY`), and
Chromium runs behind a proxy that does not exist, with the loopback not exempted and every
host name unresolvable (:func:`chromium_flags`). Chromium runs with a fresh profile, without
the background services that try to phone home, and in its own process group, which is
killed whole if it exceeds the timeout.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio

MAX_PARALLEL = 2
# Nothing but the document itself: its inline and data: styles, data: images and fonts.
POLICY = ("default-src 'none'; style-src 'unsafe-inline' data:; img-src data:; "
          "font-src data:; base-uri 'none'; form-action 'none'")
_DOCTYPE = re.compile(r"\s*<!doctype[^>]*>", re.IGNORECASE)
# What a request that found every renderer busy is told to wait (about a few renderings).
RETRY_AFTER_SECONDS = 5


class PdfUnavailable(RuntimeError):
    """No Chromium binary, or it failed: the HTTP layer answers 503."""


class RenderersBusy(RuntimeError):
    """Every renderer stayed busy for as long as a request may wait: 503 with Retry-After."""


class Renderers:
    """At most ``n`` renderings at once in this process. :meth:`slot` waits for one on the
    event loop, polling a semaphore that is never waited on in a thread: a waiting request
    holds no thread of the pool. (A thread's semaphore, since unlike an ``asyncio.Semaphore``
    it belongs to no event loop: a TestClient outside ``with`` runs a loop per request.)"""

    POLL_SECONDS = 0.05

    def __init__(self, n: int) -> None:
        self._free = threading.BoundedSemaphore(n)

    @asynccontextmanager
    async def slot(self, wait: float) -> AsyncIterator[None]:
        """Hold a renderer for the block; :class:`RenderersBusy` if none frees within
        ``wait`` seconds. Given back when the block ends: a rendering in a thread is awaited
        shielded (``run_in_threadpool``), so even a cancelled request gives its renderer back
        only once Chromium is done."""
        deadline = time.monotonic() + wait
        while not self._free.acquire(blocking=False):
            left = deadline - time.monotonic()
            if left <= 0:
                raise RenderersBusy(f"all {MAX_PARALLEL} PDF renderers busy")
            await anyio.sleep(min(self.POLL_SECONDS, left))
        try:
            yield
        finally:
            self._free.release()


RENDERERS = Renderers(MAX_PARALLEL)


def find_chromium(configured: str) -> str | None:
    """The configured binary (name or path), else the usual Debian/Ubuntu names."""
    for name in (configured, "chromium", "chromium-browser", "google-chrome"):
        if name and (found := shutil.which(name)):
            return found
    return None


def chromium_flags(user_data_dir: str, *, sandbox: bool = True) -> list[str]:
    flags = ["--headless", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--disable-default-apps", "--mute-audio",
             # No network even if a page asked: every request goes to a proxy on port 1,
             # where nothing listens, the loopback included ("<-loopback>" takes away its
             # implicit exemption), and no host name resolves.
             "--proxy-server=http://127.0.0.1:1", "--proxy-bypass-list=<-loopback>",
             "--host-resolver-rules=MAP * ~NOTFOUND",
             f"--user-data-dir={user_data_dir}"]
    # Chromium refuses to start its sandbox as root; containers without user namespaces
    # cannot give it one either (SAMSTAT_CHROMIUM_SANDBOX=false there).
    if not sandbox or (hasattr(os, "geteuid") and os.geteuid() == 0):
        flags.append("--no-sandbox")
    return flags


def run_chromium(binary: str, args: list[str], cwd: Path, timeout: float) -> None:
    """Run Chromium in its own process group; kill the whole group on timeout."""
    # The service's environment holds its secrets (the database URL, tokens); Chromium
    # needs none of them, and a page it shows should find none in its own /proc. TMPDIR
    # stays the system's: Chromium puts its sockets there, and a socket's path has at most
    # 107 bytes (a deep working directory made it abort).
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(cwd),
           "LANG": "C.UTF-8"}
    if "TMPDIR" in os.environ:
        env["TMPDIR"] = os.environ["TMPDIR"]
    proc = subprocess.Popen([binary, *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True, env=env)
    try:
        _out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        raise PdfUnavailable(f"Chromium did not finish within {timeout:.0f} s") from None
    if proc.returncode != 0:
        tail = err.decode(errors="replace").strip().splitlines()[-3:]
        raise PdfUnavailable(f"Chromium exited with {proc.returncode}: {' '.join(tail)}")


def html_to_pdf(html: str, *, chromium: str = "chromium", timeout: float = 60.0,
                sandbox: bool = True) -> bytes:
    """Print ``html`` (a self-contained page) to PDF bytes. Blocking: call it in a thread,
    holding one of :data:`RENDERERS` (the service does)."""
    binary = find_chromium(chromium)
    if binary is None:
        raise PdfUnavailable("PDF rendering needs Chromium: apt-get install -y chromium")
    with tempfile.TemporaryDirectory(prefix="samstat-pdf-") as tmp:
        work = Path(tmp)
        page = work / "report.html"
        page.write_text(with_policy(html), encoding="utf-8")
        out = work / "report.pdf"
        run_chromium(binary, [*chromium_flags(str(work / "profile"), sandbox=sandbox),
                              "--no-pdf-header-footer",
                              f"--print-to-pdf={out}", page.as_uri()], work, timeout)
        data = out.read_bytes() if out.exists() else b""
    if not data.startswith(b"%PDF"):
        raise PdfUnavailable("Chromium wrote no PDF")
    return data


def with_policy(html: str) -> str:
    """``html`` with :data:`POLICY` as its first element, straight after the doctype (a
    policy in a meta element binds only what comes after it). Not searched for ``<head>``:
    that text can stand in a comment or an attribute first. A meta before ``<html>`` opens
    the head by the HTML parser's own rules, and ``<html lang>`` after it still gives the
    page its language."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">'
    found = _DOCTYPE.match(html)
    at = found.end() if found else 0
    return html[:at] + meta + html[at:]
