"""Live capture latency and idle CPU, next to replay at real-time speed. Prints JSON.

On a private PulseAudio server with null sinks (tests/live/pulse_server.py),
the bundled demo interview is played as a call would be: its left channel
(interviewer) into the ``call`` sink, its right channel (you) into the sink
behind the virtual microphone, each with paplay. ``LiveSource`` records the
call's monitor and the virtual microphone and feeds the real pipeline in this
process. For each turn (times known exactly from tools/make_demo.py):

- live final_lag_from_paplay_start_s: paplay started + turn end in the file
  → final utterance emitted; includes paplay's own start-up and buffering
  (most of it), so it is a loose upper bound;
- replay final_lag_s: the same recording through ``FileSource`` at real-time
  speed, turn end → final emitted;
- final_lag_from_capture_s: where the turn's end lands on the live timeline
  (found by cross-correlating each channel with its clip; the timeline puts a
  block at its arrival time) → final emitted; played_to_shown_s adds the
  longest the sound can wait in PulseAudio before it is read
  (capture_hold_bound_s), and live_minus_replay_s compares that with replay;
- paplay_start_to_capture_s: from starting paplay to the clip's sound on the
  timeline (paplay's start-up and buffering, not cuecard's).

Then both channels stay silent for ``--idle`` seconds while the session runs,
and the process's CPU time over that window is reported as a share of one
core (the speech stage skips the VAD on digital silence; a real microphone's
room noise is not digital silence, see ``cpu_idle_noise_pct``, measured the
same way with -60 dBFS noise played into both sinks).

Usage: ./run bench live_latency [--idle 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from _common import cpu_s, emit, normalise, summary
from cuecard.config import Config
from cuecard.events import Event, Speaker, Utterance
from cuecard.session import FileInput, LiveInput, Session, load_transcriber
from live.pulse_server import MIC_DESCRIPTION, SINKS, PulseServer

ASSETS = Path(str(resources.files("cuecard") / "assets"))
DEMO = ASSETS / "demo_interview.flac"
TURNS = json.loads((ASSETS / "demo_interview.json").read_text())["turns"]
SINK_OF: dict[Speaker, str] = {"interviewer": "call", "you": "micfeed"}


Lags = dict[Speaker, list[float]]


def final_lags(
    events: list[Event], offsets: dict[Speaker, float], played: dict[Speaker, float]
) -> tuple[Lags, list[dict[str, Any]]]:
    """Per turn: last final of that speaker overlapping the turn → lag after the turn's end.

    ``offsets`` maps file time to session time (where the clip sits on the
    timeline); ``played`` is the session time the sound was started.
    """
    finals = [e for e in events if isinstance(e, Utterance) and e.final]
    lags: dict[Speaker, list[float]] = {"interviewer": [], "you": []}
    rows = []
    for turn in TURNS:
        who = turn["speaker"]
        t0, t1 = turn["start_s"] + offsets[who], turn["end_s"] + offsets[who]
        mine = [u for u in finals if u.speaker == who and u.start_s < t1 + 0.3
                and u.end_s > t0 - 0.3]  # fmt: skip
        row: dict[str, Any] = {"speaker": who, "end_s": turn["end_s"]}
        if mine:
            last = max(mine, key=lambda u: u.end_s)
            lag = last.emitted_s - (played[who] + turn["end_s"])
            lags[who].append(lag)
            row["final_lag_s"] = round(lag, 3)
        rows.append(row)
    return lags, rows


def wer_by_speaker(events: list[Event]) -> dict[str, float]:
    import jiwer

    out = {}
    for who in ("interviewer", "you"):
        ref = " ".join(t["text"] for t in TURNS if t["speaker"] == who)
        hyp = " ".join(e.text for e in events
                       if isinstance(e, Utterance) and e.final and e.speaker == who)  # fmt: skip
        out[who] = round(float(jiwer.wer(normalise(ref), normalise(hyp) or "-")), 3)
    return out


async def replay(cfg: Config, transcriber: Any) -> list[Event]:
    events: list[Event] = []
    session = Session(cfg, FileInput(DEMO), answers=False, sinks=[events.append],
                      transcriber=transcriber)  # fmt: skip
    await session.run()
    return events


def write_channels(root: Path) -> dict[Speaker, Path]:
    data, rate = sf.read(str(DEMO), dtype="int16")
    out: dict[Speaker, Path] = {}
    for col, who in ((0, "interviewer"), (1, "you")):
        path = root / f"demo_{who}.wav"
        sf.write(str(path), data[:, col], rate, subtype="PCM_16")
        out[who] = path  # type: ignore[index]
    noise = (np.random.default_rng(0).standard_normal(rate * 30) * 10 ** (-60 / 20) * 32767)
    sf.write(str(root / "noise.wav"), noise.astype(np.int16), rate, subtype="PCM_16")
    return out


def locate(captured: list[np.ndarray], clip: Path, start: float, who: Speaker) -> float:
    """Session time where ``clip`` (file time 0) sits on the captured timeline.

    Correlates the speaker's first turn; the timeline is anchored to when
    blocks arrive, so this is when the sound reached cuecard.
    """
    audio = np.concatenate(captured)
    ref, _ = sf.read(str(clip), dtype="float32")
    first = next(t for t in TURNS if t["speaker"] == who)
    a, b = int(first["start_s"] * 16000), int(min(first["end_s"], first["start_s"] + 3) * 16000)
    lo = max(0, int((start + first["start_s"]) * 16000) - 16000)
    window = audio[lo : lo + (b - a) + 16000 * 4]
    corr = np.correlate(window, ref[a:b], "valid")
    return (lo + int(np.argmax(corr)) - a) / 16000


def capture_hold_bound() -> float:
    """The longest a sound waits in PulseAudio before cuecard reads it, by construction.

    The timeline places each block at its arrival, so a lag measured from the
    timeline leaves out how long the sound sat in the stream first: at most
    one read period (``BLOCK_S``) plus the sink's latency (20 ms here: the
    keep-alive streams ask for it, as a call app does). Added as an upper
    bound (PulseAudio's own latency query needs timing updates the capture
    stream does not ask for).
    """
    from cuecard.audio.capture import BLOCK_S

    return round(BLOCK_S + 0.02, 3)


async def live(pulse: PulseServer, cfg: Config, transcriber: Any, clips: dict[Speaker, Path],
               idle_s: float) -> dict[str, Any]:  # fmt: skip
    events: list[Event] = []
    captured: dict[Speaker, list[np.ndarray]] = {"interviewer": [], "you": []}
    result: dict[str, Any] = {}
    session = Session(
        cfg, LiveInput(mic=MIC_DESCRIPTION, loopback=SINKS["call"]), answers=False,
        sinks=[events.append], transcriber=transcriber,
        audio_taps=[lambda chunk: captured[chunk.channel].append(chunk.samples)],
    )  # fmt: skip
    clock = session.clock

    async def drive() -> None:
        await asyncio.to_thread(pulse.wait_until, lambda: pulse.recording_streams() >= 2, 30,
                                "capture")  # fmt: skip
        await asyncio.sleep(1.0)
        played: dict[Speaker, float] = {}
        players = []
        for who in ("interviewer", "you"):
            played[who] = clock.now()  # type: ignore[index]
            players.append(pulse.play(SINK_OF[who], clips[who]))  # type: ignore[index]
        for player in players:
            await asyncio.to_thread(player.wait)
        await asyncio.sleep(3.0)
        result["played"] = played
        cpu0, t0 = cpu_s(), time.monotonic()
        await asyncio.sleep(idle_s)
        result["cpu_idle_pct"] = round(100 * (cpu_s() - cpu0) / (time.monotonic() - t0), 2)
        noise = [pulse.play(sink, clips["interviewer"].parent / "noise.wav")
                 for sink in ("call", "micfeed")]  # fmt: skip
        await asyncio.sleep(1.0)
        cpu0, t0 = cpu_s(), time.monotonic()
        await asyncio.sleep(idle_s)
        result["cpu_idle_noise_pct"] = round(100 * (cpu_s() - cpu0) / (time.monotonic() - t0), 2)
        for player in noise:
            player.kill()
        session.stop()

    async with asyncio.TaskGroup() as tg:
        tg.create_task(drive())
        tg.create_task(session.run())
    played = result.pop("played")
    offsets = {who: locate(captured[who], clips[who], played[who], who) for who in played}
    from_start, _ = final_lags(events, offsets, played)
    lags, rows = final_lags(events, offsets, offsets)
    result.update(
        final_lag_from_capture_s={who: summary(v) for who, v in lags.items()},
        final_lag_from_paplay_start_s={who: summary(v) for who, v in from_start.items()},
        paplay_start_to_capture_s={who: round(offsets[who] - played[who], 3) for who in played},
        wer=wer_by_speaker(events),
        turns=rows,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of silence for CPU")
    args = parser.parse_args()
    cfg = Config()
    transcriber = load_transcriber(cfg)

    replay_events = asyncio.run(replay(cfg, transcriber))
    zero: dict[Speaker, float] = {"interviewer": 0.0, "you": 0.0}
    replay_lags, _ = final_lags(replay_events, zero, zero)

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        pulse = PulseServer(root / "pulse")
        (root / "pulse").mkdir()
        pulse.start()
        try:
            import os

            os.environ["PULSE_SERVER"] = pulse.server
            clips = write_channels(root)
            live_result = asyncio.run(live(pulse, cfg, transcriber, clips, args.idle))
            live_result["capture_hold_bound_s"] = capture_hold_bound()
        finally:
            pulse.stop()

    replay_summary = {who: summary(v) for who, v in replay_lags.items()}
    # Sound played → final shown, live: the lag after the sound reached the
    # timeline, plus how long PulseAudio held it before it arrived.
    buffered = live_result["capture_hold_bound_s"]
    played_to_shown = {
        who: {p: round(v + buffered, 3) for p, v in live_result["final_lag_from_capture_s"][who]
              .items() if p in ("p50", "p95") and v is not None}
        for who in ("interviewer", "you")
    }  # fmt: skip
    live_result["played_to_shown_s"] = played_to_shown
    delta = {
        who: {
            p: round(played_to_shown[who][p] - replay_summary[who][p], 3)
            for p in ("p50", "p95")
            if p in played_to_shown[who] and replay_summary[who][p] is not None
        }
        for who in ("interviewer", "you")
    }
    emit(
        {
            "recording": DEMO.name,
            "backend": "PulseAudio (null sinks; paplay)",
            "live": {k: v for k, v in live_result.items() if k != "turns"},
            "replay": {"final_lag_s": replay_summary, "wer": wer_by_speaker(replay_events)},
            "live_minus_replay_s": delta,
            "targets": {"live_minus_replay_s": 0.15, "cpu_idle_pct": 5.0},
            "live_turns": live_result["turns"],
        }
    )


if __name__ == "__main__":
    main()
