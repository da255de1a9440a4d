"""Native libraries from the system: where they are, without starting a program to ask.

Two needs, one stdlib-only module:

- What Qt's X11 (xcb) platform plugin needs. Qt's wheels bring Qt itself but
  not the X11 helper libraries its xcb plugin opens; without them Qt aborts
  (exit 134) with "Could not load the Qt platform plugin" and advice to
  reinstall, which does not help. ``cuecard app`` asks this module first and
  says in one line which packages to install; ``./run app`` and ``./run test``
  (run.py) read the same table to install them. run.py loads this file by
  path, so it imports nothing from cuecard: one table, two readers.
- Finding a shared library by name. ``ctypes.util.find_library`` on Linux
  starts ``ldconfig -p``, then ``gcc`` and ``ld``, to answer; cffi calls it for
  ``ffi.dlopen("pulse")`` (soundcard's PulseAudio backend), and the privacy
  report then listed "gcc, ld, ldconfig" after an ordinary session.
  ``find_library`` here reads the same folders the dynamic loader searches
  (LD_LIBRARY_PATH, /etc/ld.so.conf, the distribution's defaults) instead.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

# soname → the package that ships it: Debian/Ubuntu, Fedora, Arch.
QT_XCB_LIBRARIES: dict[str, dict[str, str]] = {
    "libEGL.so.1": {"debian": "libegl1", "fedora": "libglvnd-egl", "arch": "libglvnd"},
    "libxkbcommon-x11.so.0": {
        "debian": "libxkbcommon-x11-0",
        "fedora": "libxkbcommon-x11",
        "arch": "libxkbcommon-x11",
    },
    "libxcb-cursor.so.0": {
        "debian": "libxcb-cursor0",
        "fedora": "xcb-util-cursor",
        "arch": "xcb-util-cursor",
    },
    "libxcb-icccm.so.4": {
        "debian": "libxcb-icccm4",
        "fedora": "xcb-util-wm",
        "arch": "xcb-util-wm",
    },
    "libxcb-keysyms.so.1": {
        "debian": "libxcb-keysyms1",
        "fedora": "xcb-util-keysyms",
        "arch": "xcb-util-keysyms",
    },
    "libxcb-shape.so.0": {"debian": "libxcb-shape0", "fedora": "libxcb", "arch": "libxcb"},
    "libxcb-randr.so.0": {"debian": "libxcb-randr0", "fedora": "libxcb", "arch": "libxcb"},
    "libxcb-render-util.so.0": {
        "debian": "libxcb-render-util0",
        "fedora": "xcb-util-renderutil",
        "arch": "xcb-util-renderutil",
    },
    "libxcb-image.so.0": {
        "debian": "libxcb-image0",
        "fedora": "xcb-util-image",
        "arch": "xcb-util-image",
    },
    "libxcb-xinerama.so.0": {"debian": "libxcb-xinerama0", "fedora": "libxcb", "arch": "libxcb"},
    "libfontconfig.so.1": {
        "debian": "libfontconfig1",
        "fedora": "fontconfig",
        "arch": "fontconfig",
    },
    "libGL.so.1": {"debian": "libgl1", "fedora": "libglvnd-glx", "arch": "libglvnd"},
    "libdbus-1.so.3": {"debian": "libdbus-1-3", "fedora": "dbus-libs", "arch": "dbus"},
}

# Where distributions keep shared libraries; /etc/ld.so.conf and LD_LIBRARY_PATH add more.
LIBDIRS = (
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/lib/x86_64-linux-gnu",
    "/lib/aarch64-linux-gnu",
    "/usr/lib64",
    "/lib64",
    "/usr/lib",
    "/lib",
)

# How each family installs packages (run as root).
INSTALLERS: dict[str, list[list[str]]] = {
    "debian": [
        ["env", "DEBIAN_FRONTEND=noninteractive", "apt-get", "update", "-qq"],
        [
            "env",
            "DEBIAN_FRONTEND=noninteractive",
            "apt-get",
            "install",
            "-y",
            "-qq",
            "--no-install-recommends",
        ],
    ],
    "fedora": [["dnf", "install", "-y", "-q"]],
    "arch": [["pacman", "-S", "--needed", "--noconfirm"]],
}
PACKAGE_MANAGER = {"debian": "apt-get", "fedora": "dnf", "arch": "pacman"}
SHOWN = {"debian": "sudo apt install", "fedora": "sudo dnf install", "arch": "sudo pacman -S"}

# Test seams the real code reads: a library folder list and an os-release file.
LIBDIRS_ENV = "CUECARD_LIBDIRS"
OS_RELEASE_ENV = "CUECARD_OS_RELEASE"


def os_family(env: Mapping[str, str] | None = None) -> str | None:
    """debian, fedora or arch from /etc/os-release (ID, then ID_LIKE); None if another."""
    env = os.environ if env is None else env
    default = ["/etc/os-release", "/usr/lib/os-release"]
    paths = [env[OS_RELEASE_ENV]] if env.get(OS_RELEASE_ENV) else default
    fields: dict[str, str] = {}
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for line in text.splitlines():
            key, _, value = line.partition("=")
            fields[key.strip()] = value.strip().strip("\"'").lower()
        break
    names = [fields.get("ID", ""), *fields.get("ID_LIKE", "").split()]
    for name in names:
        if name in ("debian", "ubuntu"):
            return "debian"
        if name in ("fedora", "rhel", "centos"):
            return "fedora"
        if name in ("arch", "archlinux", "manjaro"):
            return "arch"
    return None


def _ld_so_conf(path: Path, seen: set[Path]) -> list[str]:
    """Folders named in ld.so.conf and the files it includes (no ldconfig started)."""
    if path in seen:
        return []
    seen.add(path)
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []
    found: list[str] = []
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if line.startswith("include "):
            for pattern in line.split()[1:]:
                base = Path(pattern)
                for included in sorted(Path(base.anchor or ".").glob(str(base).lstrip("/"))):
                    found += _ld_so_conf(included, seen)
        elif line:
            found.append(line)
    return found


def library_dirs(env: Mapping[str, str] | None = None) -> list[str]:
    """Where the dynamic loader would look, read from files (no ldconfig)."""
    env = os.environ if env is None else env
    if env.get(LIBDIRS_ENV):
        return env[LIBDIRS_ENV].split(os.pathsep)
    dirs = [d for d in env.get("LD_LIBRARY_PATH", "").split(os.pathsep) if d]
    dirs += _ld_so_conf(Path("/etc/ld.so.conf"), set())
    dirs += LIBDIRS
    return list(dict.fromkeys(dirs))


def find_library(name: str, env: Mapping[str, str] | None = None) -> str | None:
    """``ctypes.util.find_library`` for Linux, answered from the library folders.

    Returns the file name (``libpulse.so.0``) as ctypes does, the shortest
    versioned name first (the soname, not the full version), or None.
    """
    pattern = re.compile(rf"lib{re.escape(name)}\.so(\.[0-9]+)*")
    for folder in library_dirs(env):
        try:
            names = [n for n in os.listdir(folder) if pattern.fullmatch(n)]
        except OSError:
            continue
        versioned = [n for n in names if n != f"lib{name}.so"]
        if versioned or names:
            return min(versioned or names, key=lambda n: (len(n), n))
    return None


@contextlib.contextmanager
def no_spawn_lookup() -> Iterator[None]:
    """While a library loads its native parts: ``ctypes.util.find_library`` reads folders
    instead of starting ``ldconfig``, ``gcc`` and ``ld`` (Linux; elsewhere it starts nothing)."""
    if not sys.platform.startswith("linux"):
        yield
        return
    import ctypes.util

    original = ctypes.util.find_library
    ctypes.util.find_library = find_library
    try:
        yield
    finally:
        ctypes.util.find_library = original


def missing_libraries(env: Mapping[str, str] | None = None) -> list[str]:
    dirs = library_dirs(env)
    return [lib for lib in QT_XCB_LIBRARIES if not any(Path(d, lib).exists() for d in dirs)]


def packages(libraries: list[str], family: str) -> list[str]:
    """The distribution's packages for these sonames, each once, in table order."""
    return list(dict.fromkeys(QT_XCB_LIBRARIES[lib][family] for lib in libraries))


def uses_xcb(env: Mapping[str, str] | None = None) -> bool:
    """Whether Qt will load its xcb plugin: Linux, and no other platform chosen."""
    env = os.environ if env is None else env
    if not sys.platform.startswith("linux"):
        return False
    chosen = env.get("QT_QPA_PLATFORM", "").strip().lower()
    if chosen:
        return chosen.split(":")[0].split(";")[0] == "xcb"
    wayland = env.get("XDG_SESSION_TYPE") == "wayland" and env.get("WAYLAND_DISPLAY")
    return not wayland


def preflight_problem(env: Mapping[str, str] | None = None) -> str | None:
    """One line naming what to install when Qt's xcb plugin would not load; None if fine."""
    if not uses_xcb(env):
        return None
    missing = missing_libraries(env)
    if not missing:
        return None
    family = os_family(env)
    if family is None:
        return (
            f"the desktop needs these X11 libraries, missing here: {' '.join(missing)}; "
            "install the packages that provide them (or use `cuecard demo` in the terminal)"
        )
    names = " ".join(packages(missing, family))
    return (
        f"the desktop needs Qt's X11 libraries: {SHOWN[family]} {names} "
        "(or ./run app installs them), or use `cuecard demo` in the terminal"
    )
