"""No unexplained programs: an ordinary session starts no compiler or ldconfig.

``ctypes.util.find_library`` answers on Linux by starting ``ldconfig -p``, then
``gcc`` and ``ld``; cffi calls it for soundcard's ``dlopen("pulse")``, and the
privacy report listed "gcc, ld, ldconfig" after every live session. cuecard
reads the library folders instead (``cuecard.syslibs``); what it does start
is named in the report with why.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from live.pulse_server import PulseServer

LOOKUP_PROGRAMS = {
    "gcc",
    "cc",
    "ld",
    "ldconfig",
    "ldconfig.real",
    "objdump",
    "collect2",
    "x86_64-linux-gnu-gcc-12",
}


def cuecard(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cuecard", *args], capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip


def test_a_live_session_starts_no_compiler_or_ldconfig(
    fresh_pulse: PulseServer, tmp_path: Path
) -> None:
    """Watched from outside (strace follows every child): the audio backend loads before the
    egress guard is armed, so the report alone could miss a program started then."""
    trace = tmp_path / "exec.trace"
    listen = subprocess.run(
        ["strace", "-f", "-qq", "-e", "trace=execve", "-o", str(trace),
         sys.executable, "-m", "cuecard", "listen", "--no-answers", "--duration", "2"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert listen.returncode == 0, listen.stderr
    started = {
        Path(m.group(1)).name
        for m in re.finditer(r'execve\("([^"]+)"', trace.read_text())
        if "= -1" not in m.string[m.end() : m.string.find("\n", m.end())]
    }
    assert started, "the trace saw the interpreter start: it works"
    assert not started & LOOKUP_PROGRAMS, started

    report = cuecard("privacy", "report", "--json")
    assert report.returncode == 0, report.stderr
    listed = {p["program"] for p in json.loads(report.stdout)["processes"]}
    assert not listed & LOOKUP_PROGRAMS, listed


FIND_WITHOUT_PROGRAMS = textwrap.dedent(
    """
    import ctypes.util, json, sys
    from cuecard import syslibs

    names = ["pulse", "c", "m", "sndfile", "no-such-library-here"]
    stock = {n: ctypes.util.find_library(n) for n in names}  # starts programs: before the hook

    def no_programs(event, args):
        if event in ("subprocess.Popen", "os.posix_spawn", "os.exec", "os.system"):
            raise RuntimeError(f"started a program: {event} {args[:2]}")

    sys.addaudithook(no_programs)
    ours = {n: syslibs.find_library(n) for n in names}
    with syslibs.no_spawn_lookup():
        import cffi
        cffi.FFI().dlopen("pulse")  # what soundcard does
    print(json.dumps({"stock": stock, "ours": ours}))
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="find_library spawns on Linux")
def test_libraries_are_found_as_ctypes_finds_them_without_starting_a_program() -> None:
    done = subprocess.run([sys.executable, "-c", FIND_WITHOUT_PROGRAMS], capture_output=True,
                          text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["ours"] == found["stock"]
    assert found["ours"]["pulse"] == "libpulse.so.0"


NAMED_WITH_WHY = textwrap.dedent(
    """
    import ctypes.util
    from cuecard.privacy.policy import EgressPolicy
    from cuecard.privacy.tripwire import install_audit_hook
    from cuecard.privacy.ledger import Ledger
    from cuecard.privacy.report import render_text, summarize

    ledger = Ledger()
    install_audit_hook(EgressPolicy(), ledger)
    ctypes.util.find_library("no-such-library-here")  # a dependency doing it the old way
    print(render_text(summarize(ledger)))
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="find_library spawns on Linux")
def test_a_program_a_dependency_still_starts_is_named_with_why() -> None:
    done = subprocess.run([sys.executable, "-c", NAMED_WITH_WHY], capture_output=True,
                          text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    (line,) = [ln for ln in done.stdout.splitlines() if ln.startswith("Programs started: ")]
    assert "ldconfig (a library looking for a shared library by name" in line, line
