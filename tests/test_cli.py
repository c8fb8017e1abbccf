"""The samstat command line, as operators and agencies run it (real subprocesses)."""

from __future__ import annotations

import itertools
import os
import re
import subprocess
import sys
from pathlib import Path

from samstat_kit.auth import service as tokens
from samstat_kit.broker import broker_answers, free_port
from samstat_kit.db import session_factory, session_scope

TOKEN = re.compile(r"^sst_[0-9a-f]{16}_[A-Za-z0-9_\-]{43}$")


def samstat(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"SAMSTAT_DATA_DIR": str(data_dir)}
    env.pop("SAMSTAT_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-m", "samstat", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_token_issue_prints_one_token_and_nothing_else(tmp_path: Path) -> None:
    agency = samstat("token", "issue", "--agency", "forsakringskassan", data_dir=tmp_path)
    admin = samstat("token", "issue", "--admin", data_dir=tmp_path)
    assert agency.returncode == 0 and admin.returncode == 0, agency.stderr + admin.stderr
    for out in (agency.stdout, admin.stdout):
        lines = out.splitlines()
        assert len(lines) == 1 and TOKEN.match(lines[0]), out
    url = f"sqlite:///{(tmp_path / 'samstat.db').resolve()}"
    with session_scope(session_factory(url)) as s:
        p = tokens.verify(session=s, token=agency.stdout.strip())
        assert p is not None and (p.scope, p.agency) == ("agency", "forsakringskassan")
        assert tokens.verify(session=s, token=admin.stdout.strip()).scope == "admin"  # type: ignore[union-attr]
    revoked = samstat("token", "revoke", agency.stdout.strip(), data_dir=tmp_path)
    assert revoked.returncode == 0
    with session_scope(session_factory(url)) as s:
        assert tokens.verify(session=s, token=agency.stdout.strip()) is None
    listing = samstat("token", "list", data_dir=tmp_path).stdout
    # The secret is base64url and may itself hold "_": split off the prefix and id only.
    secret = agency.stdout.strip().split("_", 2)[2]
    assert "revoked" in listing and secret not in listing


def test_token_issue_refuses_unknown_agencies_and_ambiguity(tmp_path: Path) -> None:
    assert samstat("token", "issue", "--agency", "nope", data_dir=tmp_path).returncode != 0
    both = samstat("token", "issue", "--agency", "scb", "--admin", data_dir=tmp_path)
    assert both.returncode != 0 and both.stdout == ""


def test_broker_command_returns_once_the_broker_answers(tmp_path: Path) -> None:
    port = free_port()
    out = samstat("broker", "--port", str(port), data_dir=tmp_path)
    try:
        assert out.returncode == 0, out.stderr
        assert broker_answers(f"127.0.0.1:{port}")  # already up when the command returned
        pid = int(re.search(r"pid (\d+)", out.stdout).group(1))  # type: ignore[union-attr]
    finally:
        subprocess.run(["pkill", "-f", f"tcp://127.0.0.1:{port}"], check=False)
    assert pid > 0


def test_seed_loads_the_2024_plan(tmp_path: Path) -> None:
    out = samstat("seed", data_dir=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "2024" in out.stdout


def _commands(group: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for name, cmd in getattr(group, "commands", {}).items():  # typer's own (vendored) click
        out += _commands(cmd, (*prefix, name)) if hasattr(cmd, "commands") \
            else [(*prefix, name)]
    return out


def test_every_help_text_is_wrapped_to_the_terminal_not_broken_at_the_source_lines() -> None:
    """The docstrings' own line breaks made a narrow terminal show a long line, then a
    stub of two words, then a long line again ("... produced_at now when / missing) and
    judged as / ingest judges them ..."). Each paragraph is reflowed to the width instead."""
    import typer
    from typer.testing import CliRunner

    from samstat.cli import app
    commands = _commands(typer.main.get_command(app))
    assert ("publish",) in commands and ("privacy", "audit") in commands
    for width in (60, 100):
        for cmd in commands:
            got = CliRunner().invoke(app, [*cmd, "--help"], terminal_width=width,
                                     env={"COLUMNS": str(width)})
            assert got.exit_code == 0, (cmd, got.output)
            lines = got.output.splitlines()
            assert all(len(line) <= width for line in lines), (cmd, width, got.output)
            # Within a paragraph of the description, a line is short only where the next
            # word would not have fitted on it.
            text = got.output.split("Options:")[0].split("Arguments:")[0]
            for para in text.split("\n\n"):
                rows = [r.rstrip() for r in para.splitlines()]  # rich pads every line
                for row, nxt in itertools.pairwise(rows):
                    first = nxt.split()[0] if nxt.split() else ""
                    assert len(row) + 1 + len(first) > width, (cmd, width, row, nxt)
