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
report that is downloaded a few times; at most :data:`MAX_PARALLEL` renderings run at once.
The page is written to a private temporary directory and opened as ``file://``: it is
self-contained (no script, no external resource), so Chromium reaches no network. Chromium
runs with a fresh profile, without the background services that try to phone home, and in
its own process group, which is killed whole if it exceeds the timeout.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import threading
from pathlib import Path

MAX_PARALLEL = 2
_slots = threading.BoundedSemaphore(MAX_PARALLEL)


class PdfUnavailable(RuntimeError):
    """No Chromium binary, or it failed: the HTTP layer answers 503."""


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
             f"--user-data-dir={user_data_dir}"]
    # Chromium refuses to start its sandbox as root; containers without user namespaces
    # cannot give it one either (SAMSTAT_CHROMIUM_SANDBOX=false there).
    if not sandbox or (hasattr(os, "geteuid") and os.geteuid() == 0):
        flags.append("--no-sandbox")
    return flags


def run_chromium(binary: str, args: list[str], cwd: Path, timeout: float) -> None:
    """Run Chromium in its own process group; kill the whole group on timeout."""
    proc = subprocess.Popen([binary, *args], cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
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
    """Print ``html`` (a self-contained page) to PDF bytes. Blocking: call it in a thread."""
    binary = find_chromium(chromium)
    if binary is None:
        raise PdfUnavailable("PDF rendering needs Chromium: apt-get install -y chromium")
    with _slots, tempfile.TemporaryDirectory(prefix="samstat-pdf-") as tmp:
        work = Path(tmp)
        page = work / "report.html"
        page.write_text(html, encoding="utf-8")
        out = work / "report.pdf"
        run_chromium(binary, [*chromium_flags(str(work / "profile"), sandbox=sandbox),
                              "--no-pdf-header-footer",
                              f"--print-to-pdf={out}", page.as_uri()], work, timeout)
        data = out.read_bytes() if out.exists() else b""
    if not data.startswith(b"%PDF"):
        raise PdfUnavailable("Chromium wrote no PDF")
    return data
