"""Red-team finding (2026-12-07): a file the CLI was given and could not read was named in
typer's error (``exists=True``: "Path '.../ring 19880208-9717.csv' does not exist"), and a
file's name may hold a personal identity number, which nothing prints. Every command taking
a file now says so itself, the name as :func:`samstat_kit.agency_scan.shown_path` shows it
("the file" where it holds a number)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from samstat.cli import app as cli

NUMBER = "19880208-9717"
TRACES = ("9717", "8802089717")


def _commands(path: Path, other: Path) -> dict[str, list[str]]:
    """Each command taking a file, given ``path`` (``other``: a readable file besides)."""
    return {
        "publish": ["publish", "--agency", "forsakringskassan", "--dry-run", "--offline",
                    str(path)],
        "import scb": ["import", "scb", "--dry-run", str(path)],
        "import scb --mapping": ["import", "scb", "--dry-run", "--mapping", str(path),
                                 str(other)],
        "import kolada": ["import", "kolada", "--dry-run", str(path)],
        "seed --plan": ["seed", "--data-dir", str(other.parent / "var"), "--plan", str(path)],
    }


COMMANDS = list(_commands(Path("f"), Path("g")))


def _said(tmp_path: Path, command: str, path: Path) -> tuple[int, str]:
    other = tmp_path / "other.json"
    other.write_text("{}")
    result = CliRunner().invoke(cli, _commands(path, other)[command])
    # One line however the error is boxed and wrapped to the terminal.
    words = " ".join(result.output.replace("│", " ").split())
    return result.exit_code, words


@pytest.mark.parametrize("command", COMMANDS)
def test_a_missing_file_named_by_a_number_is_not_named(tmp_path: Path, command: str) -> None:
    code, said = _said(tmp_path, command, tmp_path / f"ring {NUMBER}.csv")
    assert code == 2, said
    assert "the file does not exist" in said
    assert not any(t in said for t in TRACES), said


@pytest.mark.parametrize("command", COMMANDS)
def test_a_folder_named_by_a_number_is_not_named(tmp_path: Path, command: str) -> None:
    folder = tmp_path / NUMBER
    folder.mkdir()
    for path in (folder, folder / "f.csv"):  # the folder, and a missing file in it
        code, said = _said(tmp_path, command, path)
        assert code == 2 and not any(t in said for t in TRACES), said
        assert "the file is a folder" in said or "the file does not exist" in said


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
@pytest.mark.parametrize("command", COMMANDS)
def test_an_unreadable_file_named_by_a_number_is_not_named(tmp_path: Path,
                                                           command: str) -> None:
    path = tmp_path / f"{NUMBER}.csv"
    path.write_text("measure\n")
    path.chmod(0)
    code, said = _said(tmp_path, command, path)
    assert code == 2 and "the file cannot be read" in said, said
    assert not any(t in said for t in TRACES), said


def test_a_missing_file_is_still_named_where_its_name_holds_no_number(tmp_path: Path) -> None:
    code, said = _said(tmp_path, "publish", tmp_path / "januari.csv")
    assert code == 2 and "januari.csv does not exist" in said, said


@pytest.mark.parametrize("command", COMMANDS)
def test_a_path_through_a_file_named_by_a_number_is_not_named(tmp_path: Path,
                                                              command: str) -> None:
    """Unreadable for root too: a file is no folder to look in."""
    inside = tmp_path / f"{NUMBER}.csv"
    inside.write_text("measure\n")
    code, said = _said(tmp_path, command, inside / "f.csv")
    assert code == 2 and not any(t in said for t in TRACES), said
    assert "the file cannot be read" in said or "the file does not exist" in said
