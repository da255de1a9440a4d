"""Below the Python guard: every command, traced from outside, reaches nothing it should not.

Each test runs real cuecard commands in a fresh user account (HOME, TMPDIR,
XDG_RUNTIME_DIR) under ``strace -f`` (see ``native_trace``), with every
vendor variable scrubbed so only cuecard's own switches count, and asserts:

- no ``connect``/``sendto`` from any thread or child to anything but the
  configured provider's host:port and the services the test itself started
  (its D-Bus keychain, PulseAudio, X server): no DNS query, no resolver
  socket, no vendor host, no other loopback port;
- nothing written outside cuecard's own folders: no vendor device id or cache
  in HOME, nothing left in TMPDIR, no file created anywhere else.

The commands are those a user runs: ``demo``, ``replay`` (kept, then ``data
export`` and ``data erase``), ``ask`` offline and against a loopback provider,
``doctor`` with all three cloud SDKs, ``listen`` on PulseAudio null sinks, and
the desktop app (``demo --gui``) on Xvfb. ``--fast`` and short clips keep the
whole file near a minute; the app stays open 16 s, longer than onnxruntime's
telemetry took to look up its host when it was on.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from fakes.provider_server import FakeProviderServer, Reply
from live.pulse_server import PulseServer
from privacy.conftest import PrivateKeychain
from privacy.native_trace import (
    Machine,
    Run,
    reached,
    run_traced,
    unexpected_contacts,
    unexpected_writes,
)
from privacy.support import fake_key
from xserver import running_xvfb

pytestmark = pytest.mark.skipif(
    shutil.which("strace") is None, reason="strace is installed by ./run test; needed here"
)

QUESTION = "Tell me about a time you disagreed with a teammate."
OPEN_S = 16.0
"""How long the app stays open: onnxruntime's telemetry, when it was on, looked up its host
about 9 s after the VAD session was created, a few seconds after the app starts."""


@pytest.fixture(scope="module")
def provider() -> Iterator[FakeProviderServer]:
    with FakeProviderServer(default=Reply(text="- Measured first\n- Then changed it")) as srv:
        yield srv


@pytest.fixture
def machine(tmp_path: Path) -> Machine:
    return Machine.fresh(tmp_path / "machine")


def keychain_sockets(keychain: PrivateKeychain) -> list[str]:
    """The Unix socket of the test's own D-Bus (``unix:path=…`` or ``unix:abstract=…``)."""
    address = keychain.env["DBUS_SESSION_BUS_ADDRESS"]
    found = []
    for part in address.split(";"):
        for kv in part.removeprefix("unix:").split(","):
            key, _, value = kv.partition("=")
            if key == "path":
                found.append(value)
            elif key == "abstract":
                found.append("@" + value)
    assert found, address
    return found


def provider_config(srv: FakeProviderServer, provider: str = "openai", *fallback: str) -> str:
    sections = [f'[assist]\nprovider = "{provider}"\nfallback = {json.dumps(list(fallback))}\n']
    urls = {"openai": srv.openai_base_url, "anthropic": srv.anthropic_base_url,
            "google": srv.google_base_url, "local": srv.openai_base_url}  # fmt: skip
    for name in (provider, *fallback):
        sections.append(f'[assist.{name}]\nbase_url = "{urls[name]}"\n')
    return "\n".join(sections)


def assert_silent(
    run: Run,
    machine: Machine,
    *,
    providers: list[tuple[str, int]] | None = None,
    sockets: list[str] | None = None,
    stopped: bool = False,
) -> None:
    wanted = 130 if stopped else 0  # a session Ctrl-C ended exits 130, as terminal tools do
    assert run.returncode == wanted, (run.args, run.returncode, run.stderr[-2000:])
    assert "Traceback" not in run.stderr, run.stderr[-2000:]
    contacts = unexpected_contacts(run.trace, providers=providers or [], sockets=sockets or [])
    assert contacts == [], f"cuecard {' '.join(run.args)} reached: {contacts}"
    writes = unexpected_writes(run.trace, machine)
    assert writes == [], f"cuecard {' '.join(run.args)} wrote outside its account: {writes}"
    assert machine.stray_files() == [], f"cuecard {' '.join(run.args)} left vendor files"


# -- the tracer can see what it must (controls) ---------------------------------------


def test_control_the_tracer_sees_a_native_dns_lookup_and_a_vendor_file(machine: Machine) -> None:
    """A lookup from C (``getaddrinfo`` via ctypes, invisible to the guard) shows as DNS or a
    resolver socket, and a file written in HOME shows as a stray; so an empty result below
    means silence, not blindness."""
    code = (
        "import ctypes, ctypes.util, pathlib, os\n"
        "libc = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6')\n"
        "res = ctypes.c_void_p()\n"
        "libc.getaddrinfo(b'mobile.events.data.microsoft.com', b'443', None, ctypes.byref(res))\n"
        "p = pathlib.Path(os.environ['HOME'], '.cache', 'Vendor', 'deviceid')\n"
        "p.parent.mkdir(parents=True); p.write_text('x')\n"
    )
    trace_file = machine.root / "trace"
    subprocess.run(
        ["strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg,sendmmsg", "-o",
         str(trace_file), "python3", "-c", code],
        env=machine.env, check=True, timeout=60, capture_output=True,
    )  # fmt: skip
    from privacy.native_trace import parse

    contacts = unexpected_contacts(parse(trace_file.read_text()), providers=[])
    resolver = [c for c in contacts if "DNS" in c or "unix" in c]
    assert resolver, contacts
    assert machine.stray_files() == ["~/.cache/Vendor", "~/.cache/Vendor/deviceid"]


def test_off_switches_are_forced_over_the_users_values(machine: Machine) -> None:
    """A user's ``ORT_DISABLE_TELEMETRY=0`` (or any opposite value) does not win inside cuecard,
    and the libraries read the values as meant (google-auth compares with "true")."""
    from cuecard.privacy.quiet import OFF_SWITCHES

    machine.env.update({name: "0" for name in OFF_SWITCHES})
    code = (
        "import json, os, sys, cuecard\n"
        "from google.auth.compute_engine import _metadata\n"
        "from anthropic._tracing import env_open_telemetry\n"
        "print(json.dumps({'env': {k: os.environ[k] for k in sys.argv[1:]},\n"
        "  'gce_check_off': _metadata._NO_GCE_CHECK, 'anthropic': env_open_telemetry()}))"
    )
    proc = subprocess.run([sys.executable, "-c", code, *OFF_SWITCHES], env=machine.env,
                          capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    seen = json.loads(proc.stdout)
    assert seen["env"] == OFF_SWITCHES
    assert seen["gce_check_off"] is True
    assert seen["anthropic"] == {"traces": {"enabled": False}, "propagation": False}


# -- a default session: the bundled demo, and a recording replayed ---------------------


def test_demo_is_silent_and_writes_only_its_own_files(machine: Machine) -> None:
    run = run_traced(machine, "demo", "--fast", trace_file=machine.root / "trace")
    assert_silent(run, machine)
    assert "Microsoft" not in str(list(machine.home.rglob("*")))


def test_replay_kept_then_export_and_erase_are_silent(
    machine: Machine, testdata: Path, keychain: PrivateKeychain
) -> None:
    machine.env.update(keychain.env)
    sockets = keychain_sockets(keychain)
    replay = run_traced(machine, "replay", str(testdata / "jfk.flac"), "--fast", "--keep",
                        trace_file=machine.root / "trace-replay")  # fmt: skip
    assert_silent(replay, machine, sockets=sockets)
    export = run_traced(machine, "data", "export", trace_file=machine.root / "trace-export")
    assert_silent(export, machine, sockets=sockets)
    assert json.loads(export.stdout)["sessions"], export.stdout[:500]
    erase = run_traced(machine, "data", "erase", "--all", "--yes",
                       trace_file=machine.root / "trace-erase")  # fmt: skip
    assert_silent(erase, machine, sockets=sockets)
    assert reached(erase.trace, sockets[0])  # the keychain was really asked


# -- asking: offline, and a loopback provider through each cloud SDK -------------------


def test_ask_offline_is_silent(machine: Machine) -> None:
    run = run_traced(machine, "ask", QUESTION, "--sample", trace_file=machine.root / "trace")
    assert_silent(run, machine)
    assert run.stdout.strip()


def test_ask_and_doctor_reach_only_the_configured_provider(
    machine: Machine, provider: FakeProviderServer
) -> None:
    machine.config(provider_config(provider, "openai", "anthropic", "google"))
    machine.env.update(
        CUECARD_OPENAI_KEY=fake_key("sk-"), CUECARD_ANTHROPIC_KEY=fake_key("sk-ant-"),
        CUECARD_GOOGLE_KEY=fake_key("AIza"),
    )  # fmt: skip
    only = [("127.0.0.1", provider.port)]
    before = len(provider.requests)
    ask = run_traced(machine, "ask", QUESTION, "--sample", trace_file=machine.root / "trace-ask")
    assert_silent(ask, machine, providers=only)
    assert "Measured first" in ask.stdout
    doctor = run_traced(machine, "doctor", "--json", trace_file=machine.root / "trace-doctor")
    assert_silent(doctor, machine, providers=only)
    checked = {c["check"] for c in json.loads(doctor.stdout) if c["ok"]}
    assert {"provider openai", "provider anthropic", "provider google"} <= checked, doctor.stdout
    apis = {r.api for r in provider.requests[before:]}
    assert apis == {"openai", "anthropic", "google"}


# -- live capture on PulseAudio, and the desktop app on Xvfb ---------------------------


def test_listen_on_pulseaudio_is_silent(
    machine: Machine, fresh_pulse: PulseServer, testdata: Path
) -> None:
    pulse = fresh_pulse  # the suite's one sound server, every sink present
    machine.env["PULSE_SERVER"] = pulse.server
    # Every desktop account that has a sound server has its client cookie already;
    # libpulse would create it in a fresh HOME, which is the sound system's, not a vendor's.
    machine.provision(".config/pulse/cookie", os.urandom(256))
    state = {"played": None}

    def heard_something(proc: subprocess.Popen[str]) -> bool:
        if pulse.recording_streams() < 2:
            return False
        if state["played"] is None:
            player = pulse.play("call", testdata / "jfk.flac")
            player.wait(60)
            state["played"] = True
        return True

    run = run_traced(machine, "listen", "--json", "--mic", "Virtual Mic", "--loopback",
                     "Call Audio", trace_file=machine.root / "trace", until=heard_something,
                     timeout=120)  # fmt: skip
    assert_silent(run, machine, sockets=[str(pulse.socket)], stopped=True)
    assert reached(run.trace, str(pulse.socket))  # it did record from the sound server
    assert '"speaker": "interviewer"' in run.stdout, run.stdout[-1000:]


@pytest.fixture(scope="module")
def xvfb() -> Iterator[str]:
    """The display number alone ("N"), as ``DISPLAY=:N`` is built below."""
    with running_xvfb("1280x900") as display:
        yield display.lstrip(":")


def test_desktop_app_is_silent(machine: Machine, xvfb: str, provider: FakeProviderServer) -> None:
    machine.config(provider_config(provider, "local"))
    machine.env.update(DISPLAY=f":{xvfb}", QT_QPA_PLATFORM="xcb")
    opened = {"at": 0.0}

    def open_long_enough(proc: subprocess.Popen[str]) -> bool:
        import time

        opened["at"] = opened["at"] or time.monotonic()
        return time.monotonic() - opened["at"] > OPEN_S

    run = run_traced(machine, "demo", "--gui", "--fast", trace_file=machine.root / "trace",
                     until=open_long_enough, stop_signal=signal.SIGTERM)  # fmt: skip
    run.returncode = (
        0 if run.returncode in (-signal.SIGTERM, 128 + signal.SIGTERM) else run.returncode
    )
    display = [f"/tmp/.X11-unix/X{xvfb}", f"@/tmp/.X11-unix/X{xvfb}"]
    assert_silent(run, machine, providers=[("127.0.0.1", provider.port)], sockets=display)
    # It opened its window and asked the provider: the trace saw a working app.
    assert any(reached(run.trace, d) for d in display)
    assert reached(run.trace, f"127.0.0.1:{provider.port}")
