"""Question cues in Spanish, German, French, Portuguese and Italian: each language's own.

Not the English rules translated: German asks with the verb first ("Haben Sie…"),
French with an inverted pronoun ("Pouvez-vous…") or "est-ce que", Spanish opens with
"¿", Italian "perché" is both "why" and "because", and every language has its own
imperatives of the interview ("Cuéntame…", "Erzählen Sie…", "Parlez-moi de…",
"Fale sobre…", "Parlami di…"). As in ``questions``, every rule is a table row named
by the cue that fired, and a wrong call is fixed by editing one row.

``guess`` tells the languages apart by their commonest short words, so a session
whose language is ``auto`` still reads a German question with the German rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["LANGUAGES", "NAMES", "Verdict", "detect", "guess", "kind_of"]

NAMES = {
    "en": "English", "es": "Spanish", "de": "German", "fr": "French", "pt": "Portuguese",
    "it": "Italian",
}  # fmt: skip
"""Languages with question rules of their own (English lives in ``questions``)."""


@dataclass(frozen=True, slots=True)
class Verdict:
    confidence: float
    cue: str


@dataclass(frozen=True, slots=True)
class _Rules:
    start: tuple[tuple[str, re.Pattern[str], float], ...]
    anywhere: tuple[tuple[str, re.Pattern[str], float], ...]
    not_a_question: re.Pattern[str] | None = None


def _rules(
    start: dict[str, tuple[str, float]],
    anywhere: dict[str, tuple[str, float]],
    not_a_question: str | None = None,
) -> _Rules:
    return _Rules(
        tuple((name, re.compile(rf"^(?:{p})\b"), c) for name, (p, c) in start.items()),
        tuple((name, re.compile(rf"\b(?:{p})\b"), c) for name, (p, c) in anywhere.items()),
        re.compile(not_a_question) if not_a_question else None,
    )


# Leading words that ask nothing ("y", "also", "alors", "então", "allora").
_LEADING = re.compile(
    r"^(?:(?:y|e|und|et|pues|bueno|vale|bien|also|gut|okay|ok|alors|bon|donc|então|bom|certo"
    r"|allora|bene|ecco|ahora|jetzt|maintenant|agora|ora)\b[,.]?\s*)+"
)

LANGUAGES: dict[str, _Rules] = {
    "es": _rules(
        {
            "wh": (
                r"(?:qué|que|cuál|cuáles|cual|cuales|cómo|como|dónde|donde|cuándo|cuando"
                r"|quién|quien|quiénes|cuánto|cuánta|cuántos|cuántas|por qué|para qué)"
                r" (?!\w+ (?:es|fue) (?:que|lo que)\b)",
                0.85,
            ),
            "imperative": (
                r"(?:cuéntame|cuéntanos|cuentame|háblame|háblanos|hablame|descríbeme"
                r"|descríbenos|describe|explícame|explícanos|explica|dame|danos"
                r"|ponme|ponnos|dime|dinos|menciona|comparte|preséntate|preséntese"
                r"|cuénteme|hábleme|descríbame|explíqueme|dígame)",
                0.86,
            ),
            "verb-you": (
                r"(?:actualmente |alguna vez |ya )?(?:tienes|has|puedes|podrías|sabes"
                r"|te gustaría|estás|eres|buscas|trabajas|conoces|quieres|harías"
                r"|tiene usted|puede usted|ha)\b(?=.*\?)",
                0.8,
            ),
        },
        {
            "embedded": (
                r"me gustaría (?:saber|conocer|entender|escuchar)|quisiera saber"
                r"|me interesa saber|tengo curiosidad",
                0.85,
            ),
        },
        r"^(?:porque|pues|muy|respuesta|investigué|me interesa|he |hice)\b",
    ),
    "de": _rules(
        {
            "w-question": (
                r"(?:was|warum|wieso|weshalb|wie|wo|wann|welche|welcher|welches"
                r"|welchen|wer|wen|wem|woher|wohin|womit|worauf|wozu|woran)"
                r" (?!\w+ ich\b)",
                0.86,
            ),
            "verb-first": (
                r"(?:haben|hatten|hätten|sind|waren|wären|können|könnten|würden"
                r"|möchten|wollen|sollten|dürfen|kennen|wissen|arbeiten|sehen|gibt"
                r"|hast|bist|kannst|würdest|möchtest|willst|kennst|weißt)"
                r" (?:sie|du|ihr|es)\b",
                0.88,
            ),
            "imperative": (
                r"(?:bitte )?(?:erzählen|beschreiben|erklären|nennen|geben|schildern"
                r"|zeigen|stellen|gehen|sagen) sie\b|(?:erzähl|beschreib|erklär"
                r"|nenn|gib|sag|stell) (?:mir|uns|dich)\b",
                0.86,
            ),
        },
        {
            "embedded": (
                r"(?:mich würde interessieren|ich würde gerne wissen|ich möchte gerne"
                r" wissen|ich wüsste gerne|erzählen sie mal)",
                0.85,
            ),
        },
        r"^(?:ich|weil|guten tag|ihr unternehmen|wir)\b",
    ),
    "fr": _rules(
        {
            "wh": (
                r"(?:qu'est-ce que|qu'est-ce qui|que|quoi|pourquoi|comment|où|quand|quel"
                r"|quelle|quels|quelles|qui|combien|lequel|laquelle)",
                0.85,
            ),
            "inversion": (r"(?:\w+-(?:vous|tu|il|elle|on|ils|elles)|est-ce que)", 0.88),
            "imperative": (
                r"(?:parlez|parle|décrivez|décris|expliquez|explique|racontez"
                r"|raconte|donnez|donne|citez|cite|dites|dis|présentez|présente)"
                r"(?:-(?:moi|nous|vous|toi))?",
                0.86,
            ),
        },
        {
            "embedded": (
                r"j'aimerais (?:savoir|comprendre|connaître|entendre)|je voudrais"
                r" savoir|je suis curieux|je suis curieuse",
                0.85,
            ),
        },
        r"^(?:je|j'ai|ma|mes|mon|sur ce|les|nous)\b",
    ),
    "pt": _rules(
        {
            "wh": (
                r"(?:o que|o quê|por que|por quê|pra que|como|onde|quando|qual|quais|quem"
                r"|quanto|quantos|quanta|quantas)",
                0.85,
            ),
            "you-question": (
                r"(?:você|vocês|tu) (?:tem|têm|já|pode|poderia|gosta|sabe|acha"
                r"|está|trabalhou|conhece|quer|teria|faria)\b(?=.*\?)",
                0.8,
            ),
            "imperative": (
                r"(?:me )?(?:fale|fala|conte|conta|descreva|explique|diga|cite"
                r"|apresente-se|dê|de um exemplo|mostre)\b",
                0.86,
            ),
        },
        {
            "embedded": (
                r"gostaria de (?:saber|entender|ouvir|conhecer)|queria saber"
                r"|tenho curiosidade",
                0.85,
            ),
        },
        r"^(?:porque|observaria|se eu|mostra|conecta|estudo|eu)\b",
    ),
    "it": _rules(
        {
            "wh": (
                r"(?:cosa|che cosa|come|dove|quando|quale|quali|qual|chi|quanto|quanti"
                r"|quante|perché (?=(?:vuoi|ha|hai|avete|dovremmo|sei|è|vorresti|pensi"
                r"|cerchi|lasci|dovrebbe|vuole)\b))",
                0.85,
            ),
            "imperative": (
                r"(?:parlami|parlaci|mi parli|ci parli|raccontami|raccontaci"
                r"|mi racconti|descrivi|descrivimi|mi descriva|ci descriva|spiegami"
                r"|spiegaci|mi spieghi|dimmi|mi dica|fammi un esempio|mi faccia"
                r"|presentati|si presenti)",
                0.86,
            ),
            "verb-you": (
                r"(?:vorresti|potresti|hai|sei|sai|conosci|lavoreresti|ti piace"
                r"|può|ha|vuoi|pensi|se potessi)\b(?=.*\?)",
                0.8,
            ),
        },
        {
            "embedded": (
                r"vorrei sapere|mi piacerebbe (?:sapere|capire|sentire)"
                r"|sono curios[oa]",
                0.85,
            ),
        },
        r"^(?:faccio|conosco|mi serve|ci lavora|cerco|lo stipendio|perché (?:ho|sono|mi))\b",
    ),
}

_COMMON: dict[str, frozenset[str]] = {
    lang: frozenset(words.split())
    for lang, words in {
        "en": "the you your what how why and is are do did a of to in tell me about would",
        "es": "el la los las que de y en tu tus te es por qué cómo cuál un una para sobre "
              "has tienes quieres dónde ves nuestro nuestra cuéntame usted",
        "de": "der die das und ist sie ihre ihr ich nicht ein eine mit von zu was wie warum "
              "wo sich uns bei haben möchten sind über einem einer",
        "fr": "le la les et est vous votre vos de des un une que qui pour avec pourquoi "
              "comment quelle quelles quel êtes avez pouvez nous moi",
        "pt": "o a os as que de e em você seu sua seus suas um uma por não como qual "
              "sobre pouco são está nessa isso fale conte",
        "it": "il lo la gli le che di e è un una con per non ti tuo tua sei come vuoi noi "
              "perché cosa fai qual più chi della del sono hai se",
    }.items()
}  # fmt: skip
_ACCENTS: dict[str, str] = {"es": "ñ¿¡", "de": "äöüß", "pt": "ãõ", "fr": "œ"}
"""Letters only one of the languages writes."""


def guess(text: str) -> str:
    """The likeliest of en/es/de/fr/pt/it for a turn, by its commonest words (and letters
    only one language uses): cheap, and right on a whole sentence, which is all it needs."""
    words = re.findall(r"[\w'’]+", text.casefold())
    if not words:
        return "en"
    scores = {lang: sum(w in common for w in words) for lang, common in _COMMON.items()}
    for lang, letters in _ACCENTS.items():
        scores[lang] += sum(2 for ch in text.casefold() if ch in letters)
    best = max(scores, key=lambda k: (scores[k], k == "en"))
    return best if scores[best] > 0 else "en"


def detect(sentence: str, qmark: bool, language: str) -> Verdict | None:
    """Whether one (lower-cased) sentence asks something, by ``language``'s own cues."""
    rules = LANGUAGES[language]
    body = _LEADING.sub("", sentence.strip().lstrip("¿¡").strip())
    if not body:
        return None
    if rules.not_a_question is not None and rules.not_a_question.search(body) and not qmark:
        return None
    for name, pattern, confidence in rules.start:
        if pattern.search(body):
            return Verdict(min(0.99, confidence + 0.05 * qmark), name)
    for name, pattern, confidence in rules.anywhere:
        if pattern.search(body):
            return Verdict(confidence, name)
    if qmark or sentence.lstrip().startswith("¿"):
        return Verdict(0.7, "question-mark")
    return None


# Kinds, by words of all five languages at once (a turn is in one of them): the framing
# of a story, terms of employment, the candidate as a hire; the rest is technical.
_KIND_ROWS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("logistics", r"salari|salário|stipendio|gehalt|rémunération|pretens|préavis"
                      r"|kündigungsfrist|aviso prévio|horarios|disponib|verfügbar|vacances"
                      r"|urlaub|vacaciones|férias|ferie|remoto|télétravail|homeoffice"),
        ("behavioural", r"una vez|alguna vez|proyecto complicado|reto|desafío|desafio|ejemplo"
                        r"|situation|konkreten fall|beispiel|erfahrung|une fois|exemple"
                        r"|enfrentou|superou|superaste|exemplo|una volta|esempio|esperienza"
                        r"|experiencia|expérience|experiência|conflit|conflicto|konflikt"),
        ("situational", r"qué harías|que harías|was würden sie tun|que feriez-vous"
                        r"|o que você faria|cosa faresti|si tuvieras|wenn sie|si vous"
                        r"|se você|se tu|imagin|suponga|supponi|stellen sie sich vor, "),
        ("about-you", r"\bti\b|\bte\b|\btu\b|\bsich\b|\bvous\b|\bvocê\b|\bdi te\b|\blei\b"
                      r"|fortaleza|debilidad|stärken|schwächen|points forts|pontos fortes"
                      r"|punti di forza|difetto|défaut|cinco años|fünf jahren|cinq ans"
                      r"|cinque anni|anos|quieres trabajar|möchten sie bei|rejoindre"
                      r"|quer trabalhar|vuoi lavorare|motiv|loisirs|tempo libero"
                      r"|hobbies|freizeit|tiempo libre"),
    )
)  # fmt: skip


def kind_of(text: str) -> str:
    """A kind for a question in one of the five languages (first row that matches)."""
    body = text.casefold()
    for kind, pattern in _KIND_ROWS:
        if pattern.search(body):
            return kind
    return "technical"
