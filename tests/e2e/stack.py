"""The real exchange as child processes: the four services and the indicators worker, on the
test session's broker and a database of the test's own. Components can be killed and restarted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from samstat.components import SERVICES
from samstat_kit.broker import free_port


@dataclass
class Stack:
    db_url: str
    bootstrap: str
    log_dir: Path
    prefix: str = field(default_factory=lambda: "e2e" + uuid.uuid4().hex[:8])
    ports: dict[str, int] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    log_start: dict[str, int] = field(default_factory=dict)  # a log's size at each start
    last_diff: Any = None  # what the last wait_for condition saw, for failure messages
    extra_env: dict[str, str] = field(default_factory=dict)  # a test's own settings

    def env(self) -> dict[str, str]:
        return os.environ | {
            "SAMSTAT_DATABASE_URL": self.db_url,
            "SAMSTAT_DATA_DIR": str(self.log_dir),
            "SAMSTAT_KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "SAMSTAT_KAFKA_TOPIC_PREFIX": self.prefix,
            "SAMSTAT_KAFKA_REBALANCE_TIMEOUT_MS": "3000",
            "SAMSTAT_KAFKA_SESSION_TIMEOUT_MS": "6000",
            "SAMSTAT_WORKER_WEB_PORT": str(self.ports.setdefault("worker", free_port())),
            "SAMSTAT_PUBLIC_BASE_URL": f"http://127.0.0.1:{self.port('indicators')}",
            "SAMSTAT_LOG_LEVEL": "INFO",
            # Fault tests take the broker away: give up on a send sooner than production does.
            "SAMSTAT_RELAY_SEND_TIMEOUT_SECONDS": "8",
        } | self.extra_env

    def port(self, name: str) -> int:
        return self.ports.setdefault(name, free_port())

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port(name)}"

    @staticmethod
    def python_cli() -> list[str]:
        return [sys.executable, "-m", "samstat"]

    def start(self, name: str) -> None:
        """Start a component; a name with a number ("ingest2", "worker2") is one more
        replica of it, on its own port, with its own log."""
        worker = name.startswith("worker")
        service = name.rstrip("0123456789")
        args = ["worker"] if worker else ["serve", service, "--port", str(self.port(name))]
        env = self.env()
        if worker:  # several workers may run side by side: each its own metrics port
            env["SAMSTAT_WORKER_WEB_PORT"] = str(self.port(name))
        if worker and name != "worker":  # and its own local state (a rocksdb store locks it)
            env["SAMSTAT_DATA_DIR"] = str(self.log_dir / name)
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115
        self.log_start[name] = log.tell()  # exit_reason reads this run's part only
        self.procs[name] = subprocess.Popen([sys.executable, "-m", "samstat", *args],
                                            env=env, stdout=log, stderr=log)
        self._note(f"started {name} pid {self.procs[name].pid}")
        if not worker:
            self.wait_healthy(name)

    def start_all(self) -> None:
        for name in SERVICES:
            self.start(name)
        self.start("worker")

    def wait_healthy(self, name: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            proc = self.procs[name]
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited: {self.log(name)[-3000:]}")
            try:
                if httpx.get(self.url(name) + "/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise TimeoutError(f"{name} never became healthy: {self.log(name)[-3000:]}")

    def stop(self, name: str, *, kill: bool = False) -> None:
        proc = self.procs.pop(name, None)
        self._note(f"stop {name} kill={kill} pid {proc and proc.pid} rc {proc and proc.poll()}")
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.stop(name)

    def _note(self, line: str) -> None:
        with open(self.log_dir / "stack.log", "a") as f:
            f.write(f"{time.strftime('%H:%M:%S')} {line}\n")

    def log(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def wait_for(self, fn: Any, timeout: float = 60, interval: float = 0.5,
                 supervised: frozenset[str] = frozenset()) -> Any:
        """Poll ``fn`` until it returns something truthy. A component that exits fails it at
        once, with the reason; one named in ``supervised`` is started again once instead, as
        Kubernetes would, with a warning that carries the reason."""
        deadline = time.monotonic() + timeout
        last: Any = None
        restarted: set[str] = set()
        while time.monotonic() < deadline:
            last = fn()
            if last:
                return last
            for name, proc in list(self.procs.items()):
                if proc.poll() is None:
                    continue
                reason = self.exit_reason(name)
                if name not in supervised or name in restarted:
                    raise RuntimeError(f"{name} exited: {reason}")
                warnings.warn(f"{name} exited and was started again: {reason}", stacklevel=2)
                restarted.add(name)
                self.start(name)
            time.sleep(interval)
        raise TimeoutError(f"condition not met in {timeout}s (last: {last!r}, "
                           f"details: {self.last_diff!r}){self.complaints()}")

    def exit_reason(self, name: str) -> str:
        """The first error of a log that ended, and its last lines: faust logs a crash's cause
        long before the minutes of shutdown lines that end the log, and CI keeps no logs."""
        path = self.log_dir / f"{name}.log"
        raw = path.read_bytes() if path.exists() else b""
        out = raw[self.log_start.get(name, 0):].decode(errors="replace")
        # A traceback before a logged error: a handled one (a broker not up yet) is no cause.
        at = next((i for i in (out.find("Traceback"), out.find("[ERROR]")) if i >= 0), -1)
        first = out[at:at + 4000] if at >= 0 else ""
        return f"{first}\n[...]\n{out[-1500:]}"

    def complaints(self, per_log: int = 8) -> str:
        """The last warnings and errors of every component's log (CI keeps no logs)."""
        out = []
        for path in sorted(self.log_dir.glob("*.log")):
            lines = [line for line in path.read_text(errors="replace").splitlines()
                     if "[WARNING]" in line or "[ERROR]" in line or "Traceback" in line]
            out += [f"{path.name}: {line[:300]}" for line in lines[-per_log:]]
        return "\n" + "\n".join(out) if out else ""
