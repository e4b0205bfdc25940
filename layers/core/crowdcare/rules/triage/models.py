"""What triage decides about a mention: each step's result, with the reasons behind it."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

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


class Intent(StrEnum):
    QUESTION = "question"
    COMPLAINT = "complaint"
    PRAISE = "praise"
    OTHER = "other"


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
