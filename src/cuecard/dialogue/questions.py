"""Is this interviewer turn a question worth answering, and what kind?

Whisper transcripts are the input, so nothing here trusts punctuation or
casing: a question may arrive without "?", a statement with a stray one, and
"um, yeah, so" in front of both. The detector therefore works on normalised
words and asks three things of each sentence, in order:

1. strip what carries no request (fillers, backchannel, transitions);
2. look for a *cue* that the speaker wants an answer (wh-question, auxiliary
   inversion, an imperative such as "walk me through", an embedded request such
   as "I was wondering if…", a tag such as "…, right?");
3. only then fall back on the question mark, and only where it is plausible
   (second-person declaratives, short elliptical questions).

Every rule is a row in a table below, so a wrong call is explained by the cue
that fired (``QuestionAnalysis.cues``) and fixed by editing one row, not by
adding another branch. Rule-based on purpose: it is deterministic, runs in well
under a millisecond, and needs no model download on a privacy-first device.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import cast, get_args

from cuecard.dialogue import languages
from cuecard.events import QuestionKind

__all__ = [
    "KINDS",
    "QuestionAnalysis",
    "analyse",
    "classify",
    "coding_parts",
    "is_backchannel",
    "is_follow_up",
    "normalise",
    "reads_complete",
    "same_question",
    "similarity",
]

KINDS: tuple[QuestionKind, ...] = get_args(QuestionKind)


def _wordset(words: str) -> frozenset[str]:
    return frozenset(words.split())


@dataclass(frozen=True, slots=True)
class QuestionAnalysis:
    """The question part of a turn, its kind, and why we think so.

    ``text`` holds only the question sentences (from the first question to the
    last, backchannel dropped), so "Okay, that makes sense. How would you design
    a rate limiter?" becomes "How would you design a rate limiter?".
    ``confidence`` is how sure we are that it is a question at all; ``cues``
    names the rules that fired, for tests and for a curious user.
    """

    text: str
    kind: QuestionKind
    confidence: float
    cues: tuple[str, ...] = ()


# --------------------------------------------------------------------------
# Word classes shared by the tables. Contractions stay attached ("what's").

_WH = r"(?:what|how|why|when|where|which|who|whom|whose)"
_WH_CONTRACTED = r"(?:what|how|why|when|where|who|which)(?:'s|'d|'re|'ve|'ll)"
_AUX = (
    r"(?:do|does|did|would|will|could|can|should|shall|might|may|must|is|are|was|were|have|has"
    r"|had|don't|doesn't|didn't|won't|wouldn't|can't|couldn't|isn't|aren't|wasn't|weren't"
    r"|haven't|hasn't|shouldn't)"
)
_SUBJ = (
    r"(?:you|you've|you'd|you're|you'll|your|yourself|we|we've|we'd|we're|i|i'm|i've|they"
    r"|it|there|this|that|he|she|the|a|an|any|some|anyone|anything|anybody|something"
    r"|someone|people|one|these|those|my|our|their|his|her|its|all|each|every|most)"
)
_YOU = r"(?:you|you've|you'd|you're|you'll|your|yours|yourself)"

# Leading material that asks nothing: fillers, backchannel, acknowledgements and
# transitions. Stripped repeatedly from the start of each sentence, longest first.
_LEADING = (
    r"um+|uh+|uhm+|erm*|er|hmm+|hm|mm+|mhm+|mm-hmm|uh-huh|ah+|oh|ooh|wow|huh",
    r"so|and|but|well|now|right|okay|ok|k|alright|all right|yeah|yes|yep|yup|sure|cool|great"
    r"|good|nice|perfect|awesome|excellent|wonderful|fantastic|lovely|brilliant|amazing"
    r"|fine|understood|noted|indeed|exactly|absolutely|totally|definitely|true|fair|really"
    r"|then|next|anyway|anyways|actually|basically|like|also|plus|okay then|all good",
    r"fair enough|got it|gotcha|i see|i get it|i understand|makes sense|that makes sense"
    r"|that make sense|makes total sense|that makes a lot of sense|that's fair|that's true"
    r"|that's right|that's correct|you're right|good point|that's a good point|great point",
    r"(?:that's|that is|very|really|how) (?:interesting|great|good|cool|awesome|helpful"
    r"|fascinating|impressive|neat|fantastic|wonderful|useful|clear|amazing|perfect|fine)",
    r"(?:thank you|thanks|thank you so much|thanks so much|thanks a lot|many thanks)"
    r"(?: (?:for (?:that|this|sharing(?: that| this)?|the (?:answer|context|detail|details"
    r"|explanation|overview|walkthrough)|explaining(?: that)?|walking me through (?:that|it)"
    r"|your answer)))?",
    r"you know|i mean|let's see|let me see|let me think|good stuff|nice one|love that",
    r"(?:let's|let us) (?:move on|move along|continue|get started|start|begin|dive in|jump in"
    r"|switch gears|shift gears|keep going|kick off|kick things off)",
    r"moving on|on to the next one|next question|one more|last one|final question",
)
_LEADING_RE = re.compile(r"^(?:" + "|".join(_LEADING) + r")(?=\s|$)")
# Words that join a question to the one before it: kept when a turn continues.
_CONNECTIVES = _wordset("and also plus but so then or")

# Statements that merely look like questions at the start (free relatives,
# exclamations). Checked before the cues; a match means "not from the start".
_NOT_A_QUESTION_START = (
    r"^what (?:we|i|they|the team|our team|you'll|you will|you'd be)\b.*\b(?:is|was|are)\b",
    r"^what(?:'s| is) (?:great|nice|cool|important|interesting|exciting|unique|special|fun"
    r"|really|so|most|neat|different)\b.*\b(?:is|are|was)\b",
    r"^how (?:interesting|cool|nice|great|fun|funny|exciting|awesome|neat|lovely|wonderful"
    r"|amazing|impressive|fascinating)\b",
    r"^what (?:a|an)\b",
    r"^why (?:we|i) (?:ask|asked|do|did|mention|mentioned|bring|brought)\b.*\b(?:is|was)\b",
    r"^which (?:is|was) (?:exactly|why|what|how|great|good|fine|also|totally|really|kind of"
    r"|pretty|the reason|where|something|a|an)\b",
    r"^(?:why don't i|how about i)\b",
    r"^(?:can|could|may) i (?:just )?(?:say|add|mention|jump in|interrupt|stop you|quickly)\b",
    r"^(?:give|bear with) (?:me|us) (?:a|one|just a) (?:second|sec|minute|moment|mo)\b",
    r"^(?:share|open|close|stop sharing) (?:your|the|my) screen\b",
    r"^(?:explain|describe|talk|think|narrate)\b.*\b(?:as you go|out loud|aloud|while you"
    r"|as you code|as you work)\b",
    r"^where was i\b",
    r"^let (?:me|us) know when\b",
)
_NOT_A_QUESTION_START_RE = tuple(re.compile(p) for p in _NOT_A_QUESTION_START)


@dataclass(frozen=True, slots=True)
class _Cue:
    name: str
    pattern: re.Pattern[str]
    confidence: float


def _cue(name: str, pattern: str, confidence: float) -> _Cue:
    return _Cue(name, re.compile(pattern), confidence)


# Cues anchored at the start of a (stripped) sentence, strongest first.
_START_CUES: tuple[_Cue, ...] = (
    _cue("wh-contracted", rf"^{_WH_CONTRACTED}(?:\s|$)", 0.9),
    _cue("wh-aux", rf"^{_WH} {_AUX}\b", 0.92),
    _cue(
        "wh-noun-aux",
        rf"^(?:what|which|whose|how (?:many|much|long|big|often|far|fast|large|well|soon|exactly"
        rf"|quickly|else))(?: \S+){{0,4}}? {_AUX} {_SUBJ}\b",
        0.9,
    ),
    _cue("wh-kind-of", r"^what (?:kind|type|types|kinds|sort|sorts) of\b", 0.88),
    _cue(
        "how-much",
        r"^how (?:many|much|long|often|big|large|fast|far|soon|well|exactly|quickly)\b",
        0.85,
    ),
    _cue("what-about", r"^(?:what|how) about\b", 0.85),
    _cue("what-if", r"^what if\b", 0.85),
    _cue(
        "wh-verb",
        r"^(?:what|which|who) (?:happens|happened|causes|caused|makes|drives|matters|changed"
        r"|changes|motivates|excites|worries|scares|keeps|breaks|goes wrong)\b",
        0.85,
    ),
    _cue("why", r"^(?:why|how come|how so|why not|what else|what then|what next)\b", 0.85),
    _cue("wh-you", rf"^{_WH} {_YOU}\b", 0.7),
    _cue("aux-inversion", rf"^{_AUX} {_SUBJ}\b", 0.9),
    _cue(
        "imperative",
        r"^(?:please |just |maybe |so )?(?:tell (?:me|us)\b|walk (?:me|us) through"
        r"|take (?:me|us) through|talk (?:me|us) through|run (?:me|us) through"
        r"|go through\b|talk (?:to (?:me|us) )?about\b|give (?:me|us)\b"
        r"|share (?:with (?:me|us) )?(?:a|an|some|one|your|how|what|the|any)\b"
        r"|describe\b|explain\b|elaborate\b|outline\b|compare\b|contrast\b|design\b"
        r"|implement\b|write (?:a|an|me|some|the|down)\b|sketch\b|estimate\b|define\b"
        r"|summari[sz]e\b|expand on\b|help (?:me|us) understand\b|show (?:me|us)\b"
        r"|say (?:a bit |a little )?more\b|name (?:a|an|one|two|three|some|your)\b"
        r"|list (?:the|some|a few|your|three|two|a couple)\b|pick (?:a|an|one)\b"
        r"|think (?:of|about) a\b|introduce yourself\b|talk a (?:bit|little) about\b"
        r"|give (?:an?|one|some|two|three|another) (?:example|instance|story)\b"
        r"|teach (?:me|us)\b|state (?:the|what|how|why|which|your)\b"
        r"|state (?:an?|one) (?:experience|example|time|situation|instance)\b"
        r"|(?:talk|think|reason|work) through\b|go over\b|break down\b|speak to\b"
        r"|let (?:me|us) know (?:if|whether|what|how|which|why)\b"
        r"|tell (?:me|us) (?:how|what|why|which|when|where|whether|if)\b"
        r"|(?:tell|talk|give|share|walk|describe|explain) (?:me |us )?(?:\w+ ){0,2}"
        r"(?:a time|an example|an instance|a situation|a story)\b)",
        0.86,
    ),
    _cue(
        "story-request",
        r"^(?:a|one) time (?:when|that|where|you)\b|^an? (?:example|instance|story) (?:of|when"
        r"|where|about)\b",
        0.75,
    ),
    _cue(
        "setup",
        r"^(?:imagine|suppose|supposing|picture (?:this|yourself|a)|let's say|say (?:you|that"
        r"|your|a|the)|assume|assuming|hypothetically|pretend)\b",
        0.78,
    ),
    _cue(
        "elliptical",
        r"^(?:any (?:questions|thoughts|other questions|concerns|ideas|preference|preferences"
        r"|experience|examples?)|anything (?:else|you|to|that)|questions for (?:me|us)"
        r"|any other \w+|ready to|sound good|sounds good\?|all set|good to go)\b",
        0.75,
    ),
)

# Requests phrased as a statement about the speaker; may occur anywhere.
_EMBEDDED_CUES: tuple[_Cue, ...] = (
    _cue(
        "embedded-request",
        r"\b(?:(?:wondering|curious|wonder) (?:if|whether|how|what|why|about|where|when|which"
        r"|who)"
        r"|i'd (?:like|love) (?:to (?:hear|know|understand|learn|see|ask)|you to|for you to)"
        r"|i (?:would like|would love|want) (?:to (?:hear|know|understand|learn|ask)|you to)"
        r"|(?:interested|keen) (?:in (?:hearing|knowing|learning|your)|to (?:hear|know|learn))"
        r"|let me ask (?:you )?(?:about|how|why|what|whether|if|a (?:quick|follow)\S*)"
        r"|(?:my|the|a) (?:next |first |last |final |follow-up |quick )?question (?:is|would be"
        r"|for you)"
        r"|(?:can|could|may) i ask (?:you )?(?:about|how|why|what|whether|if)"
        r"|(?:the|my|a) follow-?up (?:question )?(?:is|would be|will be) (?:how|what|why|whether"
        r"|if|which|when))\b",
        0.85,
    ),
)

# "I want to ask you a few scenario-based questions now": the interviewer announces
# questions to come; the request is the next sentence, not this one.
_ANNOUNCES_QUESTIONS_RE = re.compile(
    r"\b(?:ask|asking) (?:you )?(?:a (?:few|couple of|couple|series of)|some|several|more|two"
    r"|three|four|\d+) (?:[\w-]+ ){0,2}questions\b(?! (?:about|on) (?:your|you)\b)"
)

# A question that starts mid-sentence after a statement Whisper did not
# punctuate ("we use kubernetes here how do you deploy"). Only strong onsets.
_INTERNAL_ONSET_RE = re.compile(
    rf"(?<=\s)(?:{_WH} {_AUX} {_SUBJ}|{_WH_CONTRACTED} {_SUBJ}"
    rf"|(?:can|could|would|will) you|did you|have you (?:ever|been|worked|used|had|done|tried)"
    rf"|do you (?:have|think|use|prefer|feel|see|want|know (?:what|how|why|if|whether|about|any))"
    rf"|(?:tell|give) (?:me|us) (?:about|an? |more|one|some|two|three|your)"
    rf"|walk (?:me|us) through|(?:what|which) [\w-]+ (?:would|should|could|will) (?:be|you)"
    rf"|(?:what|which) [\w-]+ (?:would|should|could|will|might) \w+ (?:you|your))\b"
)
# A word right before an onset that makes it an embedded clause, not a question:
# "I don't know why that happened", "that's what is exciting".
_EMBEDDING_WORDS = _wordset(
    "know knew see saw understand understood remember forget forgot that's thats this is was "
    "here's it's idea sure exactly matter decide decided explains explain tells shows showed "
    "asked ask wonder wondering curious about of"
)
# A prefix starting like this frames the question and is kept with it.
_FRAMING_PREFIX_RE = re.compile(
    r"^(?:when|if|since|given|as|because|once|after|before|while|now that|assuming|in|for"
    r"|at|on|with|during|thinking|looking|going back|back)\b"
)

# Tag questions at the end of a sentence.
_TAG_WITH_QMARK_RE = re.compile(
    r"(?:,|\s)\s*(?:right|correct|yes|no|yeah|true|okay|ok|is that right|is that correct"
    r"|am i right|is that fair|does that sound right|or not)\s*\?\s*$",
    re.IGNORECASE,
)
_NEGATIVE_TAG_RE = re.compile(
    r"\s(?:isn't|aren't|wasn't|weren't|didn't|don't|doesn't|haven't|hasn't|won't|wouldn't"
    r"|couldn't|can't) (?:it|you|they|we|there|that|he|she)$"
)
_BARE_RIGHT_TAG_RE = re.compile(rf"\b{_YOU} \S+ .*\b(?:right|correct)$")

_QMARK_SECOND_PERSON_RE = re.compile(rf"\b{_YOU}\b")
_DECLARATIVE_SUBJECT_RE = re.compile(
    r"^(?:i|i'm|i've|i'd|we|we're|we've|we'd|they|they're|he|she|it|it's|that|that's|this"
    r"|there|there's|these|those|our|my|the team|the company)\b"
)


# --------------------------------------------------------------------------
# Kinds. Framing cues ("a time when", "what would you do if", "yourself") weigh
# more than topic words ("database", "salary"), so "What would you do if
# production went down?" is situational although "production" is technical.


@dataclass(frozen=True, slots=True)
class _KindRule:
    kind: QuestionKind
    pattern: re.Pattern[str]
    weight: float


def _kinds(kind: QuestionKind, weight: float, *patterns: str) -> tuple[_KindRule, ...]:
    return tuple(_KindRule(kind, re.compile(rf"\b(?:{p})"), weight) for p in patterns)


_KIND_RULES: tuple[_KindRule, ...] = (
    # small talk: pleasantries and the call itself
    *_kinds(
        "small-talk",
        4,
        r"how are you(?: doing)?(?: today| this (?:morning|afternoon|evening))?\W*$",
        r"how(?:'s| is) (?:it going|your (?:day|week|morning|afternoon)|everything|life)",
        r"how (?:have you been|was your (?:weekend|morning|day|trip|journey|commute|flight"
        r"|holiday|vacation|week))",
        r"(?:find|found) (?:us|the (?:place|office|building|room|link))",
        r"(?:can|could) you (?:hear|see) (?:me|us|my screen|the screen)",
        r"is my (?:audio|video|screen|sound|connection)",
        r"weather|raining|sunny|(?:nice|good|relaxing|fun) weekend|traffic (?:on the way|was|this)"
        r"|how was the traffic",
        r"(?:where|what city) are you (?:calling|joining|dialling|dialing|based|located"
        r"|coming) (?:in )?from",
        r"(?:water|coffee|tea)\b",
        r"(?:are you |)ready to (?:start|begin|get started|go|dive in)|are you ready",
        r"(?:shall|should) we (?:start|begin|get started|dive in)",
        r"does that sound good|sounds? good\W*$|are you comfortable\W*$|all set",
        r"(?:video|audio|sound|camera|mic|microphone|connection)s? (?:\w+ )?(?:working|okay|ok"
        r"|fine|clear|cuts? out|drops?)|on your end|cuts? out",
        r"did you (?:have|get) (?:a chance|lunch|time to (?:eat|rest))",
        r"how(?:'s| is) (?:the|your) (?:weather|connection|family|morning)",
    ),
    # logistics: terms, process, practicalities
    *_kinds(
        "logistics",
        4,
        r"salary|compensation|(?:pay|comp|rate) (?:expectations|range|band)|expected pay",
        r"notice period|start date|when (?:can|could|would) you (?:start|join|begin)",
        r"available to (?:start|join)|your availability|earliest (?:start|you could start)",
        r"relocat|visa|sponsorship|work (?:authori[sz]ation|permit)|right to work",
        r"(?:other|any) (?:offers|interviews|processes)|interviewing (?:elsewhere|with other)",
        r"(?:any |other )?questions (?:do you have )?for (?:me|us)",
        r"(?:anything|questions) (?:you'd|you would) like to ask|do you have any questions",
        r"references|background check|(?:full|part)[- ]time|contract(?:or)? (?:role|basis)"
        r"|benefits|equity|stock options|bonus",
        r"remote|hybrid|(?:in|from|to) the office|office (?:days|policy)|days a week|on[- ]site"
        r"|commut",
        r"anything (?:else )?(?:you'd|you would) like to (?:add|ask|share)|before we wrap up",
        r"how did you hear about|next steps|timeline for|travel (?:for work|requirements|\d)",
        r"willing to (?:relocate|travel|work)|(?:working|work) hours|time ?zone|overtime",
        r"\btravel\b|any (?:more |other |further )?questions (?:before|for|at this)",
        r"(?:able|ready|free) to start|start (?:in|on|by|from) (?:\w+ )?(?:january|february"
        r"|march|april|may|june|july|august|september|october|november|december|monday|next)",
        r"being on[- ]call|on[- ]call (?:\w+ ){0,3}(?:week|rotation|schedule|shifts?)",
    ),
    # about-you: the candidate as a person and a hire
    *_kinds(
        "about-you",
        4,
        r"about yourself|introduce yourself|describe yourself|yourself in (?:three|3|a few)",
        r"your (?:background|resume|résumé|cv|career (?:so far|path|history|goals|plans))",
        r"why (?:do|would) you (?:want|like) to (?:work|join|be)|why (?:are you )?(?:interested"
        r"|applying)|why (?:this|our) (?:role|company|team|position|job)",
        r"why (?:are you|did you|do you want to) (?:leav|look|mov|switch|change)",
        r"(?:strength|weakness)",
        r"where do you see yourself|(?:five|5|ten|10) years",
        r"career (?:goals|plans|aspirations|path)|long[- ]term goals",
        r"motivat|passionate about|what (?:excites|drives|inspires) you",
        r"why should we hire|what makes you (?:unique|a good fit|stand out|different"
        r"|the right|qualified)|good fit for",
        r"hobbies|outside (?:of )?work|for fun|free time|spare time",
        r"your (?:ideal|dream) (?:job|role|team|manager|company|environment)",
        r"what are you looking for|looking for in (?:your|a|the) next",
        r"what do you know about (?:us|our|the company)\b",
        r"(?:management|leadership|work|working|communication|learning) style",
        r"how would your (?:colleagues|manager|friends|coworkers|co-workers|team|peers)"
        r" describe",
        r"(?:proudest|most proud|proud of)|(?:biggest|greatest) (?:achievement|accomplishment)",
        r"what do you (?:enjoy|like|love) (?:most )?about|what do you do for",
        r"your current (?:role|job|position|team)|what do you do (?:at|in your)",
        r"why (?:us|here)\W*$|why (?:backend|engineering|software)\b",
        r"why you (?:want|applied|are applying|chose|left|decided|are leaving)",
        r"what do you know about (?:\w+ ){0,2}(?:company|product|team|mission|business)",
    ),
    # behavioural: a past situation, STAR
    *_kinds(
        "behavioural",
        4,
        r"a time (?:when |that |where |in which |)(?:you|your)|a time when|the last time (?:you"
        r"|your)|when was the last time",
        r"(?:tell|walk) (?:me|us) (?:about|through) (?:a|an) (?:situation|project|moment|case"
        r"|instance|occasion|example|decision|conflict|mistake|failure|challenge|time)",
        r"(?:an?|some) (?:example|examples|instance|situation|occasion|story) (?:of|when|where"
        r"|in which|from)",
        r"describe (?:a|an) (?:time|situation|project|moment|occasion|instance|conflict"
        r"|decision|challenge|failure|mistake)",
        r"you(?:'ve| have) ever|you ever (?:had|made|received|given|faced|failed|missed|led)",
        r"(?:do|done|have done|approach) (?:it |things |that )?differently",
        r"(?:tell|talk|walk|take) (?:me |us )?(?:about|through) (?:your|the) (?:proudest|biggest"
        r"|hardest|toughest|worst|best|greatest|most \w+)\b",
        r"(?:example|instance|story) of (?:when|a time|how|where) you",
        r"have you ever (?:had|been|dealt|faced|disagreed|failed|made|missed|led|had to"
        r"|worked with a|received|given|gone|pushed|changed|handled|managed|mentored|taken"
        r"|convinced|persuaded)",
    ),
    *_kinds(
        "behavioural",
        2,
        r"conflict|disagree|disagreement|failure|failed|mistake|missed (?:a )?deadline"
        r"|tight deadline|difficult (?:coworker|colleague|teammate|person|stakeholder|customer"
        r"|manager|client|decision|conversation)",
        r"how did you (?:handle|deal|approach|resolve|manage|cope|respond|react|convince"
        r"|decide|prioriti[sz]e|recover|fix|measure|know|get|end up|make sure|ensure|go about"
        r"|communicate|work)",
        r"what did you learn|what (?:was|were) the (?:outcome|result|impact)",
        r"in your (?:last|previous|current|past) (?:role|job|position|team|company)",
        r"(?:took|take|taken) (?:the )?(?:lead|initiative|ownership)|went above and beyond",
        r"(?:critical|negative|difficult|tough) feedback|received feedback|gave feedback",
        r"(?:most|biggest|hardest|toughest|trickiest) (?:technical |engineering )?(?:challenge"
        r"|challenging|difficult|bug|problem|project|decision|situation)",
        r"(?:you|you've) (?:made|led|shipped|built|owned|ran|faced|handled|worked on|had to"
        r"|dealt with)\b",
        r"what (?:\w+ ){0,2}did you (?:\w+ly )?(?:do|own|change|learn|say|try|decide)\b"
        r"|what happened|what changed|how did (?:it|that|this) (?:turn out|go|end|play out)",
        r"(?:one|a|some) (?:specific|concrete|real) (?:example|moment|instance|story|case)",
        r"(?:hear|know|understand|curious)(?: more)? (?:about )?how you (?:\w+ly )?\w+ed\b",
        r"\b(?:you|you've|you have) (?:\w+ly )?(?:(?!need|used|based|interested|supposed"
        r"|expected|excited|asked|called|named|allowed)\w+ed|taken|made|led|done|given"
        r"|received|chosen|taught|brought|faced|owned|shipped)\b(?! (?:by|to be)\b)",
    ),
    # situational: a hypothetical
    *_kinds(
        "situational",
        4,
        r"what would you do (?:if|when|in|about)|what would you do\W*$",
        r"how would you (?:handle|deal|approach|respond|react|manage|prioriti[sz]e|convince"
        r"|tell|communicate|push back|resolve|help|support|deal)",
        r"imagine|suppose|supposing|hypothetical|let's say|say you\b|picture this|pretend",
        r"if you (?:were|had|found|discovered|noticed|joined|got|disagreed|saw|inherited"
        r"|realised|realized)",
        r"what if (?:you|your|a|the|we)|in a situation where",
        r"what you(?:'d| would) do (?:if|when|about)",
        r"your (?:manager|boss|lead|teammate|colleague|stakeholder|product manager|pm)"
        r" (?:asks|asked|wants|disagrees|tells)",
        r"(?:first|1st) (?:week|day|month|30|60|90)"
        r"|(?:first|next) (?:few|thirty|30|sixty|60|ninety|90|ten|10) (?:minutes|hours|days)",
        r"^you (?:find|discover|notice|get (?:a|an)|are (?:on call|asked|told)|join|inherit"
        r"|receive|walk in)\b",
    ),
    # technical: design, how things work, debugging, complexity
    *_kinds(
        "technical",
        3,
        r"design (?:a|an|the|our|your|this|that|it|some)\b|system design|architect",
        r"what happens (?:when|if)",
        r"how (?:does|do|would|is|are) (?:a|an|the)? ?\S+(?: \S+){0,3} work\b",
        r"difference between|differences between|compare|versus|vs\b|trade-?offs?",
        r"time complexity|space complexity|big[- ]?o|algorithm|data structure",
        r"implement|write (?:a|an|some) (?:function|query|program|class|test|script|method)",
        r"debug|troubleshoot|root cause|memory leak|race condition|deadlock",
        r"rate limit|url shortener|web crawler|load balanc|cach(?:e|ing)|shard|replicat"
        r"|partition|consistent hashing|message queue|pub[- ]?sub|cap theorem",
    ),
    *_kinds(
        "technical",
        5,
        # Solving a problem, not describing oneself: never about-you, whatever "you" says.
        r"how (?:would |will |do |could |can |should |might )?you(?:'d| would| will)? "
        r"(?:go about |approach )?"
        r"(?:forecast|estimat|size|measure|investigat|find|calculat|model|predict|evaluat"
        r"|analy[sz]|test|roll out|design|build|comput|detect|clean|guarantee|shard|scale|cache"
        r"|index|partition|migrat|debug|optimi[sz]|implement|deploy|monitor|store|secure"
        r"|speed up|architect|benchmark|profile|load test|make (?:a|an|the|it|this|that)\b"
        r"(?! (?:decision|call|choice|conversation)))(?!\w*d\b)",  # "how you scaled": a story
        r"(?:how (?:would|do|will|could|should) you|how you(?:'d| would)) (?:approach|handle) "
        r"(?:\w+ ){0,2}(?:shard\w*|scal\w+|cach\w+|migrat\w+|index\w*|partition\w*"
        r"|replicat\w+)",
        r"\b(?:sketch|draw|design|model|diagram) (?:out |up )?(?:the|a|an|your) (?:\w+ ){0,3}"
        r"(?:model|schema|architecture|system|diagram|api|service|pipeline)",
        r"(?:worked|working|work|experience) (?:mostly |mainly )?(?:with|in) (?:\w+ )?(?:go|golang"
        r"|python|java|rust|kafka|kubernetes|react|sql|postgres|aws|gcp|azure|\w+script|c\+\+"
        r"|spark|airflow|dbt|terraform)\b",
        r"\b(?:estimate|forecast|size the market|market size|how many \w+ (?:are|is) there)",
    ),
    *_kinds(
        "technical",
        3,
        r"how (?:\w+ ){1,3}works?\W*$|how (?:\w+ ){1,3}works? (?:under|in|behind)",
        r"^(?:explain|define|teach (?:me|us)|state|compare|contrast|outline|sketch) (?!(?:\w+ )?"
        r"(?:why you|yourself|your (?:background|resume|career|experience|role|motivation)))",
    ),
    *_kinds(
        "technical",
        2,
        r"how (?:would|do|will|could|can) you (?:fix|debug|scale|optimi[sz]e|speed up|reduce"
        r"|improve|detect|monitor|test|store|model|partition|cache|implement|build|design"
        r"|migrate|deploy|secure|index|shard)",
    ),
    *_kinds(
        "technical",
        1.5,
        r"scal(?:e|ing|able|ability)|latency|throughput|performance|bottleneck|optimi[sz]",
        r"database|sql|nosql|postgres|mysql|mongo|redis|kafka|rabbitmq|elasticsearch|index"
        r"|schema|transaction|query|queries",
        r"api|apis|rest|grpc|graphql|http|https|tcp|udp|dns|websocket|protocol",
        r"thread|concurren|async|parallel|lock|mutex|process",
        r"kubernetes|docker|container|microservice|monolith|serverless|aws|gcp|azure|cloud",
        r"distributed|consensus|consisten|ledger|services|availability|fault[- ]toleran"
        r"|idempoten|retry|retries|failover",
        r"python|java|golang|go code|rust|javascript|typescript|c\+\+|react|node|garbage"
        r" collect|closure|pointer|hash ?map|hash table|linked list|binary|tree|graph|array"
        r"|stack|queue|heap|recursion",
        r"test(?:s|ing)?\b|ci/cd|deploy|pipeline|monitor|observability|logging|metrics",
        r"security|authenticat|authori[sz]ation|oauth|encrypt|token|jwt|sql injection|xss",
        r"url|browser|requests per second|qps|bandwidth|storage|estimate|capacity|code review"
        r"|refactor",
        r"what is (?:a|an)\b|what are (?:the )?(?:benefits|pros|cons|advantages|disadvantages)",
        r"production|outage|incident|on-?call|downtime|migration|legacy",
    ),
)

# When no rule speaks: questions about "you" are about the candidate; the rest
# are treated as technical (the commonest unlabelled kind in a tech interview).
_DEFAULT_KIND_WITH_YOU: QuestionKind = "about-you"
_DEFAULT_KIND: QuestionKind = "technical"

# Coding problems, as a screen shows them (a problem page, a pad with a stub): told by
# their shape, not their words. Two of the three parts make a ``coding`` question; one
# alone does not ("what does this function signature mean?" stays technical), and a
# system-design prompt has none of them. Only text with lines (read, pasted) is looked at:
# a transcript is one line, and speech recognition's timing budget has no room for it.
_CODING_PARTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("signature", re.compile(
        r"^\s*(?:def|fn|func|function|class|(?:public|private|protected|static)\b[^\n(]*)\s*\w+"
        r"\s*[(:<{]|^\s*(?:int|long|void|bool|boolean|double|string|String|char|auto|vector<"
        r"[^\n]*>|List<[^\n]*>|int\[\])\s+\w+\s*\(|^\s*(?:const|let|var)\s+\w+\s*=\s*(?:function"
        r"\b|\([^)\n]*\)\s*=>)", re.MULTILINE)),
    ("examples", re.compile(r"^\s*(?:example\s*\d*\s*:|input\s*:|output\s*:|>>>\s)",
                            re.IGNORECASE | re.MULTILINE)),
    ("constraints", re.compile(
        r"^\s*constraints?\s*:|-?\d+\s*(?:<=|≤|<)\s*[\w.\[\]()]+\s*(?:<=|≤|<)\s*(?:-?\d|\w+\.\w)",
        re.IGNORECASE | re.MULTILINE)),
)  # fmt: skip


def coding_parts(text: str) -> tuple[str, ...]:
    """Which parts of a coding problem ``text`` has: signature, examples, constraints."""
    return tuple(name for name, pattern in _CODING_PARTS if pattern.search(text))

# --------------------------------------------------------------------------
# Completeness of a stable partial and follow-ups.

# A question cannot end on these words: it is still being spoken.
_DANGLING = _wordset(
    "a an the of for to with in on at by from about into through and or but so if when "
    "whether that which what how why who where your my our their his her its this these "
    "those some any very more most than as like because while would could can will should "
    "do does did is are was were be been have has had me us i we they he she it's "
    "tell describe explain walk take give share design build implement handle use choose "
    "teach estimate forecast sketch outline define list name state compare "
    "pick approach create write define compare make need want say mean ask talk think "
    "um uh like just really also then"
)
_MODALS_BEFORE_YOU = _wordset("would could can will should do did have does")
_SHORT_COMPLETE_RE = re.compile(
    r"^(?:and )?(?:why|why not|how so|how come|what else|and then|what then|really|how are you"
    r"|how about you|what about you)$"
)

_FOLLOW_UP_START_RE = re.compile(
    r"^(?:and|also|plus|but|so|then|or|what about|how about|why|why not|how come|what if"
    r"|what else|anything else|any other|how so|and then|follow(?:ing)? up|as a follow)\b"
)
_FOLLOW_UP_MAX_WORDS = 7


# --------------------------------------------------------------------------
# Normalisation


def _norm_token(token: str) -> str:
    token = token.casefold().replace("’", "'").replace("‘", "'")
    token = re.sub(r"[^\w'+/-]", "", token)
    return token.strip("'-_/")


def normalise(text: str) -> str:
    """Lower-case words without punctuation, one space apart (apostrophes kept)."""
    return " ".join(t for t in (_norm_token(w) for w in text.split()) if t)


@dataclass(frozen=True, slots=True)
class _Sentence:
    raw: tuple[str, ...]  # raw tokens with a non-empty normal form
    norm: tuple[str, ...]  # their normal forms, same length
    qmark: bool

    def text(self, start: int = 0) -> str:
        return " ".join(self.raw[start:])

    def joined(self, start: int = 0) -> str:
        return " ".join(self.norm[start:])


_SENTENCE_END_RE = re.compile(r"(?<=[.?!;…])\s+|\s+[-–—]+\s+")


def _sentences(text: str) -> list[_Sentence]:
    out: list[_Sentence] = []
    for piece in _SENTENCE_END_RE.split(text.strip()):
        pairs = [(w, n) for w in piece.split() if (n := _norm_token(w))]
        if pairs:
            raw, norm = zip(*pairs, strict=True)
            out.append(_Sentence(tuple(raw), tuple(norm), "?" in piece))
    return out


def _strip_leading(norm: Sequence[str], *, keep_connectives: bool = False) -> int:
    """How many leading tokens are filler, backchannel or transition.

    With ``keep_connectives`` it stops at "and", "so", ...: a question that
    continues another reads better as "And why?" than as "Why?".
    """
    start = 0
    while start < len(norm):
        if keep_connectives and norm[start] in _CONNECTIVES:
            break
        match = _LEADING_RE.match(" ".join(norm[start:]))
        if not match:
            break
        start += len(match.group().split())
    return start


# --------------------------------------------------------------------------
# Detection


@dataclass(frozen=True, slots=True)
class _Verdict:
    start: int  # first token of the question within the sentence
    confidence: float
    cue: str


def _detect(sentence: _Sentence) -> _Verdict | None:
    start = _strip_leading(sentence.norm)
    if start >= len(sentence.norm):
        return None  # only backchannel
    body = sentence.joined(start)
    verdict = _detect_body(body, sentence.qmark)
    if verdict is None:
        return None
    confidence = verdict.confidence
    if sentence.qmark:
        confidence = min(0.99, confidence + 0.05)
    elif sentence.raw[-1].endswith("."):
        confidence -= 0.05  # Whisper heard a statement's falling tone
    return _Verdict(start + verdict.start, round(confidence, 3), verdict.cue)


# Whisper mishears the verb of an imperative more than any other word of it ("the scribe a
# time", "x plain how", "es to mate"): the common mishearings, put back before matching.
_GARBLED: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"^(?:the|this|des|de|dis) ?(?:scribe|scribed|cry|cribe|crime|cried)\b", "describe"),
        (r"^(?:x|ex|eggs|ecks) ?plain\b|^explane\b|^explain(?=s\b)", "explain"),
        (r"^(?:es|is|as) ?(?:to|ti|ta) ?mate\b", "estimate"),
        (r"^the sign(?= (?:a|an|the|me|us|your|our|some)\b)", "design"),
        (r"^gimme\b", "give me"),
        (r"^sure (?=a (?:time|story|moment|situation|example)\b)", "share "),
        (r"^(walk|talk|take|run) (me|us) (?:thru|true|threw|to)\b", "\\1 \\2 through"),
        (r"\bthru\b", "through"),
        (r"\b(tell|talk) (me |us )?bout\b", "\\1 \\2about"),
        (r"^teach (?:mi|mee)\b", "teach me"),
        (r"^(?:tail|tel) (me|us)\b", "tell \\1"),
        (r"\bexam ?pull\b|\begg ?sample\b", "example"),
        # Heard by tiny.en from a neural voice (issue 22): "Talk about…" as "Talk him out…"
        # and "or come out…", "State an experience about how…" as "State and experience
        # are not how…".
        (r"^talk (?:him|them|her|it) out\b", "talk about"),
        (
            r"^(?:or|all|ah|aw) come out(?= (?:a|an|the|your|how|what|when|one|some)\b)",
            "talk about",
        ),
        # "What's your biggest…" heard as "While smur biggest…" (issue 22; the tuning audio)
        (
            r"^(?:while|wild|whites|watts) (?:smur|smir|smear)"
            r"(?= (?:biggest|greatest|favou?rite|proudest|most|best|worst|main|ideal)\b)",
            "what's your",
        ),
        (
            r"^state (?:and|an|in|on) experience (?:are not|r not|about|of|on|that)\b",
            "state an experience about",
        ),
    )
)


def ungarble(body: str) -> str:
    """A normalised sentence with the usual mishearings of interview verbs put right."""
    for pattern, replacement in _GARBLED:
        body = pattern.sub(replacement, body)
    return re.sub(r"\s+", " ", body).strip()


def _detect_body(body: str, qmark: bool) -> _Verdict | None:
    body = ungarble(body)
    blocked = any(p.search(body) for p in _NOT_A_QUESTION_START_RE)
    if not blocked:
        for cue in _START_CUES:
            if cue.pattern.search(body):
                return _Verdict(0, cue.confidence, cue.name)
    if not _ANNOUNCES_QUESTIONS_RE.search(body):
        for cue in _EMBEDDED_CUES:
            if cue.pattern.search(body):
                return _Verdict(0, cue.confidence, cue.name)
    onset = _internal_onset(body)
    if onset is not None:
        return onset
    if qmark and _TAG_WITH_QMARK_RE.search(body + "?"):
        return _Verdict(0, 0.75, "tag")
    if _NEGATIVE_TAG_RE.search(body):
        return _Verdict(0, 0.8, "tag")
    if _BARE_RIGHT_TAG_RE.search(body):
        return _Verdict(0, 0.6, "tag")
    if qmark and not blocked and not _DECLARATIVE_SUBJECT_RE.search(body):
        if _QMARK_SECOND_PERSON_RE.search(body):
            return _Verdict(0, 0.62, "declarative-you-qmark")
        if len(body.split()) <= 4:
            return _Verdict(0, 0.55, "elliptical-qmark")
    return None


def _internal_onset(body: str) -> _Verdict | None:
    for match in _INTERNAL_ONSET_RE.finditer(body):
        before = body[: match.start()].split()
        if before and before[-1] in _EMBEDDING_WORDS:
            continue
        if _FRAMING_PREFIX_RE.search(body):
            return _Verdict(0, 0.78, "framed-question")
        return _Verdict(len(before), 0.78, "internal-onset")
    return None


def analyse(
    text: str,
    *,
    continuation: bool = False,
    company: str | None = None,
    language: str | None = None,
) -> QuestionAnalysis | None:
    """The question in one interviewer turn, or None when it asks nothing.

    Several questions in one turn come back as one text (first question to
    last, with any context sentences between them), because the candidate
    answers them as one. ``continuation`` says the turn continues an earlier
    question, so its opening "and"/"so" is kept in the text. ``language`` is the
    interview's (``speech.language``): Spanish, German, French, Portuguese and
    Italian turns are read with their own cues (``cuecard.dialogue.languages``);
    with None or "auto" the turn's words say which language it is in.
    """
    lang = languages.guess(text) if language in (None, "auto") else language
    if lang != "en":
        return _analyse_other(text, lang)
    sentences = _sentences(text)
    verdicts = [_detect(s) for s in sentences]
    found = [i for i, v in enumerate(verdicts) if v is not None]
    if not found:
        return None
    parts: list[str] = []
    for i in range(found[0], found[-1] + 1):
        verdict = verdicts[i]
        sentence = sentences[i]
        keep = continuation or i > found[0]
        if verdict is not None:
            start = verdict.start
            if keep:
                start = min(start, _strip_leading(sentence.norm, keep_connectives=True))
            parts.append(sentence.text(start))
        elif _strip_leading(sentence.norm) < len(sentence.norm):
            parts.append(sentence.text())  # context between two questions
    question = _capitalise(" ".join(parts))
    confidence = max(v.confidence for v in verdicts if v is not None)
    kind = classify(question, context=text, company=company)
    cues = tuple(v.cue for v in verdicts if v is not None)
    return QuestionAnalysis(question, kind, confidence, cues)


def _analyse_other(text: str, language: str) -> QuestionAnalysis | None:
    """``analyse`` for a language other than English: its own cues, or for a language
    without rules, Whisper's question mark alone."""
    pieces = [p.strip() for p in _SENTENCE_END_RE.split(text.strip()) if p.strip()]
    verdicts: list[languages.Verdict | None] = []
    for piece in pieces:
        qmark = "?" in piece
        if language in languages.LANGUAGES:
            verdicts.append(languages.detect(piece.casefold(), qmark, language))
        else:
            verdicts.append(languages.Verdict(0.7, "question-mark") if qmark else None)
    found = [i for i, v in enumerate(verdicts) if v is not None]
    if not found:
        return None
    question = _capitalise(" ".join(pieces[found[0] : found[-1] + 1]))
    kind = cast(QuestionKind, languages.kind_of(question))
    cues = tuple(v.cue for v in verdicts if v is not None)
    return QuestionAnalysis(question, kind, max(v.confidence for v in verdicts if v), cues)


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _scores(body: str) -> dict[QuestionKind, float]:
    scores = dict.fromkeys(KINDS, 0.0)
    for rule in _KIND_RULES:
        if rule.pattern.search(body):
            scores[rule.kind] += rule.weight
    return scores


_WHY_NAME_RE = re.compile(
    r"^(?:(?i:so|and|okay|right|well)[,.]?\s+)*(?i:why)\s+([A-Z][\w&'’-]*(?:\s+[A-Z][\w&'’-]*){0,2})\s*\??$"
)
"""'Why Acme?': a short 'why' with a capitalised name is about the candidate's choice."""


def _about_company(body: str, raw: str, company: str | None) -> bool:
    if company:
        name = normalise(company)
        if (
            name
            and name in body
            and re.search(
                r"\bwhy\b|know about|work (?:at|for|with)|join|interest|excite|attract|draws? you",
                body,
            )
        ):
            return True
    last = _sentences(raw)[-1].text() if raw.strip() else ""
    match = _WHY_NAME_RE.match(last.strip())
    if match is None:
        return False
    return not any(_scores(normalise(match.group(1))).values())  # "Why Kafka?" is technical


def classify(question: str, *, context: str = "", company: str | None = None) -> QuestionKind:
    """The kind of a question text (assumed to be a question already).

    ``context`` is the rest of the turn ("Your manager asks you to ship early.
    How do you handle it?"): it decides the kind only when the question alone
    says nothing about it. ``company`` is the company of the job description
    (``cuecard.profile.company``), so "why Harbor & Pine?" is about the
    candidate; without it a short "Why <Name>?" is taken as the same. A text with two
    parts of a coding problem (``coding_parts``) is ``coding`` whatever its words.
    """
    if ("\n" in question or "\n" in context) and max(  # a transcript is one line: skip
        len(coding_parts(question)), len(coding_parts(context))
    ) >= 2:
        return "coding"
    body = ungarble(normalise(question))
    if _about_company(body, question, company):
        return "about-you"
    scores = _scores(body)
    best = max(KINDS, key=lambda k: scores[k])  # ties: earlier in KINDS wins
    if scores[best] > 0:
        return best
    if context:
        around = _scores(ungarble(normalise(context)))
        nearby = max(KINDS, key=lambda k: around[k])
        if around[nearby] > 0:
            return nearby
    if _QMARK_SECOND_PERSON_RE.search(body):
        return _DEFAULT_KIND_WITH_YOU
    return _DEFAULT_KIND


# --------------------------------------------------------------------------
# Helpers for the tracker


def reads_complete(question: str) -> bool:
    """Whether a partial question text could already be the whole question.

    Used before firing early on a stable partial: "how would you design a rate
    limiter for a public api" reads complete, "how would you" and "tell me about
    a" do not. A question mark from Whisper settles it.
    """
    if question.rstrip().endswith("?"):
        return True
    words = normalise(question).split()
    if not words:
        return False
    if _SHORT_COMPLETE_RE.match(" ".join(words)):
        return True
    last = words[-1]
    if last in _DANGLING:
        return False
    if last == "you" and len(words) >= 2 and words[-2] in _MODALS_BEFORE_YOU:
        return False
    return len(words) >= 4


def is_backchannel(text: str) -> bool:
    """Whether a turn is only fillers, acknowledgements or transitions ("mm-hmm, okay")."""
    norm = normalise(text).split()
    return _strip_leading(norm) >= len(norm)


def is_follow_up(text: str) -> bool:
    """Whether a turn reads as a continuation of the previous question."""
    words = normalise(text).split()
    while words and words[0] not in _CONNECTIVES:
        match = _LEADING_RE.match(" ".join(words))
        if not match:
            break
        words = words[len(match.group().split()) :]
    return bool(words) and (
        bool(_FOLLOW_UP_START_RE.match(" ".join(words))) or len(words) <= _FOLLOW_UP_MAX_WORDS
    )


_SIMILARITY_IGNORED = _wordset("um uh hmm mm so okay ok yeah like")


def similarity(a: str, b: str) -> float:
    """Word-sequence similarity in [0, 1], ignoring case, punctuation and fillers."""
    wa = [w for w in normalise(a).split() if w not in _SIMILARITY_IGNORED]
    wb = [w for w in normalise(b).split() if w not in _SIMILARITY_IGNORED]
    if not wa and not wb:
        return 1.0
    return SequenceMatcher(None, wa, wb, autojunk=False).ratio()


def same_question(a: str, b: str, threshold: float = 0.8) -> bool:
    """Whether two texts are materially the same question (so: do not re-answer)."""
    return similarity(a, b) >= threshold
