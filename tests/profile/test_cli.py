"""``cuecard profile …`` end to end: the real app in-process, and the real binary once."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli_process import cuecard
from cuecard.cli import app

SAMPLE = Path(__file__).resolve().parents[2] / "src" / "cuecard" / "assets" / "sample_profile"
runner = CliRunner()


def cli(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.fixture
def resume(tmp_path: Path) -> Path:
    path = tmp_path / "resume.md"
    path.write_bytes((SAMPLE / "resume.md").read_bytes())
    return path


def test_add_list_show_remove(cuecard_home: Path, resume: Path, tmp_path: Path) -> None:
    code, stdout, _ = cli("profile", "list")
    assert code == 0 and "Your profile is empty" in stdout

    code, stdout, _ = cli("profile", "add", str(resume))
    assert code == 0
    assert stdout.startswith("Added resume.md as a résumé (id ")
    assert "4 chunks" in stdout

    stories = tmp_path / "my-notes.md"
    stories.write_bytes((SAMPLE / "stories.md").read_bytes())
    code, stdout, _ = cli("profile", "add", str(stories), "--kind", "stories", "--json")
    assert code == 0
    added = json.loads(stdout)
    assert added["kind"] == "stories" and added["chunks"] == 4 and added["name"] == "my-notes.md"

    code, stdout, _ = cli("profile", "list", "--json")
    docs = json.loads(stdout)
    assert [d["name"] for d in docs] == ["resume.md", "my-notes.md"]
    assert all(set(d) >= {"id", "name", "kind", "added", "chunks"} for d in docs)
    assert str(cuecard_home) in str(list((cuecard_home / "data" / "profile" / "docs").iterdir()))

    code, stdout, _ = cli("profile", "list")
    assert code == 0
    assert stdout.splitlines()[0].split() == ["ID", "KIND", "CHUNKS", "ADDED", "NAME"]
    assert docs[1]["id"] in stdout and "stories" in stdout

    code, stdout, _ = cli("profile", "show", docs[0]["id"][:5])
    assert code == 0
    lines = stdout.splitlines()
    assert lines[0].startswith("resume.md — résumé, 4 chunks")
    assert "  [1] Summary — 53 words" in lines
    assert "      Backend engineer with 6 years of experience" in stdout

    code, stdout, _ = cli("profile", "show", "resume.md", "--json")
    shown = json.loads(stdout)
    assert len(shown["chunk_list"]) == 4 and shown["chunk_list"][0]["title"] == "Summary"

    code, stdout, _ = cli("profile", "search", "How would you design a rate limiter?", "--json")
    assert code == 0
    assert json.loads(stdout)[0]["title"] == "Designing a rate limiter for the public API"

    code, stdout, _ = cli("profile", "remove", docs[0]["id"])
    assert code == 0 and "your original file is untouched" in stdout
    assert resume.exists()
    code, stdout, _ = cli("profile", "list", "--json")
    assert [d["name"] for d in json.loads(stdout)] == ["my-notes.md"]


def test_user_errors_are_one_line_with_exit_1(resume: Path, tmp_path: Path) -> None:
    code, _, stderr = cli("profile", "add", str(tmp_path / "missing.pdf"))
    assert code == 1
    assert one_line(stderr).startswith("cuecard: ") and "not found" in stderr

    bad = tmp_path / "resume.pdf"
    bad.write_bytes(b"garbage" * 50)
    code, _, stderr = cli("profile", "add", str(bad))
    assert code == 1
    assert one_line(stderr) == (
        "cuecard: resume.pdf could not be read as a PDF (it may be damaged): "
        "save it again or paste it as text"
    )

    assert cli("profile", "add", str(resume))[0] == 0
    code, _, stderr = cli("profile", "add", str(resume))
    assert code == 1 and "already in your profile" in one_line(stderr)

    for command in (("show", "nope"), ("remove", "nope")):
        code, _, stderr = cli("profile", *command)
        assert code == 1 and "no document 'nope' in your profile" in one_line(stderr)


def test_empty_profile_search_is_an_error_but_the_sample_can_be_searched() -> None:
    code, _, stderr = cli("profile", "search", "conflict")
    assert code == 1 and "your profile is empty" in one_line(stderr)
    code, stdout, _ = cli("profile", "search", "conflict with a teammate", "--sample", "-k", "1")
    assert code == 0
    assert "stories.md › Conflict with a teammate over a database migration plan" in stdout


def test_usage_errors_exit_2(resume: Path) -> None:
    code, _, _ = cli("profile", "add", str(resume), "--kind", "cv")
    assert code == 2
    assert cli("profile", "add")[0] == 2


def test_the_real_binary(resume: Path) -> None:
    def profile(*args: str) -> subprocess.CompletedProcess[str]:
        return cuecard("profile", *args)

    added = profile("add", str(resume), "--json")
    assert added.returncode == 0, added.stderr
    doc_id = json.loads(added.stdout)["id"]
    shown = profile("show", doc_id)
    assert shown.returncode == 0 and "Summary" in shown.stdout
    again = profile("add", str(resume))
    assert again.returncode == 1
    assert one_line(again.stderr).startswith("cuecard: resume.md is already in your profile")
