"""The analyze step: language, sentiment, intent, key phrases, topics and risk flags."""

from __future__ import annotations

import re
from typing import Final

from crowdcare.rules.triage.language import detect_language
from crowdcare.rules.triage.models import Analysis, Intent, Sentiment, SentimentLabel
from crowdcare.rules.triage.rules import CompiledRules, TriageRules
from crowdcare.rules.triage.sentiment import SentimentProvider

_URL: Final = re.compile(r"https?://\S+|www\.\S+\.\S+", re.IGNORECASE)
_HANDLE: Final = re.compile(r"(?<!\w)@\w+")
_HASHTAG: Final = re.compile(r"(?<!\w)#\w+")
_EMAIL: Final = re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]*[A-Za-z]{2,}")
# Order, ticket and tracking references are what we WANT customers to share: removed before
# the number patterns run so they never count as personal data.
_REFERENCE: Final = re.compile(
    r"(?:order|ticket|case|tracking|invoice|ref(?:erence)?|rma|pedido|commande|bestellung)"
    r"\s*(?:no\.?|number|num|nr\.?|id)?(?:\s+(?:is|was))?\s*[:#]?\s*[A-Za-z0-9][A-Za-z0-9-]{3,}",
    re.IGNORECASE,
)
# Phones: an international +number, or a grouped national number; a bare run of digits is
# more often an order or model number than a phone, so separators are required there.
_PHONE: Final = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?(?:\(?\d{1,4}\)?[\s.-]?){2,5}\d{2,4}"
    r"|\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4})(?!\w)"
)
_CARD_CANDIDATE: Final = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_QUESTION_START: Final = re.compile(
    r"^(?:how|what|why|where|when|who|which|can|could|would|will|is|are|does|do|did|should"
    r"|has|have|qu[eé]|c[oó]mo|d[oó]nde|cu[aá]ndo|est-ce|wie|was|wo|warum|come|dove)\b",
    re.IGNORECASE,
)
_SHOUT_WORD: Final = re.compile(r"\b[A-Z]{3,}\b")
_WORD: Final = re.compile(r"[^\W\d_][\w'\u2019-]*", re.UNICODE)
_PHRASE_BREAK: Final = re.compile(r"[.,;:!?()\[\]{}\"\u201c\u201d\u2026\n]|\s[-\u2013\u2014]\s")
_ACRONYMS: Final = frozenset({"GDPR", "CCPA", "HVAC", "WIFI", "USB", "ASAP", "LED", "ISP"})

# Stop words for the cheap key-phrase extraction (English plus the commonest of es/fr/de/pt/it).
_STOP_WORDS = """
    a an the and or but if then so to of in on at by for with from up out about into over
    after before again just not no nor only own same too very can will would could should
    is are was were be been being am do does did have has had having i me my mine we our you
    your he him his she her it its they them their this that these those what which who whom
    why how when where there here all any both each few more most other some such than
    than also get got getting still even now today yesterday please thanks thank hi hello hey
    im i'm it's its dont don't can't cant won't isn't doesn't didn't ive i've youre you're
    one two three day days hour hours week weeks time really much many lot way make made
    el la los las un una y o de del en por para con que es no se mi su lo al le
    le la les un une et ou de des du en pour avec que est pas ne je mon ma mes il elle
    der die das ein eine und oder von mit zu ist nicht ich mein meine es sie wir
    o a os as um uma e ou de do da em para com que não eu meu minha
    il lo la gli le un una e o di da in per con che è non io mio mia"""
_STOP: Final = frozenset(_STOP_WORDS.split())
MAX_KEY_PHRASES: Final = 5


def analyze(
    text: str, lang_hint: str | None, provider: SentimentProvider, rules: TriageRules
) -> Analysis:
    """Everything triage needs to know about one post's text."""
    language = detect_language(text, lang_hint)
    sentiment = provider.detect(text, language)
    compiled = rules.compiled
    has_link = _URL.search(text) is not None
    # Keyword rules look at the words people wrote, not at URLs or handles (an
    # "@BrightwaveSupport" must not match "support", nor a link path "shop-now").
    # Emails go too, so personal data never surfaces as a key phrase.
    words = _HASHTAG.sub(
        lambda m: " " + m.group(0)[1:], _HANDLE.sub(" ", _EMAIL.sub(" ", _URL.sub(" ", text)))
    )
    spam = is_spam(words, has_link, text, compiled, rules)
    angry = is_angry(words, sentiment, compiled, rules)
    return Analysis(
        language=language,
        sentiment=sentiment,
        intent=classify_intent(words, sentiment, compiled, rules),
        key_phrases=key_phrases(words),
        topics=tuple(tag for tag, matcher in compiled.topics.items() if matcher.search(words)),
        pii=contains_pii(text),
        legal=compiled.legal.search(words),
        spam=spam,
        angry=angry,
        urgency=compiled.urgency.find_all(words),
    )


def classify_intent(
    words: str, sentiment: Sentiment, compiled: CompiledRules, rules: TriageRules
) -> Intent:
    """Complaint, question, praise or other from markers and sentiment.

    A complaint is an expression of a breach of expectations: either a failure marker ("not
    working", "still waiting", "refund") that is not outweighed by clearly positive tone, or
    plainly negative sentiment. It wins over "question" because "why is my heating still
    off?" needs the handling of a complaint, and over praise ("love it, but it broke again").
    """
    compound = sentiment.compound
    has_complaint_marker = compiled.complaint.search(words)
    if (has_complaint_marker and compound < rules.complaint_marker_max_compound) or (
        compound <= rules.complaint_compound and sentiment.label is not SentimentLabel.MIXED
    ):
        return Intent.COMPLAINT
    if "?" in words or _QUESTION_START.match(words.strip()) or compiled.question.search(words):
        return Intent.QUESTION
    if compiled.praise.search(words) and compound > -rules.neutral_band:
        return Intent.PRAISE
    if compound >= rules.praise_compound:
        return Intent.PRAISE
    return Intent.OTHER


def is_angry(
    words: str, sentiment: Sentiment, compiled: CompiledRules, rules: TriageRules
) -> bool:
    """Strongly negative AND a sign of anger: an anger word, shouting, or "!!"."""
    if sentiment.compound > rules.angry_compound:
        return False
    return (
        compiled.anger.search(words)
        or "!!" in words
        or len(_SHOUT_WORD.findall(_strip_acronyms(words))) >= rules.shouting_min_words
    )


def is_spam(
    words: str, has_link: bool, text: str, compiled: CompiledRules, rules: TriageRules
) -> bool:
    """Points for spam signals: a strong marker (2), a link (1), each promo word (1)."""
    points = 2 * len(compiled.spam.find_all(words)) + len(compiled.promo.find_all(words))
    if has_link:
        points += 1
    if len(_HASHTAG.findall(text)) >= 6:
        points += 1  # hashtag stuffing
    return points >= rules.spam_threshold


def contains_pii(text: str) -> bool:
    """An email address, a phone number or a payment-card number (order numbers are fine)."""
    if _EMAIL.search(text):
        return True
    scrubbed = _REFERENCE.sub(" ", _URL.sub(" ", text))
    if _PHONE.search(scrubbed):
        return True
    for match in _CARD_CANDIDATE.finditer(scrubbed):
        if _luhn_valid(re.sub(r"\D", "", match.group(0))):
            return True
    return False


def _luhn_valid(digits: str) -> bool:
    """The payment-card checksum: it separates card numbers from other long numbers."""
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _strip_acronyms(words: str) -> str:
    return " ".join(w for w in words.split() if w.strip(".,!?:;") not in _ACRONYMS)


def key_phrases(words: str, limit: int = MAX_KEY_PHRASES) -> tuple[str, ...]:
    """Cheap RAKE-style phrases: runs of non-stop words, longest first, at most `limit`."""
    phrases: dict[str, int] = {}
    for chunk in _PHRASE_BREAK.split(words):
        run: list[str] = []
        for token in [*_WORD.findall(chunk), ""]:
            lowered = token.lower()
            if token and lowered not in _STOP and len(lowered) > 1:
                run.append(lowered)
                continue
            if run:
                phrase = " ".join(run[:4])
                phrases.setdefault(phrase, len(run[:4]))
                run = []
    ranked = sorted(phrases.items(), key=lambda item: -item[1])
    return tuple(phrase for phrase, _ in ranked[:limit])
