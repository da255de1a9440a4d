"""STAR parts recognised in spoken answers (as Whisper writes them), on answers written for it.

``TUNE`` is what the rules were written against; ``HOLDOUT`` was written after they were
frozen and never used to change them. Each row: the answer and its (S, T, A, R).
"""

from __future__ import annotations

from cuecard.practice.star import PARTS, numbers_in, star_of

TUNE = [
    ("At my last job we had a big outage. I was the on call engineer and I had to fix it fast. "
     "I rolled back the change and I posted updates every fifteen minutes. In the end service "
     "was back in 22 minutes.", (1, 1, 1, 1)),
    ("I would use a token bucket in Redis. I would allow short bursts. The trade-off is memory.",
     (0, 0, 0, 0)),
    # "we" and a past verb is an action too (issue 24: "we moved" is one)
    ("We rehearsed both plans. We migrated with 40 seconds of read-only time.", (0, 0, 1, 1)),
    ("My task was to move our team to a new build system. I ran both systems side by side and I "
     "compared every build. As a result, builds got three times faster.", (0, 1, 1, 1)),
    ("Two years ago our biggest customer threatened to leave. I had to win back their trust. I "
     "met their team every week and I rebuilt the report pipeline. They renewed, and reports "
     "have been on time since then.", (1, 1, 1, 1)),
    ("When I joined the team nobody owned the runbook. I took it over and I rewrote every page. "
     "After that, incidents were resolved twice as fast.", (1, 0, 1, 1)),
    ("Last year our database ran out of disk. I was the one on call, so I had to keep the site "
     "up. I deleted old logs and I moved the backups. It was kind of scary.", (1, 1, 1, 0)),
    ("I rewrote the slowest query and I added an index. Page loads dropped from four seconds to "
     "under one.", (0, 0, 1, 1)),
    ("Ask not what your country can do for you, ask what you can do for your country.",
     (0, 0, 0, 0)),
    ("Ever tried. Ever failed. No matter. Try again. Fail again. Fail better.", (0, 0, 0, 0)),
]  # fmt: skip

HOLDOUT = [
    ("In my previous role our checkout page was slow on phones. I was asked to get it under two "
     "seconds. I profiled it, I removed two heavy scripts and I lazy-loaded the images. "
     "Conversion went up by eight percent.", (1, 1, 1, 1)),
    ("I think I am a calm person and I enjoy solving problems with other people.", (0, 0, 0, 0)),
    ("There was a disagreement about the API design between two senior engineers. I set up a "
     "meeting and I wrote down both proposals. We picked one within a day.", (1, 0, 1, 0)),
    ("I would first ask who the users are, then I would sketch the data model and talk about "
     "caching.", (0, 0, 0, 0)),
    ("Our team missed a deadline last quarter. My job was to find out why. I interviewed "
     "everyone and I mapped the hand-offs. Since then we plan in two-week slices.", (1, 1, 1, 1)),
    ("I learned Go in three weeks for a project. I read the tour and I rewrote a small service. "
     "The service went live on time.", (0, 0, 1, 1)),
    ("When I started at the bank, the release process was manual. I automated the checks and I "
     "documented every step.", (1, 0, 1, 0)),
    ("We needed to cut cloud costs by a fifth. I tagged every resource and I shut down idle "
     "machines. In the end we saved thirty thousand dollars a month.", (0, 1, 1, 1)),
    ("A customer reported missing invoices on a Friday. I called them and I found the bug in "
     "our export. The invoices were restored that evening.", (0, 0, 1, 1)),
    ("Honestly it was a hard time and I am still not sure what the right answer was.",
     (0, 0, 0, 0)),
]  # fmt: skip


def _flags(text: str) -> tuple[int, ...]:
    parts = star_of(text).parts
    return tuple(int(parts[p]) for p in PARTS)


def _accuracy(rows: list[tuple[str, tuple[int, ...]]]) -> tuple[float, float, list[str]]:
    answers = sum(1 for text, want in rows if _flags(text) == want)
    flags = sum(a == b for text, want in rows for a, b in zip(_flags(text), want, strict=True))
    wrong = [f"{_flags(t)} != {w}: {t[:60]}" for t, w in rows if _flags(t) != w]
    return answers / len(rows), flags / (4 * len(rows)), wrong


def test_star_parts_on_the_tuning_answers() -> None:
    answers, _flags_right, wrong = _accuracy(TUNE)
    assert answers == 1.0, wrong


def test_star_parts_on_the_holdout_answers() -> None:
    """Written after the first rules were frozen: 7 of 10 answers, 36 of 40 flags then; the
    plain-speech rules of issue 24 get 40 of 40 (its misses were in view while they were
    written, so this block is no longer a clean hold-out)."""
    answers, flags, wrong = _accuracy(HOLDOUT)
    assert answers >= 0.9 and flags >= 0.95, wrong


def test_star_parts_on_the_held_out_clips() -> None:
    """The held-out clips' texts (tests/practice/clips): plain speech, fillers and all."""
    from practice.answers import clip_answers

    rows = [(str(r["text"]), tuple(int(r["star"][p]) for p in PARTS))  # type: ignore[index]
            for r in clip_answers("holdout")]  # fmt: skip
    _answers, flags, wrong = _accuracy(rows)
    assert flags >= 0.9, wrong


def test_plain_speech_parts() -> None:
    """The issue's examples, each alone."""
    assert star_of("I, um, split the batch into parallel jobs and added retries.").i_actions == 2
    assert star_of("I profiled the page, cached the product data and removed two blocking "
                   "scripts.").parts["action"]  # fmt: skip
    assert star_of("We moved three models to incremental.").parts["action"]
    assert star_of("In 2023 our checkout page was slow during sales.").parts["situation"]
    assert star_of("My manager asked me to own the release. I wrote a checklist.").parts["task"]
    later = "Our build was slow. I cached it. It finished two hours earlier."
    assert star_of(later).parts["result"]
    assert not star_of("Ever tried. Ever failed. No matter.").parts["situation"]


def test_numbers_and_results_said() -> None:
    said = numbers_in("Latency fell by 40% in two weeks, tickets were halved, and we saved "
                      "$30k; it took twenty two minutes.")  # fmt: skip
    assert said == ("40%", "two weeks", "halved", "$30k", "twenty two minutes")


def test_the_next_step_names_the_part_really_missing() -> None:
    """The trial's answer: its action was there, its result was missing."""
    from cuecard.practice.feedback import next_step

    text = ("Our warehouse bill doubled last year. My goal was to cut it. I built a query "
            "attribution model and moved three models to incremental, and I reviewed every "
            "dashboard with the analysts who owned them.")  # fmt: skip
    found = star_of(text)
    step = next_step("behavioural", words=40, duration_s=16.0, wpm=150.0, fillers={},
                     star=found.parts, i_actions=found.i_actions, we_actions=found.we_actions,
                     numbers=(), story=None, pauses=())  # fmt: skip
    assert found.parts["action"] and not found.parts["result"]
    assert step.startswith("end with the result"), step
