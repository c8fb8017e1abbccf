"""``make screenshots``: the README tour's pictures, taken in real headless Chromium.

Starts ``samstat run`` in a temporary data directory on free ports, waits until the
follow-up report judges the plan, signs in with the admin token the supervisor prints, and
saves each page of the tour to ``docs/screenshots/``. Never part of the test suite (which
writes nothing into the repository).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

from samstat.supervisor import free_port_base, ports
from samstat_kit.broker import free_port

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
# (file, service, path, what the tour says about it)
TOUR = [
    ("1-login.png", "initiatives", "/login", "sign in"),
    ("2-report.png", "initiatives", "/reports/2024", "the board's follow-up report"),
    ("3-experience-bank.png", "initiatives", "/experience-bank", "the experience bank"),
    ("4-fye.png", "indicators", "/fye/2480", "full-year equivalents, Umeå"),
    ("5-indicator.png", "indicators",
     "/indicators/i06_transitions_to_studies_short_educated?area=2480", "one indicator"),
    ("6-inbox.png", "notify", "/inbox", "the conveners' inbox"),
    # Last: ?lang= is remembered in a cookie, and the pictures before are in Swedish.
    ("7-report-en.png", "initiatives", "/reports/2024?lang=en", "the report, in English"),
]


def _start(data_dir: Path) -> tuple[subprocess.Popen[str], dict[str, int], list[str]]:
    base = free_port_base()
    env = os.environ | {"SAMSTAT_KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}",
                        "SAMSTAT_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "samstat", "run", "--data-dir", str(data_dir), "--port-base",
         str(base), "--demo-interval", "30"], env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)

    threading.Thread(target=read, daemon=True).start()
    return proc, ports(base), lines


def _wait_judged(url: str, token: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            report = httpx.get(f"{url}/v1/plans/2024/report", timeout=30,
                               headers={"Authorization": f"Bearer {token}"}).json()
            judged = [i for i in report.get("initiatives", [])
                      if i["verdict"] in ("on_track", "off_track")]
            if len(judged) >= 10:
                return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(5)
    raise TimeoutError("the report did not judge the plan in time")


def shoot(by_name: dict[str, int], token: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="sv-SE")
        for name, service, path, _what in TOUR:
            page.goto(f"http://127.0.0.1:{by_name[service]}{path}")
            if name == "1-login.png":
                page.screenshot(path=str(out / name), full_page=True)
                # The operators' token form is folded away under the e-mailed link's.
                page.click("details summary")
                page.fill("#token", token)
                page.press("#token", "Enter")
                page.wait_for_load_state("networkidle")
                continue
            page.wait_for_load_state("networkidle")
            page.screenshot(path=str(out / name), full_page=True)
            print(f"{out / name}")
        browser.close()


def main(out: Path = OUT, timeout_s: float = 900.0) -> int:
    with tempfile.TemporaryDirectory(prefix="samstat-screenshots-") as tmp:
        proc, by_name, lines = _start(Path(tmp) / "var")
        try:
            deadline = time.monotonic() + timeout_s
            token = None
            while token is None or not any("samstat is running" in x for x in lines):
                if proc.poll() is not None or time.monotonic() > deadline:
                    sys.stderr.write("".join(lines[-30:]))
                    return 1
                token = next((m.group(1) for x in lines if (m := re.search(
                    r"admin token \(valid one day\): (\S+)", x))), None)
                time.sleep(1)
            _wait_judged(f"http://127.0.0.1:{by_name['initiatives']}", token,
                         deadline - time.monotonic())
            time.sleep(20)  # let the alerts of the last values arrive too
            shoot(by_name, token, out)
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(60)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
