"""Sentiment providers: the embedded VADER model, Amazon Comprehend, and choosing one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import boto3
import pytest
from crowdcare.adapters.comprehend import ComprehendSentimentProvider
from crowdcare.config.sentiment import provider_for
from crowdcare.domain.triage import Sentiment
from crowdcare.rules.triage import (
    EmbeddedSentimentProvider,
    SentimentLabel,
    SentimentProvider,
    TriageRules,
)
from crowdcare.rules.triage.model_provider import EmbeddedModelProvider
from crowdcare.rules.triage.sentiment import label_for, scores_from_proportions
from moto import mock_aws

if TYPE_CHECKING:
    from mypy_boto3_comprehend import ComprehendClient


@pytest.fixture(scope="module")
def embedded() -> EmbeddedSentimentProvider:
    return EmbeddedSentimentProvider(TriageRules.default())


@pytest.mark.parametrize(
    ("text", "language", "label"),
    [
        ("I love my Brightwave Thermo, the schedule feature is brilliant!", "en", "positive"),
        ("The Brightwave app is terrible, it crashed again and I lost my settings", "en",
         "negative"),
        ("The Brightwave Mesh arrived on Tuesday.", "en", "neutral"),
        ("El termostato es excelente, me encanta", "es", "positive"),
        ("El termostato no funciona, es horrible", "es", "negative"),
        ("Le routeur est nul, je suis très déçu", "fr", "negative"),
        ("Das Thermostat ist super, ich bin sehr zufrieden", "de", "positive"),
        ("Die App ist schlecht und langsam", "de", "negative"),
        ("O aplicativo é péssimo", "pt", "negative"),
        ("Il termostato è ottimo, grazie", "it", "positive"),
    ],
)
def test_embedded_labels(
    embedded: EmbeddedSentimentProvider, text: str, language: str, label: str
) -> None:
    """The embedded provider labels clear English and non-English posts correctly."""
    # GIVEN a clearly polar or neutral post WHEN detecting THEN the label matches
    assert embedded.detect(text, language).label.value == label


def test_negation_flips_non_english_words(embedded: EmbeddedSentimentProvider) -> None:
    """A language's own negation turns a positive word negative (not only English 'not')."""
    # GIVEN the same Spanish and French words with and without negation
    # WHEN detecting THEN the negated forms score below the plain ones and below zero
    assert embedded.detect("funciona", "es").compound > 0
    assert embedded.detect("no funciona", "es").compound < 0
    assert embedded.detect("ça ne marche pas", "fr").compound < 0
    assert embedded.detect("es funktioniert nicht", "de").compound < 0


def test_false_friends_are_not_insults_in_german(embedded: EmbeddedSentimentProvider) -> None:
    """German articles that are English insults ("die", "war") are neutral in German."""
    # GIVEN a neutral German sentence full of "die" and "war"
    text = "Die Lieferung war am Montag da, die Box war groß"
    # WHEN detected as German THEN neutral; as English VADER would call it negative
    assert embedded.detect(text, "de").label is SentimentLabel.NEUTRAL
    assert embedded.detect(text, "en").label is SentimentLabel.NEGATIVE


def test_mixed_when_both_sides_are_strong(embedded: EmbeddedSentimentProvider) -> None:
    """A post with strong praise and strong blame is mixed."""
    # GIVEN praise and blame in equal measure WHEN detecting THEN mixed
    sentiment = embedded.detect("Love the thermostat, hate the app", "en")
    assert sentiment.label is SentimentLabel.MIXED
    assert sentiment.scores.mixed > 0


def test_scores_sum_to_one(embedded: EmbeddedSentimentProvider) -> None:
    """The four scores are probabilities that sum to one."""
    # GIVEN any post WHEN detecting THEN positive+negative+neutral+mixed is 1
    scores = embedded.detect("Great router but the setup was awful", "en").scores
    assert scores.positive + scores.negative + scores.neutral + scores.mixed == pytest.approx(
        1.0, abs=1e-3
    )


def test_label_uses_vader_neutral_band() -> None:
    """Compound inside ±0.05 is neutral; outside it, the sign decides."""
    # GIVEN compounds around the band edges WHEN labelling THEN VADER's published band applies
    assert label_for(0.04, 0.1, 0.0, 0.05, 0.2) is SentimentLabel.NEUTRAL
    assert label_for(0.05, 0.1, 0.0, 0.05, 0.2) is SentimentLabel.POSITIVE
    assert label_for(-0.05, 0.0, 0.1, 0.05, 0.2) is SentimentLabel.NEGATIVE
    assert label_for(0.3, 0.25, 0.2, 0.05, 0.2) is SentimentLabel.MIXED


def test_scores_from_proportions_moves_overlap_to_mixed() -> None:
    """The overlap of positive and negative becomes the mixed score, half from each side."""
    # GIVEN pos 0.4, neg 0.2, neu 0.4 WHEN mapped THEN mixed 0.2, pos 0.3, neg 0.1
    scores = scores_from_proportions(0.4, 0.2, 0.4)
    assert (scores.positive, scores.negative, scores.neutral, scores.mixed) == pytest.approx(
        (0.3, 0.1, 0.4, 0.2)
    )


@pytest.fixture
def comprehend() -> Iterator[ComprehendClient]:
    with mock_aws():
        yield boto3.client("comprehend", region_name="us-east-1")


def test_comprehend_maps_label_and_scores(comprehend: ComprehendClient) -> None:
    """Comprehend's Sentiment and SentimentScore map onto our Sentiment model."""
    # GIVEN Comprehend (moto answers with its canned result)
    provider = ComprehendSentimentProvider(comprehend)
    expected = comprehend.detect_sentiment(Text="The router is great", LanguageCode="en")
    # WHEN detecting an English post
    sentiment = provider.detect("The router is great", "en")
    # THEN label and scores are Comprehend's, compound is positive minus negative
    raw = expected["SentimentScore"]
    assert sentiment.label.value == expected["Sentiment"].lower()
    assert sentiment.scores.positive == pytest.approx(raw["Positive"], abs=1e-4)
    assert sentiment.scores.mixed == pytest.approx(raw["Mixed"], abs=1e-4)
    assert sentiment.compound == pytest.approx(raw["Positive"] - raw["Negative"], abs=1e-3)


class _Recorder:
    """A fallback provider that records what it was asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def detect(self, text: str, language: str) -> Sentiment:
        self.calls.append((text, language))
        return EmbeddedSentimentProvider().detect(text, language)


def test_comprehend_falls_back_for_unsupported_language(comprehend: ComprehendClient) -> None:
    """A language Comprehend lacks (Dutch) goes to the fallback provider."""
    # GIVEN a Comprehend provider with a recording fallback
    fallback = _Recorder()
    provider = ComprehendSentimentProvider(comprehend, fallback=fallback)
    # WHEN detecting Dutch, then English
    provider.detect("De router is geweldig", "nl")
    provider.detect("The router is great", "en")
    # THEN only Dutch reached the fallback
    assert fallback.calls == [("De router is geweldig", "nl")]


def test_provider_for_chooses_by_name() -> None:
    """'embedded' (the trained models) needs no client; 'comprehend' builds one lazily."""
    # GIVEN a factory that counts calls
    made: list[int] = []

    def factory() -> ComprehendClient:
        made.append(1)
        return boto3.client("comprehend", region_name="us-east-1")

    # WHEN choosing each provider
    embedded = provider_for("embedded", factory)
    assert made == []
    cloud = provider_for("Comprehend", factory)
    # THEN the right types come back and the client was made only for Comprehend
    assert isinstance(embedded, EmbeddedModelProvider)
    assert isinstance(provider_for("lexicon", factory), EmbeddedSentimentProvider)
    assert isinstance(cloud, ComprehendSentimentProvider)
    assert isinstance(cloud, SentimentProvider)
    assert made == [1]


def test_provider_for_unknown_name_is_a_clear_error() -> None:
    """An unknown provider name fails with a message listing the valid ones."""
    # GIVEN a typo in the configuration WHEN choosing THEN ValueError names the choices
    with pytest.raises(ValueError, match="expected one of embedded, comprehend"):
        provider_for("vader", lambda: pytest.fail("no client must be made"))
