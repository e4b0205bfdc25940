"""The safe routing policy: who may see what, and "unsure means a human sees it"."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from crowdcare.domain.models import Author, Mention, Platform, Responder, ResponderKind
from crowdcare.domain.triage import ModelSignals
from crowdcare.rules.triage import (
    Analysis,
    Intent,
    Priority,
    RouteKind,
    Sentiment,
    SentimentLabel,
    SentimentScores,
    TriageRules,
    route,
)
from pydantic import ValidationError

RULES = TriageRules.default()
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
LOW = Priority(score=20, band="P4", reasons=())
TEAM = (
    Responder(responder_id="ann", kind=ResponderKind.ADVOCATE, name="Ann",
              email="ann@example.com", languages=("en", "es")),
    Responder(responder_id="emma", kind=ResponderKind.EMPLOYEE, name="Emma",
              email="emma@example.com"),
)


def mention(followers: int = 0) -> Mention:
    return Mention(
        platform=Platform.X, post_id="p1",
        author=Author(id="a1", handle="customer", followers=followers),
        text="route reads the analysis", created_at=NOW,
    )


def analysis(
    intent: Intent = Intent.QUESTION,
    label: SentimentLabel = SentimentLabel.NEUTRAL,
    confidence: float = 0.9,
    **fields: object,
) -> Analysis:
    """A confident analysis; each test changes only what its rule is about."""
    sentiment = Sentiment(
        label=label,
        scores=SentimentScores(positive=0.05, negative=0.05, neutral=0.9, mixed=0.0),
        compound=0.0, confidence=confidence,
    )
    data: dict[str, object] = {
        "language": "en", "sentiment": sentiment, "intent": intent,
        "intent_confidence": 0.9, "needs_reply": True,
        "signals": ModelSignals(source="test", offensive=0.1, angry=0.1, complaint=0.1,
                                needs_reply=0.9),
    }
    return Analysis.model_validate({**data, **fields})


@pytest.mark.parametrize(
    ("flag", "reason"),
    [
        ("offensive", "offensive or abusive language"),
        ("angry", "angry author"),
        ("legal", "legal language"),
        ("safety", "safety hazard described"),
        ("pii", "personal data in the post"),
        ("account_specific", "about the author's own account or order"),
    ],
)
def test_sensitive_posts_go_to_an_employee_never_a_volunteer(flag: str, reason: str) -> None:
    """GIVEN a willing advocate WHEN the post is sensitive THEN only employees are asked."""
    decision = route(mention(), analysis().model_copy(update={flag: True}), LOW, TEAM, RULES, NOW)
    assert decision.route is RouteKind.EMPLOYEE
    assert decision.candidates == ("emma",)
    assert any(r.startswith(reason) for r in decision.reasons)


def test_high_influence_author_goes_to_an_employee() -> None:
    """An author above the influence threshold is answered by staff."""
    decision = route(mention(followers=250_000), analysis(), LOW, TEAM, RULES, NOW)
    assert decision.route is RouteKind.EMPLOYEE
    assert any("high-influence" in r for r in decision.reasons)


def test_offensive_spam_is_not_silently_dropped() -> None:
    """Abuse that also looks like spam still reaches an employee, not the bin."""
    decision = route(
        mention(), analysis(spam=True, offensive=True, needs_reply=False), LOW, TEAM, RULES, NOW
    )
    assert decision.route is RouteKind.EMPLOYEE


def test_plain_spam_needs_no_reply() -> None:
    """Spam gets no responder."""
    decision = route(mention(), analysis(spam=True, needs_reply=False), LOW, TEAM, RULES, NOW)
    assert decision.route is RouteKind.NONE


def test_confident_praise_needs_no_reply_but_suggests_a_thank_you() -> None:
    """Plain praise: no action, with the optional thank-you and the confidence in the reason."""
    praise = analysis(Intent.PRAISE, SentimentLabel.POSITIVE, needs_reply=False)
    decision = route(mention(), praise, LOW, TEAM, RULES, NOW)
    assert decision.route is RouteKind.NONE
    assert "thank-you is optional" in decision.reasons[0]
    assert "confidence 0.90" in decision.reasons[0]


def test_unsure_means_a_human_sees_it() -> None:
    """GIVEN a post the models are unsure about WHEN routing THEN it is never dropped."""
    unsure = analysis(
        Intent.OTHER, needs_reply=False, unsure=("sentiment confidence 0.41 < 0.55",)
    )
    decision = route(mention(), unsure, LOW, TEAM, RULES, NOW)
    assert decision.route is RouteKind.COMMUNITY
    assert decision.candidates == ("ann",)
    assert "a human sees it" in decision.reasons[0]


def test_unknown_language_goes_to_an_employee_when_no_advocate_speaks_it() -> None:
    """An unsure post in a language no advocate speaks falls back to an employee."""
    unsure = analysis(
        Intent.OTHER, language="fi", needs_reply=False,
        unsure=("language 'fi' is not one the models were trained on",),
    )
    decision = route(mention(), unsure, LOW, TEAM, RULES, NOW)
    assert decision.route is RouteKind.EMPLOYEE
    assert any("no advocate speaks 'fi'" in r for r in decision.reasons)


def test_community_reasons_carry_the_models_confidence() -> None:
    """Every community decision says what the model concluded and how sure it was."""
    decision = route(mention(), analysis(), LOW, TEAM, RULES, NOW)
    assert decision.route is RouteKind.COMMUNITY
    assert any("question (confidence 0.90)" in r for r in decision.reasons)


def test_brand_may_let_advocates_handle_account_questions() -> None:
    """employee_flags is configuration: a brand can drop 'account'."""
    rules = TriageRules(employee_flags=("offensive", "angry", "legal", "safety", "pii"))
    decision = route(mention(), analysis(account_specific=True), LOW, TEAM, rules, NOW)
    assert decision.route is RouteKind.COMMUNITY


def test_brand_cannot_send_abuse_to_volunteers() -> None:
    """Removing 'offensive' or 'angry' from employee_flags is refused."""
    with pytest.raises(ValidationError, match="a volunteer never receives abuse"):
        TriageRules(employee_flags=("legal",))
