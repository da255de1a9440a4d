"""``--json``: one JSON object per line per event, a stable schema for scripts.

The schema is documented in README.md ("JSON events"); change it only by
adding fields. Level meters are not written (they are for eyes, and chatty), nor
are pauses (a turn-taking signal between stages; the question they trigger is).
"""

from __future__ import annotations

import json
import sys
from typing import IO, Any

from cuecard.events import (
    AnswerNow,
    CoachNote,
    Command,
    Event,
    Feedback,
    Level,
    Notice,
    OfflineNotes,
    Pause,
    PromptSent,
    Question,
    SessionEnded,
    SessionStarted,
    Silence,
    SuggestionDelta,
    SuggestionDone,
    SuggestionFailed,
    Utterance,
    YourTurn,
)


def _r(x: float) -> float:
    return round(x, 3)


def to_dict(event: Event) -> dict[str, Any] | None:
    match event:
        case Utterance():
            return {
                "type": "utterance", "id": event.id, "speaker": event.speaker,
                "final": event.final, "text": event.text, "stable": event.stable,
                "start_s": _r(event.start_s), "end_s": _r(event.end_s),
                "emitted_s": _r(event.emitted_s),
            }  # fmt: skip
        case Question():
            return {
                "type": "question", "id": event.id, "text": event.text, "kind": event.kind,
                "confidence": round(event.confidence, 2), "utterance_id": event.utterance_id,
                "speculative": event.speculative,
                "supersedes_speculative": event.supersedes_speculative,
                "typed": event.typed, "wording_only": event.wording_only,
                "start_s": _r(event.start_s), "end_s": _r(event.end_s),
                "emitted_s": _r(event.emitted_s),
            }  # fmt: skip
        case SuggestionDelta():
            return {
                "type": "suggestion_delta", "question_id": event.question_id,
                "text": event.text, "restart": event.restart, "emitted_s": _r(event.emitted_s),
            }  # fmt: skip
        case SuggestionDone():
            return {
                "type": "suggestion_done", "question_id": event.question_id,
                "text": event.text, "provider": event.provider, "model": event.model,
                "input_tokens": event.input_tokens, "output_tokens": event.output_tokens,
                "emitted_s": _r(event.emitted_s),
            }  # fmt: skip
        case SuggestionFailed():
            return {
                "type": "suggestion_failed", "question_id": event.question_id,
                "reason": event.reason, "emitted_s": _r(event.emitted_s),
            }  # fmt: skip
        case OfflineNotes():
            return {
                "type": "offline_notes", "question_id": event.question_id, "text": event.text,
                "reason": event.reason, "emitted_s": _r(event.emitted_s),
            }  # fmt: skip
        case Notice():
            return {
                "type": "notice", "level": event.level, "message": event.message,
                "emitted_s": _r(event.emitted_s),
            }  # fmt: skip
        case PromptSent():
            return {
                "type": "prompt", "question_id": event.question_id, "provider": event.provider,
                "destination": event.destination, "text": event.text,
                "redacted": event.redacted, "emitted_s": _r(event.emitted_s),
            }  # fmt: skip
        case SessionStarted():
            return {
                "type": "session_start", "source": event.source, "stages": list(event.stages),
                "providers": list(event.providers), "emitted_s": _r(event.emitted_s),
            }  # fmt: skip
        case SessionEnded():
            return {
                "type": "session_end", "audio_s": _r(event.audio_s),
                "emitted_s": _r(event.emitted_s), "summary": event.summary,
            }  # fmt: skip
        case Feedback():
            return {
                "type": "feedback", "question_id": event.question_id,
                "question": event.question, "kind": event.kind,
                "answer_text": event.answer_text, "start_s": _r(event.start_s),
                "end_s": _r(event.end_s), "duration_s": round(event.duration_s, 2),
                "words": event.words, "wpm": round(event.wpm, 1), "fillers": dict(event.fillers),
                "filler_total": event.filler_total, "star": dict(event.star),
                "story": event.story, "numbers": list(event.numbers),
                "long_pauses": list(event.long_pauses), "next_step": event.next_step,
                "filler_confidence": event.filler_confidence, "follow_up": event.follow_up,
                "terms_used": list(event.terms_used), "terms_missed": list(event.terms_missed),
                "repeated": list(event.repeated), "emitted_s": _r(event.emitted_s),
            }  # fmt: skip
        case YourTurn():
            return {"type": "your_turn", "question_id": event.question_id,
                    "emitted_s": _r(event.emitted_s)}  # fmt: skip
        case CoachNote():
            return {
                "type": "coach", "question_id": event.question_id, "text": event.text,
                "provider": event.provider, "model": event.model,
                "emitted_s": _r(event.emitted_s),
            }  # fmt: skip
        case AnswerNow():
            return {"type": "answer_now", "emitted_s": _r(event.emitted_s)}
        case Command():
            return {"type": "command", "name": event.name, "emitted_s": _r(event.emitted_s)}
        case Level() | Pause() | Silence():
            return None  # meters and turn-taking signals: internal, chatty
    return None


class JsonLinesSink:
    """Writes each event as it happens, flushed, so a reader sees it at once."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdout

    def __call__(self, event: Event) -> None:
        data = to_dict(event)
        if data is not None:
            self.stream.write(json.dumps(data, ensure_ascii=False) + "\n")
            self.stream.flush()
