"""Triage: analyze ▶ prioritize ▶ route, pure domain logic driven by `TriageRules`."""

from crowdcare.triage.analyze import analyze
from crowdcare.triage.engine import TriageEngine
from crowdcare.triage.language import SUPPORTED_LANGUAGES, detect_language
from crowdcare.triage.models import (
    Analysis,
    Intent,
    Priority,
    RouteDecision,
    RouteKind,
    Sentiment,
    SentimentLabel,
    SentimentScores,
    Triage,
)
from crowdcare.triage.priority import band_for, prioritize
from crowdcare.triage.routing import route
from crowdcare.triage.rules import PriorityBands, PriorityWeights, RoutingWeights, TriageRules
from crowdcare.triage.sentiment import (
    ComprehendSentimentProvider,
    EmbeddedSentimentProvider,
    SentimentProvider,
    provider_for,
)

__all__ = [
    "SUPPORTED_LANGUAGES",
    "Analysis",
    "ComprehendSentimentProvider",
    "EmbeddedSentimentProvider",
    "Intent",
    "Priority",
    "PriorityBands",
    "PriorityWeights",
    "RouteDecision",
    "RouteKind",
    "RoutingWeights",
    "Sentiment",
    "SentimentLabel",
    "SentimentProvider",
    "SentimentScores",
    "Triage",
    "TriageEngine",
    "TriageRules",
    "analyze",
    "band_for",
    "detect_language",
    "prioritize",
    "provider_for",
    "route",
]
