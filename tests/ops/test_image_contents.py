"""What the image holds is enough to run: the Dockerfile's COPY set, on its own.

No container engine runs on these machines, so the image itself is not built in tests. This
copies exactly the paths the Dockerfile copies into an empty directory and runs the image's
commands from there, with the image's environment: a file that the code needs at run time
but the image lacks (a schema, a migration, a template) fails here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx

from samstat_kit.broker import free_port

ROOT = Path(__file__).resolve().parents[2]


def copied_paths() -> list[str]:
    """The sources of the build stage's COPY instructions (not ``COPY --from``)."""
    text = (ROOT / "deploy/Dockerfile").read_text()
    sources = []
    for line in re.findall(r"^COPY (?!--from)(.+)$", text, re.M):
        sources += line.split()[:-1]
    return sources


def test_the_images_files_are_enough_to_run(tmp_path: Path) -> None:
    app = tmp_path / "app"
    app.mkdir()
    sources = copied_paths()
    assert {"pyproject.toml", "samstat", "samstat_kit", "services", "schemas"} <= set(sources)
    for source in sources:
        if (ROOT / source).is_dir():
            shutil.copytree(ROOT / source, app / source,
                            ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(ROOT / source, app / source)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAMSTAT_")} | {
        "PYTHONPATH": str(app), "PYTHONDONTWRITEBYTECODE": "1",
        "SAMSTAT_SCHEMAS_DIR": str(app / "schemas"), "SAMSTAT_DATA_DIR": str(tmp_path / "data"),
        # No broker: ingest must still start and answer (its relay retries).
        "SAMSTAT_KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{free_port()}",
    }

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, *args], cwd=app, env=env, capture_output=True,
                              text=True, timeout=120)

    where = run("-c", "import samstat, samstat_kit, services; "
                      "print(samstat.__file__, samstat_kit.__file__, services.__file__)")
    assert where.returncode == 0, where.stderr
    assert all(p.startswith(str(app)) for p in where.stdout.split()), where.stdout
    for args in (("-m", "samstat", "--help"), ("-m", "samstat", "migrate"),
                 ("-m", "samstat", "token", "issue", "--agency", "forsakringskassan"),
                 ("-m", "samstat_kit.lag", "--help")):
        done = run(*args)
        assert done.returncode == 0, (args, done.stderr[-2000:])
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "samstat", "serve", "ingest", "--port",
                               str(port)], cwd=app, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                if health.status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "ingest never answered"
            time.sleep(0.3)
        assert httpx.get(f"http://127.0.0.1:{port}/openapi.json").status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
