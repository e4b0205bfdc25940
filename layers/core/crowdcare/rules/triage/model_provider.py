"""The default classifier provider: the trained models shipped in the layer (no network, no cost).

It answers both interfaces: `detect` (sentiment only, like Comprehend) and `classify` (sentiment
plus offensive, anger, complaint and needs-reply probabilities in one pass over the features).
"""

from __future__ import annotations

from typing import Final

from crowdcare.domain.triage import (
    Classification,
    ModelSignals,
    Sentiment,
    SentimentLabel,
    SentimentScores,
)
from crowdcare.rules.triage.classifier import Prediction, TriageClassifier
from crowdcare.rules.triage.model_loader import load_model
from crowdcare.rules.triage.rules import TriageRules

SOURCE: Final = "embedded-model"


class EmbeddedModelProvider:
    """Sentiment and the other triage signals from the embedded linear models."""

    def __init__(
        self, rules: TriageRules | None = None, classifier: TriageClassifier | None = None
    ) -> None:
        # Loading here, not per call: a broken artifact fails the cold start, loudly.
        self._classifier = classifier if classifier is not None else load_model()
        self._mixed = (rules or TriageRules.default()).model_mixed_threshold

    def detect(self, text: str, language: str) -> Sentiment:
        """The sentiment of `text` (any language; the model was trained on eight)."""
        del language  # one multilingual model: character n-grams carry the language
        return self._sentiment(self._classifier.predict(text))

    def classify(self, text: str, language: str) -> Classification:
        """Sentiment and every other signal of `text`, from one feature pass."""
        del language
        prediction = self._classifier.predict(text)
        # model_construct: every value is a clamped probability built right here, and this is
        # the hot path (validation would be a tenth of a mention's triage time).
        return Classification.model_construct(
            sentiment=self._sentiment(prediction),
            signals=ModelSignals.model_construct(
                source=SOURCE,
                offensive=_unit(prediction.probability("offensive", "offensive")),
                angry=_unit(prediction.probability("anger", "angry")),
                complaint=_unit(prediction.probability("complaint", "complaint")),
                needs_reply=_unit(prediction.probability("needs_reply", "reply")),
            ),
        )

    def _sentiment(self, prediction: Prediction) -> Sentiment:
        probs = prediction.probabilities["sentiment"]
        positive, negative = _unit(probs["positive"]), _unit(probs["negative"])
        neutral = _unit(1.0 - positive - negative)
        best, confidence = prediction.label("sentiment")
        label = SentimentLabel(best)
        if positive >= self._mixed and negative >= self._mixed:
            # Both sides strong ("love it, but it broke again"): say so instead of guessing.
            label = SentimentLabel.MIXED
        return Sentiment.model_construct(
            label=label,
            scores=SentimentScores.model_construct(
                positive=positive, negative=negative, neutral=neutral, mixed=0.0
            ),
            compound=max(-1.0, min(1.0, round(positive - negative, 4))),
            confidence=_unit(confidence),
        )


def _unit(value: float) -> float:
    """Clamp to 0..1 and round: probabilities stored on the mention stay short."""
    return round(min(1.0, max(0.0, value)), 4)
