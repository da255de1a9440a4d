"""`cuecard app` and `demo --gui` say which packages Qt's xcb plugin lacks, before Qt loads.

The machine under test has every library, so a folder holding only some of
them stands in for a desktop that lacks the rest (CUECARD_LIBDIRS, the seam
the real check reads), and an os-release file picks the distribution. Qt
itself would abort with exit 134 and "reinstalling may fix this"; the check
must answer first, in one line, with exit 1.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import pytest

from cuecard import syslibs

from ..install.conftest import REPO, load
from .conftest import assert_one_line_error, cuecard

HAVE = ["libEGL.so.1", "libGL.so.1", "libdbus-1.so.3", "libfontconfig.so.1"]


@pytest.fixture
def half_a_desktop(tmp_path: Path) -> dict[str, str]:
    libs = tmp_path / "lib"
    libs.mkdir()
    for name in HAVE:
        (libs / name).write_bytes(b"\x7fELF")
    return {"CUECARD_LIBDIRS": str(libs), "DISPLAY": ":99", "QT_QPA_PLATFORM": "",
            "XDG_SESSION_TYPE": "x11"}  # fmt: skip


def os_release(tmp_path: Path, text: str) -> str:
    path = tmp_path / "os-release"
    path.write_text(text)
    return str(path)


@pytest.mark.parametrize(
    ("release", "command", "wanted"),
    [
        ('ID=ubuntu\nID_LIKE=debian\n', "sudo apt install", ["libxcb-cursor0", "libxcb-icccm4"]),
        ('ID="fedora"\n', "sudo dnf install", ["xcb-util-cursor", "xcb-util-wm", "libxcb"]),
        ("ID=arch\n", "sudo pacman -S", ["xcb-util-cursor", "libxkbcommon-x11", "libxcb"]),
    ],
)  # fmt: skip
@pytest.mark.parametrize("args", [("app",), ("demo", "--gui")])
def test_missing_qt_libraries_are_one_line_naming_the_distributions_packages(
    half_a_desktop: dict[str, str],
    tmp_path: Path,
    release: str,
    command: str,
    wanted: list[str],
    args: tuple[str, ...],
) -> None:
    env = {**half_a_desktop, "CUECARD_OS_RELEASE": os_release(tmp_path, release)}
    line = assert_one_line_error(cuecard(*args, env=env, timeout=60))
    assert f"{command} " in line
    installs = line.split(command, 1)[1].split("(")[0].split()
    assert set(wanted) <= set(installs)
    assert len(installs) == len(set(installs)), "each package once"
    family = syslibs.os_family({"CUECARD_OS_RELEASE": env["CUECARD_OS_RELEASE"]})
    assert family is not None
    present = {syslibs.QT_XCB_LIBRARIES[lib][family] for lib in HAVE}
    assert not present & set(installs), "asks only for what is missing"
    assert "cuecard demo" in line


def test_an_unknown_distribution_gets_the_library_names(
    half_a_desktop: dict[str, str], tmp_path: Path
) -> None:
    env = {**half_a_desktop, "CUECARD_OS_RELEASE": os_release(tmp_path, "ID=gentoo\n")}
    line = assert_one_line_error(cuecard("app", env=env, timeout=60))
    assert "libxcb-cursor.so.0" in line and "libEGL.so.1" not in line


@pytest.mark.parametrize(
    ("env", "checked"),
    [
        ({"QT_QPA_PLATFORM": "offscreen"}, False),
        ({"QT_QPA_PLATFORM": "wayland"}, False),
        ({"QT_QPA_PLATFORM": "xcb"}, True),
        ({"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"}, False),
        ({"XDG_SESSION_TYPE": "x11", "DISPLAY": ":0"}, True),
    ],
)
def test_only_the_xcb_platform_is_checked(env: dict[str, str], checked: bool) -> None:
    empty = {"CUECARD_LIBDIRS": "/nonexistent", **env}
    assert (syslibs.preflight_problem(empty) is not None) is checked


def test_this_machine_passes_the_check_it_ships() -> None:
    """The suite's own desktop tests run here, so the real check must find every library."""
    assert syslibs.missing_libraries({}) == []


def test_every_library_names_a_package_for_every_distribution() -> None:
    for lib, names in syslibs.QT_XCB_LIBRARIES.items():
        assert set(names) == set(syslibs.SHOWN) == set(syslibs.INSTALLERS), lib


@pytest.fixture
def bootstrap() -> ModuleType:
    return load(REPO / "run.py", "run_for_qt")


def test_run_py_installs_from_the_same_table(
    bootstrap: ModuleType, half_a_desktop: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """One table: ./run app and ./run test read the app's own, by path, not a copy."""
    assert "libxcb-cursor" not in (REPO / "run.py").read_text()
    assert bootstrap.syslibs().QT_XCB_LIBRARIES == syslibs.QT_XCB_LIBRARIES
    monkeypatch.setenv("CUECARD_LIBDIRS", half_a_desktop["CUECARD_LIBDIRS"])
    missing = bootstrap.missing_system_packages()
    assert "libxcb-cursor0" in missing and "libegl1" not in missing


def test_run_app_without_the_package_manager_says_what_to_install(
    bootstrap: ModuleType, half_a_desktop: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    for key, value in half_a_desktop.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(bootstrap.Fail, match=r"missing for the desktop: .*libxcb-cursor0"):
        bootstrap.ensure_app_packages()
