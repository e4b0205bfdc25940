"""TriageSteps (analyze ▶ prioritize ▶ route) then the lifecycle's pick, on moto DynamoDB (the real
repositories; the same steps on in-memory fakes are in tests/unit/services)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from crowdcare.adapters.dynamodb.assignments import (
    Assignment,
    AssignmentConflictError,
    AssignmentRepository,
)
from crowdcare.adapters.dynamodb.audit import AuditAction, AuditTrail
from crowdcare.adapters.dynamodb.repositories import MentionRepository, ResponderRepository
from crowdcare.domain.messages import AssignmentNotice, LifecycleCase, NextStep, TriageCase
from crowdcare.domain.models import (
    Author,
    Mention,
    MentionStatus,
    Platform,
    Responder,
    ResponderKind,
)
from crowdcare.domain.triage import Intent
from crowdcare.rules.deeplinks import DeepLinkSigner
from crowdcare.rules.triage import EmbeddedSentimentProvider, RouteKind, TriageRules
from crowdcare.services.assignment_steps import LifecycleSteps
from crowdcare.services.triage_steps import TriageSteps
from crowdcare_local.stack import create_template_table
from moto import mock_aws

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
# A product complaint a volunteer may answer (an order or account complaint goes to an employee).
SPANISH_COMPLAINT = "Mi termostato Brightwave no calienta desde ayer y la app no ayuda, ¿qué hago?"
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
    lifecycle: LifecycleSteps
    audit: AuditTrail
    published: list[AssignmentNotice]


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
        for logical_id, name in (
            ("MentionsTable", "mentions"),
            ("RespondersTable", "responders"),
            ("AssignmentsTable", "assignments"),
            ("AuditTable", "audit"),
        ):
            create_template_table(client, logical_id, name)
        mentions = MentionRepository(client, "mentions")
        responders = ResponderRepository(client, "responders")
        assignments = AssignmentRepository(client, "assignments", "responders")
        clock = StepClock()
        steps = TriageSteps(
            mentions=mentions,
            responders=responders,
            sentiment=EmbeddedSentimentProvider(),
            rules=lambda: RULES,
            clock=clock,
        )
        audit = AuditTrail(client, "audit")
        published: list[AssignmentNotice] = []
        lifecycle = LifecycleSteps(
            mentions=mentions,
            responders=responders,
            assignments=assignments,
            audit=audit,
            publisher=Published(published),
            signer=lambda: DeepLinkSigner(b"k" * 32),
            rules=lambda: RULES,
            dashboard_url="https://care.example.com",
            clock=clock,
        )
        yield World(steps, mentions, responders, assignments, lifecycle, audit, published)


@dataclass
class Published:
    """Collects published notices instead of sending them to SNS."""

    notices: list[AssignmentNotice]

    def publish(self, notice: AssignmentNotice) -> None:
        self.notices.append(notice)


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


def lifecycle_case(case: TriageCase) -> LifecycleCase:
    """What triage hands the assignment workflow (Start Assignment Workflow's Input)."""
    assert case.priority is not None and case.decision is not None
    return LifecycleCase(
        mention=case.mention,
        priority=case.priority,
        decision=case.decision,
        analysis=case.analysis,
    )


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
    # WHEN the three triage steps run, then the assignment workflow picks and notifies
    triaged = routed(world, mention)
    case = world.lifecycle.pick(lifecycle_case(triaged))
    notice = world.lifecycle.notify(case, "token-1")
    # THEN the analysis and route are as expected, and lucia holds the assignment
    assert triaged.analysis is not None
    assert (triaged.analysis.language, triaged.analysis.intent) == ("es", Intent.COMPLAINT)
    assert case.decision.route is RouteKind.COMMUNITY
    assert case.decision.candidates == ("lucia",)
    assert case.next is NextStep.WAIT
    assert case.assignment is not None
    assert case.assignment.responder_id == "lucia"
    stored_assignment = world.assignments.get(mention.mention_id)
    assert stored_assignment is not None and stored_assignment.task_token == "token-1"
    assert (open_count(world, "lucia"), open_count(world, "tom")) == (1, 0)
    # AND the notice carries what the notifier needs, with the deadline and a signed link
    assert world.published == [notice]
    assert notice.responder_id == "lucia"
    assert notice.mention_id == "x#1890000000000000001"
    assert notice.text == SPANISH_COMPLAINT
    assert notice.priority == case.priority.score
    assert any(r.startswith("community: 1 advocate(s) speak 'es'") for r in notice.reasons)
    assert notice.deadline == case.assignment.assigned_at + timedelta(
        seconds=RULES.assignment.sla_for(case.priority.band)
    )
    assert notice.link is not None and "/assignments/x%231890000000000000001?t=1." in notice.link
    # AND the stored mention records the triage and the assignment, and the audit the step
    stored = world.mentions.get(mention.mention_id)
    assert stored is not None
    assert stored.status is MentionStatus.ASSIGNED
    assert stored.triage is not None
    assert stored.triage.decision == case.decision
    assert [e.action for e in world.audit.history(mention.mention_id)] == [AuditAction.ASSIGNED]


def mention_stream(mention_id: str) -> list[dict[str, Any]]:
    """The Mentions table's stream records of one mention, oldest first (moto's stream)."""
    client = boto3.client("dynamodb", region_name="us-east-1")
    # The endpoint spelt out, as in test_analytics: moto's mock does not route botocore's.
    streams: Any = boto3.client(
        "dynamodbstreams",
        region_name="us-east-1",
        endpoint_url="https://streams.dynamodb.us-east-1.amazonaws.com",
    )
    arn = client.describe_table(TableName="mentions")["Table"]["LatestStreamArn"]
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        records.extend(streams.get_records(ShardIterator=iterator, Limit=1000)["Records"])
    return [r for r in records if r["dynamodb"]["Keys"]["mention_id"]["S"] == mention_id]


def test_the_mention_is_written_once_from_triage_to_the_first_offer(world: World) -> None:
    """Triage then the first pick write the mention item once (triage and `assigned` together),
    and that one image is what the analytics stream filter lets through."""
    from crowdcare_local.stack.pump import matches_filter
    from crowdcare_local.template import load_template

    # GIVEN a Spanish-speaking advocate and a stored Spanish complaint
    world.responders.put(advocate("lucia", ("es", "en")))
    mention = stored_mention(world, SPANISH_COMPLAINT)
    # WHEN the triage steps run and the assignment workflow picks and notifies
    case = world.lifecycle.pick(lifecycle_case(routed(world, mention)))
    world.lifecycle.notify(case, "token-1")
    # THEN the stream holds the arrival and one change: the triage with the assigned status
    records = mention_stream(mention.mention_id)
    assert [r["eventName"] for r in records] == ["INSERT", "MODIFY"]
    image = records[1]["dynamodb"]["NewImage"]
    assert image["status"]["S"] == MentionStatus.ASSIGNED.value
    assert image["triage"]["M"]["decision"]["M"]["route"]["S"] == RouteKind.COMMUNITY.value
    # AND analytics receives that change, so the triage reaches it once
    events = load_template()["Resources"]["AnalyticsFunction"]["Properties"]["Events"]
    filters = [
        json.loads(f["Pattern"])
        for f in events["MentionChanges"]["Properties"]["FilterCriteria"]["Filters"]
    ]
    assert [matches_filter(r, filters) for r in records] == [True, True]


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
    """When the ranked candidates fill up between route and pick and no employee exists, the
    mention is queued."""
    # GIVEN a Spanish complaint routed to lucia, the only Spanish advocate (max_open 1)
    world.responders.put(advocate("lucia", ("es",), max_open=1))
    case = routed(world, stored_mention(world, SPANISH_COMPLAINT))
    assert case.decision is not None
    assert case.decision.candidates == ("lucia",)
    # AND another workflow takes her last slot before pick runs
    other = Assignment(
        mention_id="x#other",
        responder_id="lucia",
        responder_kind=ResponderKind.ADVOCATE,
        route=RouteKind.COMMUNITY,
        priority=40,
        band="P3",
        assigned_at=NOW,
    )
    assert world.assignments.try_assign(other)
    # WHEN pick runs
    result = world.lifecycle.pick(lifecycle_case(case))
    # THEN the mention is queued, unassigned, and lucia stays at 1
    assert result.next is NextStep.QUEUED
    assert result.assignment is None
    assert world.assignments.get(case.mention.mention_id) is None
    stored = world.mentions.get(case.mention.mention_id)
    assert stored is not None
    assert stored.status is MentionStatus.QUEUED
    assert open_count(world, "lucia") == 1


def test_a_retried_pick_and_notify_take_one_slot_and_write_the_item_once(world: World) -> None:
    """Pick writes nothing, so a retried Pick plans again; a retried Notify finds its own
    attempt open and takes no second slot, audits once, keeps the token."""
    # GIVEN a routed Spanish complaint
    world.responders.put(advocate("lucia", ("es",)))
    world.responders.put(advocate("marta", ("es",)))
    case = lifecycle_case(routed(world, stored_mention(world, SPANISH_COMPLAINT)))
    # WHEN pick runs twice on the same input (a Step Functions retry), nothing is taken
    first = world.lifecycle.pick(case)
    second = world.lifecycle.pick(case)
    assert first.assignment is not None
    assert second.assignment is not None
    assert second.assignment.responder_id == first.assignment.responder_id
    assert (second.next, second.attempt, second.tried) == (NextStep.WAIT, 1, first.tried)
    assert world.assignments.list_all() == []
    # AND notify runs twice on the same input
    world.lifecycle.notify(first, "token-1")
    world.lifecycle.notify(first, "token-1")
    # THEN one slot was taken in total, with the token, and one ASSIGNED entry recorded
    stored = world.assignments.list_all()
    assert [(a.responder_id, a.attempt, a.task_token) for a in stored] == [
        (first.assignment.responder_id, 1, "token-1")
    ]
    assert open_count(world, "lucia") + open_count(world, "marta") == 1
    actions = [e.action for e in world.audit.history(case.mention.mention_id)]
    assert actions.count(AuditAction.ASSIGNED) == 1


class _CancellingClient:
    """A DynamoDB client whose transactions are cancelled with the given reasons."""

    def __init__(self, reasons: list[str]) -> None:
        self._reasons = reasons

    def transact_write_items(self, **_: object) -> None:
        raise ClientError(
            {
                "Error": {"Code": "TransactionCanceledException", "Message": "cancelled"},
                "CancellationReasons": [{"Code": code} for code in self._reasons],
            },
            "TransactWriteItems",
        )


def _assignment() -> Assignment:
    return Assignment(
        mention_id="x#1",
        responder_id="r1",
        responder_kind=ResponderKind.ADVOCATE,
        route=RouteKind.COMMUNITY,
        priority=50,
        band="P2",
        assigned_at=datetime(2026, 11, 24, 12, 0, tzinfo=UTC),
    )


def test_a_write_conflict_is_retried_not_taken_for_a_full_responder() -> None:
    """A TransactionConflict raises a retryable error instead of reporting 'no free slot'."""
    # GIVEN DynamoDB cancels the transaction because of a concurrent write
    repo = AssignmentRepository(_CancellingClient(["None", "TransactionConflict"]), "a", "r")  # type: ignore[arg-type]
    # WHEN an assignment is tried THEN the conflict is raised for the workflow to retry
    with pytest.raises(AssignmentConflictError):
        repo.try_assign(_assignment())


def test_a_full_responder_is_reported_as_no_free_slot() -> None:
    """A failed capacity condition answers False, so the next candidate is tried."""
    # GIVEN the responder's capacity condition fails
    repo = AssignmentRepository(_CancellingClient(["None", "ConditionalCheckFailed"]), "a", "r")  # type: ignore[arg-type]
    # WHEN an assignment is tried THEN it is refused without an error
    assert repo.try_assign(_assignment()) is False
