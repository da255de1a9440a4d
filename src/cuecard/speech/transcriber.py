"""Whisper passes sized to the utterance, not to 30 seconds.

faster-whisper pads every input to 30 s, so a pass costs the same 0.6-0.8 s on
this class of CPU whatever the utterance length. CTranslate2's Whisper encoder
accepts shorter inputs, so we compute features for the utterance plus a little
padding and call the encoder and decoder directly: 6 s of speech then costs
about 0.2 s with identical text. That is what makes partials and a sub-second
final affordable on a 2-core laptop.

Already-stable words are passed to the decoder as a forced prefix, so a later
pass continues from what the user has seen instead of rewriting it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from cuecard.events import SAMPLE_RATE
from cuecard.speech.model import ModelError

if TYPE_CHECKING:
    from faster_whisper import WhisperModel
    from faster_whisper.tokenizer import Tokenizer

HOP = 160  # samples per mel frame
MAX_SAMPLES = 30 * SAMPLE_RATE
TAIL_PAD_S = 0.5  # trailing silence helps Whisper close the last word
# Whisper repeats itself on very short inputs ("Ever tried Ever tried" for 1 s of
# speech); padded to ~7 s it transcribes them cleanly, and an encoder pass over
# 7 s still costs only ~0.15 s with tiny.en (10 s was no better, 5 s looped).
MIN_INPUT_S = 7.0
MIN_PARTIAL_INPUT_S = 5.0  # partials are provisional; cheaper passes matter more
MAX_PROMPT_TOKENS = 223
NO_SPEECH_MAX = 0.6  # above this Whisper's "Thank you." on noise is dropped
LANGUAGE_MIN_PROB = 0.5
"""With speech.language = auto, a detected language replaces the current one only when
Whisper gives it at least this probability (a cough is not a language change)."""
MULTILINGUAL_MODEL = "base"


class LanguageError(ModelError):
    """The configured language cannot be transcribed with the configured model."""


NOT_ENGLISH_SCORE = -0.8
"""An English-only model's finals scoring below this (median of ``NOT_ENGLISH_FINALS``)
mean speech it cannot read. Measured with tiny.en: English from a neural voice -0.12
(sentences full of profile names -0.34); espeak-ng Spanish -1.01, German -1.46, French
-1.28, Portuguese -1.28, Italian -1.34 (medians over 8 turns each)."""
NOT_ENGLISH_FINALS = 4


def not_english(model: str) -> str:
    """The one line for speech an English-only model cannot read (speech.language auto)."""
    return (
        f"{model} understands English only, and the interviewer does not sound like English: "
        f"if the interview is in another language, set speech.model = {MULTILINGUAL_MODEL} "
        "and speech.language (or --language CODE)"
    )


def english_only(model: str, language: str) -> str:
    """The one line for non-English speech with an English-only model."""
    return (
        f"{model} understands English only, and this interview is in {language!r}: set "
        f"speech.model = {MULTILINGUAL_MODEL} (multilingual; `cuecard config set speech.model "
        f"{MULTILINGUAL_MODEL}`), or pass --language en"
    )


@dataclass(frozen=True, slots=True)
class TimedWord:
    """One word of a whole-recording pass, with where the decoder put it in the audio."""

    text: str
    start_s: float
    end_s: float
    probability: float


@dataclass(frozen=True, slots=True)
class Hypothesis:
    text: str
    """Continuation after the forced prefix (the whole text when there was none)."""
    no_speech_prob: float
    score: float = 0.0
    """The decoder's mean log-probability per token (CTranslate2's score): about -0.1 to
    -0.4 for English heard by tiny.en, below -0.8 for other languages it cannot read."""


class Transcriber:
    """One Whisper model shared by both channels; calls are serialised.

    Serialising keeps memory flat (one set of buffers) and CPU use predictable;
    the scheduler in ``cuecard.speech.scheduler`` decides which call goes next.
    """

    def __init__(self, model: WhisperModel, *, language: str = "auto", name: str = "") -> None:
        """``language``: "auto" (detected on an utterance's first pass, then kept), or a
        Whisper code. An English-only model (tiny.en) takes only "auto" or "en": anything
        else is refused with one line saying which model to switch to."""
        from faster_whisper.tokenizer import _LANGUAGE_CODES

        self._model = model
        self.name = name or "this model"
        self._lock = threading.Lock()
        self._prompts: dict[str, list[int]] = {}
        self.multilingual = bool(model.model.is_multilingual)
        if language not in ("auto", *_LANGUAGE_CODES):
            raise LanguageError(
                f"speech.language {language!r} is not a language Whisper knows: use auto, en, "
                "or a code such as es, de, fr, pt, it"
            )
        if not self.multilingual and language not in ("auto", "en"):
            raise LanguageError(english_only(self.name, language))
        self.fixed_language = language if language != "auto" else None
        self.language = self.fixed_language or "en"
        """The language passes are decoded in (the detected one once "auto" has heard speech)."""
        self._tokenizers: dict[str, Tokenizer] = {}
        self._tokenizer = self._tokenizer_for(self.language)

    def _tokenizer_for(self, language: str) -> Tokenizer:
        from faster_whisper.tokenizer import Tokenizer

        if language not in self._tokenizers:
            self._tokenizers[language] = Tokenizer(
                self._model.hf_tokenizer, self.multilingual, task="transcribe",
                language=language if self.multilingual else None,
            )  # fmt: skip
        return self._tokenizers[language]

    def transcribe(
        self,
        audio: npt.NDArray[np.float32],
        *,
        beam_size: int = 5,
        prefix: str = "",
        final: bool = False,
        initial_prompt: str = "",
        hotwords: str = "",
    ) -> Hypothesis:
        """Transcribe up to 30 s of 16 kHz mono audio (blocking; run it in a thread).

        ``initial_prompt`` is text the decoder reads as if it had come before this audio
        (Whisper's "previous text"); it steers style, not content. Practice passes give
        it a disfluent sentence so "um" and "uh" are written down (see
        ``cuecard.speech.options``); the live path gives none.

        ``hotwords`` are names and terms the speaker is likely to say (the user's
        vocabulary, ``cuecard.profile.vocabulary``), read as previous text before
        ``initial_prompt``. Unlike faster-whisper's ``hotwords`` they are given to every
        pass, forced prefix or not: live, most passes have stable words forced, and a
        term late in a sentence still needs them. Measured at real-time speed on the
        profile-term clips (bench/_terms.py, tiny.en): terms missed 52% without, 44%
        on prefix-less passes only (faster-whisper's way), 28% on every pass, for 8%
        more CPU.
        """
        import ctranslate2

        audio = audio[: MAX_SAMPLES - int(TAIL_PAD_S * SAMPLE_RATE)]
        floor_s = MIN_INPUT_S if final else MIN_PARTIAL_INPUT_S
        n = max(len(audio) + int(TAIL_PAD_S * SAMPLE_RATE), int(floor_s * SAMPLE_RATE))
        n = -(-n // (2 * HOP)) * (2 * HOP)  # whole, even number of mel frames
        padded = np.zeros(n, dtype=np.float32)
        padded[: len(audio)] = audio
        tok = self._tokenizer
        prefix_tokens: list[int] = []
        if prefix.strip():
            prefix_tokens = tok.encode(" " + prefix.strip())[:100]
        terms = hotwords.strip()
        previous = self._previous(f"{terms} {initial_prompt}" if terms else initial_prompt)
        prompt = [*previous, *tok.sot_sequence, tok.no_timestamps, *prefix_tokens]
        with self._lock:
            features = self._model.feature_extractor(padded, padding=0)
            frames = features.shape[-1] - features.shape[-1] % 2
            features = np.ascontiguousarray(features[None, :, :frames])
            encoded = self._model.model.encode(
                ctranslate2.StorageView.from_array(features), to_cpu=False
            )
            if self.multilingual and self.fixed_language is None and not prefix_tokens:
                # "auto": each utterance's first pass says which language it is in
                detected = self._model.model.detect_language(encoded)[0][0]
                code = detected[0].strip("<|>")
                if detected[1] >= LANGUAGE_MIN_PROB and code != self.language:
                    self.language = code
                    tok = self._tokenizer = self._tokenizer_for(code)
                    previous = self._previous(
                        f"{terms} {initial_prompt}" if terms else initial_prompt
                    )
                    prompt = [*previous, *tok.sot_sequence, tok.no_timestamps, *prefix_tokens]
            result = self._model.model.generate(
                encoded,
                [prompt],
                beam_size=beam_size,
                # Nobody says more than ~5 tokens a second; the cap stops the
                # repetition loops greedy decoding falls into on short inputs.
                # (the previous text does not count against the cap: Whisper's context is 448)
                max_length=min(
                    224 + len(previous), len(prompt) + 8 + int(6 * len(audio) / SAMPLE_RATE)
                ),
                suppress_blank=not prefix_tokens,
                suppress_tokens=[-1],
                return_no_speech_prob=True,
                return_scores=True,
            )[0]
        ids = [t for t in result.sequences_ids[0] if t < tok.eot]
        if prefix_tokens and ids[: len(prefix_tokens)] == prefix_tokens:
            ids = ids[len(prefix_tokens) :]
        no_speech = float(result.no_speech_prob)
        score = float(result.scores[0]) if result.scores else 0.0
        if no_speech > NO_SPEECH_MAX and not prefix_tokens:
            return Hypothesis("", no_speech, score)
        # Loops are judged on prefix + continuation: the loop is often the prefix again.
        before = prefix.split()
        whole = collapse_loops(" ".join([*before, *tok.decode(ids).split()])).split()
        if final:
            whole = drop_unfinished_tail(whole, keep=len(before))
        return Hypothesis(" ".join(whole[len(before) :]), no_speech, score)

    def timed_words(
        self, audio: npt.NDArray[np.float32], *, initial_prompt: str = ""
    ) -> list[TimedWord]:
        """A whole recording (any length) as words with their times (blocking).

        One deterministic decode: beam search at temperature 0 with no sampling
        fallback and no previous-window conditioning, so the same audio gives the
        same words on every run (a streaming pass depends on where partials were
        cut, which depends on timing). Practice checks each filler against the audio
        with these times (``cuecard.practice.fillers.verify``).
        """
        with self._lock:
            segments, _info = self._model.transcribe(
                audio, beam_size=5, temperature=0.0, word_timestamps=True,
                condition_on_previous_text=False, initial_prompt=initial_prompt or None,
                vad_filter=False, without_timestamps=False,
            )  # fmt: skip
            return [
                TimedWord(w.word.strip(), float(w.start), float(w.end), float(w.probability))
                for segment in segments for w in (segment.words or ()) if w.word.strip()
            ]  # fmt: skip

    def _previous(self, text: str) -> list[int]:
        """``<|startofprev|>`` and the prompt's tokens (cached: the same text every pass)."""
        text = text.strip()
        if not text:
            return []
        if text not in self._prompts:
            tok = self._tokenizer
            # Whisper reads at most half its 448-token context as previous text
            self._prompts[text] = [tok.sot_prev, *tok.encode(" " + text)[-(MAX_PROMPT_TOKENS):]]
        return self._prompts[text]


_SENTENCE_END = (".", "?", "!")
REPEAT_NGRAM = 6


def drop_unfinished_tail(words: list[str], *, keep: int = 0, max_words: int = 3) -> list[str]:
    """Drop a short, unpunctuated fragment after the last full sentence of a final pass.

    Once the speaker has stopped, Whisper on a short input often starts the next
    sentence it expects ("...age of wisdom. It was"); a real final sentence ends
    with punctuation. Words before ``keep`` (already shown as stable) stay.
    """
    last_end = max((i for i, w in enumerate(words) if w.endswith(_SENTENCE_END)), default=-1)
    tail = len(words) - last_end - 1
    if last_end >= 0 and 0 < tail <= max_words and last_end + 1 >= keep:
        return words[: last_end + 1]
    return words


def collapse_loops(text: str) -> str:
    """Cut Whisper's repetition loops.

    Whisper sometimes loops on short or padded audio ("ever tried, ever tried,
    ever tried, ...", or the whole sentence again after the speaker stopped). A
    person almost never says a phrase of three or more words twice back to back,
    nor a shorter one three times, so the text is cut where that starts.
    """
    words = text.split()
    norm = [w.strip(".,!?;:").lower() for w in words]
    half = len(words) // 2
    if len(words) % 2 == 0 and half and norm[:half] == norm[half:]:
        return " ".join(words[:half])  # the whole utterance said twice
    cut = len(words)
    # The whole sentence started again ("…per client. I will start with the…"):
    # nobody repeats six words in a row within one breath.
    seen: dict[tuple[str, ...], int] = {}
    for i in range(len(norm) - REPEAT_NGRAM + 1):
        gram = tuple(norm[i : i + REPEAT_NGRAM])
        if gram in seen and i >= seen[gram] + REPEAT_NGRAM:
            cut = i
            break
        seen.setdefault(gram, i)
    for size in range(1, 13):
        allowed = 2 if size < 3 else 1
        for i in range(len(norm) - size * (allowed + 1) + 1):
            unit = norm[i : i + size]
            if all(norm[i + r * size : i + (r + 1) * size] == unit for r in range(1, allowed + 1)):
                cut = min(cut, i + size * allowed)
                break
    return " ".join(words[:cut])
