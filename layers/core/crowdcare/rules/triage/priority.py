"""The prioritize step: a 0-100 score, a band, and a human-readable reason for every point."""

from __future__ import annotations

import math

from crowdcare.domain.models import Author
from crowdcare.domain.triage import Analysis, Intent, Priority, SentimentLabel
from crowdcare.rules.triage.rules import TriageRules


def prioritize(  # noqa: PLR0912 - one branch per documented cause, read top to bottom
    analysis: Analysis, author: Author, rules: TriageRules, age_seconds: float = 0.0
) -> Priority:
    """Score how urgently a mention needs a human, with the reason behind each contribution."""
    weights = rules.weights
    score = weights.base
    reasons: list[str] = []

    def add(points: float, reason: str) -> None:
        nonlocal score
        if points > 0:
            score += points
            reasons.append(reason)

    sentiment = analysis.sentiment
    if sentiment.label is SentimentLabel.NEGATIVE or (
        sentiment.label is SentimentLabel.MIXED and sentiment.compound < 0
    ):
        add(weights.negative_sentiment * -sentiment.compound,
            f"negative sentiment ({sentiment.compound:+.2f},"
            f" confidence {sentiment.confidence:.2f})")
    confidence = f" (confidence {analysis.intent_confidence:.2f})"
    if analysis.intent is Intent.COMPLAINT:
        add(weights.complaint, "complaint" + confidence)
    elif analysis.intent is Intent.QUESTION:
        add(weights.question, "question" + confidence)
    if analysis.urgency:
        add(weights.urgency,
            "urgency: " + ", ".join(f"'{word}'" for word in analysis.urgency[:3]))
    if analysis.angry:
        add(weights.angry, "angry tone")
    if analysis.offensive:
        add(weights.offensive, "offensive language")
    if analysis.safety:
        add(weights.safety, "safety hazard")
    if analysis.legal:
        add(weights.legal, "legal language")
    if analysis.pii:
        add(weights.pii, "personal data posted publicly")
    if author.followers >= max(1, rules.influence_min_followers):
        # Log scale: 1k -> a little, the high-influence threshold -> the full weight.
        reach = math.log10(author.followers) - math.log10(max(1, rules.influence_min_followers))
        span = math.log10(rules.high_influence_followers) - math.log10(
            max(1, rules.influence_min_followers)
        )
        fraction = 1.0 if span <= 0 else min(1.0, max(0.05, reach / span))
        add(weights.influence * fraction, f"author has {_humanise(author.followers)} followers")
    if author.verified:
        add(weights.verified, "verified author")
    if age_seconds > 0:
        used = min(1.0, age_seconds / rules.sla_seconds)
        add(weights.waiting * used,
            f"waiting {_minutes(age_seconds)} min of a {_minutes(rules.sla_seconds)} min SLA")

    final = max(0, min(100, round(score)))
    if analysis.spam and final > rules.spam_max_score:
        final = rules.spam_max_score
        reasons.append(f"spam: capped at {rules.spam_max_score}")
    return Priority(score=final, band=band_for(final, rules), reasons=tuple(reasons))


def band_for(score: int, rules: TriageRules) -> str:
    """P1 (most urgent) .. P4 from the rules' cut-offs."""
    bands = rules.bands
    if score >= bands.p1:
        return "P1"
    if score >= bands.p2:
        return "P2"
    if score >= bands.p3:
        return "P3"
    return "P4"


def _minutes(seconds: float) -> int:
    return round(seconds / 60)


def _humanise(count: int) -> str:
    if count >= 1_000_000:
        return f"{count / 1_000_000:.1f}M".replace(".0M", "M")
    if count >= 1_000:
        return f"{count / 1_000:.0f}k"
    return str(count)
