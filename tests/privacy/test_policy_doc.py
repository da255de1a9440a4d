"""PRIVACY.md: one source of truth, and every claim names a test that exists."""

from __future__ import annotations

import ast
import re
from importlib import resources
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ASSET = REPO / "src" / "cuecard" / "assets" / "PRIVACY.md"
ROOT_COPY = REPO / "PRIVACY.md"
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")
EXEMPT_SECTIONS = {"What the providers keep", "What the guard cannot see", "Check it yourself"}
"""Sections about others' policies and the guard's limits: statements, not claims about cuecard."""


def policy() -> str:
    return ASSET.read_text(encoding="utf-8")


def test_repo_copy_is_the_packaged_asset() -> None:
    """The asset is the source of truth; the repo-root copy must be byte-identical.

    Fix a failure with: cp src/cuecard/assets/PRIVACY.md PRIVACY.md
    """
    assert ROOT_COPY.read_bytes() == ASSET.read_bytes()
    packaged = resources.files("cuecard").joinpath("assets", "PRIVACY.md").read_text("utf-8")
    assert packaged == policy()


def test_every_named_test_exists() -> None:
    refs = REFERENCE.findall(policy())
    assert len(refs) >= 30
    missing = []
    for file, name in set(refs):
        path = REPO / file
        if not path.is_file():
            missing.append(f"{file} (no such file)")
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {
            n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        if name not in names:
            missing.append(f"{file}::{name}")
    assert missing == []


def bullets_by_section(text: str) -> list[tuple[str, str]]:
    """(section title, bullet text) for every bullet, a bullet's continuation lines joined."""
    out: list[tuple[str, str]] = []
    section = ""
    current: list[str] | None = None
    for line in [*text.splitlines(), ""]:
        ends_bullet = line.startswith(("- ", "#")) or not line.strip()
        if ends_bullet and current is not None:
            out.append((section, " ".join(current)))
            current = None
        if line.startswith("#"):
            section = line.lstrip("#").strip()
        elif line.startswith("- "):
            current = [line]
        elif current is not None:
            current.append(line.strip())
    return out


def test_every_claim_names_its_proof() -> None:
    bullets = bullets_by_section(policy())
    assert len(bullets) > 30
    unproven = [
        text for section, text in bullets if section not in EXEMPT_SECTIONS and "proof:" not in text
    ]
    assert unproven == []


def test_bullet_parser_catches_an_unproven_claim() -> None:
    text = "## Kept\n\n- kept for ever\n  and ever\n- proven — proof: `tests/x.py::t`\n"
    assert [t for _, t in bullets_by_section(text) if "proof:" not in t] == [
        "- kept for ever and ever"
    ]
