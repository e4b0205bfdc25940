"""The optional Bedrock classifier: structured answers, and the embedded model on any failure."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from crowdcare.adapters.bedrock_classifier import DEFAULT_MODEL_ID, BedrockClassifierProvider
from crowdcare.rules.triage import EmbeddedModelProvider, SentimentLabel, TriageRules, analyze

from tools.bench.cost import CLASSIFIER_OPTIONS, classifier_cost_per_million

FALLBACK = EmbeddedModelProvider()
TEXT = "@brand fix your fucking app, it logged me out AGAIN"


def converse_reply(text: str) -> dict[str, Any]:
    """A Converse response whose message is `text`."""
    return {
        "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
        "stopReason": "end_turn",
        "usage": {"inputTokens": 180, "outputTokens": 40, "totalTokens": 220},
        "metrics": {"latencyMs": 300},
    }


@pytest.fixture
def bedrock() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client(
        "bedrock-runtime", region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def test_a_structured_answer_becomes_sentiment_and_signals(
    bedrock: tuple[Any, Stubber],
) -> None:
    """GIVEN the model answers the JSON asked for WHEN classifying THEN its figures are used."""
    client, stubber = bedrock
    answer = {"sentiment": "negative", "confidence": 0.9, "offensive": 0.95, "angry": 0.8,
              "complaint": 0.85, "needs_reply": 0.9}
    stubber.add_response("converse", converse_reply(json.dumps(answer)))
    provider = BedrockClassifierProvider(client, fallback=FALLBACK)
    result = provider.classify(TEXT, "en")
    assert result.sentiment.label is SentimentLabel.NEGATIVE
    assert result.sentiment.confidence == 0.9
    assert result.signals.offensive == 0.95
    assert result.signals.source == f"bedrock:{DEFAULT_MODEL_ID}"


def test_the_whole_analysis_runs_on_bedrock_answers(bedrock: tuple[Any, Stubber]) -> None:
    """analyze() uses the Bedrock signals like the embedded ones (answer wrapped in prose)."""
    client, stubber = bedrock
    answer = {"sentiment": "negative", "confidence": 0.9, "offensive": 0.1, "angry": 0.2,
              "complaint": 0.9, "needs_reply": 0.9}
    stubber.add_response("converse", converse_reply("Here it is: " + json.dumps(answer)))
    provider = BedrockClassifierProvider(client, fallback=FALLBACK)
    result = analyze("My Thermo stopped heating", "en", provider, TriageRules.default())
    assert result.intent.value == "complaint"
    assert result.signals is not None
    assert result.signals.source.startswith("bedrock:")


@pytest.mark.parametrize(
    "failure",
    [
        {"service_error_code": "ThrottlingException", "http_status_code": 429},
        {"service_error_code": "ModelTimeoutException", "http_status_code": 408},
        {"service_error_code": "AccessDeniedException", "http_status_code": 403},
    ],
)
def test_any_service_error_falls_back_to_the_embedded_model(
    bedrock: tuple[Any, Stubber], failure: dict[str, Any]
) -> None:
    """A throttle, timeout or denial: the embedded model answers, and says why."""
    client, stubber = bedrock
    stubber.add_client_error("converse", **failure)
    provider = BedrockClassifierProvider(client, fallback=FALLBACK)
    result = provider.classify(TEXT, "en")
    assert result.signals.source == (
        f"embedded-model (bedrock failed: {failure['service_error_code']})"
    )
    assert result.sentiment == FALLBACK.classify(TEXT, "en").sentiment


@pytest.mark.parametrize(
    "reply",
    ["I think it is negative.", '{"sentiment": "furious", "confidence": 2}', "{not json}"],
)
def test_an_answer_that_is_not_the_json_asked_for_falls_back(
    bedrock: tuple[Any, Stubber], reply: str
) -> None:
    """Prose, invalid values or broken JSON are failures, not guesses."""
    client, stubber = bedrock
    stubber.add_response("converse", converse_reply(reply))
    provider = BedrockClassifierProvider(client, fallback=FALLBACK)
    assert "bedrock failed" in provider.classify(TEXT, "en").signals.source


def test_classifier_cost_per_million_mentions() -> None:
    """Token prices times tokens per mention; the embedded models add nothing."""
    by_name = {option.name: option for option in CLASSIFIER_OPTIONS}
    embedded = by_name["embedded models (in the Lambda, no call)"]
    nova = by_name["Bedrock Amazon Nova Micro"]
    assert classifier_cost_per_million(embedded, 200, 50) == 0.0
    # 200 x $0.035/1M + 50 x $0.14/1M per mention = $7 + $7 per 1M mentions
    assert classifier_cost_per_million(nova, 200, 50) == pytest.approx(14.0)
