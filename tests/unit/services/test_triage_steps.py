"""TriageSteps: analyze, prioritize and route a stored mention, on fakes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from crowdcare.domain.errors import MissingStepError
from crowdcare.domain.messages import TriageCase
from crowdcare.domain.models import MentionStatus, Responder, ResponderKind
from crowdcare.domain.triage import RouteKind
from crowdcare.rules.triage import route
from crowdcare.rules.triage.rules import TriageRules
from crowdcare.services.triage_steps import TriageSteps, route_from_pools
from crowdcare.testing import FakeMentions, FakeResponders, FixedSentiment, ManualClock
from crowdcare.testing.builders import NOON, a_mention, a_priority, a_responder, an_analysis


@dataclass
class World:
    steps: TriageSteps
    mentions: FakeMentions
    sentiment: FixedSentiment
    clock: ManualClock


@pytest.fixture
def world() -> World:
    """Steps on fakes with the default rules, an advocate and an employee, x#1 stored."""
    mentions = FakeMentions()
    mentions.add(a_mention(lang_hint="en"))
    responders = FakeResponders([a_responder("ana"), a_responder("erin", ResponderKind.EMPLOYEE)])
    sentiment = FixedSentiment(compound=-0.4)
    clock = ManualClock(NOON + timedelta(minutes=10))
    rules = TriageRules.default()
    steps = TriageSteps(
        mentions=mentions,
        responders=responders,
        sentiment=sentiment,
        rules=lambda: rules,
        clock=clock,
    )
    return World(steps, mentions, sentiment, clock)


def test_analyze_asks_the_sentiment_provider_in_the_mention_language(world: World) -> None:
    """Analyze reads the sentiment of the text in its language and finds the question."""
    # WHEN the stored mention is analysed
    case = world.steps.analyze(TriageCase(mention=world.mentions.items["x#1"].mention))
    # THEN the provider was asked in English and its figure is on the analysis
    assert world.sentiment.calls == [(case.mention.text, "en")]
    assert case.analysis is not None
    assert case.analysis.sentiment.compound == -0.4
    assert case.analysis.language == "en"


def test_prioritize_needs_the_analysis_first(world: World) -> None:
    """Prioritize before analyze is a definition error, not a silent zero."""
    # WHEN prioritize runs on a case without analysis
    # THEN it says what is missing
    with pytest.raises(MissingStepError, match="analysis"):
        world.steps.prioritize(TriageCase(mention=a_mention()))


def test_an_older_mention_is_more_urgent(world: World) -> None:
    """Age against the SLA raises the priority: the same mention later scores at least as high."""
    # GIVEN an analysed case
    case = TriageCase(mention=a_mention(), analysis=an_analysis())
    # WHEN it is prioritised now and again two days later
    fresh = world.steps.prioritize(case).priority
    world.clock.advance(2 * 24 * 3600)
    stale = world.steps.prioritize(case).priority
    # THEN the stale one scores higher
    assert fresh is not None
    assert stale is not None
    assert stale.score > fresh.score


def test_route_leaves_a_mention_a_person_must_answer_to_the_assignment_workflow(
    world: World,
) -> None:
    """Route decides for a question but does not write it: the first pick records the triage."""
    # GIVEN an analysed and prioritised question
    case = TriageCase(mention=a_mention(), analysis=an_analysis(), priority=a_priority(50))
    # WHEN it is routed
    routed = world.steps.route(case)
    # THEN the community is asked, with everything the first pick needs on the case
    assert routed.decision is not None
    assert routed.decision.route is RouteKind.COMMUNITY
    assert routed.decision.candidates == ("ana",)
    assert routed.analysis == case.analysis
    # AND the stored mention is untouched (still received, no triage): one write comes later
    stored = world.mentions.items["x#1"]
    assert stored.status is MentionStatus.RECEIVED
    assert stored.triage is None


def test_spam_is_recorded_as_needing_no_action(world: World) -> None:
    """Spam is routed to nobody and the mention is marked no_action."""
    # GIVEN an analysis that found spam
    spam = an_analysis().model_copy(update={"spam": True})
    case = TriageCase(mention=a_mention(), analysis=spam, priority=a_priority(20))
    # WHEN it is routed
    routed = world.steps.route(case)
    # THEN nobody is asked
    assert routed.status is MentionStatus.NO_ACTION
    assert world.mentions.status("x#1") is MentionStatus.NO_ACTION
    # AND the triage is stored with it (nothing else will write this mention)
    stored = world.mentions.items["x#1"]
    assert stored.triage is not None
    assert stored.triage.decision == routed.decision


class CountingPools:
    """The candidate pools of `responders`, counting the reads of each kind."""

    def __init__(self, *responders: Responder) -> None:
        self.responders = responders
        self.reads: list[ResponderKind] = []

    def available(self, kind: ResponderKind, language: str | None, limit: int) -> list[Responder]:
        self.reads.append(kind)
        return [r for r in self.responders if r.kind is kind][:limit]


def test_a_community_decision_never_reads_the_employees_pool() -> None:
    """GIVEN an advocate with a free slot WHEN a question is routed THEN only advocates are read."""
    pools = CountingPools(a_responder("ana"), a_responder("erin", ResponderKind.EMPLOYEE))
    decision = route_from_pools(
        a_mention(), an_analysis(), a_priority(50), pools, TriageRules.default(), NOON
    )
    assert decision.route is RouteKind.COMMUNITY
    assert pools.reads == [ResponderKind.ADVOCATE]


def test_an_employee_decision_is_route_over_advocates_and_employees() -> None:
    """GIVEN only full advocates WHEN a question is routed THEN the decision is route()'s over
    both pools, employees ranked, read once each."""
    full = a_responder("ana", open_count=5)
    employees = [
        a_responder("erin", ResponderKind.EMPLOYEE),
        a_responder("emil", ResponderKind.EMPLOYEE),
    ]
    pools = CountingPools(full, *employees)
    rules = TriageRules.default()
    mention, analysis, priority = a_mention(), an_analysis(), a_priority(50)
    decision = route_from_pools(mention, analysis, priority, pools, rules, NOON)
    assert decision == route(mention, analysis, priority, [full, *employees], rules, NOON)
    assert decision.route is RouteKind.EMPLOYEE
    assert set(decision.candidates) == {"erin", "emil"}
    assert pools.reads == [ResponderKind.ADVOCATE, ResponderKind.EMPLOYEE]
