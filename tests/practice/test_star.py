"""STAR parts recognised in spoken answers (as Whisper writes them), on answers written for it.

``TUNE`` is what the rules were written against; ``HOLDOUT`` was written after they were
frozen and never used to change them. Each row: the answer and its (S, T, A, R).
"""

from __future__ import annotations

from collections.abc import Sequence

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


FRESH = [
    ("Back in 2021 our mobile app kept crashing on older phones. My lead asked me to find the "
     "cause. I reproduced it on an old device and traced it to a memory leak in the image "
     "cache. Crash reports dropped by ninety percent in a month.", (1, 1, 1, 1)),
    ("I'm a backend engineer and I like working on data pipelines and mentoring juniors.",
     (0, 0, 0, 0)),
    ("We were three weeks from launch and the payment provider changed their API. I rewrote "
     "the integration over a weekend and added contract tests.", (1, 0, 1, 0)),
    ("I would start by measuring where the time goes, then I would cache the hot paths.",
     (0, 0, 0, 0)),
    ("The support team was drowning in duplicate tickets. I built a small classifier that "
     "merged duplicates, and the queue shrank from four hundred to ninety.", (1, 0, 1, 1)),
    ("My responsibility was the quarterly security audit. I scheduled interviews with each "
     "team and tracked every finding in one sheet. We passed the audit with no major "
     "findings.", (0, 1, 1, 1)),
    ("Um, so, at my first job, uh, the deploys were manual and took hours. I scripted them. "
     "After that a deploy took ten minutes.", (1, 0, 1, 1)),
    ("Last summer a client complained that our reports were wrong. It was my job to fix it "
     "before the renewal. I compared the numbers line by line and found a timezone bug.",
     (1, 1, 1, 0)),
    ("Honestly I don't remember the details, it was a long time ago.", (0, 0, 0, 0)),
    ("Our onboarding docs were out of date, so I rewrote them with the newest hires, and now "
     "new engineers ship their first change in their first week.", (1, 0, 1, 1)),
]  # fmt: skip
"""Written and labelled after the first issue-24 rules were frozen, run once: 6 of 10
answers, 34 of 40 flags (85 %). Its misses then changed the rules (a problem and the action in
one sentence, "it was my job to", "shrank from … to …", "after that", "now … takes"), so it is
tuning material now, and ``FRESH2`` is the clean hold-out."""

FRESH2 = [
    ("A few months into the job, our nightly reports started timing out. Nobody owned them, so "
     "I took ownership. I split the big query into smaller ones and moved the heavy joins to a "
     "summary table. The reports have run in under five minutes ever since.", (1, 1, 1, 1)),
    ("When our biggest client went quiet, my manager wanted me to win them back. I flew out to "
     "see them and listened to their complaints for a whole day.", (1, 1, 1, 0)),
    ("I think the hardest part of my job is saying no to good ideas.", (0, 0, 0, 0)),
    ("We had two teams building the same feature. I noticed it in a planning meeting and "
     "brought both leads together. We merged the work and shipped a month sooner.",
     (1, 0, 1, 1)),
    ("I'd probably use a queue here, because the writes are bursty, and I'd accept some delay.",
     (0, 0, 0, 0)),
    ("My goal was to get our test suite under ten minutes. I parallelized the slowest tests and "
     "deleted the ones nobody needed. It went from forty minutes to eight.", (0, 1, 1, 1)),
    ("I set up alerts for the billing service and wrote a runbook for the on-call team.",
     (0, 0, 1, 0)),
    ("In my second year, uh, the company lost its only database admin. Someone had to keep "
     "things running, and I volunteered to do it. I learned the basics, you know, automated the "
     "backups, and documented everything. We didn't lose any data that year.", (1, 1, 1, 1)),
    ("Our customers kept asking for dark mode. I built it on the weekend.", (1, 0, 1, 0)),
    ("Thanks, that's a great question, I'm excited about this role.", (0, 0, 0, 0)),
]  # fmt: skip
"""Written and labelled after the rules above were frozen (second round), run once, never
used to change them."""


def _flags(text: str) -> tuple[int, ...]:
    parts = star_of(text).parts
    return tuple(int(parts[p]) for p in PARTS)


def _accuracy(rows: Sequence[tuple[str, tuple[int, ...]]]) -> tuple[float, float, list[str]]:
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


def test_star_parts_on_the_fresh_answers() -> None:
    """``FRESH`` was the first clean hold-out (34 of 40 flags) and then tuning; ``FRESH2`` was
    the next one: 35 of 40 flags (87.5 %), measured once. Its misses ("started timing out" and
    "went quiet" not read as a problem, "the company lost" not seen as the scene, "the
    hardest part of my job is" read as a task, "ever since" not heard as a result) then
    changed the rules, so it is tuning material now: 40 of 40. The clean figure is
    ``test_star_parts_on_the_published_answers``'s."""
    answers, _flags_right, wrong = _accuracy(FRESH)
    assert answers == 1.0, wrong
    answers, _flags_right, wrong = _accuracy(FRESH2)
    assert answers == 1.0, wrong


def _published(split: str) -> list[tuple[str, tuple[int, ...]]]:
    import json
    from pathlib import Path

    lines = (Path(__file__).parents[1] / "data" / "star_answers.jsonl").read_text().splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    return [(r["text"], tuple(int(r["star"][p]) for p in PARTS)) for r in rows
            if r["split"] == split]  # fmt: skip


def test_star_parts_on_the_published_answers() -> None:
    """Answers nobody on cuecard wrote: STAR examples from public careers pages, labelled
    before any run (tests/data/star_answers_SOURCES.md). Before this round's rules both halves
    scored 43 of 48 flags. The rules were then changed on the ``tune`` half (and FRESH2's
    misses): 47 of 48 there. The ``test`` half, measured once after: 43 of 48 flags
    (89.6 %), 7 of 12 answers: below the 90 % target, and left as measured. Its misses: a
    scene said by the speaker ("In my final-year project our team fell behind", "I noticed a
    0.3 percent failure rate", "Our main API was responding in four to five seconds"), an
    ending said as an agreement ("our team leader agreed that this was fair"), and a
    habit's "after that" read as a result. The floors below hold those figures, so a change
    that loses a flag fails."""
    _answers, flags, wrong = _accuracy(_published("tune"))
    assert flags >= 47 / 48, wrong
    _answers, flags, wrong = _accuracy(_published("test"))
    assert flags >= 43 / 48, wrong


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
