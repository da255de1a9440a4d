"""No core dumps: a crashed cuecard leaves no copy of its memory on disk.

A cuecard process holds the API key, the prompt and the transcript in memory.
With ``ulimit -c unlimited``, or where the system keeps every crash (Fedora's
and Arch's systemd-coredump, Ubuntu's apport), a SIGSEGV or SIGABRT wrote all
three into a core file outside what ``data where`` lists and ``data erase``
removes. So every cuecard process turns dumps off first thing:
``cuecard/__init__.py`` calls :func:`forbid_core_dumps`, and every entry point
(the CLI, the desktop app, the bundled app, the PDF/DOCX worker started as
``python -m cuecard.profile.extract``) imports ``cuecard`` before anything else.

- ``RLIMIT_CORE`` soft limit 0 (Linux, macOS, BSD): the kernel writes no core
  file, and systemd-coredump and apport, which the kernel hands a crash to
  through a pipe whatever the limit, read this limit and drop the dump. Child
  programs inherit it. The hard limit is left as it is, so a developer can
  still raise the limit for a process of their own; cuecard never raises it.
- ``prctl(PR_SET_DUMPABLE, 0)`` (Linux): no core even where the limit is
  raised again, and no other process of the same user may ptrace this one or
  read its ``/proc/PID/mem`` or ``environ``. The flag is reset by ``exec``, which
  is why each cuecard child process sets it again itself.
- Windows has no per-process switch that also stops Windows Error Reporting's
  LocalDumps, which a machine's administrator configures; PRIVACY.md says so.

Everything here is best effort and silent: a platform without a call keeps
running, because refusing to start would not make a dump less likely.
"""

from __future__ import annotations

import contextlib
import sys

PR_SET_DUMPABLE = 4
PR_GET_DUMPABLE = 3


def forbid_core_dumps() -> None:
    """Core limit 0 and (on Linux) not dumpable, for this process and what it starts."""
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        _soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
        resource.setrlimit(resource.RLIMIT_CORE, (0, hard))
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)  # the process's own libc, no lookup
            libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def dumps_forbidden() -> dict[str, object]:
    """What is in force now, read back from the kernel (``doctor`` and the tests show it)."""
    state: dict[str, object] = {}
    with contextlib.suppress(ImportError, ValueError, OSError):
        import resource

        state["core_limit"] = resource.getrlimit(resource.RLIMIT_CORE)[0]
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            state["dumpable"] = int(libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0))
    return state
