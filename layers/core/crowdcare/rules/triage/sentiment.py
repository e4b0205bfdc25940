"""Sentiment providers: the protocol, and the embedded lexicon one (VADER, no network, no cost).

Both answer the same `Sentiment` model so that prioritize and route never know which ran; a
deployment picks one by name (`provider_for`).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Mapping
from typing import Any, Final, Protocol, runtime_checkable

from vaderSentiment.vaderSentiment import N_SCALAR, SentimentIntensityAnalyzer

from crowdcare.domain.triage import (
    Classification,
    Sentiment,
    SentimentLabel,
    SentimentScores,
)
from crowdcare.rules.triage.rules import TriageRules


@runtime_checkable
class SentimentProvider(Protocol):
    """Anything that turns a text in a known language into a `Sentiment`."""

    def detect(self, text: str, language: str) -> Sentiment:
        """The sentiment of `text`, written in `language` (ISO 639-1)."""
        ...


@runtime_checkable
class ClassifierProvider(Protocol):
    """A provider that also judges offensive, anger, complaint and needs-reply in one call."""

    def detect(self, text: str, language: str) -> Sentiment:
        """The sentiment of `text`, written in `language` (ISO 639-1)."""
        ...

    def classify(self, text: str, language: str) -> Classification:
        """Sentiment and the other signals of `text`."""
        ...


def label_for(
    compound: float, positive: float, negative: float, neutral_band: float, mixed: float
) -> SentimentLabel:
    """Label from VADER-style figures: mixed if both sides are strong, else the compound band."""
    if positive >= mixed and negative >= mixed:
        return SentimentLabel.MIXED
    if compound >= neutral_band:
        return SentimentLabel.POSITIVE
    if compound <= -neutral_band:
        return SentimentLabel.NEGATIVE
    return SentimentLabel.NEUTRAL


def scores_from_proportions(pos: float, neg: float, neu: float) -> SentimentScores:
    """Four scores summing to 1 from VADER's pos/neg/neu proportions.

    The overlap min(pos, neg) is the evidence for "mixed"; half of it is taken from each side
    so the four still sum to pos + neg + neu (= 1).
    """
    total = pos + neg + neu
    if total <= 0:
        return SentimentScores(positive=0.0, negative=0.0, neutral=1.0, mixed=0.0)
    pos, neg, neu = pos / total, neg / total, neu / total
    overlap = min(pos, neg)
    return SentimentScores(
        positive=unit_interval(pos - overlap / 2),
        negative=unit_interval(neg - overlap / 2),
        neutral=unit_interval(neu),
        mixed=unit_interval(overlap),
    )


def unit_interval(value: float) -> float:
    return min(1.0, max(0.0, round(value, 4)))


def _fold(word: str) -> str:
    """Drop accents: posts often omit them ("tambien", "deçu" vs "decu")."""
    return "".join(
        c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c)
    )


# Valences on VADER's -4..+4 scale for the commonest sentiment words of each language. Small on
# purpose: enough that a Spanish "no funciona, horrible" is not neutral. "works"-verbs carry a
# mild positive valence so that their negation ("no funciona") turns negative.
LEXICONS: Final[Mapping[str, Mapping[str, float]]] = {
    "es": {
        "bueno": 1.9, "buena": 1.9, "buenísimo": 2.8, "excelente": 2.7, "genial": 2.5,
        "perfecto": 2.7, "perfecta": 2.7, "encanta": 2.8, "encantado": 2.5, "gracias": 1.8,
        "feliz": 2.4, "mejor": 2.0, "increíble": 2.6, "maravilloso": 2.8, "fácil": 1.5,
        "rápido": 1.2, "funciona": 1.2, "recomiendo": 2.0, "amor": 3.0, "contento": 2.2,
        "malo": -2.5, "mala": -2.5, "pésimo": -3.1, "pésima": -3.1, "horrible": -2.8,
        "terrible": -2.6, "peor": -2.9, "odio": -3.0, "roto": -2.0, "rota": -2.0,
        "fallo": -1.8, "falla": -1.8, "error": -1.5, "problema": -1.5, "lento": -1.4,
        "basura": -2.7, "estafa": -3.0, "vergüenza": -2.4, "decepcionado": -2.3,
        "decepción": -2.3, "harto": -2.3, "enfadado": -2.5, "molesto": -2.0, "nunca": -0.5,
        "inútil": -2.4, "triste": -2.1, "frío": -0.8,
    },
    "fr": {
        "bon": 1.9, "bonne": 1.9, "bien": 1.6, "excellent": 2.7, "génial": 2.6,
        "parfait": 2.7, "parfaite": 2.7, "adore": 3.0, "merci": 1.8, "content": 2.0,
        "contente": 2.0, "heureux": 2.5, "meilleur": 2.2, "super": 2.5, "top": 1.8,
        "facile": 1.5, "rapide": 1.2, "marche": 1.2, "fonctionne": 1.2, "recommande": 2.0,
        "mauvais": -2.5, "mauvaise": -2.5, "nul": -2.6, "nulle": -2.6, "horrible": -2.8,
        "terrible": -2.3, "pire": -2.9, "déteste": -3.0, "cassé": -2.0, "panne": -2.0,
        "erreur": -1.5, "problème": -1.5, "lent": -1.4, "arnaque": -3.0, "honte": -2.4,
        "déçu": -2.3, "déçue": -2.3, "déception": -2.3, "marre": -2.3, "énervé": -2.4,
        "inutile": -2.2, "triste": -2.1, "scandaleux": -2.9, "inadmissible": -2.8,
    },
    "de": {
        "gut": 1.9, "super": 2.5, "toll": 2.6, "prima": 2.3, "perfekt": 2.7, "danke": 1.8,
        "liebe": 3.0, "zufrieden": 2.2, "glücklich": 2.5, "besser": 1.8, "beste": 2.8,
        "einfach": 1.0, "schnell": 1.2, "funktioniert": 1.2, "empfehlen": 2.0,
        "hervorragend": 2.9, "klasse": 2.4, "schlecht": -2.5, "schlimm": -2.5,
        "furchtbar": -2.9, "schrecklich": -2.9, "katastrophe": -3.0, "mist": -2.3,
        "kaputt": -2.2, "defekt": -2.0, "fehler": -1.5, "problem": -1.5, "langsam": -1.2,
        "betrug": -3.0, "enttäuscht": -2.4, "enttäuschend": -2.3, "ärgerlich": -2.3,
        "sauer": -2.0, "nutzlos": -2.3, "traurig": -2.1, "unverschämt": -2.8,
        "schlechteste": -3.0,
    },
    "pt": {
        "bom": 1.9, "boa": 1.9, "ótimo": 2.7, "ótima": 2.7, "excelente": 2.7,
        "perfeito": 2.7, "perfeita": 2.7, "adoro": 3.0, "obrigado": 1.8, "obrigada": 1.8,
        "feliz": 2.4, "melhor": 2.0, "incrível": 2.6, "fácil": 1.5, "rápido": 1.2,
        "funciona": 1.2, "recomendo": 2.0, "amo": 3.0, "legal": 1.5, "mau": -2.5,
        "ruim": -2.5, "péssimo": -3.1, "péssima": -3.1, "horrível": -2.8, "terrível": -2.6,
        "pior": -2.9, "odeio": -3.0, "quebrado": -2.0, "quebrada": -2.0, "erro": -1.5,
        "problema": -1.5, "lento": -1.4, "lixo": -2.7, "golpe": -2.5, "vergonha": -2.4,
        "decepcionado": -2.3, "decepção": -2.3, "irritado": -2.4, "inútil": -2.4,
        "triste": -2.1, "absurdo": -2.5,
    },
    "it": {
        "buono": 1.9, "buona": 1.9, "bene": 1.6, "ottimo": 2.7, "ottima": 2.7,
        "eccellente": 2.7, "perfetto": 2.7, "perfetta": 2.7, "adoro": 3.0, "grazie": 1.8,
        "felice": 2.4, "migliore": 2.0, "fantastico": 2.7, "facile": 1.5, "veloce": 1.2,
        "funziona": 1.2, "consiglio": 1.5, "contento": 2.2, "cattivo": -2.5,
        "pessimo": -3.1, "pessima": -3.1, "orribile": -2.8, "terribile": -2.6,
        "peggiore": -2.9, "odio": -3.0, "rotto": -2.0, "rotta": -2.0, "guasto": -2.0,
        "errore": -1.5, "problema": -1.5, "lento": -1.4, "schifo": -2.9, "truffa": -3.0,
        "vergogna": -2.4, "deluso": -2.3, "delusa": -2.3, "delusione": -2.3,
        "arrabbiato": -2.5, "inutile": -2.2, "triste": -2.1, "vergognoso": -2.8,
    },
}

# English lexicon entries that are everyday function words elsewhere (German "die", "war",
# "gift"; Spanish "sin"...): removed for that language so articles do not read as insults.
_FALSE_FRIENDS: Final[Mapping[str, tuple[str, ...]]] = {
    "es": ("sin", "no", "pain", "dolor"),
    "fr": ("pain", "rage", "no", "sale"),
    "de": ("die", "war", "gift", "bad", "hell", "kind", "will", "rat", "arm", "no"),
    "pt": ("no", "sin", "pain"),
    "it": ("no", "sin", "pain"),
}

# Rewrite each language's negation into VADER's English "not", placed BEFORE the word it
# negates, because VADER only looks back up to three words for a negator.
_NEGATIONS: Final[Mapping[str, tuple[tuple[re.Pattern[str], str], ...]]] = {
    "es": ((re.compile(r"(?<!\w)(?:no|nunca|jamás|jamas|ni)(?!\w)", re.I), "not"),),
    "pt": ((re.compile(r"(?<!\w)(?:não|nao|nunca|jamais|nem)(?!\w)", re.I), "not"),),
    "it": ((re.compile(r"(?<!\w)(?:non|mai|nessuno)(?!\w)", re.I), "not"),),
    "fr": (
        # "ne marche pas" / "n'est pas bon": the negated word sits between the two parts.
        (
            re.compile(
                r"(?<!\w)n(?:e\s+|['\u2019])(\w+)\s+(?:pas|plus|jamais|point|rien)(?!\w)", re.I
            ),
            r"not \1",
        ),
        (re.compile(r"(?<!\w)(?:pas|jamais)(?!\w)", re.I), "not"),
    ),
    "de": (
        # German negates after the verb ("funktioniert nicht"): move the negator in front.
        (re.compile(r"(?<!\w)(\w+)\s+(?:nicht|nie|niemals)(?!\w)", re.I), r"not \1"),
        (re.compile(r"(?<!\w)(?:nicht|kein|keine|keinen|keiner|nie|niemals)(?!\w)", re.I), "not"),
    ),
}

EMBEDDED_LANGUAGES: Final = frozenset({"en", *LEXICONS})


class EmbeddedSentimentProvider:
    """VADER for English plus small lexicons for es/fr/de/pt/it; no network, no cost.

    Other languages still go through VADER, which catches emoji, emoticons and English words
    that posts borrow; without a lexicon their text words read as neutral.
    """

    def __init__(self, rules: TriageRules | None = None) -> None:
        rules = rules or TriageRules.default()
        self._neutral_band = rules.neutral_band
        self._mixed = rules.mixed_threshold
        self._analyzers: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _analyzer(self, language: str) -> Any:
        """One VADER analyzer per lexicon language, built on first use (loading takes ~50 ms)."""
        key = language if language in LEXICONS else "en"
        analyzer = self._analyzers.get(key)
        if analyzer is None:
            with self._lock:
                analyzer = self._analyzers.get(key)
                if analyzer is None:
                    analyzer = _build_analyzer(key)
                    self._analyzers[key] = analyzer
        return analyzer

    def detect(self, text: str, language: str) -> Sentiment:
        """VADER scores of `text`; labels use VADER's neutral band and the rules' mixed cut."""
        analyzer = self._analyzer(language)
        if language in _NEGATIONS:
            for pattern, replacement in _NEGATIONS[language]:
                text = pattern.sub(replacement, text)
            text = _bind_negations(text, analyzer.lexicon)
        figures: dict[str, float] = analyzer.polarity_scores(text)
        pos, neg, neu = figures["pos"], figures["neg"], figures["neu"]
        compound = max(-1.0, min(1.0, figures["compound"]))
        return Sentiment(
            label=label_for(compound, pos, neg, self._neutral_band, self._mixed),
            scores=scores_from_proportions(pos, neg, neu),
            compound=compound,
        )


_NEGATED_PREFIX: Final = "not_"
_CLAUSE_END: Final = tuple(",.;:!?")
_NEGATION_REACH: Final = 3  # words a negator may reach forward, like VADER's look-back


def _bind_negations(text: str, lexicon: Mapping[str, float]) -> str:
    """Fuse each "not" with the next sentiment word into one pre-negated token ("not_bueno").

    VADER negates any word with "not" up to three words before it, even across a comma, so
    "not funciona, es horrible" would flip "horrible" to praise. A fused token negates exactly
    one word and stops at the end of the clause.
    """
    out: list[str] = []
    reach = 0
    for raw in text.split():
        token = raw
        word = token.strip(".,;:!?¡¿\"'()").lower()
        if word == "not":
            reach = _NEGATION_REACH
            continue
        if reach:
            if word in lexicon and _NEGATED_PREFIX + word in lexicon:
                token = _NEGATED_PREFIX + token.lstrip("¡¿\"'(")
                reach = 0
            else:
                reach -= 1
            if token.endswith(_CLAUSE_END):
                reach = 0
        out.append(token)
    return " ".join(out)


def _build_analyzer(language: str) -> Any:
    analyzer = SentimentIntensityAnalyzer()
    if language in LEXICONS:
        lexicon: dict[str, float] = dict(analyzer.lexicon)
        for word in _FALSE_FRIENDS.get(language, ()):
            lexicon.pop(word, None)
        for word, valence in LEXICONS[language].items():
            lexicon[word] = valence
            lexicon.setdefault(_fold(word), valence)
        # Pre-negated twins (VADER's own negation scalar) for _bind_negations' fused tokens.
        negated = {_NEGATED_PREFIX + word: valence * N_SCALAR for word, valence in lexicon.items()}
        lexicon.update(negated)
        analyzer.lexicon = lexicon
    return analyzer
