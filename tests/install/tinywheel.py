"""A wheel writer small enough to read, and a PEP 517/660 build backend made of it.

The local-index test (test_index.py) needs wheels it controls (a locked
release and a newer one that declares an extra) and a project the bootstrap
can install with ``pip install -e . --no-build-isolation`` on every Python,
including 3.12+ whose venvs carry no setuptools. Both come from this one
stdlib-only file: the test calls ``write_wheel`` for the package index, and
packs this same file as the ``tinywheel`` wheel, the scratch project's build
backend, so nothing is downloaded.
"""

from __future__ import annotations

import base64
import hashlib
import os
import zipfile
from pathlib import Path


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def write_wheel(
    folder: str | os.PathLike[str],
    name: str,
    version: str,
    files: dict[str, str],
    requires: list[str] | None = None,
    extras: dict[str, list[str]] | None = None,
    scripts: dict[str, str] | None = None,
) -> Path:
    """A pure-Python wheel: ``files`` (path inside the wheel → text) plus its metadata."""
    dist = f"{name}-{version}.dist-info"
    meta = ["Metadata-Version: 2.1", f"Name: {name}", f"Version: {version}"]
    meta += [f"Requires-Dist: {req}" for req in requires or []]
    for extra, reqs in (extras or {}).items():
        meta.append(f"Provides-Extra: {extra}")
        meta += [f'Requires-Dist: {req} ; extra == "{extra}"' for req in reqs]
    content = dict(files)
    content[f"{dist}/METADATA"] = "\n".join(meta) + "\n"
    content[f"{dist}/WHEEL"] = (
        "Wheel-Version: 1.0\nGenerator: tinywheel\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    if scripts:
        lines = [f"{cmd} = {target}" for cmd, target in scripts.items()]
        content[f"{dist}/entry_points.txt"] = "[console_scripts]\n" + "\n".join(lines) + "\n"
    record = [_record_line(path, text.encode()) for path, text in content.items()]
    content[f"{dist}/RECORD"] = "\n".join([*record, f"{dist}/RECORD,,"]) + "\n"
    out = Path(folder) / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(out, "w") as whl:
        for path, text in content.items():
            whl.writestr(zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0)), text)
    return out


# -- the build backend: the project in the current directory, from pyproject.toml --------


def _project() -> tuple[str, str, dict[str, str]]:
    import tomllib

    meta = tomllib.loads(Path("pyproject.toml").read_text(encoding="utf-8"))["project"]
    return meta["name"], meta["version"], dict(meta.get("scripts", {}))


def build_editable(
    wheel_directory: str, config_settings: object = None, metadata_directory: object = None
) -> str:
    """An editable wheel: one .pth file that puts the project's src/ on sys.path."""
    name, version, scripts = _project()
    pth = {f"_{name}_editable.pth": str(Path("src").resolve()) + "\n"}
    return write_wheel(wheel_directory, name, version, pth, scripts=scripts).name


def build_wheel(
    wheel_directory: str, config_settings: object = None, metadata_directory: object = None
) -> str:
    name, version, scripts = _project()
    files = {
        str(p.relative_to("src")): p.read_text(encoding="utf-8") for p in Path("src").rglob("*.py")
    }
    return write_wheel(wheel_directory, name, version, files, scripts=scripts).name
