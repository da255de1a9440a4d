"""The behavioural competencies interviewers ask about, and how each is phrased.

A behavioural question names a competency in words a story rarely uses: "a
time you pushed back on your boss" is a story headed "Disagreement with my
manager (conflict)"; "your biggest achievement" is "the most challenging
project"; "get up to speed in a new codebase" is "learning fast". BM25 cannot
bridge those, so this table does: each competency has the phrasings that ask
for it (matched against the question) and the words a story about it uses
(matched against a story's title, heading labels and text).

The table is curated, not learned: it is small, readable and fixable by
editing one row, and it is what the story bank uses to say which common
questions have no story yet.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

Frequency = Literal["often", "sometimes"]


@dataclass(frozen=True, slots=True)
class Competency:
    """One competency: what it is called, how questions ask for it, how stories show it."""

    name: str
    label: str
    """How the story bank names it: "a failure", "learning something fast"."""
    frequency: Frequency
    asks: tuple[re.Pattern[str], ...]
    """Phrasings in a question (or a heading label) that ask for this competency."""
    shows: tuple[re.Pattern[str], ...]
    """Words in a story that show it (past tense, nouns)."""


def _rx(*patterns: str) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(rf"\b(?:{p})") for p in patterns)


_PERSON = (
    r"(?:co-?workers?|colleagues?|teammates?|team ?mates?|peers?|managers?|boss(?:es)?"
    r"|supervisors?|lead|stakeholders?|product managers?|pms?|partners?|people|someone"
    r"|somebody|engineers?|designers?|executives?|director|senior|others)"
)

COMPETENCIES: tuple[Competency, ...] = (
    Competency(
        "conflict",
        "a conflict or disagreement",
        "often",
        _rx(
            r"conflicts?|disagree\w*|disagreement|argu(?:e|ed|ment)|clash\w*|friction|tension",
            r"push(?:ed|ing)? back|pushback|did ?n[o']t see eye to eye|butt(?:ed)? heads",
            rf"difficult {_PERSON}|hard to work with"
            rf"|(?:challenged|contradicted|opposed) (?:a |your )?"
            rf"{_PERSON}|different (?:opinion|view|point of view)s?|opposing views?",
            r"went against|over(?:ruled|rode)|not on the same page|at odds",
        ),
        _rx(
            r"conflicts?|disagree\w*|argu\w+|clash\w*|friction|tension|push(?:ed)? back|standoff",
            r"different (?:opinion|view)s?|objected|at odds|pushback|compromise|heated",
        ),
    ),
    Competency(
        "failure",
        "a failure or mistake",
        "often",
        _rx(
            r"fail\w*|mistakes?|went wrong|go(?:es)? wrong|messed up|screwed up|regrets?",
            r"did ?n[o']t go (?:as|to) plan\w*|not proud|wrong (?:call|decision)|setbacks?",
            r"dropped the ball|bad decision|do differently|errors? (?:you|in judg)",
            r"(?:did ?n[o']t|not) (?:work out|succeed|deliver)|fell short|missteps?|blunders?",
            r"(?<!felt )(?<!thought )(?<!knew )(?:got|get|getting|was|were) (?:\w+ ){0,2}wrong",
            r"(?:was|were) (?:way |a bit )?off\b",
        ),
        _rx(
            r"fail(?:ed|ure)|mistakes?|went wrong|my fault|regret|lesson|blameless|post-?mortem",
            r"(?:i|we) (?:missed|broke|shipped a bug)|should have|underestimated|under-predicted",
            r"own(?:ed)? the mistake|what had gone wrong|short of",
        ),
    ),
    Competency(
        "leadership",
        "leading a team or project",
        "often",
        _rx(
            r"lead(?:ing)? (?:a|an|the|your)\b|\bled\b|leadership|leader\b|in charge of",
            r"lead(?:ing)? (?:\w+ )?(?:team|project|effort|engineers|people|group|initiative)",
            r"took (?:the )?(?:lead|charge)|in charge|step(?:ped)? up",
            r"ran (?:a|the) (?:team|project)",
            r"managed (?:a|the) (?:team|group|people)|motivat\w+ (?:a|the|your) team",
        ),
        _rx(
            r"\bled\b|lead\b|leading|leadership|in charge|coordinat\w+|rallied|organi[sz]ed the",
            r"(?:my|the) team of|kicked off|drove",
        ),
    ),
    Competency(
        "persuasion",
        "persuading or influencing someone",
        "sometimes",
        _rx(
            r"convinc\w*|persuad\w*|influenc\w*|win (?:\w+ )?over|won (?:\w+ )?over|buy-?in",
            r"(?:bring|brought|get|got) (?:\w+ )?(?:on board|around)|change (?:\w+ )?mind",
            r"sell (?:an?|your) idea|without (?:formal |direct )?authority|advocate",
            r"(?:did ?n[o']t|do ?n[o']t|does ?n[o']t) report to you|(?:two|other) teams to agree",
            r"(?:get|got|bring|brought) (?:\w+ ){0,3}to agree",
        ),
        _rx(
            r"convinc\w*|persuad\w*|influenc\w*|buy-?in|on board|proposed|made the case|agreed",
            r"walked (?:her|him|them) through|one to one|adopted|changed (?:her|his|their) mind",
        ),
    ),
    Competency(
        "learning",
        "learning something fast",
        "often",
        _rx(
            r"(?<!what you )(?<!did you )learn(?!(?:ed|t|ing)? from)\w*|pick(?:ed)? up|unfamiliar",
            r"get up to speed|got up to speed|ramp(?:ed)? up|thrown into",
            r"new (?:technology|tool|language|framework|domain|codebase|code base|stack|field)",
            r"outside (?:of )?your comfort zone|self-taught|never (?:used|done) before",
            r"quickly (?:master|understand|grasp)|steep learning curve|upskill",
        ),
        _rx(
            r"learn\w*|taught myself|ramp(?:ed)? up|up to speed|new to|unfamiliar|picked up",
            r"read (?:the|up)|studied|first time|never (?:used|done)|crash course",
        ),
    ),
    Competency(
        "achievement",
        "an achievement you are proud of",
        "often",
        _rx(
            r"achievement|accomplishment|proud\w*|biggest (?:win|success|impact)",
            r"greatest (?:success|win)|best work|highlight of your"
            r"|most (?:\w+ )?(?:significant|impactful"
            r"|successful|challenging|complex|rewarding|meaningful|important) (?:project|work"
            r"|thing|accomplishment|contribution)",
            r"exceed\w*|above and beyond|made (?:a|the biggest) difference|impact you|impactful",
            r"saved (?:\w+ ){0,3}(?:money|time|costs?)|(?:cut|reduced|lowered) (?:\w+ )?costs?",
        ),
        _rx(
            r"\d+ ?%|\d+x\b|record|award|promot\w+|saved|cut .{0,30}(?:by|from)|raised|grew",
            r"increased|reduced|launched|shipped|delivered|proud|million|dollars|euros|\$\d",
        ),
    ),
    Competency(
        "customer",
        "a customer or client",
        "sometimes",
        _rx(
            r"customers?|clients?|end[- ]users?|users? (?:complain|were unhappy)|customer service",
            r"(?:unhappy|angry|upset|difficult|demanding) (?:client|customer|user)s?",
        ),
        _rx(r"customers?|clients?|users?|complain\w*|support tickets?|account managers?"),
    ),
    Competency(
        "mentoring",
        "mentoring or developing someone",
        "sometimes",
        _rx(
            r"mentor\w*|coach\w*|teach\w*|taught|junior|onboard\w*|new hires?",
            r"help(?:ed)? (?:a |someone |\w+ )?(?:grow|improve|develop)",
            r"develop(?:ed)? (?:others|people|someone)",
            r"train(?:ed)? (?:a |someone|new|others)|less experienced|more independent",
            r"help(?:ed)? (?:\w+ ){0,3}(?:grow|improve)|fresh out of|new (?:grad|graduate)s?",
            r"welcom\w+ (?:\w+ ){0,2}(?:onto|to) (?:the|your) team",
        ),
        _rx(r"mentor\w*|coach\w*|pair\w*|junior|onboard\w*|taught|new hire|ramp up|grow"),
    ),
    Competency(
        "ambiguity",
        "working through ambiguity",
        "sometimes",
        _rx(
            r"ambigu\w*|unclear|uncertain\w*|vague|incomplete (?:information|data|requirements)",
            r"without (?:clear |enough )?(?:direction|requirements|guidance|information|data)",
            r"(?:did ?n[o']t|do ?n[o']t) know (?:what|how|where)|undefined|open-?ended",
            r"(?:chang\w+|shifting|moving) (?:requirements|goals|targets)|no playbook",
        ),
        _rx(r"unclear|ambigu\w*|no (?:spec|requirements|playbook)|unknowns?|assumptions?"),
    ),
    Competency(
        "deadline",
        "a tight deadline or pressure",
        "often",
        _rx(
            r"deadlines?|tight (?:timeline|schedule|turnaround)|under (?:a lot of )?pressure",
            r"pressure|stress\w*|time crunch|crunch|rush\w*|last[- ]minute|short notice",
            r"(?:very )?little time|behind schedule|against the clock|keep calm|kept calm",
            r"(?:ship|deliver|finish)(?:ed)? (?:\w+ )?on time|cut (?:the )?scope",
        ),
        _rx(
            r"deadlines?|weeks? (?:left|before|away)|days? (?:left|before)|launch date|on time",
            r"pressure|on[- ]call|urgent|restore service|before the (?:evening )?peak|friday",
        ),
    ),
    Competency(
        "prioritising",
        "prioritising competing work",
        "sometimes",
        _rx(
            r"priorit\w*|competing (?:demands|priorities|tasks|deadlines|requests)",
            r"too much (?:work|on your plate)|juggl\w*|multiple (?:projects|tasks|deadlines)",
            r"time management|manage your time|say no|overload\w*|workload|what to (?:drop|cut)",
            r"cut (?:the )?scope|several (?:urgent )?(?:requests|things)",
            r"(?:requests|tasks) (?:\w+ )?at once",
        ),
        _rx(r"priorit\w*|backlog|triag\w*|trade-?offs?|deferred|postponed|said no|scope"),
    ),
    Competency(
        "ethics",
        "an ethical dilemma",
        "sometimes",
        _rx(
            r"ethic\w*|integrity|right thing|cut(?:ting)? corners|dishonest\w*|bend the rules",
            r"against (?:your|company|the) (?:values|policy|principles)|whistle|unethical",
            r"(?:uncomfortable|wrong) (?:request|thing)|compliance|confidential",
            r"(?:felt|thought|knew|believed) (?:\w+ ){0,2}(?:was )?wrong",
            r"bend the (?:numbers|truth)",
            r"look better than|cherry-?pick|fudg\w+|mislead\w*",
        ),
        _rx(
            r"ethic\w*|integrity|honest\w*|compliance|privacy|refus\w+|not comfortable",
            r"cherry-?pick|partial picture|mislead\w*",
        ),
    ),
    Competency(
        "feedback",
        "taking or giving hard feedback",
        "often",
        _rx(
            r"feedback|critici[sz]\w*|critique|constructive|negative review|performance review",
            r"told (?:you )?(?:that )?you (?:were|was) wrong",
        ),
        _rx(r"feedback|critici[sz]\w*|review comments|one-on-one|1:1|told me"),
    ),
    Competency(
        "teamwork",
        "working with a team",
        "often",
        _rx(
            r"teamwork|team player|collaborat\w*|cross[- ]functional|other teams|work(?:ed)? "
            r"(?:closely )?with (?:others|a team|other)|team effort|as part of a team",
        ),
        _rx(r"collaborat\w*|together|paired|cross[- ]team|other teams|we agreed"),
    ),
    Competency(
        "initiative",
        "taking initiative",
        "sometimes",
        _rx(
            r"initiative|ownership|took it upon|without being asked|proactive\w*|self-starter",
            r"went beyond|improv\w+ (?:a|the) process|your own idea|on your own",
        ),
        _rx(r"on my own|noticed|volunteered|proposed|initiative|nobody (?:owned|asked)"),
    ),
    Competency(
        "problem-solving",
        "solving a hard problem",
        "often",
        _rx(
            r"(?:hard|difficult|complex|tricky|challenging|toughest|hardest|interesting) "
            r"(?:technical )?(?:problem|bug|issue|challenge)s?",
            r"debug\w*|root cause|troubleshoot\w*|creative (?:solution|approach)|solved",
            r"figure(?:d)? out|outage|incident|production (?:issue|went down)|tracked down",
            r"fix(?:ed|ing)? (?:a|an|the)|broke|broken",
            r"technically (?:challenging|difficult|complex)|hard bug",
        ),
        _rx(
            r"debug\w*|root cause|bug|outage|incident|fixed|diagnos\w+|investigat\w+|rolled back",
            r"logs|dashboards|exhausted|failing|errors|the cause|found that|benchmark\w*",
            r"design\w*|requirements|architecture|latency|throughput|requests per second",
        ),
    ),
    Competency(
        "communication",
        "explaining something complex",
        "sometimes",
        _rx(
            r"communicat\w*|explain\w* (?:\w+ ){0,4}(?:non-?technical|to someone|to a)",
            r"non-?technical|present(?:ed|ation)?s? to|simplif\w+|audience|stakeholder updates?",
        ),
        _rx(r"explain\w*|present\w*|wrote|documented|status updates?|demo\w*|non-?technical"),
    ),
    Competency(
        "adaptability",
        "adapting to change",
        "sometimes",
        _rx(
            r"adapt\w*|sudden change|change (?:in|of) (?:direction|priorities|plans|scope)",
            r"pivot\w*|reorg\w*|flexib\w+|unexpected (?:change|turn)|plans changed",
        ),
        _rx(r"adapt\w*|pivot\w*|changed (?:course|plans)|reorg\w*|switched"),
    ),
    Competency(
        "decision",
        "a hard decision",
        "sometimes",
        _rx(
            r"(?:difficult|tough|hard|big|risky|unpopular) (?:decision|call|choice)s?",
            r"judg(?:e)?ment call|decide\w*|decision|without all the (?:data|information|facts)",
            r"weigh(?:ed)? (?:the )?(?:options|trade-?offs)|took a risk|calculated risk",
        ),
        _rx(r"decid\w+|decision|chose|weighed|trade-?offs?|risk"),
    ),
)

BY_NAME: Mapping[str, Competency] = {c.name: c for c in COMPETENCIES}

_ALIASES: dict[str, str] = {
    "conflict resolution": "conflict",
    "disagreement": "conflict",
    "mistake": "failure",
    "setback": "failure",
    "lead": "leadership",
    "influence": "persuasion",
    "influencing": "persuasion",
    "stakeholder management": "persuasion",
    "learning fast": "learning",
    "learning agility": "learning",
    "growth": "learning",
    "curiosity": "learning",
    "impact": "achievement",
    "success": "achievement",
    "results": "achievement",
    "customer focus": "customer",
    "customer obsession": "customer",
    "client": "customer",
    "coaching": "mentoring",
    "developing others": "mentoring",
    "ambiguity": "ambiguity",
    "uncertainty": "ambiguity",
    "deadlines": "deadline",
    "pressure": "deadline",
    "time pressure": "deadline",
    "prioritization": "prioritising",
    "prioritisation": "prioritising",
    "prioritizing": "prioritising",
    "time management": "prioritising",
    "integrity": "ethics",
    "honesty": "ethics",
    "collaboration": "teamwork",
    "ownership": "initiative",
    "bias for action": "initiative",
    "problem solving": "problem-solving",
    "technical": "problem-solving",
    "debugging": "problem-solving",
    "incident": "problem-solving",
    "communicating": "communication",
    "change": "adaptability",
    "flexibility": "adaptability",
    "judgement": "decision",
    "judgment": "decision",
    "decision making": "decision",
    "decision-making": "decision",
}


def fold(text: str) -> str:
    """Lower case, accents off, curly quotes straight: what the patterns expect."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def asked_for(question: str) -> dict[str, float]:
    """The competencies a question asks about, with a weight in (0, 1].

    Each competency's weight is 1 for its first matching phrase and a little
    more for each further one, then scaled so the strongest is 1.
    """
    text = fold(question)
    hits: dict[str, float] = {}
    for comp in COMPETENCIES:
        n = sum(1 for pattern in comp.asks if pattern.search(text))
        if n:
            hits[comp.name] = 1.0 + 0.25 * (n - 1)
    top = max(hits.values(), default=0.0)
    return {name: round(w / top, 3) for name, w in hits.items()} if top else {}


def from_labels(labels: Iterable[str]) -> set[str]:
    """Canonical competencies from labels the user wrote ("Conflict resolution", "Impact")."""
    out: set[str] = set()
    for raw in labels:
        label = fold(raw).strip(" .:-")
        if not label:
            continue
        if label in BY_NAME:
            out.add(label)
        elif label in _ALIASES:
            out.add(_ALIASES[label])
        else:
            found = asked_for(label)
            if found:
                out.update(found)
            elif (singular := label.rstrip("s")) in BY_NAME:
                out.add(singular)
    return out


@dataclass(frozen=True, slots=True)
class StoryCompetencies:
    """What a story is about: the labels the user gave it, and what its words suggest."""

    labelled: frozenset[str]
    inferred: frozenset[str]

    @property
    def all(self) -> frozenset[str]:
        return self.labelled | self.inferred

    def weight(self, name: str) -> float:
        """1 for a labelled competency, 0.6 for an inferred one, 0 otherwise."""
        if name in self.labelled:
            return 1.0
        return 0.6 if name in self.inferred else 0.0


def of_story(
    title: str, text: str, labels: Iterable[str] = (), group: str = ""
) -> StoryCompetencies:
    """The competencies of one story: labels first, then the title's and the text's words.

    A heading the story is grouped under ("## Leadership") counts as an inferred
    competency, not a label: people group loosely. A competency is inferred
    when the title asks for it, or when the text shows
    it at least twice (two different cue words, or one cue word and one
    phrasing that asks for it); the best two inferred ones are kept, so a
    story is not "about" everything it mentions.
    """
    labelled = frozenset(from_labels(labels))
    head = fold(title)
    body = fold(text)
    scores: dict[str, float] = {}
    for comp in COMPETENCIES:
        score = 0.0
        if any(p.search(head) for p in comp.asks) or any(p.search(head) for p in comp.shows):
            score += 3.0
        score += sum(1.0 for p in comp.shows if p.search(body))
        score += sum(0.5 for p in comp.asks if p.search(body))
        cue_words = {m.group(0) for p in comp.shows for m in p.finditer(body)}
        score += 0.5 * max(0, len(cue_words) - 1)
        if score >= 2.0:
            scores[comp.name] = score
    ranked = [n for n in sorted(scores, key=lambda n: -scores[n]) if n not in labelled]
    hinted = from_labels([group]) - labelled if group else set()  # "## Leadership" over it
    inferred = frozenset([*ranked[:2], *hinted])
    return StoryCompetencies(labelled, inferred)
