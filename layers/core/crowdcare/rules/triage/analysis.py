"""The analyze step: language, sentiment, intent, key phrases, topics and risk flags."""

from __future__ import annotations

import re
from typing import Final

from crowdcare.domain.triage import (
    Analysis,
    Intent,
    ModelSignals,
    Sentiment,
    SentimentLabel,
)
from crowdcare.rules.triage.language import detect_language
from crowdcare.rules.triage.rules import CompiledRules, TriageRules
from crowdcare.rules.triage.sentiment import ClassifierProvider, SentimentProvider

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
_DIGIT: Final = re.compile(r"\d")
_CARD_CANDIDATE: Final = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")
_QUESTION_START: Final = re.compile(
    r"^(?:how|what|why|where|when|who|which|can|could|would|will|is|are|does|do|did|should"
    r"|has|have|qu[eé]|c[oó]mo|d[oó]nde|cu[aá]ndo|est-ce|wie|was|wo|warum|come|dove)\b",
    re.IGNORECASE,
)
# A greeting before the question ("hello are all the lines closed?") hides its first word.
_GREETING: Final = re.compile(
    r"^\W*(?:(?:hello|hi|hey|hiya|good (?:morning|afternoon|evening)|dear \w+|hola|buenas|"
    r"bonjour|salut|hallo|guten tag|moin|ciao|buongiorno|ol[aá]|oi|bom dia)\b[\s,.!:;-]*)+",
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
    """Everything triage needs to know about one post's text (any text: never raises).

    A provider that can `classify` (the embedded model, Bedrock) gives sentiment plus the
    offensive / anger / complaint / needs-reply probabilities; a sentiment-only provider
    falls back to the keyword rules for the rest.
    """
    language = detect_language(text, lang_hint)
    compiled = rules.compiled
    has_link = _URL.search(text) is not None
    # Keyword rules look at the words people wrote, not at URLs or handles (an
    # "@BrightwaveSupport" must not match "support", nor a link path "shop-now").
    # Emails go too, so personal data never surfaces as a key phrase.
    # Each pattern needs its marker ("@", "#"), so most posts skip most substitutions.
    words = _URL.sub(" ", text) if has_link else text
    if "@" in words:
        words = _HANDLE.sub(" ", _EMAIL.sub(" ", words))
    if "#" in words:
        words = _HASHTAG.sub(lambda m: " " + m.group(0)[1:], words)
    signals: ModelSignals | None = None
    if isinstance(provider, ClassifierProvider):
        classification = provider.classify(text, language)
        sentiment, signals = classification.sentiment, classification.signals
    else:
        sentiment = provider.detect(text, language)
    spam = is_spam(words, has_link, text, compiled, rules)
    offensive_threshold = (
        rules.offensive_threshold
        if language in rules.reply_model_languages
        else rules.offensive_threshold_other_languages
    )
    offensive = compiled.profanity.search(words) or (
        signals is not None and signals.offensive >= offensive_threshold
    )
    angry = (
        is_angry(words, sentiment, compiled, rules)
        if signals is None
        else model_angry(words, sentiment, signals, language, compiled, rules)
    )
    if signals is None:
        intent = classify_intent(words, sentiment, compiled, rules)
        intent_confidence = sentiment.confidence
    else:
        intent, intent_confidence = model_intent(words, sentiment, signals, compiled, rules)
    unsure = unsure_reasons(text, language, sentiment, intent_confidence, rules)
    if (
        signals is not None
        and intent is Intent.OTHER
        and abs(signals.needs_reply - rules.needs_reply_threshold) < rules.needs_reply_margin
    ):
        unsure = (*unsure, f"needs-reply probability {signals.needs_reply:.2f} is near"
                  f" {rules.needs_reply_threshold:.2f}")
    return Analysis(
        language=language,
        sentiment=sentiment,
        intent=intent,
        key_phrases=key_phrases(words),
        topics=tuple(tag for tag, matcher in compiled.topics.items() if matcher.search(words)),
        pii=contains_pii(text),
        legal=compiled.legal.search(words),
        spam=spam,
        angry=angry,
        urgency=compiled.urgency.find_all(words),
        offensive=offensive,
        safety=compiled.safety.search(words),
        account_specific=compiled.account.search(words) or _REFERENCE.search(text) is not None,
        needs_reply=needs_reply(
            intent, intent_confidence, sentiment, signals, spam, language, unsure, rules
        ),
        intent_confidence=round(intent_confidence, 4),
        unsure=unsure,
        signals=signals,
    )


def model_intent(
    words: str,
    sentiment: Sentiment,
    signals: ModelSignals,
    compiled: CompiledRules,
    rules: TriageRules,
) -> tuple[Intent, float]:
    """Complaint, question, praise or other, with a confidence, from the model and cues.

    The complaint model decides complaints; a failure marker with negative sentiment also
    counts (the complaint model was trained on English, the markers cover five more
    languages). Complaint wins over question ("why is my heating still off?" needs the
    handling of a complaint). Question-shaped praise ("can I just say ...") is not a question.
    """
    complaint = signals.complaint
    if complaint >= rules.complaint_threshold:
        return Intent.COMPLAINT, complaint
    failure = compiled.complaint.search(words)
    if failure and sentiment.label in (SentimentLabel.NEGATIVE, SentimentLabel.MIXED):
        # The marker is certain, the tone is not: as sure as the sentiment is not positive.
        return Intent.COMPLAINT, max(complaint, 1.0 - sentiment.scores.positive)
    rhetorical = compiled.rhetorical.search(words)
    if not rhetorical and (
        "?" in words
        or _QUESTION_START.match(_GREETING.sub("", words.strip()))
        or compiled.question.search(words)
    ):
        # A literal question mark is strong evidence; a question word alone is weaker.
        return Intent.QUESTION, QUESTION_MARK_CONFIDENCE if "?" in words else QUESTION_CONFIDENCE
    # A failure marker in a positive post is sarcasm or "love it, but ..." — never plain
    # praise, so it stays "other" and the needs-reply model and policy decide.
    if (
        not failure
        and sentiment.label is SentimentLabel.POSITIVE
        and (compiled.praise.search(words) or sentiment.confidence >= PRAISE_CONFIDENCE)
    ):
        return Intent.PRAISE, sentiment.confidence
    # "Other" is as sure as the post is not a complaint; whether it needs a reply is judged
    # separately (needs_reply), with its own margin of doubt (unsure_reasons).
    return Intent.OTHER, 1.0 - complaint


QUESTION_MARK_CONFIDENCE: Final = 0.9
QUESTION_CONFIDENCE: Final = 0.7
PRAISE_CONFIDENCE: Final = 0.7


def needs_reply(  # noqa: PLR0917 - each input is a separate part of the analysis
    intent: Intent,
    intent_confidence: float,
    sentiment: Sentiment,
    signals: ModelSignals | None,
    spam: bool,
    language: str,
    unsure: tuple[str, ...],
    rules: TriageRules,
) -> bool:
    """Whether someone should answer: False only for spam and what is confidently no request."""
    if spam:
        return False
    if intent in (Intent.COMPLAINT, Intent.QUESTION):
        return True
    if sentiment.label in (SentimentLabel.NEGATIVE, SentimentLabel.MIXED):
        return True
    if intent is Intent.PRAISE and intent_confidence >= rules.min_confidence:
        return False
    if unsure or signals is None or language not in rules.reply_model_languages:
        # Outside what the models know, only plain praise and spam may go unanswered.
        return True
    return signals.needs_reply >= rules.needs_reply_threshold


def unsure_reasons(
    text: str, language: str, sentiment: Sentiment, intent_confidence: float, rules: TriageRules
) -> tuple[str, ...]:
    """Why the models' judgement cannot be trusted for this post (empty when it can)."""
    reasons: list[str] = []
    if not text.strip():
        reasons.append("no text to judge")
    if language not in rules.model_languages:
        reasons.append(f"language '{language}' is not one the models were trained on")
    if sentiment.confidence < rules.min_sentiment_confidence:
        reasons.append(
            f"sentiment confidence {sentiment.confidence:.2f}"
            f" < {rules.min_sentiment_confidence:.2f}"
        )
    if intent_confidence < rules.min_confidence:
        reasons.append(f"intent confidence {intent_confidence:.2f} < {rules.min_confidence:.2f}")
    return tuple(reasons)


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


def model_angry(  # noqa: PLR0917 - each input is a separate part of the analysis
    words: str,
    sentiment: Sentiment,
    signals: ModelSignals,
    language: str,
    compiled: CompiledRules,
    rules: TriageRules,
) -> bool:
    """The anger model with a negative tone, or an anger sign (marker, shouting) with a tone
    that is not positive.

    The anger model was trained on emotional tweets only (anger vs joy, optimism, sadness), so
    on calm posts it hovers near 0.5: its threshold is high and it needs a negative tone.

    Outside the languages the anger model knows, its sentiment is weak too, so shouting or an
    anger marker alone is enough: a wrongly escalated post costs an employee a minute, a
    wrongly routed angry one reaches a volunteer.
    """
    negative = sentiment.label in (SentimentLabel.NEGATIVE, SentimentLabel.MIXED)
    if signals.angry >= rules.anger_threshold and negative:
        return True
    not_positive = sentiment.label is not SentimentLabel.POSITIVE
    shouts = len(_SHOUT_WORD.findall(_strip_acronyms(words)))
    sign = (
        compiled.anger.search(words)
        or "!!" in words
        or shouts >= rules.shouting_min_words
        or (shouts >= 1 and "!" in words)
    )
    return bool(sign) and (not_positive or language not in rules.reply_model_languages)


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
    if text.count("#") >= 6 and len(_HASHTAG.findall(text)) >= 6:
        points += 1  # hashtag stuffing
    return points >= rules.spam_threshold


def contains_pii(text: str) -> bool:
    """An email address, a phone number or a payment-card number (order numbers are fine)."""
    if "@" in text and _EMAIL.search(text):
        return True
    if _DIGIT.search(text) is None:
        return False  # phones and card numbers need digits (scrubbing adds none)
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
