"""Amazon Comprehend as a sentiment provider: DetectSentiment for the languages it knows.

An adapter (it calls AWS through the client it is given); the embedded models stay the
fallback for the languages Comprehend lacks and for every other signal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from crowdcare.domain.triage import (
    Classification,
    Sentiment,
    SentimentLabel,
    SentimentScores,
)
from crowdcare.rules.triage.sentiment import (
    ClassifierProvider,
    EmbeddedSentimentProvider,
    SentimentProvider,
    unit_interval,
)

if TYPE_CHECKING:
    from mypy_boto3_comprehend import ComprehendClient
    from mypy_boto3_comprehend.literals import LanguageCodeType



# Languages Amazon Comprehend's DetectSentiment accepts.
COMPREHEND_LANGUAGES: Final = frozenset(
    {"en", "es", "fr", "de", "it", "pt", "ar", "hi", "ja", "ko", "zh", "zh-TW"}
)
# DetectSentiment rejects documents over 5,000 UTF-8 bytes.
COMPREHEND_MAX_BYTES: Final = 5_000

_COMPREHEND_LABELS: Final = {
    "POSITIVE": SentimentLabel.POSITIVE,
    "NEGATIVE": SentimentLabel.NEGATIVE,
    "NEUTRAL": SentimentLabel.NEUTRAL,
    "MIXED": SentimentLabel.MIXED,
}


class ComprehendSentimentProvider:
    """Amazon Comprehend DetectSentiment; languages it lacks go to the embedded provider.

    Service errors propagate: the workflow's Retry/Catch owns them, not a silent "neutral".
    """

    def __init__(
        self, client: ComprehendClient, fallback: SentimentProvider | None = None
    ) -> None:
        self._client = client
        self._fallback = fallback or EmbeddedSentimentProvider()

    def detect(self, text: str, language: str) -> Sentiment:
        """Comprehend's label and scores; compound is positive minus negative confidence."""
        if language not in COMPREHEND_LANGUAGES:
            return self._fallback.detect(text, language)
        code: LanguageCodeType = language  # type: ignore[assignment]  # checked just above
        response = self._client.detect_sentiment(Text=_truncate_utf8(text), LanguageCode=code)
        raw = response["SentimentScore"]
        scores = SentimentScores(
            positive=unit_interval(raw.get("Positive", 0.0)),
            negative=unit_interval(raw.get("Negative", 0.0)),
            neutral=unit_interval(raw.get("Neutral", 0.0)),
            mixed=unit_interval(raw.get("Mixed", 0.0)),
        )
        label = _COMPREHEND_LABELS[response["Sentiment"]]
        return Sentiment(
            label=label,
            scores=scores,
            compound=max(-1.0, min(1.0, round(scores.positive - scores.negative, 4))),
            confidence=getattr(scores, label.value),
        )

    def classify(self, text: str, language: str) -> Classification:
        """Comprehend's sentiment; the other signals from the fallback's models.

        Comprehend has no offensive or complaint detector: those always come from the
        embedded model, so a Comprehend deployment keeps the same safety routing.
        """
        sentiment = self.detect(text, language)
        if not isinstance(self._fallback, ClassifierProvider):
            raise TypeError("ComprehendSentimentProvider.classify needs a classifying fallback")
        signals = self._fallback.classify(text, language).signals
        return Classification(
            sentiment=sentiment,
            signals=signals.model_copy(update={"source": f"comprehend+{signals.source}"}),
        )


def _truncate_utf8(text: str, limit: int = COMPREHEND_MAX_BYTES) -> str:
    """Cut to `limit` UTF-8 bytes without splitting a character."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", errors="ignore")
