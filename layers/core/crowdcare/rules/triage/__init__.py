"""Triage: analyze ▶ prioritize ▶ route, pure domain logic driven by `TriageRules`."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from crowdcare.domain.triage import (
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
    from crowdcare.rules.triage.analysis import analyze
    from crowdcare.rules.triage.engine import TriageEngine
    from crowdcare.rules.triage.language import SUPPORTED_LANGUAGES, detect_language
    from crowdcare.rules.triage.model_provider import EmbeddedModelProvider
    from crowdcare.rules.triage.priority import band_for, prioritize
    from crowdcare.rules.triage.routing import route
    from crowdcare.rules.triage.rules import TriageRules
    from crowdcare.rules.triage.sentiment import (
        ClassifierProvider,
        EmbeddedSentimentProvider,
        SentimentProvider,
    )
    from crowdcare.rules.triage.weights import PriorityBands, PriorityWeights, RoutingWeights

# Loaded on first use (PEP 562): importing `crowdcare.rules.triage` for one name must not load
# the language and sentiment models into every function's cold start.
_LAZY = {
    "Analysis": "crowdcare.domain.triage",
    "ClassifierProvider": "crowdcare.rules.triage.sentiment",
    "EmbeddedModelProvider": "crowdcare.rules.triage.model_provider",
    "EmbeddedSentimentProvider": "crowdcare.rules.triage.sentiment",
    "Intent": "crowdcare.domain.triage",
    "Priority": "crowdcare.domain.triage",
    "PriorityBands": "crowdcare.rules.triage.weights",
    "PriorityWeights": "crowdcare.rules.triage.weights",
    "RouteDecision": "crowdcare.domain.triage",
    "RouteKind": "crowdcare.domain.triage",
    "RoutingWeights": "crowdcare.rules.triage.weights",
    "SUPPORTED_LANGUAGES": "crowdcare.rules.triage.language",
    "Sentiment": "crowdcare.domain.triage",
    "SentimentLabel": "crowdcare.domain.triage",
    "SentimentProvider": "crowdcare.rules.triage.sentiment",
    "SentimentScores": "crowdcare.domain.triage",
    "Triage": "crowdcare.domain.triage",
    "TriageEngine": "crowdcare.rules.triage.engine",
    "TriageRules": "crowdcare.rules.triage.rules",
    "analyze": "crowdcare.rules.triage.analysis",
    "band_for": "crowdcare.rules.triage.priority",
    "detect_language": "crowdcare.rules.triage.language",
    "prioritize": "crowdcare.rules.triage.priority",
    "route": "crowdcare.rules.triage.routing",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value



__all__ = [
    "SUPPORTED_LANGUAGES",
    "Analysis",
    "ClassifierProvider",
    "EmbeddedModelProvider",
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
    "route",
]
