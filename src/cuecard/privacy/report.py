"""What left this device, grouped by destination, with a one-line verdict.

Used by ``cuecard privacy report`` (every command's traffic, from the
persistent ledger; or a kept session's), by the terminal view's status line,
and by the desktop app. It reads only the ledger, which holds no content, so a
report can be shown or pasted anywhere.

Truthful by construction: a destination counts as reached as soon as one
connection to it opened (a loopback server included: a local port can be a
tunnel elsewhere), bytes are only those that went out on connections that
opened, and the verdict says "nothing left this device" only when no
connection opened at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from cuecard import catalog
from cuecard.privacy.ledger import Ledger, LedgerEntry


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or ``localhost``: the report marks such a destination "this device"."""
    import ipaddress

    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


_PROVIDER_LABELS = frozenset(n for n, p in catalog.PROVIDERS.items() if p.sends_prompt)


@dataclass(frozen=True, slots=True)
class DestinationSummary:
    """One host and port: who it was for (``labels``: the providers), and what went there.

    ``opened``: connections that were established; ``not_opened``: allowed
    attempts that failed before (refused, timed out), which sent nothing.
    """

    host: str
    port: int
    labels: tuple[str, ...]
    purposes: tuple[str, ...]
    layers: tuple[str, ...]
    allowed: int
    blocked: int
    errors: int
    bytes_sent: int
    bytes_received: int
    first: float
    last: float
    opened: int = 0
    not_opened: int = 0
    commands: tuple[str, ...] = ()
    sessions: tuple[str, ...] = ()

    @property
    def address(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def reached(self) -> bool:
        """Something went out to it: a connection opened."""
        return self.opened > 0


@dataclass(frozen=True, slots=True)
class ProcessSummary:
    program: str
    allowed: int
    blocked: int
    why: str = ""
    """In words, from the reason the guard recorded; empty when it gave none."""


PROGRAM_WHY = {
    "document-reader": "reads a PDF or DOCX you added, in a sealed process with no network",
    "library-lookup": "a library looking for a shared library by name (ctypes.util.find_library)",
}


@dataclass(frozen=True, slots=True)
class Report:
    destinations: tuple[DestinationSummary, ...]
    processes: tuple[ProcessSummary, ...]
    blocked: int
    verdict: str

    @property
    def reached(self) -> tuple[DestinationSummary, ...]:
        """Destinations at least one connection opened to."""
        return tuple(d for d in self.destinations if d.reached)

    def to_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "blocked": self.blocked,
            "destinations": [asdict(d) for d in self.destinations],
            "processes": [asdict(p) for p in self.processes],
        }


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _verdict(
    reached: list[DestinationSummary], attempted: list[DestinationSummary], blocked: int
) -> str:
    tail = f"{blocked} blocked"
    if not reached:
        if attempted:
            tries = sum(d.not_opened for d in attempted)
            tried = sorted({label for d in attempted for label in d.labels})
            to = f" to {', '.join(tried)}" if tried else ""
            return (
                f"nothing left this device: {_plural(tries, 'connection attempt')}{to} "
                f"failed before anything was sent; {tail}"
            )
        return f"nothing left this device; {tail}"
    labels = sorted({label for d in reached for label in d.labels if label})
    names = f" ({', '.join(labels)})" if labels else ""
    n = len(reached)
    quantifier = "" if n == 1 else "both " if n == 2 else "all "
    if labels and set(labels) <= _PROVIDER_LABELS:
        what = "your configured provider" if n == 1 else "your configured providers"
    else:
        what = "allowed by your config"
    return f"{_plural(n, 'destination')}, {quantifier}{what}{names}; {tail}"


def _may_have_opened(entry: LedgerEntry) -> bool:
    """Whether this entry's connection may have carried bytes out (the conservative reading).

    Opened, or bytes counted (whatever ``opened`` says), or an allowed request
    that never finished: its process was killed after the write-ahead record
    and before the outcome, so nobody can say it sent nothing.
    """
    if entry.opened or entry.bytes_sent or entry.bytes_received:
        return True
    return (
        entry.layer == "http"
        and entry.outcome == "allowed"
        and not entry.reason
        and not entry.duration_s
    )


def _never_opened(entry: LedgerEntry) -> bool:
    """An allowed request that failed (or was cancelled) before its connection opened."""
    return (
        entry.layer == "http"
        and not _may_have_opened(entry)
        and (entry.outcome == "error" or entry.reason == "cancelled")
    )


def _labels(entries: Iterable[LedgerEntry]) -> tuple[str, ...]:
    """Provider names; a shared server's ``a|b`` label names each of them."""
    return tuple(sorted({part for e in entries for part in e.label.split("|") if part}))


def summarize(entries: Ledger | Iterable[LedgerEntry]) -> Report:
    """Group a ledger by destination (host and port) and say in one line what it means."""
    items = entries.entries() if isinstance(entries, Ledger) else list(entries)
    groups: dict[tuple[str, int], list[LedgerEntry]] = {}
    programs: dict[str, list[LedgerEntry]] = {}
    for e in items:
        if e.layer == "process":
            programs.setdefault(e.host, []).append(e)
        else:
            groups.setdefault((e.host, e.port), []).append(e)
    destinations = []
    for (host, port), group in groups.items():
        opened = [e for e in group if _may_have_opened(e)]
        destinations.append(
            DestinationSummary(
                host=host,
                port=port,
                labels=_labels(group),
                purposes=tuple(sorted({e.purpose for e in group})),
                layers=tuple(sorted({e.layer for e in group})),
                allowed=sum(e.outcome == "allowed" for e in group),
                blocked=sum(e.outcome == "blocked" for e in group),
                errors=sum(e.outcome == "error" for e in group),
                bytes_sent=sum(e.bytes_sent for e in opened),
                bytes_received=sum(e.bytes_received for e in opened),
                first=min(e.time for e in group),
                last=max(e.time for e in group),
                opened=len(opened),
                not_opened=sum(_never_opened(e) for e in group),
                commands=tuple(sorted({e.command for e in group if e.command})),
                sessions=tuple(sorted({e.session for e in group if e.session})),
            )
        )
    # traffic first (most bytes first), then attempts that never opened, then what was blocked
    destinations.sort(
        key=lambda d: (
            not d.reached,
            not (d.allowed or d.errors),
            -(d.bytes_sent + d.bytes_received),
            d.host,
        )
    )
    processes = tuple(
        ProcessSummary(
            name,
            sum(e.outcome == "allowed" for e in group),
            sum(e.outcome == "blocked" for e in group),
            next((PROGRAM_WHY[e.reason] for e in group if e.reason in PROGRAM_WHY), ""),
        )
        for name, group in sorted(programs.items())
    )
    blocked = sum(e.outcome == "blocked" for e in items)
    reached = [d for d in destinations if d.reached]
    attempted = [d for d in destinations if not d.reached and d.not_opened]
    return Report(tuple(destinations), processes, blocked, _verdict(reached, attempted, blocked))


def human_bytes(n: int) -> str:
    if n < 1000:
        return f"{n} B"
    for unit in ("kB", "MB", "GB"):
        n_f = n / 1000
        if n_f < 1000 or unit == "GB":
            return f"{n_f:.1f} {unit}"
        n = int(n_f)
    return f"{n} B"  # pragma: no cover


def render_text(report: Report, *, scope: str = "") -> str:
    """The report as a few lines for a terminal."""
    heading = "What left this device" + (f" ({scope})" if scope else "") + ":"
    lines = [heading]
    if not report.destinations:
        lines.append("  no connection was attempted")
    for d in report.destinations:
        label = ", ".join(d.labels) or "-"
        if d.allowed or d.errors:
            counts = _plural(d.allowed + d.errors, "request")
            extra = f", {d.errors} failed" if d.errors else ""
            extra += f", {d.not_opened} never connected" if d.not_opened else ""
            extra += f", {d.blocked} blocked" if d.blocked else ""
            where = " (this device)" if is_loopback(d.host) else ""
            lines.append(
                f"  {d.address + where:<40} {label:<14} {', '.join(d.purposes):<18} "
                f"{counts}{extra}; "
                f"{human_bytes(d.bytes_sent)} sent, {human_bytes(d.bytes_received)} received"
            )
        else:
            lines.append(
                f"  BLOCKED {d.address:<32} {'/'.join(d.purposes):<14} "
                f"{_plural(d.blocked, 'attempt')}, nothing sent"
            )
    if report.processes:
        progs = ", ".join(
            f"{p.program} ({p.why + '; ' if p.why else ''}{p.allowed} allowed, {p.blocked} blocked)"
            for p in report.processes
        )
        lines.append(f"Programs started: {progs}")
    lines.append(f"Verdict: {report.verdict}")
    return "\n".join(lines)


def status_line(ledger: Ledger) -> str:
    """One short line for the terminal view and the desktop app: where, how much, blocked."""
    report = summarize(ledger)
    reached = report.reached
    sent = sum(d.bytes_sent for d in reached)
    received = sum(d.bytes_received for d in reached)
    if not reached:
        where = "nothing sent"
    else:
        names = sorted({label for d in reached for label in d.labels}) or [d.host for d in reached]
        where = f"sent to {', '.join(names)}: {human_bytes(sent)} out, {human_bytes(received)} in"
    return f"egress: {where} · {report.blocked} blocked"
