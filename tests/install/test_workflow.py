"""The GitHub Actions workflow that builds and smoke-tests the bundle where this
Linux CI cannot: it must cover every platform the README promises and run the
same commands a developer runs (no second recipe to drift)."""

from __future__ import annotations

from typing import Any

import yaml

from .conftest import REPO


def workflow() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((REPO / ".github" / "workflows" / "app.yml").read_text())
    return data


def steps(job: dict[str, Any]) -> str:
    return "\n".join(str(s.get("run", "")) for s in job["steps"])


def test_bundle_is_built_and_smoke_tested_on_every_promised_platform() -> None:
    job = workflow()["jobs"]["bundle"]
    names = {entry["name"] for entry in job["strategy"]["matrix"]["include"]}
    assert names == {"windows-x86_64", "macos-arm64", "macos-x86_64", "linux-x86_64"}
    oses = {entry["os"] for entry in job["strategy"]["matrix"]["include"]}
    assert any(o.startswith("windows") for o in oses)
    assert any(o.startswith("macos") and "intel" in o for o in oses)
    run = steps(job)
    assert "python run.py lock --check" in run
    assert "python run.py bundle\n" in run + "\n"
    assert "python run.py bundle --smoke" in run
    assert job["strategy"]["fail-fast"] is False


def test_the_application_install_is_tried_on_each_os() -> None:
    job = workflow()["jobs"]["app-install"]
    assert {o.split("-")[0] for o in job["strategy"]["matrix"]["os"]} == {
        "windows",
        "macos",
        "ubuntu",
    }
    run = steps(job)
    assert "pipx install" in run
    assert "cuecard demo --fast --json" in run
