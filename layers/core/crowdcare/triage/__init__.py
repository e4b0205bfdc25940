"""Triage: analyze ▶ prioritize ▶ route, pure domain logic driven by `TriageRules`."""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# Loaded on first use (PEP 562): importing `crowdcare.triage.models` alone, as the repositories
# do, must not load the language and sentiment models into every function's cold start.
_LAZY = {
    "Analysis": "crowdcare.triage.models",
    "ComprehendSentimentProvider": "crowdcare.triage.sentiment",
    "EmbeddedSentimentProvider": "crowdcare.triage.sentiment",
    "Intent": "crowdcare.triage.models",
    "Priority": "crowdcare.triage.models",
    "PriorityBands": "crowdcare.triage.rules",
    "PriorityWeights": "crowdcare.triage.rules",
    "RouteDecision": "crowdcare.triage.models",
    "RouteKind": "crowdcare.triage.models",
    "RoutingWeights": "crowdcare.triage.rules",
    "SUPPORTED_LANGUAGES": "crowdcare.triage.language",
    "Sentiment": "crowdcare.triage.models",
    "SentimentLabel": "crowdcare.triage.models",
    "SentimentProvider": "crowdcare.triage.sentiment",
    "SentimentScores": "crowdcare.triage.models",
    "Triage": "crowdcare.triage.models",
    "TriageEngine": "crowdcare.triage.engine",
    "TriageRules": "crowdcare.triage.rules",
    "analyze": "crowdcare.triage.analyze",
    "band_for": "crowdcare.triage.priority",
    "detect_language": "crowdcare.triage.language",
    "prioritize": "crowdcare.triage.priority",
    "provider_for": "crowdcare.triage.sentiment",
    "route": "crowdcare.triage.routing",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


class _TriagePackage(types.ModuleType):
    """`analyze` names both a submodule and the function it exports. Importing the submodule
    (`from crowdcare.triage.analyze import ...`, as the engine does) makes Python set the
    package attribute to the module, after which `from crowdcare.triage import analyze` would
    hand out the module; the exported function wins instead."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and isinstance(
            getattr(value, name, None), types.FunctionType
        ):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _TriagePackage

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
