"""The real image, built by ``make image`` (buildah), run under podman.

Runs only when ``SAMSTAT_IMAGE_TESTS=1`` (``make image-test`` sets it): it needs root, podman,
runc and the built images, and takes a few minutes. Every role's command starts from the
image as uid 10001 with a read-only root filesystem; then a small stack of containers
(broker, ingest, worker, notify, indicators on the host's loopback, PostgreSQL of the machine)
carries observations to an alert.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from samstat_kit.broker import free_port

pytestmark = pytest.mark.skipif(
    os.environ.get("SAMSTAT_IMAGE_TESTS") != "1",
    reason="the image tests need root, podman and the built image: make image image-test "
           "(or SAMSTAT_IMAGE_TESTS=1)")

IMAGE = os.environ.get("SAMSTAT_IMAGE", "localhost/samstat:latest")
REPORT_IMAGE = os.environ.get("SAMSTAT_REPORT_IMAGE",
                              IMAGE.rsplit(":", 1)[0] + "-report:" + IMAGE.rsplit(":", 1)[1])
# cgroupfs and runc: crun fails on this kind of machine on rlimits and hybrid cgroups.
PODMAN = ["podman", "--cgroup-manager", "cgroupfs", "--events-backend", "file",
          "--runtime", "runc"]
# As Kubernetes runs it: the image's own user, nothing writable but a scratch /tmp.
RUN = [*PODMAN, "run", "--rm", "--read-only", "--tmpfs", "/tmp:rw,size=512m",
       "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=4096:4096"]


def podman_run(*args: str, image: str = IMAGE, network: str = "none", env: dict[str, str]
               | None = None, entrypoint: str | None = None, timeout: float = 180) -> str:
    cmd = [*RUN, "--network", network]
    for k, v in (env or {}).items():
        cmd += ["-e", f"{k}={v}"]
    if entrypoint:
        cmd += ["--entrypoint", entrypoint]
    out = subprocess.run([*cmd, image, *args], capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, f"{args}: rc {out.returncode}\n{out.stdout}\n{out.stderr}"
    return out.stdout


def test_images_run_as_uid_10001_and_the_services_image_is_lean() -> None:
    assert podman_run("-u", entrypoint="id").strip() == "10001"
    sizes = subprocess.run([*PODMAN, "image", "inspect", "--format", "{{.Size}}", IMAGE],
                           capture_output=True, text=True, check=True).stdout
    assert int(sizes.strip()) <= 600 * 1000 * 1000, f"services image is {sizes} bytes"
    # No browser in the services' image; the report image has one.
    podman_run("-c", "! command -v chromium", entrypoint="sh")
    podman_run("-c", "command -v chromium", entrypoint="sh", image=REPORT_IMAGE)


def test_one_off_roles_start_with_a_read_only_root() -> None:
    # migrate twice (idempotent), then a token from the migrated database, on the scratch /tmp.
    out = podman_run("-c", "samstat migrate && samstat migrate && "
                     "samstat token issue --agency scb && samstat token issue --admin",
                     entrypoint="sh")
    assert len([line for line in out.splitlines() if line.startswith("sst_")]) == 2, out
    assert "usage" in podman_run("-m", "samstat_kit.lag", "--help", entrypoint="python").lower()
    assert "replay" in podman_run("replay", "--help").lower()
    assert "worker" in podman_run("worker", "--help").lower()
    # The worker's persistent table store (SAMSTAT_WORKER_STORE=rocksdb://) is in the image.
    podman_run("-c", "import rocksdict", entrypoint="python")


def test_the_report_image_prints_a_pdf() -> None:
    script = ("from services.initiatives.report.pdf import html_to_pdf; import sys;"
              "sys.stdout.buffer.write(html_to_pdf('<h1>Uppföljning</h1>', sandbox=False))")
    pdf = subprocess.run([*RUN, "--network", "none", "--entrypoint", "python", REPORT_IMAGE,
                          "-c", script], capture_output=True, timeout=180)
    assert pdf.returncode == 0, pdf.stderr.decode()
    assert pdf.stdout.startswith(b"%PDF"), pdf.stdout[:100]


class Containers:
    """Detached containers on the host network (loopback only), removed at the end."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.names: list[str] = []

    def start(self, name: str, *args: str, env: dict[str, str] | None = None,
              volumes: dict[Path, str] | None = None) -> None:
        full = f"samstat-it-{name}-{uuid.uuid4().hex[:6]}"
        cmd = [*PODMAN, "run", "-d", "--rm", "--read-only", "--tmpfs", "/tmp:rw,size=512m",
               "--network", "host", "--name", full,
               "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=4096:4096"]
        for k, v in (self.env | (env or {})).items():
            cmd += ["-e", f"{k}={v}"]
        for host, inside in (volumes or {}).items():
            cmd += ["-v", f"{host}:{inside}:rw"]
        subprocess.run([*cmd, IMAGE, *args], check=True, capture_output=True, timeout=120)
        self.names.append(full)

    def logs(self) -> str:
        return "\n".join(
            f"--- {n}\n" + subprocess.run([*PODMAN, "logs", "--tail", "40", n],
                                          capture_output=True, text=True).stdout[-4000:]
            for n in self.names)

    def remove(self) -> None:
        for n in self.names:
            subprocess.run([*PODMAN, "rm", "-f", "-t", "5", n], capture_output=True)


def _wait(fn: Any, what: str, box: Containers, timeout: float = 120) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            got = fn()
        except httpx.TransportError:
            got = None
        if got:
            return got
        time.sleep(1)
    raise TimeoutError(f"{what} not within {timeout}s\n{box.logs()}")


@pytest.fixture
def stack_env(pg_schema_url: str) -> Iterator[dict[str, str]]:
    ports = {name: free_port() for name in ("broker", "ingest", "indicators", "initiatives",
                                            "notify", "worker")}
    yield {
        "SAMSTAT_DATABASE_URL": pg_schema_url,
        "SAMSTAT_KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{ports['broker']}",
        "SAMSTAT_KAFKA_TOPIC_PREFIX": "img" + uuid.uuid4().hex[:6],
        "SAMSTAT_KAFKA_REBALANCE_TIMEOUT_MS": "3000",
        "SAMSTAT_KAFKA_SESSION_TIMEOUT_MS": "6000",
        "SAMSTAT_WORKER_WEB_PORT": str(ports["worker"]),
        "SAMSTAT_PUBLIC_BASE_URL": f"http://127.0.0.1:{ports['indicators']}",
        **{f"_PORT_{k.upper()}": str(v) for k, v in ports.items()},
    }


def test_a_stack_of_containers_carries_an_observation_to_an_alert(
        stack_env: dict[str, str], tmp_path: Path) -> None:
    from tests.e2e.test_end_to_end import POP, _obs, _sickness

    env = stack_env
    port = {k[len("_PORT_"):].lower(): int(v) for k, v in env.items() if k.startswith("_PORT_")}
    box = Containers({k: v for k, v in env.items() if not k.startswith("_PORT_")})
    try:
        box.start("broker", "broker", "--port", str(port["broker"]), "--foreground")
        # The 2024 plan holds the overarching indicator's rule; initiatives publishes it.
        out = podman_run("-c", "samstat migrate && samstat seed && "
                         "samstat token issue --agency scb && "
                         "samstat token issue --agency forsakringskassan && "
                         "samstat token issue --admin", entrypoint="sh", network="host",
                         env=box.env)
        scb, fk, admin = [x for x in out.split() if x.startswith("sst_")]
        services = ("ingest", "indicators", "initiatives", "notify")
        for name in services:
            box.start(name, "serve", name, "--host", "127.0.0.1", "--port", str(port[name]))
        # The worker as Kubernetes runs it (deploy/k8s/base/apps/worker.yaml): its tables in
        # RocksDB on a volume of its own, the root read-only.
        state = tmp_path / "worker-state"
        state.mkdir()
        os.chown(state, 10001, 10001)
        box.start("worker", "worker", volumes={state: "/var/lib/samstat"},
                  env={"SAMSTAT_WORKER_STORE": "rocksdb://",
                       "SAMSTAT_DATA_DIR": "/var/lib/samstat"})
        for name in services:
            _wait(lambda n=name: httpx.get(f"http://127.0.0.1:{port[n]}/healthz",
                                           timeout=2).status_code == 200, f"{name} healthy", box)

        def post(token: str, records: list[dict[str, Any]]) -> None:
            r = httpx.post(f"http://127.0.0.1:{port['ingest']}/v1/observations",
                           json={"observations": records},
                           headers={"Authorization": f"Bearer {token}"}, timeout=30)
            assert r.status_code == 202 and r.json()["rejected"] == [], r.text

        post(scb, [_obs("scb", "population", y, {"sex": s, "age": "20-64"}, n, "persons")
                   for y in ("2023", "2024") for s, n in POP.items()])
        post(fk, _sickness("2023-03", 300))
        post(fk, _sickness("2024-03", 420))

        def alerts() -> list[dict[str, Any]]:
            r = httpx.get(f"http://127.0.0.1:{port['notify']}/v1/alerts",
                          params={"convener": "samordningsforbundet"},
                          headers={"Authorization": f"Bearer {admin}"}, timeout=5)
            return [a for a in r.json() if a["area"] == "2404" and a["period"] == "2024-03"]

        alert = _wait(alerts, "the alert", box, timeout=180)[0]
        assert alert["rule"] == "yoy_rise" and alert["status"] == "firing"
        # RocksDB databases (each with its CURRENT file) of the worker's tables, on the volume.
        assert list((state / "faust").rglob("CURRENT")), sorted(map(str, state.rglob("*")))
        # replay from the image: the ingest log into the (same) broker, idempotent downstream.
        podman_run("replay", network="host", env=box.env)
    finally:
        box.remove()
