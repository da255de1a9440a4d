"""A private PulseAudio server with null sinks: real sound devices without hardware.

Used by the live tests and by bench/live_latency.py. The layout mimics a
laptop in a call:

- sink ``call`` (description "Call Audio"): where the call app plays; its
  monitor ``call.monitor`` is the interviewer's loopback;
- sink ``micfeed``: what the tests "say" into the microphone; the source
  ``virtmic`` ("Virtual Mic") remaps its monitor into a real input-class
  source, so it is listed and chosen like a microphone;
- sink ``speakers``: an idle default output, so "the default loopback" is not
  the call by accident.

Each sink gets a silent keep-alive stream at 20 ms latency, as a sound card in
use would: an idle null sink otherwise renders in 2 s blocks, so a recorder
waits 2 s for its first block and misses sound that starts meanwhile.

The daemon runs as the current user (root works: ``--system=no`` with a
warning) with its own runtime dir and socket, anonymous auth, no default
script (``-n``) so nothing but what we load exists, and never exits on idle.
Clients find it through ``PULSE_SERVER``.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

SINKS = {
    "speakers": "Laptop Speakers",
    "call": "Call Audio",
    "micfeed": "Mic Feed",
}
MIC_SOURCE = "virtmic"
MIC_DESCRIPTION = "Virtual Mic"


class PulseError(RuntimeError):
    pass


class PulseServer:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.socket = root / "native"
        self.server = f"unix:{self.socket}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.modules: dict[str, int] = {}
        self.keepalive: dict[str, subprocess.Popen[bytes]] = {}
        self.log = root / "pulse.log"

    # -- process -----------------------------------------------------------------
    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "PULSE_SERVER": self.server}

    def start(self) -> None:
        for tool in ("pulseaudio", "pactl", "paplay", "pacat"):
            if shutil.which(tool) is None:
                raise PulseError(f"{tool} is not installed (apt-get install pulseaudio "
                                 "pulseaudio-utils); `./run test` installs it")
        runtime = self.root / "runtime"
        runtime.mkdir(parents=True, exist_ok=True)
        runtime.chmod(0o700)
        env = {
            **os.environ,
            "HOME": str(self.root),
            "XDG_RUNTIME_DIR": str(runtime),
            "PULSE_RUNTIME_PATH": str(runtime),
            "PULSE_STATE_PATH": str(self.root / "state"),
        }
        env.pop("PULSE_SERVER", None)
        cmd = [
            "pulseaudio", "--daemonize=no", "--system=no", "-n", "--exit-idle-time=-1",
            "--disallow-exit", "--use-pid-file=no", "--log-target=stderr",
            f"--load=module-native-protocol-unix socket={self.socket} auth-anonymous=1",
        ]  # fmt: skip
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise PulseError(f"pulseaudio exited with {self.proc.returncode}: "
                                 f"{self.log.read_text(errors='replace')[-800:]}")
            if self.socket.exists() and self._pactl("info", check=False).returncode == 0:
                break
            time.sleep(0.1)
        else:
            self.stop()
            raise PulseError(f"pulseaudio did not come up: {self.log.read_text()[-800:]}")
        for name in SINKS:
            self.load_sink(name)
        self._pactl("set-default-sink", "speakers")
        self._pactl("set-default-source", MIC_SOURCE)

    def stop(self) -> None:
        for name in list(self.keepalive):
            self._stop_keepalive(name)
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self.proc = None

    # -- devices -----------------------------------------------------------------
    def _pactl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run(["pactl", *args], env=self.env, capture_output=True, text=True,
                              timeout=10)  # fmt: skip
        if check and proc.returncode != 0:
            raise PulseError(f"pactl {' '.join(args)}: {proc.stderr.strip()}")
        return proc

    def load_sink(self, name: str) -> None:
        out = self._pactl("load-module", "module-null-sink", f"sink_name={name}", "rate=48000",
                          f"sink_properties='device.description=\"{SINKS[name]}\"'")  # fmt: skip
        self.modules[name] = int(out.stdout.strip())
        with open("/dev/zero", "rb") as zeros:
            self.keepalive[name] = subprocess.Popen(
                ["pacat", "--playback", f"--device={name}", "--latency-msec=20",
                 "--format=s16le", "--rate=48000", "--channels=2"],
                stdin=zeros, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
        if name == "micfeed":
            self.modules[MIC_SOURCE] = int(self._pactl(
                "load-module", "module-remap-source", "master=micfeed.monitor",
                f"source_name={MIC_SOURCE}",
                f"source_properties='device.description=\"{MIC_DESCRIPTION}\"'",
            ).stdout.strip())  # fmt: skip

    def _stop_keepalive(self, name: str) -> None:
        proc = self.keepalive.pop(name, None)
        if proc is not None and proc.poll() is None:
            proc.terminate()
            proc.wait(5)

    def unload_sink(self, name: str) -> None:
        """Pull the device out, as unplugging a headset does (its monitor disappears)."""
        self._stop_keepalive(name)
        if name == "micfeed":
            self._pactl("unload-module", str(self.modules.pop(MIC_SOURCE)))
        self._pactl("unload-module", str(self.modules.pop(name)))

    def sources(self) -> list[str]:
        out = self._pactl("list", "short", "sources").stdout
        return [line.split("\t")[1] for line in out.splitlines() if line.strip()]

    def recording_streams(self) -> int:
        """Recording streams of clients (remap-source's own stream not counted)."""
        out = self._pactl("list", "short", "source-outputs").stdout
        return sum(1 for line in out.splitlines() if line.strip() and "remap" not in line)

    def play(self, sink: str, path: Path, volume: int | None = None) -> subprocess.Popen[bytes]:
        """Start playing a file into a sink at low latency, like a call app."""
        path = self.as_wav(path)
        cmd = ["paplay", f"--device={sink}"]
        if volume is not None:
            cmd.append(f"--volume={volume}")
        return subprocess.Popen([*cmd, str(path)], env=self.env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)  # fmt: skip

    def recording_from(self, source: str) -> int:
        """How many client recording streams read ``source`` now."""
        ids = {}
        for line in self._pactl("list", "short", "sources").stdout.splitlines():
            if line.strip():
                index, name = line.split("\t")[:2]
                ids[index] = name
        count = 0
        for line in self._pactl("list", "short", "source-outputs").stdout.splitlines():
            cols = line.split("\t")
            if len(cols) > 3 and "remap" not in cols[3] and ids.get(cols[1]) == source:
                count += 1
        return count

    def wait_until(self, predicate: object, timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():  # type: ignore[operator]
                return
            time.sleep(0.1)
        raise PulseError(f"timed out after {timeout} s waiting for {what}")

    def as_wav(self, path: Path) -> Path:
        """A WAV copy of ``path``: paplay stops FLAC files early (jfk.flac after about 2 s)."""
        if path.suffix.lower() == ".wav":
            return path
        import soundfile as sf

        out = self.root / f"{path.stem}.wav"
        if not out.exists():
            data, rate = sf.read(str(path), dtype="int16")
            sf.write(str(out), data, rate, subtype="PCM_16")
        return out

    def playing(self) -> int:
        """Playback streams other than the keep-alives (what a test left playing)."""
        out = self._pactl("list", "sink-inputs").stdout
        return out.count("application.name = ") - out.count('application.name = "pacat"')
