"""One session per device: a second session capturing the same device is refused.

Two sessions on one call (the desktop app and a terminal ``cuecard listen``,
or a second terminal) would transcribe and answer everything twice and
double the CPU load, in the minutes that matter most. So a live session
holds an exclusive lock per captured device, and a second one gets a
one-line refusal before any model loads.

The lock is an OS file lock (``flock`` on Linux and macOS, ``msvcrt.locking``
on Windows) on a file named after a hash of the device id, in cuecard's
runtime folder. The OS drops it when the process ends, however it ends
(Ctrl-C, a crash, ``kill -9``), so a lock file left behind never blocks the
next session. The holder writes its process id into the file for the
message. A file lock needs no new dependency (``filelock`` truncates the
file on every attempt, which would erase the holder's pid).
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
from typing import IO

from cuecard import paths
from cuecard.audio.errors import AudioError

__all__ = ["DeviceBusy", "DeviceLock", "lock_devices"]

log = logging.getLogger(__name__)

_PID_AT = 1
"""The pid is written after the locked first byte (Windows locks block reading it)."""


class DeviceBusy(AudioError):
    """Another cuecard session is capturing this device; the message says what to do."""


class DeviceLock:
    """An exclusive hold on one device for this process, until ``release`` or exit."""

    def __init__(self, device_id: str, label: str) -> None:
        """Take the lock or raise :class:`DeviceBusy` naming ``label`` (what the user picked)."""
        folder = paths.runtime_dir() / "devices"
        digest = hashlib.sha256(device_id.encode("utf-8")).hexdigest()[:24]
        self.path = folder / f"{digest}.lock"
        try:
            paths.private_dir(folder)
            fh = os.fdopen(paths.open_private(self.path, append=True, read=True), "a+b")
        except OSError as err:
            # Not being able to lock must not stop a session: it only loses the check.
            log.warning("device lock unavailable (%s); not checking for a second session",
                        type(err).__name__)  # fmt: skip
            self._fh: IO[bytes] | None = None
            return
        if not _try_lock(fh):
            holder = _read_pid(fh)
            fh.close()
            who = f"another cuecard session (process {holder})" if holder else (
                "another cuecard session"
            )
            raise DeviceBusy(
                f"{label} is already being captured by {who}; stop that session first "
                "(Ctrl-C there, or close the app), or pick another device"
            )
        fh.seek(0)
        fh.truncate()
        fh.write(b"\n" + str(os.getpid()).encode() + b"\n")
        fh.flush()
        self._fh = fh

    def release(self) -> None:
        """Let the next session have the device; safe to call twice."""
        fh, self._fh = self._fh, None
        if fh is not None:
            fh.close()  # closing the file drops the OS lock


def _read_pid(fh: IO[bytes]) -> int | None:
    try:
        fh.seek(_PID_AT)
        text = fh.read(32).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fh: IO[bytes]) -> bool:
        try:
            fh.seek(0)
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

else:
    import fcntl

    def _try_lock(fh: IO[bytes]) -> bool:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError as err:  # a file system without locks (some network mounts)
            log.warning("device lock unsupported here (%s)", type(err).__name__)
            return True
        return True


def lock_devices(devices: list[tuple[str, str]]) -> list[DeviceLock]:
    """Lock each (id, label) in turn; on a refusal, release those taken and re-raise."""
    held: list[DeviceLock] = []
    try:
        for device_id, label in devices:
            held.append(DeviceLock(device_id, label))
    except BaseException:
        for lock in held:
            lock.release()
        raise
    return held

