"""A crashed cuecard leaves no core file: not the key, not the prompt, not the document.

Real crashes: each child runs with the core limit raised to its hard limit (as
``ulimit -c unlimited`` does), in a folder of its own that the kernel's
``core_pattern`` writes into, and is sent SIGSEGV or SIGABRT while it holds a
canary key and prompt. A control child that is not cuecard, crashed the same
way, must leave a core holding its canary: that proves the machine dumps, so
the absence for cuecard means something.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import cuecard
from cuecard.privacy.nodump import dumps_forbidden
from fakes.provider_server import FakeProviderServer, Reply

CANARY_KEY = "sk-test-" + "canary-core-" + "0123456789abcdef" + "DUMPKEY"  # fake, built at run time
CANARY_PROMPT = "Tell me about the zebracorn migration"
PATTERN = Path("/proc/sys/kernel/core_pattern")
# the children run in folders of their own: they must import this same cuecard
SRC = str(Path(cuecard.__file__).resolve().parents[1])


def child_env(**extra: str) -> dict[str, str]:
    """This test's environment (its CUECARD_HOME included), importing this same cuecard."""
    path = os.pathsep.join([SRC, os.environ.get("PYTHONPATH", "")])
    return {**os.environ, "PYTHONPATH": path, **extra}


def _raise_core_limit() -> None:
    _soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))


def _pipes_to_a_helper() -> bool:
    return PATTERN.read_text().startswith("|")


def _crash(child: subprocess.Popen[bytes], sig: signal.Signals, folder: Path) -> list[bytes]:
    os.kill(child.pid, sig)
    child.wait(timeout=60)
    assert child.returncode == -sig, child.returncode
    time.sleep(0.2)
    cores = []
    for path in folder.iterdir():
        if path.name.startswith("core"):
            cores.append(path.read_bytes())
            path.unlink()  # tens of MB each
    return cores


def _limits(pid: int) -> str:
    return next(
        line for line in Path(f"/proc/{pid}/limits").read_text().splitlines()
        if line.startswith("Max core file size")
    )  # fmt: skip


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="core_pattern is Linux's")
def test_the_machine_dumps_a_plain_python_process(tmp_path: Path) -> None:
    """The control: without cuecard, the same crash leaves a core holding the canary."""
    if _pipes_to_a_helper():
        pytest.fail(
            f"core_pattern pipes to a helper ({PATTERN.read_text().strip()}): the crash tests "
            "need a file pattern such as `core` to see what a crash leaves"
        )
    child = subprocess.Popen(
        [sys.executable, "-c", f"import time; k = {CANARY_KEY!r} * 3; time.sleep(60)"],
        cwd=tmp_path, preexec_fn=_raise_core_limit,  # noqa: PLW1509 - only sets a limit
    )  # fmt: skip
    time.sleep(0.5)
    cores = _crash(child, signal.SIGSEGV, tmp_path)
    assert cores and any(CANARY_KEY.encode() in core for core in cores)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="core_pattern is Linux's")
@pytest.mark.parametrize("sig", [signal.SIGSEGV, signal.SIGABRT])
def test_ask_crashed_while_the_provider_holds_the_prompt_leaves_no_core(
    tmp_path: Path, cuecard_home: Path, sig: signal.Signals
) -> None:
    work = tmp_path / "cwd"
    work.mkdir()
    with FakeProviderServer(default=Reply(hang=True)) as srv:
        (cuecard_home / "config").mkdir(parents=True, exist_ok=True)
        (cuecard_home / "config" / "config.toml").write_text(
            f'[assist]\nprovider = "openai"\n[assist.openai]\nbase_url = "{srv.openai_base_url}"\n',
            encoding="utf-8",
        )
        child = subprocess.Popen(
            [sys.executable, "-m", "cuecard", "ask", CANARY_PROMPT, "--sample"],
            cwd=work, env=child_env(CUECARD_OPENAI_KEY=CANARY_KEY),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=_raise_core_limit,  # noqa: PLW1509 - only sets a limit
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while not srv.generations and time.monotonic() < deadline:
            time.sleep(0.02)
        assert srv.generations and srv.generations[0].api_key == CANARY_KEY
        assert _limits(child.pid).split()[4] == "0"  # the soft limit, read back from the kernel
        cores = _crash(child, sig, work)
    assert cores == [], f"{len(cores)} core file(s) left by a crashed `cuecard ask`"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="core_pattern is Linux's")
def test_the_document_worker_crashed_mid_read_leaves_no_core(tmp_path: Path) -> None:
    """The PDF worker is its own process; it turns dumps off too (it imports cuecard first)."""
    work = tmp_path / "cwd"
    work.mkdir()
    fifo = tmp_path / "resume.pdf"
    os.mkfifo(fifo)
    child = subprocess.Popen(
        [sys.executable, "-m", "cuecard.profile.extract", "pdf", str(fifo), "50", "100000",
         str(2**30), "30"],
        cwd=work, env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        preexec_fn=_raise_core_limit,  # noqa: PLW1509 - only sets a limit
    )  # fmt: skip
    with open(fifo, "wb") as feed:  # the worker is reading: it holds what was written so far
        feed.write(b"%PDF-1.4\n% " + CANARY_KEY.encode() * 50 + b"\n")
        feed.flush()
        time.sleep(1.0)
        assert _limits(child.pid).split()[4] == "0"
        cores = _crash(child, signal.SIGABRT, work)
    assert cores == []


def test_this_process_is_not_dumpable_once_cuecard_is_imported() -> None:
    state = dumps_forbidden()
    assert state["core_limit"] == 0
    if sys.platform.startswith("linux"):
        assert state["dumpable"] == 0


def test_a_child_started_with_dumps_allowed_turns_them_off_on_import() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", "import cuecard, json; from cuecard.privacy.nodump import "
         "dumps_forbidden; print(json.dumps(dumps_forbidden()))"],
        capture_output=True, text=True, check=True, timeout=60,
        preexec_fn=_raise_core_limit,
    )  # fmt: skip
    state = json.loads(proc.stdout)
    assert state["core_limit"] == 0
