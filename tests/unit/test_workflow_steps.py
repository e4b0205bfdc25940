"""TriageSteps wired to moto DynamoDB: analyze ▶ prioritize ▶ route ▶ assign on real samples."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from crowdcare.assignments import Assignment, AssignmentRepository
from crowdcare.models import Author, Mention, MentionStatus, Platform, Responder, ResponderKind
from crowdcare.repositories import MentionRepository, ResponderRepository
from crowdcare.triage import EmbeddedSentimentProvider, RouteKind, TriageRules
from crowdcare.triage.models import Intent
from crowdcare.workflow import TriageCase, TriageSteps
from moto import mock_aws

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
SPANISH_COMPLAINT = (
    "Mi pedido no ha llegado y nadie responde, llevo dos semanas esperando. ¿Dónde está?"
)
SPAM = "FREE followers!!! click here http://spam.example.com buy now crypto giveaway"
RULES = TriageRules.default()


class StepClock:
    """A clock that moves one second each time it is read, from NOW."""

    def __init__(self) -> None:
        self.reads = 0

    def __call__(self) -> datetime:
        self.reads += 1
        return NOW + timedelta(seconds=self.reads)


@dataclass(frozen=True)
class World:
    steps: TriageSteps
    mentions: MentionRepository
    responders: ResponderRepository
    assignments: AssignmentRepository


def _table(client: Any, name: str, key: str) -> None:
    client.create_table(
        TableName=name,
        AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}],
        KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )


@pytest.fixture
def world(monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """TriageSteps with moto-backed repositories, the embedded sentiment model and a fixed clock."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        _table(client, "mentions", "mention_id")
        _table(client, "responders", "responder_id")
        _table(client, "assignments", "mention_id")
        mentions = MentionRepository(client, "mentions")
        responders = ResponderRepository(client, "responders")
        assignments = AssignmentRepository(client, "assignments", "responders")
        steps = TriageSteps(
            mentions=mentions,
            responders=responders,
            assignments=assignments,
            sentiment=EmbeddedSentimentProvider(),
            rules=lambda: RULES,
            clock=StepClock(),
        )
        yield World(steps, mentions, responders, assignments)


def advocate(rid: str, languages: tuple[str, ...], **fields: object) -> Responder:
    values: dict[str, object] = {
        "responder_id": rid,
        "kind": ResponderKind.ADVOCATE,
        "name": rid.title(),
        "email": f"{rid}@example.com",
        "languages": languages,
        "max_open": 2,
    }
    values.update(fields)
    return Responder.model_validate(values)


def stored_mention(world: World, text: str, post_id: str = "1890000000000000001") -> Mention:
    mention = Mention(
        platform=Platform.X,
        post_id=post_id,
        url=f"https://x.com/cliente/status/{post_id}",
        author=Author(id="u1", handle="@cliente", followers=50),
        text=text,
        created_at=NOW - timedelta(minutes=5),
    )
    assert world.mentions.put_if_new(mention, NOW)
    return mention


def routed(world: World, mention: Mention) -> TriageCase:
    case = TriageCase(mention=mention)
    return world.steps.route(world.steps.prioritize(world.steps.analyze(case)))


def open_count(world: World, rid: str) -> int:
    responder = world.responders.get(rid)
    assert responder is not None
    return responder.open_count


def test_complaint_goes_to_the_advocate_who_speaks_its_language(world: World) -> None:
    """A Spanish complaint is assigned to the one Spanish-speaking advocate, with a notice."""
    # GIVEN an English-only and a Spanish-speaking advocate, and a stored Spanish complaint
    world.responders.put(advocate("tom", ("en",)))
    world.responders.put(advocate("lucia", ("es", "en")))
    mention = stored_mention(world, SPANISH_COMPLAINT)
    # WHEN the four steps run
    case = world.steps.assign(routed(world, mention))
    # THEN the analysis and route are as expected, and lucia holds the assignment
    assert case.analysis is not None
    assert (case.analysis.language, case.analysis.intent) == ("es", Intent.COMPLAINT)
    assert case.decision is not None
    assert case.decision.route is RouteKind.COMMUNITY
    assert case.decision.candidates == ("lucia",)
    assert case.status is MentionStatus.ASSIGNED
    assert case.assignment is not None
    assert case.assignment.responder_id == "lucia"
    assert world.assignments.get(mention.mention_id) == case.assignment
    assert (open_count(world, "lucia"), open_count(world, "tom")) == (1, 0)
    # AND the notice carries what the notifier needs
    assert case.notice is not None
    assert case.notice.responder_id == "lucia"
    assert case.notice.mention_id == "x#1890000000000000001"
    assert case.notice.text == SPANISH_COMPLAINT
    assert case.notice.priority == case.priority.score  # type: ignore[union-attr]
    assert case.notice.reasons[-1].startswith("community: 1 advocate(s) speak 'es'")
    # AND the stored mention records the triage and the assignment
    stored = world.mentions.get(mention.mention_id)
    assert stored is not None
    assert stored.status is MentionStatus.ASSIGNED
    assert stored.triage is not None
    assert stored.triage.decision == case.decision


def test_spam_needs_no_reply_and_is_not_assigned(world: World) -> None:
    """Spam is routed to none and, as the state machine skips assign for none, nobody gets it."""
    # GIVEN an advocate and a stored spam post
    world.responders.put(advocate("tom", ("en",)))
    mention = stored_mention(world, SPAM)
    # WHEN analyze, prioritize and route run
    case = routed(world, mention)
    # THEN the route is none, the mention is no_action, and nothing is assigned
    assert case.analysis is not None
    assert case.analysis.spam is True
    assert case.decision is not None
    assert (case.decision.route, case.decision.candidates) == (RouteKind.NONE, ())
    assert case.status is MentionStatus.NO_ACTION
    stored = world.mentions.get(mention.mention_id)
    assert stored is not None
    assert stored.status is MentionStatus.NO_ACTION
    assert world.assignments.list_all() == []
    assert open_count(world, "tom") == 0


def test_mention_is_queued_when_every_candidate_is_full(world: World) -> None:
    """When the ranked candidates fill up between route and assign, the mention is queued."""
    # GIVEN a Spanish complaint routed to lucia, the only Spanish advocate (max_open 1)
    world.responders.put(advocate("lucia", ("es",), max_open=1))
    case = routed(world, stored_mention(world, SPANISH_COMPLAINT))
    assert case.decision is not None
    assert case.decision.candidates == ("lucia",)
    # AND another workflow takes her last slot before assign runs
    other = Assignment(
        mention_id="x#other", responder_id="lucia", responder_kind=ResponderKind.ADVOCATE,
        route=RouteKind.COMMUNITY, priority=40, band="P3", assigned_at=NOW,
    )
    assert world.assignments.try_assign(other)
    # WHEN assign runs
    result = world.steps.assign(case)
    # THEN the mention is queued, unassigned, and lucia stays at 1
    assert result.status is MentionStatus.QUEUED
    assert (result.assignment, result.notice) == (None, None)
    assert world.assignments.get(case.mention.mention_id) is None
    stored = world.mentions.get(case.mention.mention_id)
    assert stored is not None
    assert stored.status is MentionStatus.QUEUED
    assert open_count(world, "lucia") == 1


def test_retried_assign_returns_the_same_assignment(world: World) -> None:
    """Running assign again after it succeeded returns the stored assignment and takes no slot."""
    # GIVEN a routed Spanish complaint
    world.responders.put(advocate("lucia", ("es",)))
    world.responders.put(advocate("marta", ("es",)))
    case = routed(world, stored_mention(world, SPANISH_COMPLAINT))
    # WHEN assign runs twice (a Step Functions retry after a lost response); the clock moves on
    first = world.steps.assign(case)
    second = world.steps.assign(case)
    # THEN both report the same stored assignment, and only one slot was taken in total
    assert first.assignment is not None
    assert second.assignment == first.assignment
    assert second.notice == first.notice
    assert second.status is MentionStatus.ASSIGNED
    assert len(world.assignments.list_all()) == 1
    assert open_count(world, "lucia") + open_count(world, "marta") == 1
    assert open_count(world, first.assignment.responder_id) == 1
