"""Which sentiment provider a deployment runs, by name (the `SentimentProvider` parameter)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from crowdcare.adapters.comprehend import ComprehendSentimentProvider
from crowdcare.rules.triage.model_provider import EmbeddedModelProvider
from crowdcare.rules.triage.rules import TriageRules
from crowdcare.rules.triage.sentiment import EmbeddedSentimentProvider, SentimentProvider

if TYPE_CHECKING:
    from mypy_boto3_comprehend import ComprehendClient

PROVIDER_NAMES: Final = ("embedded", "comprehend", "lexicon")


def provider_for(
    name: str,
    comprehend_client_factory: Callable[[], ComprehendClient],
    rules: TriageRules | None = None,
) -> SentimentProvider:
    """The provider a deployment configured (a cloud client is made only when chosen).

    "embedded": the trained models shipped in the layer (the default); "comprehend": Amazon
    Comprehend's sentiment with the embedded models for the other signals; "lexicon": the
    VADER-based rules of earlier versions. Bedrock is wired in `crowdcare.config.wiring`.
    """
    choice = name.strip().lower()
    if choice == "lexicon":
        return EmbeddedSentimentProvider(rules)
    embedded = EmbeddedModelProvider(rules)
    if choice == "embedded":
        return embedded
    if choice == "comprehend":
        return ComprehendSentimentProvider(comprehend_client_factory(), fallback=embedded)
    raise ValueError(
        f"unknown sentiment provider {name!r}: expected one of {', '.join(PROVIDER_NAMES)}"
    )
