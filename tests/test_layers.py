"""The layers point one way, and one module composes a session.

Read from the source with ``ast`` (imports inside functions count too), so a
shortcut taken under deadline pressure fails here rather than drifting for weeks
as the desktop's own pipeline once did.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "cuecard"


def modules(folder: str) -> list[Path]:
    return sorted((SRC / folder).rglob("*.py")) if folder else sorted(SRC.rglob("*.py"))


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize(
    ("folder", "forbidden"),
    [
        ("ui", ("cuecard.cli", "cuecard.runner")),
        ("privacy", ("cuecard.assist", "cuecard.ui", "cuecard.cli", "cuecard.session")),
        ("audio", ("cuecard.speech", "cuecard.dialogue", "cuecard.assist", "cuecard.ui",
                   "cuecard.cli", "cuecard.session")),
        ("speech", ("cuecard.dialogue", "cuecard.assist", "cuecard.ui", "cuecard.cli",
                    "cuecard.session")),
        ("dialogue", ("cuecard.assist", "cuecard.ui", "cuecard.cli", "cuecard.session")),
        ("assist", ("cuecard.ui", "cuecard.cli", "cuecard.session")),
        ("profile", ("cuecard.assist", "cuecard.ui", "cuecard.cli", "cuecard.session")),
        ("practice", ("cuecard.ui", "cuecard.cli")),
        ("screen", ("cuecard.assist", "cuecard.dialogue", "cuecard.ui", "cuecard.cli",
                    "cuecard.session")),
    ],
)  # fmt: skip
def test_no_module_reaches_back_up_the_chain(folder: str, forbidden: tuple[str, ...]) -> None:
    offenders = {
        str(path.relative_to(SRC)): sorted(
            n for n in imported(path) if n.startswith(forbidden) and not n.endswith(".events")
        )
        for path in modules(folder)
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_the_pipeline_is_built_in_exactly_one_module() -> None:
    builders = []
    for path in modules(""):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                if name == "Pipeline":
                    builders.append(str(path.relative_to(SRC)))
    assert builders == ["session.py"]


def test_no_runner_module_remains() -> None:
    assert not (SRC / "runner.py").exists()
