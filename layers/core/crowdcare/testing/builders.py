"""Small builders of valid domain objects, so a test states only what it is about."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from crowdcare.domain.messages import LifecycleCase
from crowdcare.domain.models import Author, Mention, Platform, Responder, ResponderKind
from crowdcare.domain.triage import (
    Analysis,
    Intent,
    Priority,
    RouteDecision,
    RouteKind,
    Sentiment,
    SentimentLabel,
    SentimentScores,
)
from crowdcare.rules.triage.rules import TriageRules
from crowdcare.rules.triage.weights import AssignmentRules

NOON = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)


def assignment_rules() -> TriageRules:
    """The default rules with the assignment timings the workflow tests reason about: SLAs of
    10 / 30 / 60 / 120 minutes (P1..P4), 15 for employees, two advocates, a hold of 4 SLAs."""
    return TriageRules.default().model_copy(
        update={
            "assignment": AssignmentRules(
                sla_seconds={"P1": 600, "P2": 1800, "P3": 3600, "P4": 7200},
                employee_sla_seconds=900,
                max_attempts=2,
                hold_limit_factor=4,
            )
        }
    )


def a_mention(post_id: str = "1", **fields: Any) -> Mention:
    """An X mention asking where an order is, written at NOON by @owen."""
    values: dict[str, Any] = {
        "platform": Platform.X,
        "post_id": post_id,
        "url": f"https://x.com/owen/status/{post_id}",
        "author": Author(id="u1", handle="@owen", followers=120),
        "text": "Where is my order? It has been two weeks.",
        "created_at": NOON,
    }
    values.update(fields)
    return Mention.model_validate(values)


def a_responder(
    responder_id: str, kind: ResponderKind = ResponderKind.ADVOCATE, **fields: Any
) -> Responder:
    """An active responder with the default five slots, none taken."""
    values: dict[str, Any] = {
        "responder_id": responder_id,
        "kind": kind,
        "name": responder_id.title(),
        "email": f"{responder_id}@example.com",
    }
    values.update(fields)
    return Responder.model_validate(values)


def a_priority(score: int = 60, band: str = "P2") -> Priority:
    """A priority with one reason."""
    return Priority(score=score, band=band, reasons=(f"score {score}",))


def a_decision(route: RouteKind = RouteKind.COMMUNITY, *candidates: str) -> RouteDecision:
    """A route decision with its ranked candidates."""
    return RouteDecision(route=route, reasons=(f"route {route.value}",), candidates=candidates)


def an_analysis(intent: Intent = Intent.QUESTION, language: str = "en") -> Analysis:
    """A neutral analysis of an English question."""
    return Analysis(
        language=language,
        sentiment=Sentiment(
            label=SentimentLabel.NEUTRAL,
            scores=SentimentScores(positive=0.1, negative=0.1, neutral=0.8, mixed=0.0),
            compound=0.0,
        ),
        intent=intent,
    )


def a_case(
    mention: Mention | None = None,
    *candidates: str,
    route: RouteKind = RouteKind.COMMUNITY,
    priority: Priority | None = None,
) -> LifecycleCase:
    """The assignment workflow's first state, as triage hands it over."""
    return LifecycleCase(
        mention=mention or a_mention(),
        priority=priority or a_priority(),
        decision=a_decision(route, *candidates),
    )
