"""The prioritize step: every point of the score comes with its reason."""

from __future__ import annotations

import pytest
from crowdcare.domain.models import Author
from crowdcare.rules.triage import (
    Analysis,
    Intent,
    Sentiment,
    SentimentLabel,
    SentimentScores,
    TriageRules,
    band_for,
    prioritize,
)

RULES = TriageRules.default()
NOBODY = Author(id="u1", handle="someone")


def analysis(
    compound: float = 0.0, intent: Intent = Intent.OTHER, **flags: object
) -> Analysis:
    label = (
        SentimentLabel.NEGATIVE if compound <= -0.05
        else SentimentLabel.POSITIVE if compound >= 0.05 else SentimentLabel.NEUTRAL
    )
    sentiment = Sentiment(
        label=label,
        scores=SentimentScores(positive=0.0, negative=0.0, neutral=1.0, mixed=0.0),
        compound=compound,
        confidence=0.8,
    )
    return Analysis.model_validate(
        {"language": "en", "sentiment": sentiment, "intent": intent, "intent_confidence": 0.9,
         **flags}
    )


def test_plain_post_has_base_score_and_no_reasons() -> None:
    """A neutral 'other' post from a small author scores the base and gives no reasons."""
    # GIVEN nothing remarkable WHEN prioritizing THEN base score, P4, no reasons
    priority = prioritize(analysis(), NOBODY, RULES)
    assert priority.score == round(RULES.weights.base)
    assert priority.band == "P4"
    assert priority.reasons == ()


@pytest.mark.parametrize(
    ("item", "author", "age", "reason"),
    [
        (analysis(-0.72), NOBODY, 0.0,
         "negative sentiment (-0.72, confidence 0.80)"),
        (analysis(intent=Intent.COMPLAINT), NOBODY, 0.0, "complaint (confidence 0.90)"),
        (analysis(intent=Intent.QUESTION), NOBODY, 0.0, "question (confidence 0.90)"),
        (analysis(offensive=True), NOBODY, 0.0, "offensive language"),
        (analysis(safety=True), NOBODY, 0.0, "safety hazard"),
        (analysis(urgency=("outage",)), NOBODY, 0.0, "urgency: 'outage'"),
        (analysis(angry=True), NOBODY, 0.0, "angry tone"),
        (analysis(legal=True), NOBODY, 0.0, "legal language"),
        (analysis(pii=True), NOBODY, 0.0, "personal data posted publicly"),
        (analysis(), Author(id="u", handle="big", followers=120_000), 0.0,
         "author has 120k followers"),
        (analysis(), Author(id="u", handle="v", verified=True), 0.0, "verified author"),
        (analysis(), NOBODY, 45 * 60.0, "waiting 45 min of a 60 min SLA"),
    ],
)
def test_each_cause_adds_points_and_its_reason(
    item: Analysis, author: Author, age: float, reason: str
) -> None:
    """Each cause raises the score above the base and states itself; nothing else does."""
    # GIVEN one cause present WHEN prioritizing
    priority = prioritize(item, author, RULES, age_seconds=age)
    # THEN exactly its reason appears and the score rose
    assert priority.reasons == (reason,)
    assert priority.score > RULES.weights.base


def test_positive_sentiment_and_small_audience_add_nothing() -> None:
    """Positive sentiment, few followers and praise add no points or reasons."""
    # GIVEN praise from an author below the influence minimum
    author = Author(id="u", handle="fan", followers=RULES.influence_min_followers - 1)
    # WHEN prioritizing THEN only the base remains
    priority = prioritize(analysis(0.9, Intent.PRAISE), author, RULES)
    assert priority.reasons == ()


def test_influence_grows_with_followers_and_caps() -> None:
    """More followers never lowers the score; beyond the threshold it stops growing."""
    # GIVEN authors of growing reach WHEN prioritizing THEN scores are non-decreasing and cap
    scores = [
        prioritize(analysis(), Author(id="u", handle="h", followers=n), RULES).score
        for n in (1_000, 10_000, 100_000, 10_000_000)
    ]
    assert scores == sorted(scores)
    assert scores[-1] == scores[-2]


def test_waiting_caps_at_the_sla() -> None:
    """Age counts up to the SLA and no further."""
    # GIVEN a post at the SLA and one far past it WHEN prioritizing THEN same score
    at_sla = prioritize(analysis(), NOBODY, RULES, age_seconds=RULES.sla_seconds)
    past = prioritize(analysis(), NOBODY, RULES, age_seconds=RULES.sla_seconds * 10)
    assert at_sla.score == past.score


def test_spam_is_capped() -> None:
    """Spam never rises above the configured cap, and says why."""
    # GIVEN a negative, urgent spam post WHEN prioritizing THEN capped with a reason
    priority = prioritize(
        analysis(-0.9, Intent.COMPLAINT, spam=True, urgency=("urgent",)), NOBODY, RULES
    )
    assert priority.score == RULES.spam_max_score
    assert priority.reasons[-1] == f"spam: capped at {RULES.spam_max_score}"


def test_score_is_clamped_to_100_and_p1() -> None:
    """Everything at once stays within 0..100 and is P1."""
    # GIVEN every cause WHEN prioritizing THEN 100 and P1
    item = analysis(-1.0, Intent.COMPLAINT, angry=True, legal=True, pii=True, urgency=("fire",))
    author = Author(id="u", handle="h", followers=5_000_000, verified=True)
    priority = prioritize(item, author, RULES, age_seconds=10_000)
    assert priority.score == 100
    assert priority.band == "P1"


@pytest.mark.parametrize(("score", "band"), [(100, "P1"), (75, "P1"), (74, "P2"), (50, "P2"),
                                              (49, "P3"), (25, "P3"), (24, "P4"), (0, "P4")])
def test_bands_follow_rules_cutoffs(score: int, band: str) -> None:
    """Bands follow the configured cut-offs, inclusive at each lower bound."""
    # GIVEN the default cut-offs 75/50/25 WHEN banding THEN the edges fall upward
    assert band_for(score, RULES) == band
