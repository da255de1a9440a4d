"""Run cuecard as a user would, with ``strace -f`` watching every thread, and read what it did.

The egress guard lives inside Python and cannot see native sockets; this looks
from outside the process instead. ``strace -f`` follows every thread and every
child process and records each ``connect()``, each ``sendto``/``sendmsg`` that
names an address (a UDP DNS query does), and each call that creates or writes
a file. strace rather than a private network namespace: it needs no user
namespaces (often disabled for non-root users in CI), it works the same as
root and not, and it sees an attempt even where the network would refuse it.

Name lookups are caught where they must go: a DNS server (port 53, loopback
resolvers such as 127.0.0.53 included) or a resolver daemon's socket (nscd,
systemd-resolved, avahi) — every Unix socket that is not one the test started
itself is reported, so none of these can pass unnoticed.

A "machine" is a fresh HOME, TMPDIR and XDG_RUNTIME_DIR; everything the
command wrote outside cuecard's own folders (a vendor's device id, a cache) is
reported by a scan of those folders and by the traced file writes elsewhere.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

SYSCALLS = (
    "connect,sendto,sendmsg,sendmmsg,"
    "openat,open,creat,mkdir,mkdirat,rename,renameat,renameat2,link,linkat,symlink,symlinkat"
)

# Variables that could hide a vendor's default: a test of cuecard's own switches starts
# without them (cuecard must set what it needs itself).
_SCRUBBED_PREFIXES = ("ORT_", "HF_", "XDG_", "OTEL_", "ANTHROPIC_", "CUECARD_", "PULSE_", "QT_")
_SCRUBBED = {
    "DO_NOT_TRACK", "DISABLE_TELEMETRY", "NO_GCE_CHECK", "DISPLAY", "WAYLAND_DISPLAY",
    "DBUS_SESSION_BUS_ADDRESS", "PYTHON_KEYRING_BACKEND", "OPENAI_API_KEY",
    "GOOGLE_API_KEY", "GEMINI_API_KEY", "SSL_KEYLOG_FILE",
}  # fmt: skip
CI_MARKERS = frozenset({
    "CI", "CONTINUOUS_INTEGRATION", "BUILD_ID", "TF_BUILD", "GITHUB_ACTIONS", "GITLAB_CI",
    "CIRCLECI", "TRAVIS", "JENKINS_URL", "CODEBUILD_BUILD_ID", "BUILDKITE", "TEAMCITY_VERSION",
    "APPVEYOR", "BITBUCKET_BUILD_NUMBER",
})  # fmt: skip
"""Variables by which vendors tell a CI machine: onnxruntime stays quiet when one is set, so a
traced command must run without them or CI would prove nothing about a user's laptop."""
_SCRUBBED |= CI_MARKERS

CUECARD_DIRS = (".config/cuecard", ".local/share/cuecard", ".local/state/cuecard",
                ".cache/cuecard")  # fmt: skip
"""cuecard's own folders under a fresh HOME on Linux (platformdirs)."""

_INET = re.compile(
    r"sa_family=AF_INET, sin_port=htons\((?P<port>\d+)\), "
    r"sin_addr=inet_addr\(\"(?P<addr>[^\"]+)\"\)"
)
_INET6 = re.compile(
    r"sa_family=AF_INET6, sin6_port=htons\((?P<port>\d+)\).*?"
    r"inet_pton\(AF_INET6, \"(?P<addr>[^\"]+)\""
)
_UNIX = re.compile(r"sa_family=AF_UNIX, sun_path=(?P<path>@?\"[^\"]*\")")
_OTHER_FAMILY = re.compile(r"sa_family=(?P<family>AF_(?!INET\b|INET6\b|UNIX\b|NETLINK\b)\w+)")
_LINE = re.compile(r"^(?P<pid>\d+)\s+(?P<call>\w+)\((?P<args>.*)$")
_WRITE_FLAGS = re.compile(r"O_WRONLY|O_RDWR|O_CREAT|O_TRUNC|O_APPEND")
_PATHS = re.compile(r"\"((?:[^\"\\]|\\.)*)\"")


@dataclass(frozen=True)
class Contact:
    """One attempt to reach something over a socket: who, how, where."""

    pid: int
    call: str
    family: str  # inet, unix, other
    address: str  # "127.0.0.1:8080", "/run/x.sock", "@abstract"
    port: int = 0


@dataclass
class Trace:
    contacts: list[Contact] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    lines: int = 0


def parse(text: str) -> Trace:
    """What a ``strace -f -e trace=SYSCALLS`` log shows: socket destinations and written paths."""
    trace = Trace()
    for raw in text.splitlines():
        trace.lines += 1
        m = _LINE.match(raw)
        if m is None:
            continue  # "<... resumed>" halves carry no address; the first half has it
        pid, call, args = int(m["pid"]), m["call"], m["args"]
        if call in ("connect", "sendto", "sendmsg", "sendmmsg"):
            for pattern in (_INET, _INET6):
                for a in pattern.finditer(args):
                    host = a["addr"]
                    shown = f"[{host}]" if ":" in host else host
                    trace.contacts.append(
                        Contact(pid, call, "inet", f"{shown}:{a['port']}", int(a["port"]))
                    )
            for u in _UNIX.finditer(args):
                path = u["path"].replace('"', "")
                if path:  # an unnamed socket (socketpair peer) names nothing
                    trace.contacts.append(Contact(pid, call, "unix", path))
            for o in _OTHER_FAMILY.finditer(args):
                trace.contacts.append(Contact(pid, call, "other", o["family"]))
            continue
        failed = re.search(r"\)\s+=\s+-1\s", raw) is not None
        if failed:
            continue
        paths = _PATHS.findall(args)
        if call in ("openat", "open"):
            if _WRITE_FLAGS.search(args) and paths:
                trace.writes.append(paths[0])
        elif call == "creat" or call.startswith("mkdir"):
            if paths:
                trace.writes.append(paths[0])
        elif call.startswith(("rename", "link", "symlink")) and paths:
            trace.writes.append(paths[-1])  # the new name
    return trace


def is_loopback(host: str) -> bool:
    host = host.strip("[]")
    return host.startswith("127.") or host in ("::1", "::ffff:127.0.0.1")


@dataclass
class Machine:
    """A fresh user account, as far as cuecard and its libraries can tell."""

    root: Path
    env: dict[str, str]
    baseline: dict[str, float] = field(default_factory=dict)

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def tmp(self) -> Path:
        return self.root / "tmp"

    @property
    def runtime(self) -> Path:
        return self.root / "run"

    @classmethod
    def fresh(cls, root: Path, extra_env: dict[str, str] | None = None) -> Machine:
        for sub in ("home", "tmp", "run"):
            (root / sub).mkdir(parents=True, mode=0o700)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(_SCRUBBED_PREFIXES) and k not in _SCRUBBED}  # fmt: skip
        env.update(
            HOME=str(root / "home"), TMPDIR=str(root / "tmp"),
            XDG_RUNTIME_DIR=str(root / "run"), PYTHONDONTWRITEBYTECODE="1",
        )  # fmt: skip
        env.update(extra_env or {})
        return cls(root, env)

    def config(self, text: str) -> Path:
        path = self.home / ".config" / "cuecard" / "config.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def provision(self, relative: str, content: bytes) -> None:
        """A file the account already has before cuecard runs (a desktop's sound-server cookie).

        It is part of the baseline: left alone it is not a stray, changed it is.
        """
        path = self.home / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        for p in (path, *path.parents):
            if p == self.home:
                break
            self.baseline[str(p)] = p.stat().st_mtime if p.is_file() else -1.0

    def stray_files(self) -> list[str]:
        """Anything new or changed in HOME outside cuecard's folders, anything left in TMPDIR."""
        own = [self.home / d for d in CUECARD_DIRS]
        stray = []
        for path in sorted(self.home.rglob("*")):
            if any(path == d or d in path.parents for d in own):
                continue
            if path.is_dir() and any(path in d.parents for d in own):
                continue  # ~/.config, ~/.local/share…: the parents of cuecard's own folders
            known = self.baseline.get(str(path))
            if known is not None and (known == -1.0 or path.stat().st_mtime == known):
                continue  # the account had it before, unchanged
            stray.append("~/" + str(path.relative_to(self.home)))
        stray += ["$TMPDIR/" + str(p.relative_to(self.tmp)) for p in sorted(self.tmp.rglob("*"))]
        return stray


@dataclass
class Run:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    trace: Trace
    seconds: float


def run_traced(
    machine: Machine,
    *args: str,
    trace_file: Path,
    timeout: float = 180,
    stdin: str | None = None,
    until: Callable[[subprocess.Popen[str]], bool] | None = None,
    stop_signal: signal.Signals = signal.SIGINT,
) -> Run:
    """Run ``python -m cuecard ARGS`` under strace in ``machine``.

    With ``until``, the command is stopped with ``stop_signal`` once ``until``
    says so (a live session ends on Ctrl-C), signalled directly, not via strace.
    """
    cmd = ["strace", "-f", "-qq", "--seccomp-bpf", "-e", f"trace={SYSCALLS}",
           "-e", "signal=none", "-o", str(trace_file),
           sys.executable, "-m", "cuecard", *args]  # fmt: skip
    started = time.monotonic()
    proc = subprocess.Popen(
        cmd, env=machine.env, cwd=machine.home, text=True,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        if until is not None:
            deadline = started + timeout
            while not until(proc):
                if proc.poll() is not None:
                    break
                if time.monotonic() > deadline:
                    raise TimeoutError(f"cuecard {' '.join(args)}: never got ready")
                time.sleep(0.1)
            child = traced_child(proc.pid)
            if child is not None and proc.poll() is None:
                os.kill(child, stop_signal)
        stdout, stderr = proc.communicate(stdin, timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return Run(args, proc.returncode, stdout, stderr, parse(trace_file.read_text(errors="replace")),
               time.monotonic() - started)  # fmt: skip


def traced_child(strace_pid: int) -> int | None:
    """The pid of the program strace started (its first child)."""
    for task in Path(f"/proc/{strace_pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        if children:
            return int(children[0])
    return None


def reached(trace: Trace, address: str) -> bool:
    """Whether any thread connected to ``address`` ("127.0.0.1:8080", a socket path or prefix)."""
    return any(c.call == "connect" and c.address.startswith(address) for c in trace.contacts)


def unexpected_contacts(
    trace: Trace, *, providers: Iterable[tuple[str, int]] = (), sockets: Iterable[str] = ()
) -> list[str]:
    """Every socket destination other than the configured providers and the test's own services.

    ``sockets``: Unix socket paths (or prefixes, or ``@abstract`` names) of the
    services the test started (its D-Bus, PulseAudio, X server).
    """
    allowed_inet = {(host, port) for host, port in providers}
    allowed_unix = tuple(sockets)
    bad = []
    for c in trace.contacts:
        if c.family == "inet":
            host = c.address.rsplit(":", 1)[0].strip("[]")
            if c.port == 53:
                bad.append(f"{c.call} {c.address} (a DNS lookup) by pid {c.pid}")
            elif (host, c.port) not in allowed_inet:
                where = "loopback, not a configured provider" if is_loopback(host) else "network"
                bad.append(f"{c.call} {c.address} ({where}) by pid {c.pid}")
        elif c.family == "unix":
            if not c.address.startswith(allowed_unix) or not allowed_unix:
                bad.append(f"{c.call} unix {c.address} by pid {c.pid}")
        else:
            bad.append(f"{c.call} {c.address} by pid {c.pid}")
    return sorted(set(bad))


_WRITABLE_SYSTEM = ("/dev/null", "/dev/shm/sem.", "/dev/shm/pulse-shm-", "/dev/tty", "/dev/pts/",
                    "/proc/self/", "/dev/snd/")  # fmt: skip


def unexpected_writes(trace: Trace, machine: Machine, *, also: Iterable[str] = ()) -> list[str]:
    """Files or folders created or written outside the machine and a few system places.

    Inside the machine, :meth:`Machine.stray_files` judges what is left; here
    what matters is a write anywhere else (``/var/tmp``, ``/etc``, the repo).
    """
    ok = (str(machine.root), *_WRITABLE_SYSTEM, *also)
    bad = set()
    for path in trace.writes:
        absolute = path if path.startswith("/") else str(machine.home / path)
        if not absolute.startswith(ok):
            bad.add(absolute)
    return sorted(bad)
