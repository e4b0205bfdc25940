"""What triage decides about a mention: each step's result, with the reasons behind it."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, model_validator

from crowdcare.domain.models import Frozen


class SentimentLabel(StrEnum):
    POSITIVE = "positive"
    NEGATIVE = "negative"
    NEUTRAL = "neutral"
    MIXED = "mixed"


class SentimentScores(Frozen):
    """Confidence per label, each 0..1 (Comprehend's shape; the embedded model maps to it)."""

    positive: Annotated[float, Field(ge=0.0, le=1.0)]
    negative: Annotated[float, Field(ge=0.0, le=1.0)]
    neutral: Annotated[float, Field(ge=0.0, le=1.0)]
    mixed: Annotated[float, Field(ge=0.0, le=1.0)]


class Sentiment(Frozen):
    label: SentimentLabel
    scores: SentimentScores
    compound: Annotated[float, Field(ge=-1.0, le=1.0)] = Field(
        description="single polarity figure -1..+1 used by the priority rules"
    )
    confidence: Annotated[float, Field(ge=0.0, le=1.0)] = Field(
        default=0.0, description="how sure the provider is of `label` (its score), 0..1"
    )

    @model_validator(mode="before")
    @classmethod
    def _confidence_from_scores(cls, data: Any) -> Any:
        """Records stored before `confidence` existed take the score of their label."""
        if isinstance(data, dict) and "confidence" not in data:
            scores, label = data.get("scores"), data.get("label")
            if isinstance(scores, SentimentScores) and label is not None:
                return {**data, "confidence": getattr(scores, str(label))}
            if isinstance(scores, dict) and isinstance(label, str) and label in scores:
                return {**data, "confidence": scores[label]}
        return data


class Intent(StrEnum):
    QUESTION = "question"
    COMPLAINT = "complaint"
    PRAISE = "praise"
    OTHER = "other"


Probability = Annotated[float, Field(ge=0.0, le=1.0)]


class ModelSignals(Frozen):
    """What a classifier said beyond sentiment, as probabilities, and which one said it."""

    source: str = Field(description="'embedded-model', 'bedrock:<model id>', ...")
    offensive: Probability
    angry: Probability
    complaint: Probability
    needs_reply: Probability


class Classification(Frozen):
    """One classifier call's answer: sentiment plus the other signals."""

    sentiment: Sentiment
    signals: ModelSignals


class Analysis(Frozen):
    """Output of the analyze step."""

    language: str
    sentiment: Sentiment
    intent: Intent
    key_phrases: tuple[str, ...] = ()
    topics: tuple[str, ...] = Field(default=(), description="product/skill tags found in the text")
    pii: bool = False
    legal: bool = False
    spam: bool = False
    angry: bool = False
    urgency: tuple[str, ...] = Field(
        default=(), description="urgency keywords found in the text, for prioritize's reasons"
    )
    offensive: bool = False
    safety: bool = Field(default=False, description="a safety hazard is described (fire, smoke)")
    account_specific: bool = Field(
        default=False, description="about the author's own account, order or bill"
    )
    needs_reply: bool = Field(
        default=True, description="someone should answer (a question, request or complaint)"
    )
    intent_confidence: Probability = Field(
        default=0.0, description="how sure analyze is of `intent`, 0..1"
    )
    unsure: tuple[str, ...] = Field(
        default=(),
        description="why the models cannot be trusted here (low confidence, unknown language):"
        " routing then makes sure a human sees the post",
    )
    signals: ModelSignals | None = None


class Priority(Frozen):
    """Output of the prioritize step: a 0-100 score and why."""

    score: Annotated[int, Field(ge=0, le=100)]
    band: Annotated[str, Field(description="P1 (most urgent) .. P4")]
    reasons: tuple[str, ...]


class RouteKind(StrEnum):
    NONE = "none"
    COMMUNITY = "community"
    EMPLOYEE = "employee"


class RouteDecision(Frozen):
    """Output of the route step: where the mention goes and the ranked candidates."""

    route: RouteKind
    reasons: tuple[str, ...]
    candidates: tuple[str, ...] = Field(
        default=(), description="responder ids, best first; assign takes the first with capacity"
    )


class Triage(Frozen):
    """Everything triage concluded, stored on the mention for the dashboard and analytics."""

    analysis: Analysis
    priority: Priority
    decision: RouteDecision
