"""The session on its own thread and asyncio loop, talking to the window through Qt signals.

The window must never wait on audio, the speech model or the network: all of
it runs here, on a plain ``threading.Thread`` with its own event loop. Events
cross to the GUI thread through a thread-safe queue; the engine thread wakes
the GUI thread with a queued ``QMetaObject.invokeMethod`` (Qt's thread-safe
call), and the GUI thread drains the queue in its own loop and calls the
listeners. No Qt signal is emitted from Python (see ``listeners``: PySide6
6.12 leaks a reference on every Python-side emit). Commands cross the other
way with ``loop.call_soon_threadsafe``. Level events arrive many times a
second per channel, so they are thinned here before they cost the GUI anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from PySide6.QtCore import QMetaObject, QObject, Qt, Slot

from cuecard.clock import SessionClock
from cuecard.config import Config
from cuecard.events import AnswerNow, Event, Level, Notice, Question, SessionStarted, Speaker
from cuecard.session import FileInput, LiveInput, NoInput, Session, SourceSpec
from cuecard.ui.desktop.listeners import Listeners
from cuecard.ui.desktop.plain import FALLBACK, plain

if TYPE_CHECKING:
    from cuecard.practice.interview import PracticeOptions
    from cuecard.practice.questions import PracticeQuestion

log = logging.getLogger(__name__)

LEVEL_EVERY_S = 0.1
"""At most this often per channel does a level meter move (10 Hz is smooth to the eye)."""

SourceKind = Literal["demo", "file", "live", "typed"]


@dataclass(frozen=True, slots=True)
class SessionSpec:
    """Where the audio comes from and how fast: the demo, a recording, or live devices."""

    kind: SourceKind = "demo"
    path: Path | None = None
    realtime: bool = True
    answers: bool = True
    tripwire: bool = True
    """Arm the process-wide egress audit hook. It can never be removed, so tests that run
    the window inside the test process turn it off; the HTTP guard and ledger stay on."""
    practice: PracticeOptions | None = None
    """A mock interview instead of a call: the microphone (``live``) or a recording of
    answers (``file``), through ``cuecard.practice.interview``, the CLI's builder."""
    keep: bool | None = None
    """Keep the session in the vault (None: as ``privacy.keep_sessions`` says)."""
    demo_profile: bool = False
    """Typed questions in the demo: answered from the bundled sample profile."""

    def source(self) -> SourceSpec:
        """The session builder's source for this spec (``cuecard.session``)."""
        if self.kind == "live":
            return LiveInput()
        if self.kind == "typed":
            return NoInput(demo=self.demo_profile)
        if self.kind == "demo" or self.path is None:
            return FileInput.bundled_demo(realtime=self.realtime)
        return FileInput(self.path, realtime=self.realtime)


class EngineBridge(QObject):
    """Owns one session at a time; lives in the GUI thread, its session does not.

    Listeners (all called on the GUI thread, ``connect(fn)`` like a signal):
    ``session_event(event)`` every session event; ``listening(str)`` loading / listening /
    paused / ended / failed; ``failed(str)`` a one-line reason the session stopped.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session_event = Listeners()
        self.listening = Listeners()
        self.failed = Listeners()
        self._inbox: queue.SimpleQueue[tuple[str, object]] = queue.SimpleQueue()
        self._wake_pending = False
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._session: Session | None = None
        self._ready = False
        """The model has loaded and the stages run (``SessionStarted`` went by)."""
        self._paused = False
        self._last_question: Question | None = None
        self._level_at: dict[Speaker, float] = {}
        self.spec: SessionSpec | None = None
        self.practice_asked: list[tuple[int, PracticeQuestion]] = []
        """Practice: (question id, the question) as asked, for "why this question"."""

    # -- commands from the GUI thread ----------------------------------------
    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def paused(self) -> bool:
        return self._paused

    def open_devices(self) -> dict[str, str]:
        """The capture devices open right now, by channel (``interviewer``/``you``) to name.

        Read from the capture threads themselves, not from what the buttons asked for, so
        the status line and the privacy panel say what is true: empty while paused, for a
        typed question, a recording or the demo.
        """
        session = self._session
        if session is None or not self.running:
            return {}
        return {channel: device.name for channel, device in session.open_devices().items()}

    def session_time(self) -> float | None:
        """Seconds on the running session's clock (audio time at real-time speed)."""
        session = self._session
        return session.clock.now() if session is not None else None

    def start(self, spec: SessionSpec, cfg: Config) -> None:
        """Start a session; a running one is stopped first."""
        self.stop()
        self.spec = spec
        self._paused = False
        self._ready = False
        self._last_question = None
        self._level_at.clear()
        self.listening("loading")
        self._thread = threading.Thread(
            target=self._main, args=(spec, cfg), name="cuecard-engine", daemon=True
        )
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Cancel the session and wait for it to unwind (answers closed, source closed)."""
        thread, loop, task = self._thread, self._loop, self._task
        if thread is None:
            return
        if loop is not None and task is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed since the check
                loop.call_soon_threadsafe(task.cancel)
        thread.join(timeout_s)
        if thread.is_alive():
            log.warning("engine thread did not stop within %.0f s", timeout_s)
        self._thread = None
        self.drain()

    def set_paused(self, paused: bool) -> None:
        """Paused: nothing is heard; a live session closes its devices (``Session.set_paused``)."""
        if not self.running:
            return
        self._paused = paused
        session = self._session
        if session is not None:
            session.set_paused(paused, close_devices=True)  # flags the capture threads read
        if self._ready:  # still loading: "loading" stays until the model is there
            self.listening("paused" if paused else "listening")

    def answer_now(self) -> None:
        """Treat the interviewer's last turn as the question."""
        self._inject_factory(lambda clock: AnswerNow(clock.now()))

    def regenerate(self) -> bool:
        """Ask for the current question's answer again (same id: the card restarts)."""
        question = self._last_question
        if question is None:
            return False
        return self._inject_factory(lambda clock: question)

    def end_turn(self) -> bool:
        """Practice: the candidate is done answering (the "Done" button)."""
        loop, session = self._loop, self._session
        if loop is None or session is None or loop.is_closed():
            return False
        try:
            loop.call_soon_threadsafe(session.end_turn, "you")
        except RuntimeError:  # the loop closed since the check
            return False
        return True

    def ask(self, text: str) -> bool:
        """Answer a question the user typed, as if the interviewer had asked it
        (``Session.ask``: the same analysis as a spoken one, no utterance). False when
        no session is ready yet: the caller keeps the question for later."""
        loop, session = self._loop, self._session
        if not text.strip() or loop is None or session is None or not self._ready:
            return False
        try:
            loop.call_soon_threadsafe(lambda: loop.create_task(session.ask(text)))
        except RuntimeError:  # the loop closed since the check
            return False
        return True

    # -- the session thread --------------------------------------------------
    def _inject_factory(self, make: Callable[[SessionClock], Event]) -> bool:
        loop, session = self._loop, self._session
        if loop is None or session is None or loop.is_closed():
            return False

        def go() -> None:
            loop.create_task(session.inject(make(session.clock)))

        try:
            loop.call_soon_threadsafe(go)
        except RuntimeError:  # the loop closed since the check
            return False
        return True

    def _main(self, spec: SessionSpec, cfg: Config) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            self._task = loop.create_task(self._run(spec, cfg))
            loop.run_until_complete(self._task)
            self._post("listening", "ended")
        except asyncio.CancelledError:
            self._post("listening", "ended")
        except Exception as err:
            reason = _one_line(err)
            log.warning("session failed: %s", type(err).__name__)
            log.debug("session failure", exc_info=True)
            self._post("listening", "failed")
            self._post("failed", reason)
        finally:
            self._session = None
            self._task = None
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                loop.close()
                self._loop = None

    async def _run(self, spec: SessionSpec, cfg: Config) -> None:
        """The one session builder, as every front end uses it; the window only adds a sink."""
        if spec.practice is not None:
            session = self._practice(spec, cfg)
        else:
            session = Session(
                cfg, spec.source(), answers=spec.answers, tripwire=spec.tripwire,
                sinks=[self._sink], keep=spec.keep,
            )  # fmt: skip
        session.set_paused(self._paused, close_devices=True)
        self._session = session
        await session.run()  # "listening" is posted when the model has loaded (``_sink``)

    def _practice(self, spec: SessionSpec, cfg: Config) -> Session:
        from cuecard.practice.interview import answers_source, live_source, practice_session

        assert spec.practice is not None
        source = (
            answers_source(spec.path, realtime=spec.realtime)
            if spec.kind == "file" and spec.path is not None else live_source()
        )  # fmt: skip

        def no_voice(message: str) -> None:
            self._post("event", Notice("warning", f"{message}; the questions are shown only", 0.0))

        session, stage = practice_session(
            cfg, source, spec.practice, keep=bool(spec.keep), sinks=[self._sink],
            tripwire=spec.tripwire, on_voice_problem=no_voice,
        )  # fmt: skip
        self.practice_asked = stage.asked
        return session

    def _sink(self, event: Event) -> None:
        if isinstance(event, Level):
            now = time.monotonic()
            if now - self._level_at.get(event.channel, 0.0) < LEVEL_EVERY_S:
                return
            self._level_at[event.channel] = now
        elif isinstance(event, Question):
            self._last_question = event
        elif isinstance(event, SessionStarted):
            self._ready = True
            self._post("listening", "listening")
        self._post("event", event)

    # -- crossing to the GUI thread ------------------------------------------------
    def _post(self, kind: str, payload: object) -> None:
        """From the engine thread: queue it, and wake the GUI thread if it is not awake."""
        self._inbox.put((kind, payload))
        if not self._wake_pending:
            self._wake_pending = True
            QMetaObject.invokeMethod(self, "drain", Qt.ConnectionType.QueuedConnection)

    @Slot()
    def drain(self) -> None:
        """On the GUI thread: deliver everything queued, in order."""
        self._wake_pending = False  # before reading: a later post wakes us again
        while True:
            try:
                kind, payload = self._inbox.get_nowait()
            except queue.Empty:
                return
            if kind == "event":
                self.session_event(payload)
            elif kind == "listening":
                # Paused while the model loaded: the session is ready, and still paused.
                self.listening("paused" if payload == "listening" and self._paused else payload)
            else:
                self.failed(payload)


def _one_line(err: BaseException) -> str:
    """The first line of the error's own message; never its class name (the window says
    something a person can act on instead, see ``plain``)."""
    while isinstance(err, BaseExceptionGroup) and err.exceptions:
        err = err.exceptions[0]
    text = str(err).strip().splitlines()
    return plain(text[0]) if text else FALLBACK
