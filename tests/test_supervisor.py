"""``samstat run`` itself: a fresh data directory, free ports, the real broker, services,
worker and demo as the supervisor starts them; the follow-up report judges the plan, alerts
reach the conveners' mailboxes (a real SMTP server), and SIGTERM leaves no process behind."""

from __future__ import annotations

import email
import email.policy
import html
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from samstat.components import SERVICES
from samstat.supervisor import free_port_base
from samstat_kit.broker import free_port
from tests.notify.receivers import MailSink, smtp_server

# "Within three minutes of make run"; a slower machine may set SAMSTAT_RUN_TEST_DEADLINE_S.
DEADLINE_S = float(os.environ.get("SAMSTAT_RUN_TEST_DEADLINE_S", "180"))


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (from /proc), recorded while the stack runs."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in out:
                out.add(child)
                todo.append(child)
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


class Stack:
    def __init__(self, proc: subprocess.Popen[str], base: int) -> None:
        self.proc, self.base = proc, base
        self.lines: list[str] = []
        self.admin: str | None = None
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            if m := re.search(r"admin token \(valid one day\): (\S+)", line):
                self.admin = m.group(1)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.base + list(SERVICES).index(service) + 1}"

    def get(self, service: str, path: str, **params: Any) -> Any:
        r = httpx.get(self.url(service) + path, params=params, timeout=30,
                      headers={"Authorization": f"Bearer {self.admin}"})
        r.raise_for_status()
        return r.json()


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[Stack, MailSink]]:
    base, broker_port = free_port_base(), free_port()
    with smtp_server() as (mail, smtp_port):
        env = os.environ | {
            "SAMSTAT_DATA_DIR": str(tmp_path / "var"),
            "SAMSTAT_KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{broker_port}",
            "SAMSTAT_SMTP_HOST": "127.0.0.1", "SAMSTAT_SMTP_PORT": str(smtp_port),
            "SAMSTAT_LOG_LEVEL": "WARNING",
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "samstat", "run", "--data-dir", str(tmp_path / "var"),
             "--port-base", str(base), "--demo-interval", "5"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True)
        try:
            yield Stack(proc, base), mail
        finally:
            if proc.poll() is None:  # the test failed before its own SIGTERM
                for pid in _descendants(proc.pid):
                    os.kill(pid, signal.SIGKILL)
                proc.kill()
            proc.wait(30)


def _indicator_links(content: bytes) -> set[str]:
    """The links to an indicator's page in a message's text (every part, decoded)."""
    message = email.message_from_bytes(content, policy=email.policy.default)
    texts = [part.get_content() for part in message.walk()
             if part.get_content_type() in ("text/plain", "text/html")]
    return {html.unescape(m) for text in texts
            for m in re.findall(r"http://127\.0\.0\.1:\d+/indicators/[^\s\"<>]+", text)}


def _judged(stack: Stack) -> tuple[int, dict[str, str]]:
    try:
        report = stack.get("initiatives", "/v1/plans/2024/report")
    except httpx.ConnectError:  # a component exited and the supervisor stopped the rest
        time.sleep(2)  # its own words on why, before they are read
        raise AssertionError("initiatives went away:\n" + "".join(stack.lines[-60:])) from None
    verdicts = {str(i["number"]): i["verdict"] for i in report["initiatives"]}
    return sum(v in ("on_track", "off_track") for v in verdicts.values()), verdicts


def _alerted(stack: Stack) -> set[str]:
    return {a["convener"] for a in stack.get("notify", "/v1/alerts", limit=1000)}


def test_samstat_run_judges_the_plan_and_alerts_conveners(
        stack: tuple[Stack, MailSink]) -> None:
    s, mail = stack
    started = time.monotonic()
    while s.admin is None or "samstat is running" not in "".join(s.lines):
        assert s.proc.poll() is None, "".join(s.lines[-40:])
        assert time.monotonic() - started < DEADLINE_S, "".join(s.lines[-40:])
        time.sleep(1)
    out = "".join(s.lines)
    for name in SERVICES:  # every component came up, on the ports asked for
        assert re.search(rf"{name}\s+{re.escape(s.url(name))}\s+\(up\)", out), out
    processes = _descendants(s.proc.pid)
    judged, verdicts, conveners = 0, {}, set()
    while time.monotonic() - started < DEADLINE_S:
        assert s.proc.poll() is None, "".join(s.lines[-40:])
        judged, verdicts = _judged(s)
        conveners = _alerted(s)
        if judged >= 10 and len(conveners) >= 4:
            break
        time.sleep(5)
    assert judged >= 10, verdicts
    assert {"on_track", "off_track"} <= set(verdicts.values()), verdicts
    assert len(conveners) >= 4, conveners
    processes |= _descendants(s.proc.pid)
    # The alerts went out to the conveners' role mailboxes (the registry's contacts).
    deadline = time.monotonic() + 60
    while len({r for rcpts, _ in mail.messages for r in rcpts}) < 4:
        assert time.monotonic() < deadline, mail.messages[:3]
        time.sleep(2)
    # Their links to the indicator's page open it, on the indicators service's port.
    pages = {link for _, content in mail.messages for link in _indicator_links(content)}
    assert pages, mail.messages[:1]
    for link in sorted(pages)[:5]:
        assert link.startswith(s.url("indicators") + "/indicators/"), link
        r = httpx.get(link, timeout=30, headers={"Authorization": f"Bearer {s.admin}"})
        assert r.status_code == 200, (link, r.status_code)
    s.proc.send_signal(signal.SIGTERM)
    assert s.proc.wait(60) == 0
    time.sleep(1)
    assert [p for p in processes if _alive(p)] == []


def test_ports_for_new_processes_are_outside_the_ephemeral_range() -> None:
    """A port picked for a process about to start is one no outgoing connection can take
    in the meantime (the kernel gives those ports from its ephemeral range), and is free."""
    import socket

    from samstat_kit.broker import _ephemeral_low

    low = _ephemeral_low()
    for _ in range(20):
        port = free_port()
        assert 1024 < port < low
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))
    assert len({free_port() for _ in range(20)}) > 10  # drawn at random, not one by one


def test_port_base_moves_the_workers_metrics_port_too(monkeypatch: pytest.MonkeyPatch,
                                                      tmp_path: Path) -> None:
    """``--port-base`` moved the services and the mail server but not the worker's metrics,
    fixed at 6066 (services/indicators/config.py): a second stack's worker could not bind it.
    Now base+6; without a base 6066 as before; a port named in the environment is kept."""
    from samstat.supervisor import _environment, ports, worker_metrics_port
    from samstat_kit.settings import KitSettings
    from services.indicators.config import IndicatorsSettings

    monkeypatch.delenv("SAMSTAT_WORKER_WEB_PORT", raising=False)
    settings = KitSettings(data_dir=tmp_path)
    assert worker_metrics_port(None) == IndicatorsSettings().worker_web_port == 6066
    assert worker_metrics_port(20000) == 20006
    assert worker_metrics_port(20000) not in {*ports(20000).values(), 20005}  # mail: +5
    env = _environment(settings, ports(20000), port_base=20000)
    assert env["SAMSTAT_WORKER_WEB_PORT"] == "20006"
    monkeypatch.setenv("SAMSTAT_WORKER_WEB_PORT", env["SAMSTAT_WORKER_WEB_PORT"])
    assert IndicatorsSettings().worker_web_port == 20006  # what the worker process reads
    monkeypatch.delenv("SAMSTAT_WORKER_WEB_PORT")
    assert "SAMSTAT_WORKER_WEB_PORT" not in _environment(settings, ports(None))
    monkeypatch.setenv("SAMSTAT_WORKER_WEB_PORT", "7777")
    assert _environment(settings, ports(20000), port_base=20000)[
        "SAMSTAT_WORKER_WEB_PORT"] == "7777"
    # a free base has room for all of them
    base = free_port_base()
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", worker_metrics_port(base)))
