"""Which parts of a STAR answer were said out loud, and the numbers in it.

A spoken answer has no labels, so each part is recognised by how people say it:

- **Situation**: setting the scene in the past ("at my last job", "we had…",
  "there was…", "a few years ago", "our payments API…");
- **Task**: what was asked of the speaker or the goal ("I was asked to", "my job
  was to", "I had to", "the goal was");
- **Action**: what the speaker did, in the first person and the past ("I wrote",
  "I set up", "so I proposed"): two such clauses, or "what I did was";
- **Result**: how it ended ("in the end", "as a result", "latency fell by 40%",
  "since then", "I learned", "she left satisfied"), not in the first sentence (that one
  sets the scene).

The rules are a table, tested on answers written for it and on published STAR examples
nobody on cuecard wrote (tests/practice/test_star.py, tests/data/star_answers.jsonl: tuned
on one half, the other measured once). A hypothetical answer ("I would…") states no action:
STAR is about what happened. Each rule names a way of saying a part, never one sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PARTS: tuple[str, ...] = ("situation", "task", "action", "result")


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(rf"(?:{p})" for p in patterns), re.IGNORECASE)


_SITUATION = _rx(
    r"\bmy (?:last|previous|old|first|former) (?:job|role|company|team|position|employer)\b",
    r"\b(?:at|in|on) (?:my|our|a|the) (?:last|previous|old|first|former|current|early|"
    r"second|new)? ?(?:job|role|company|team|position|internship|startup|employer|project)\b",
    r"\b(?:when|while|after|before) (?:i|we) (?:was|were|worked|joined|started|moved|took)\b",
    r"\bthere (?:was|were|had been)\b",
    r"\bwe (?:had|were|faced|got|ran|used|hit|saw)\b",
    r"\b(?:our|the) (?:team|company|service|system|product|api|customers?|database|platform|"
    r"client|app|codebase|pipeline|release|site|store|manager|ledger|project)\b[^.?!]{0,60}"
    r"\b(?:was|were|had|did|kept|started|went|used|ran)\b",
    r"\b(?:\w+ )?(?:years?|months?|weeks?) ago\b|\bback in\b|\bin (?:19|20)\d\d\b",
    r"\bthe (?:situation|context|background|problem|issue|story) (?:was|is)\b",
    r"\bi (?:was|worked) (?:a|an|the|as|at|on|in)\b|\bi was working\b",
    r"\bone (?:time|day|week|friday|monday|quarter)\b|\blast (?:year|quarter|spring|summer|"
    r"autumn|fall|winter|month|week)\b",
)
_PROBLEM = _rx(
    # a problem said in the past by someone or something other than the speaker: "our
    # checkout page was slow", "sign-ups dropped", "two engineers disagreed"
    r"\b(?:was|were|got|kept|went|became)\b[^.?!]{0,30}\b(?:slow|stuck|down|broken|failing|"
    r"late|missing|crashing|flaky|confusing|confused|manual|a mess|out of|overloaded|unstable|"
    r"drowning|overwhelmed|struggling|swamped|buried|wrong|outdated|"
    r"expensive|behind)\b",
    r"\b(?:dropped|disagreed|complained|broke|failed|crashed|stalled|confused|threatened|"
    r"missed|slowed|leaked|spiked|churned|lost|quit|resigned)\b",
    # a problem that began: "reports started timing out", "the client went quiet"
    r"\b(?:started|began|kept) (?:to )?(?:fail|failing|timing out|time out|crashing|crash|"
    r"breaking|break|missing|dropping|slowing|losing|leaking|piling up|complaining)\b",
    r"\bwent (?:quiet|silent|offline|dark|cold|down|missing)\b",
)
_SCENE_SENTENCES = 2
"""The scene is set at the start: a problem said later ("the build failed again") is not it."""
_TASK = _rx(
    r"(?<!\bof )\b(?:my|our|the) (?:task|job|goal|role|responsibility|mission|challenge|"
    r"assignment|aim|objective|brief|mandate) (?:was|became)\b",
    r"\b(?:i|we) (?:was|were|got) (?:asked|tasked|told|assigned|expected|responsible|supposed|"
    r"given|chosen|picked|put in charge|in charge)\b",
    r"\b(?:i|we) (?:had|needed|wanted) to\b",
    r"\bit was (?:up to|on) me\b|\bi was the one\b|\bi had to make sure\b",
    r"\bit was (?:my|our) (?:job|task|responsibility|role|goal)\b",
    r"\bwe were asked to\b|\bi volunteered to\b|\bi took (?:on|ownership)\b",
    # someone else gave the speaker the job; being on call is owning the incident
    r"\basked me to\b|\bwanted me to\b|\bput me in charge\b|\bi was (?:the )?on[ -]?call\b",
)
_IRREGULAR_PAST = (
    "wrote|built|set|made|took|led|ran|spoke|met|sat|went|gave|chose|found|brought|began|"
    "put|kept|did|drew|broke|split|sent|told|taught|held|rewrote|rebuilt|paid|sought|fought|bought|"
    "shut|cut|dug|drove|flew|hid|laid|lent|rode|rang|rose|shook|showed|stood|stuck|swore|"
    "swept|threw|tore|understood|undid|woke|won|wound|got|read|paired|switched"
)
_NOT_ACTIONS = _wordset(
    "was were had needed wanted felt thought knew liked loved hoped guessed meant realised "
    "realized learned learnt used noticed heard seemed assumed believed wished expected "
    "remembered forgot enjoyed hated got was"
)  # fmt: skip
_I_CLAUSE = re.compile(
    rf"\b(?:i|and i|so i|then i|first,? i)(?: (?:also|then|quickly|finally|immediately|"
    rf"personally|just|first|actually))? ({_IRREGULAR_PAST}|[a-z]+ed)\b",
    re.IGNORECASE,
)
_WE_CLAUSE = re.compile(rf"\bwe(?: (?:also|then|finally|quickly))? ({_IRREGULAR_PAST}|[a-z]+ed)\b",
                        re.IGNORECASE)  # fmt: skip
_NEXT_VERB = re.compile(
    rf"(?:,|\band|, and)\s+(?:then |also |finally )?({_IRREGULAR_PAST}|[a-z]+ed)\b"
)
"""A further past verb in the same list: "I profiled the page, cached the data and removed…"."""
_FILLER = re.compile(r",?\s*\b(?:u+h*m+|u+h+|e+r+m*|you know)\b,?", re.IGNORECASE)
_WHAT_I_DID = _rx(r"\bwhat i did\b", r"\bmy (?:first )?step was\b", r"\bi started by\b",
                  r"\bthe first thing i did\b")  # fmt: skip
_RESULT = _rx(
    r"\b(?:as a result|in the end|the result|the outcome|the impact|eventually|ultimately|"
    r"ended up|at the end|by the end|afterwards|the upshot|in the long run)\b",
    r"\b(?:it|this|that|which) (?:worked|paid off|led to|meant|helped|saved|cut|reduced|"
    r"improved|fixed|solved|stopped)\b",
    # "my goal was to cut it" is a goal, not a result
    r"(?<!\bto )\b(?:reduced|cut|dropped|fell|decreased|increased|grew|rose|improved|saved|doubled|"
    r"halved|tripled|went (?:down|up)|shipped|launched|delivered|finished|hit|met|beat|"
    r"exceeded|won|promoted|migrated|resolved|recovered|restored|back up|came back|"
    r"passed|closed|signed)\b",
    # a change said as before and after: "shrank from four hundred to ninety"
    r"\b(?:shrank|shrunk|went|dropped|fell|rose|grew|moved)\b[^.?!]{0,20}\bfrom\b[^.?!]{1,30}"
    r"\bto\b",
    r"\bnow\b[^.?!]{0,30}\b(?:takes?|ships?|runs?|gets?|has|have|is|are)\b",
    r"\b(?:(?:ever )?since then|ever since|from then on|after that|to this day|no longer|"
    r"never (?:again|happened)|has ?n[o']t happened|"
    r"now (?:we|the team|it|they|he|she|i|mentors|owns|runs|leads))\b",
    r"\bi learn(?:ed|t)\b|\bthe lesson\b|\blesson (?:i|was)\b|\bwhat i (?:took away|learned)\b",
    r"\b(?:on time|ahead of schedule|under budget|zero (?:downtime|incidents|errors))\b",
    r"\bwith (?:a day|an hour|a week|days|hours|time|a month) to spare\b|\bcompleted\b",
    # the other side's reaction is how it ended: "she left satisfied", "the client was delighted"
    r"\b(?:she|he|they|the (?:customer|client|patient|manager|boss|team|users?|stakeholders?))"
    r"\b[^.?!]{0,20}\b(?:left|was|were|felt|seemed|became|got)\b[^.?!]{0,15}\b(?:satisfied|"
    r"happy|unhappy|delighted|pleased|grateful|thrilled|impressed|angrier|furious)\b",
    # a change said as a comparison: "three times faster", "twice as fast", "2x cheaper"
    r"\bhalf the (?:time|cost|price|size)\b|\b(?:a|an|one|two|three|four|\d+) (?:hours?|days?|"
    r"weeks?|months?|minutes?|seconds?) (?:earlier|early|faster|sooner|ahead)\b",
    r"\b(?:\d+|two|three|four|five|ten|several|many) ?(?:times|x) (?:faster|slower|cheaper|"
    r"quicker|better|fewer|more|less|smaller|bigger)\b|\b(?:twice|half|three times) as "
    r"(?:fast|quick|many|much|often|cheap|reliable)\b",
)
_HYPOTHETICAL = re.compile(r"\bi(?:'d| would| will| could| might)\b", re.IGNORECASE)

_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|"
    "forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|billion|half|a third|"
    "a quarter|dozen"
)
_UNIT = (
    r"%|percent|per ?cent|x\b|times|ms|milliseconds?|seconds?|minutes?|hours?|days?|weeks?|"
    r"months?|years?|k\b|thousand|million|billion|dollars?|pounds?|euros?|users?|customers?|"
    r"requests?|people|engineers?|teams?|tickets?|points?|releases?|bugs?|incidents?|"
    r"clients?|deals?|sales|orders?|calls?|servers?|services?"
)
_NUMBERS = re.compile(
    rf"(?:[$£€]\s?\d[\d,.]*\s?(?:k|m|bn|million|billion|thousand)?|\b\d[\d,.]*\s?(?:{_UNIT})?"
    rf"|\b(?:{_NUMBER_WORDS})(?:[ -](?:{_NUMBER_WORDS}))*\s(?:{_UNIT})"
    r"|\b(?:doubled|halved|tripled|quadrupled)\b)",
    re.IGNORECASE,
)


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    return [p for p in parts if p.strip()]


@dataclass(frozen=True, slots=True)
class StarFinding:
    parts: dict[str, bool]
    i_actions: int
    """First-person past actions ("I wrote", "so I proposed")."""
    we_actions: int
    hypothetical: bool


def star_of(text: str) -> StarFinding:
    """Which STAR parts ``text`` states, with the counts the next step needs."""
    sentences = _sentences(text)
    if not sentences:
        return StarFinding(dict.fromkeys(PARTS, False), 0, 0, False)
    # "I, um, split the batch": the fillers between the words say nothing about the parts
    lowered = [" ".join(_FILLER.sub(" ", s.lower().replace("’", "'")).split()) for s in sentences]
    whole = " ".join(lowered)
    i_actions = we_actions = 0
    for sentence in lowered:
        for clause, is_i in ((_I_CLAUSE, True), (_WE_CLAUSE, False)):
            for m in clause.finditer(sentence):
                if m.group(1) in _NOT_ACTIONS:
                    continue
                # and every further past verb in the same list ("…, cached … and removed …")
                rest = re.split(r"\b(?:i|we|they|he|she|it)\b", sentence[m.end():], maxsplit=1)[0]
                n = 1 + sum(1 for v in _NEXT_VERB.finditer(rest) if v.group(1) not in _NOT_ACTIONS)
                if is_i:
                    i_actions += n
                else:
                    we_actions += n
    hypothetical = len(_HYPOTHETICAL.findall(whole)) > max(1, i_actions)
    # the result comes after the scene: in a later sentence, or after the first sentence's
    # own action ("…, so I rewrote them, and now new hires ship in a week")
    first_act = _I_CLAUSE.search(lowered[0]) or _WE_CLAUSE.search(lowered[0])
    later = " ".join([lowered[0][first_act.end():] if first_act else "", *lowered[1:]])
    # a first-person past verb is something done: "I split…", "I profiled…", "we moved…"
    action = not hypothetical and (
        bool(_WHAT_I_DID.search(whole)) or i_actions >= 1 or we_actions >= 1
    )
    result = bool(_RESULT.search(later)) and not (hypothetical and not i_actions)
    # the scene: the first sentences, up to the first one that says what was done
    acted = next((k for k, s in enumerate(lowered) if _I_CLAUSE.search(s) or (_WE_CLAUSE.search(s)
                  and not _SITUATION.search(s))), len(lowered))  # fmt: skip
    scene_sentences = lowered[: max(1, min(_SCENE_SENTENCES, acted))]
    scene = " ".join(scene_sentences)
    first_person = re.compile(r"^(?:so |then |and )?(?:i|we)\b")
    problem = any(_PROBLEM.search(s) and not first_person.match(s) and len(s.split()) >= 4
                  for s in scene_sentences)  # fmt: skip
    parts = {
        "situation": (bool(_SITUATION.search(scene)) or problem) and not hypothetical,
        "task": bool(_TASK.search(whole)) and not hypothetical,
        "action": action,
        "result": result,
    }
    return StarFinding(parts, i_actions, we_actions, hypothetical)


def numbers_in(text: str) -> tuple[str, ...]:
    """Numbers and results said, as written ("40%", "22 minutes", "halved"), each once."""
    seen: list[str] = []
    for match in _NUMBERS.finditer(text):
        found = match.group(0).strip(" ,.")
        if found and found.lower() not in (s.lower() for s in seen):
            seen.append(found)
    return tuple(seen)
