"""The route step: none, community or employee, and a fair, explained candidate ranking."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from crowdcare.domain.models import Author, Mention, Platform, Responder, ResponderKind
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
from crowdcare.rules.triage.routing import NO_ADVOCATE_REASON

RULES = TriageRules.default()
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
LOW = Priority(score=40, band="P3", reasons=())


def mention(post_id: str = "p1", handle: str = "customer", followers: int = 0,
            verified: bool = False) -> Mention:
    return Mention(
        platform=Platform.X,
        post_id=post_id,
        author=Author(id="a1", handle=handle, followers=followers, verified=verified),
        text="irrelevant: route reads the analysis",
        created_at=NOW,
    )


def analysis(intent: Intent = Intent.QUESTION, compound: float = 0.0, language: str = "en",
             **flags: object) -> Analysis:
    label = (
        SentimentLabel.NEGATIVE if compound <= -0.05
        else SentimentLabel.POSITIVE if compound >= 0.05 else SentimentLabel.NEUTRAL
    )
    sentiment = Sentiment(
        label=label,
        scores=SentimentScores(positive=0.0, negative=0.0, neutral=1.0, mixed=0.0),
        compound=compound,
    )
    return Analysis.model_validate(
        {"language": language, "sentiment": sentiment, "intent": intent, **flags}
    )


def advocate(rid: str, **fields: object) -> Responder:
    return Responder.model_validate(
        {"responder_id": rid, "kind": ResponderKind.ADVOCATE, "name": rid,
         "email": f"{rid}@example.com", **fields}
    )


def employee(rid: str, **fields: object) -> Responder:
    return Responder.model_validate(
        {"responder_id": rid, "kind": ResponderKind.EMPLOYEE, "name": rid,
         "email": f"{rid}@example.com", **fields}
    )


TEAM = (advocate("ann"), employee("emma"))


def test_question_goes_to_the_community() -> None:
    """An ordinary question goes to an advocate who speaks the language."""
    # GIVEN a question and one advocate, one employee WHEN routing
    decision = route(mention(), analysis(), LOW, TEAM, RULES, NOW)
    # THEN community, to the advocate, with a readable reason
    assert decision.route is RouteKind.COMMUNITY
    assert decision.candidates == ("ann",)
    assert "speak 'en'" in decision.reasons[0]


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        (analysis(spam=True, angry=True), "spam: no reply"),
        (analysis(Intent.PRAISE, 0.8, needs_reply=False, intent_confidence=0.9),
         "plain praise (confidence 0.90): no reply needed (a thank-you is optional)"),
        (analysis(Intent.OTHER, 0.2, needs_reply=False, intent_confidence=0.8),
         "no action: positive remark that needs no reply (other (confidence 0.80),"
         " positive sentiment (confidence 0.00))"),
    ],
)
def test_no_action(item: Analysis, reason: str) -> None:
    """Spam, plain praise and unremarkable non-negative posts need no human."""
    # GIVEN such a post WHEN routing THEN none, with the reason, and no candidates
    priority = Priority(score=10, band="P4", reasons=())
    decision = route(mention(), item, priority, TEAM, RULES, NOW)
    assert decision.route is RouteKind.NONE
    assert decision.reasons == (reason,)
    assert decision.candidates == ()


def test_other_with_negative_sentiment_needs_a_human() -> None:
    """An 'other' post with negative sentiment is not dropped."""
    # GIVEN a negative remark WHEN routing THEN someone looks at it
    decision = route(mention(), analysis(Intent.OTHER, -0.4), LOW, TEAM, RULES, NOW)
    assert decision.route is RouteKind.COMMUNITY


def test_praise_with_pii_goes_to_an_employee() -> None:
    """Praise that exposes personal data is not 'plain' praise."""
    # GIVEN praise containing a phone number WHEN routing THEN an employee handles it
    decision = route(mention(), analysis(Intent.PRAISE, 0.8, pii=True), LOW, TEAM, RULES, NOW)
    assert decision.route is RouteKind.EMPLOYEE


@pytest.mark.parametrize(
    ("item", "post", "priority", "reason"),
    [
        (analysis(angry=True), mention(), LOW, "angry author"),
        (analysis(legal=True), mention(), LOW, "legal language"),
        (analysis(pii=True), mention(), LOW, "personal data in the post"),
        (analysis(topics=("security",)), mention(), LOW, "employee-only topic: security"),
        (analysis(), mention(followers=250_000), LOW,
         "high-influence author (250,000 followers)"),
        (analysis(), mention(followers=20_000, verified=True), LOW,
         "verified author with 20,000 followers"),
        (analysis(), mention(), Priority(score=85, band="P1", reasons=()), "priority 85 >= 80"),
        (analysis(language="ja"), mention(), LOW, "no advocate speaks 'ja'"),
    ],
)
def test_employee_reasons(item: Analysis, post: Mention, priority: Priority, reason: str) -> None:
    """Each employee trigger sends the mention to an employee and says why."""
    # GIVEN one trigger WHEN routing
    decision = route(post, item, priority, TEAM, RULES, NOW)
    # THEN employee, the trigger is the only reason (then the model's view), the employee is
    # the candidate
    assert decision.route is RouteKind.EMPLOYEE
    assert decision.reasons[0] == reason
    assert decision.reasons[1:] == (
        "question (confidence 0.00), neutral sentiment (confidence 1.00)",
    )
    assert decision.candidates == ("emma",)


def test_verified_small_author_is_not_high_influence() -> None:
    """Verified alone, with few followers, does not escalate."""
    # GIVEN a verified author below the 'big' threshold WHEN routing THEN community
    decision = route(mention(followers=500, verified=True), analysis(), LOW, TEAM, RULES, NOW)
    assert decision.route is RouteKind.COMMUNITY


def test_advocates_must_speak_the_language() -> None:
    """Only advocates speaking the post's language are candidates."""
    # GIVEN a Spanish question and advocates with and without Spanish
    team = (advocate("en_only"), advocate("bilingual", languages=("en", "es-MX")))
    # WHEN routing THEN only the Spanish speaker is a candidate
    decision = route(mention(), analysis(language="es"), LOW, team, RULES, NOW)
    assert decision.candidates == ("bilingual",)


def test_full_and_paused_advocates_are_skipped() -> None:
    """Advocates at capacity or paused are never candidates."""
    # GIVEN a full advocate, a paused one and an available one
    team = (
        advocate("full", open_count=5, max_open=5),
        advocate("paused", active=False),
        advocate("free"),
    )
    # WHEN routing THEN only the available advocate remains
    assert route(mention(), analysis(), LOW, team, RULES, NOW).candidates == ("free",)


def test_no_capacity_escalates_with_reason() -> None:
    """When every speaking advocate is full, an employee gets it: 'no qualified advocate'."""
    # GIVEN only a full advocate and an employee WHEN routing
    team = (advocate("full", open_count=2, max_open=2), employee("emma"))
    decision = route(mention(), analysis(), LOW, team, RULES, NOW)
    # THEN employee with the reason
    assert decision.route is RouteKind.EMPLOYEE
    assert decision.reasons[0].startswith(NO_ADVOCATE_REASON)
    assert decision.candidates == ("emma",)


def test_no_advocates_at_all_escalates() -> None:
    """With no active advocates the reason still says no qualified advocate."""
    # GIVEN only employees WHEN routing THEN employee, no qualified advocate
    decision = route(mention(), analysis(), LOW, (employee("emma"),), RULES, NOW)
    assert decision.route is RouteKind.EMPLOYEE
    assert decision.reasons[0].startswith(NO_ADVOCATE_REASON)


def test_author_is_never_a_candidate() -> None:
    """A responder whose handles include the author's (any case, any '@') is excluded."""
    # GIVEN the author is an advocate and an employee themself
    team = (
        advocate("self", handles=("@Customer",)),
        advocate("other"),
        employee("self_emp", handles=("CUSTOMER",)),
        employee("emma"),
    )
    # WHEN routing a question and an angry post from @customer
    community = route(mention(handle="@customer"), analysis(), LOW, team, RULES, NOW)
    escalated = route(mention(handle="customer"), analysis(angry=True), LOW, team, RULES, NOW)
    # THEN they are never asked to answer themselves
    assert community.candidates == ("other",)
    assert escalated.candidates == ("emma",)


def test_ranking_prefers_skills_then_load_then_reputation() -> None:
    """With default weights, skill overlap beats spare capacity, which beats reputation."""
    # GIVEN three advocates each strong in one dimension (3 of 5 slots busy unless idle)
    team = (
        advocate("reputed", reputation=1.0, open_count=3),
        advocate("skilled", skills=("thermostat",), reputation=0.1, open_count=3),
        advocate("idle", open_count=0, reputation=0.1),
    )
    # WHEN routing a thermostat question
    decision = route(mention(), analysis(topics=("thermostat",)), LOW, team, RULES, NOW)
    # THEN skill first, then the idle one, then reputation
    assert decision.candidates == ("skilled", "idle", "reputed")


def test_ties_are_spread_fairly_and_deterministically() -> None:
    """Equal advocates take turns across mentions; the same mention always ranks the same."""
    # GIVEN four identical advocates
    team = tuple(advocate(f"adv{i}") for i in range(4))
    # WHEN routing 200 different mentions
    firsts = Counter(
        route(mention(f"p{n}"), analysis(), LOW, team, RULES, NOW).candidates[0]
        for n in range(200)
    )
    # THEN each advocate is first for a fair share, and a rerun is identical
    assert set(firsts) == {"adv0", "adv1", "adv2", "adv3"}
    assert min(firsts.values()) >= 25
    first = route(mention("p7"), analysis(), LOW, team, RULES, NOW)
    assert route(mention("p7"), analysis(), LOW, team, RULES, NOW) == first


def test_employee_ranking_prefers_language_but_does_not_require_it() -> None:
    """Employees who speak the language come first; others still qualify."""
    # GIVEN a German angry post and employees with and without German
    team = (employee("en_emp", reputation=1.0), employee("de_emp", languages=("de",)))
    # WHEN routing
    decision = route(mention(), analysis(angry=True, language="de"), LOW, team, RULES, NOW)
    # THEN both are candidates, German speaker first
    assert decision.candidates == ("de_emp", "en_emp")


def test_no_employee_capacity_is_explained() -> None:
    """An escalation with no employee available says it waits in the queue."""
    # GIVEN an angry post and no employee WHEN routing THEN employee route, empty, explained
    decision = route(mention(), analysis(angry=True), LOW, (advocate("ann"),), RULES, NOW)
    assert decision.route is RouteKind.EMPLOYEE
    assert decision.candidates == ()
    assert decision.reasons[-1] == "no employee has capacity: the mention waits in the queue"
