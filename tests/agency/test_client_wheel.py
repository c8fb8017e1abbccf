"""samstat-client installs alone: the wheel is built from clients/python, installed in a clean
virtualenv on Python 3.9 (none of the services' frameworks come along), and publishes a file
to a running ingest, with the dry run and the offline checks. Needs pyenv's 3.9 and the
package index (for the dependencies): about a minute, so it runs with the integration tests."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from samstat_kit.db import session_factory, session_scope
from services.ingest.observations.models import IngestObservation
from tests.agency.conftest import RunningIngest

REPO = Path(__file__).resolve().parents[2]
PYTHON39 = sorted(Path.home().glob(".pyenv/versions/3.9*/bin/python"))
FORBIDDEN = {"faust-streaming", "sqlalchemy", "fastapi", "uvicorn", "psycopg", "aiokafka",
             "psycopg-binary", "starlette", "alembic", "tansu"}
FILE = """\
STRUCTURE,STRUCTURE_ID,ACTION,REF_AREA,BENEFIT,SEX,TIME_PERIOD,OBS_VALUE
dataflow,SAMSTAT:BENEFIT_NET_DAYS(1.0),I,2482,sickness,F,2018-M04,410
dataflow,SAMSTAT:BENEFIT_NET_DAYS(1.0),I,2482,sickness,M,2018-M04,380
dataflow,SAMSTAT:BENEFIT_NET_DAYS(1.0),I,9999,sickness,M,2018-M04,380
"""


def _run(*args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None,
         ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})}, cwd=cwd, check=False)
    assert done.returncode in ok, done.stdout[-2000:] + done.stderr[-2000:]
    return done


@pytest.fixture(scope="module")
def client_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not PYTHON39:
        pytest.skip("no Python 3.9 under ~/.pyenv/versions")
    work = tmp_path_factory.mktemp("client")
    # Built from a copy, so the build writes nothing into the repository.
    shutil.copytree(REPO / "clients" / "python", work / "src")
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", work / "dist",
         work / "src", env={"SAMSTAT_REPO": str(REPO)})
    [wheel] = (work / "dist").glob("samstat_client-*.whl")
    _run(PYTHON39[-1], "-m", "venv", work / "venv")
    _run(work / "venv/bin/pip", "install", "-q", wheel)
    return work / "venv"


@pytest.mark.integration
@pytest.mark.timeout(420)  # two minutes as a rule; never many
def test_the_wheel_alone_on_python_39_publishes_to_ingest(
        client_venv: Path, running_ingest: RunningIngest, tmp_path: Path) -> None:
    python = client_venv / "bin" / "python"
    assert _run(python, "-c", "import sys; print(sys.version_info[:2])").stdout.strip() \
        == "(3, 9)"
    installed = {line.split("==")[0].lower() for line in
                 _run(python, "-m", "pip", "freeze").stdout.splitlines()}
    assert not installed & FORBIDDEN, installed & FORBIDDEN
    # The contract travels inside the package (not the repository's schemas/).
    where = _run(python, "-c", "from samstat_client import SCHEMAS_DIR; print(SCHEMAS_DIR)",
                 cwd=tmp_path).stdout.strip()
    assert "site-packages" in where and str(REPO) not in where

    path = tmp_path / "sdmx.csv"
    path.write_text(FILE, encoding="utf-8")
    token = running_ingest.token("forsakringskassan")
    cli = [client_venv / "bin" / "samstat-publish", path, "--agency", "forsakringskassan",
           "--url", running_ingest.url]
    env = {"SAMSTAT_TOKEN": token}
    offline = json.loads(_run(*cli, "--dry-run", "--offline", env=env, cwd=tmp_path,
                              ok=(1,)).stdout)
    # The token on the command line still works, with a warning: ps shows it to everyone.
    on_line = _run(*cli, "--token", token, "--dry-run", env={"SAMSTAT_TOKEN": ""},
                   cwd=tmp_path, ok=(1,))
    assert "set SAMSTAT_TOKEN instead" in on_line.stderr and token not in on_line.stderr
    asked = json.loads(on_line.stdout)
    for summary in (offline, asked):
        assert [(e["row"], e["column"]) for e in summary["rejected"]] == [(4, "REF_AREA")]
        assert summary["accepted"] == 2 and summary["sent"] == 0, summary
    assert (offline["checked_by"], asked["checked_by"]) == ("offline", "ingest")
    assert _stored(running_ingest.db_url) == 0

    sent = json.loads(_run(*cli, env=env, cwd=tmp_path, ok=(1,)).stdout)
    assert sent["accepted"] == 2 and sent["rejected_rows"] == 1
    assert _stored(running_ingest.db_url) == 2


def _stored(db_url: str) -> int:
    with session_scope(session_factory(db_url)) as s:
        return int(s.scalar(select(func.count()).select_from(IngestObservation).where(
            IngestObservation.area == "2482", IngestObservation.period == "2018-04")) or 0)
