"""The queue index and the hot retention of the Mentions table, on moto."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from crowdcare.adapters.dynamodb.mentions import MentionRepository
from crowdcare.domain.models import MentionStatus
from crowdcare.domain.triage import Triage
from crowdcare.rules.triage.rules import TriageRules
from crowdcare.services.queue_drain import QueueDrain
from crowdcare.services.starter import AssignmentStarter
from crowdcare.testing import FakeExecutions, FakeResponders, ManualClock
from crowdcare.testing.builders import (
    NOON,
    a_decision,
    a_mention,
    a_priority,
    a_responder,
    an_analysis,
)

if TYPE_CHECKING:
    from tests.integration.conftest import CoreAws


def _store(repo: MentionRepository, post_id: str, score: int, minutes_ago: int) -> str:
    mention = a_mention(post_id)
    repo.put_if_new(mention, NOON - timedelta(minutes=minutes_ago))
    triage = Triage(analysis=an_analysis(), priority=a_priority(score), decision=a_decision())
    repo.record_triage(mention.mention_id, triage, MentionStatus.TRIAGED)
    return mention.mention_id


def test_queued_mentions_are_read_most_urgent_first(core_aws: CoreAws) -> None:
    """GIVEN queued and other mentions WHEN the queue is read THEN only queued ones come back,
    highest priority first, then the oldest, and no more than asked."""
    repo = MentionRepository(core_aws.dynamodb, core_aws.mentions_table)
    calm_old = _store(repo, "1", score=30, minutes_ago=50)
    urgent = _store(repo, "2", score=80, minutes_ago=1)
    calm_new = _store(repo, "3", score=30, minutes_ago=5)
    _store(repo, "4", score=99, minutes_ago=9)  # triaged, never queued
    for mention_id in (calm_new, urgent, calm_old):
        repo.set_status(mention_id, MentionStatus.QUEUED, "everyone is full")

    assert [s.mention.mention_id for s in repo.queued(10)] == [urgent, calm_old, calm_new]
    assert [s.mention.mention_id for s in repo.queued(2)] == [urgent, calm_old]
    repo.set_status(urgent, MentionStatus.ASSIGNED, "to ana")
    assert [s.mention.mention_id for s in repo.queued(10)] == [calm_old, calm_new]


def test_drains_start_each_queued_mention_once_most_urgent_first(core_aws: CoreAws) -> None:
    """GIVEN five queued mentions and two free slots per drain WHEN the queue is drained three
    times THEN the most urgent go first and no mention is ever started twice."""
    repo = MentionRepository(core_aws.dynamodb, core_aws.mentions_table)
    by_urgency = [
        _store(repo, str(n), score=score, minutes_ago=minutes)
        for n, (score, minutes) in enumerate([(65, 1), (50, 9), (50, 2), (40, 30), (30, 60)])
    ]
    for mention_id in reversed(by_urgency):
        repo.set_status(mention_id, MentionStatus.QUEUED, "everyone is full")
    executions = FakeExecutions()
    # The fake pool never fills up: each drain sees two free slots, whatever it started.
    drain = QueueDrain(
        mentions=repo,
        responders=FakeResponders([a_responder("ana", max_open=2)]),
        starter=AssignmentStarter(executions),
        rules=TriageRules.default,
        clock=ManualClock(NOON),
    )

    started = [m for _ in range(3) for m in drain.drain().started]

    assert started == by_urgency
    assert len(executions.started) == 5
    assert repo.queued(10) == []
    assert drain.drain().queued == 0


def test_a_stored_mention_expires_after_the_hot_retention(core_aws: CoreAws) -> None:
    """GIVEN a 30-day retention WHEN a mention is stored THEN its TTL attribute is 30 days
    after it arrived, and the table deletes by that attribute."""
    repo = MentionRepository(core_aws.dynamodb, core_aws.mentions_table, retention_days=30)
    repo.put_if_new(a_mention("1"), NOON)

    item = core_aws.dynamodb.get_item(
        TableName=core_aws.mentions_table, Key={"mention_id": {"S": "x#1"}}
    )["Item"]
    ttl = core_aws.dynamodb.describe_time_to_live(TableName=core_aws.mentions_table)

    assert int(item["expires_at"]["N"]) == int((NOON + timedelta(days=30)).timestamp())
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expires_at"
    assert repo.get("x#1") is not None  # the attribute does not leak into the model


def test_a_mention_triaged_into_the_queue_is_queued_in_one_write(core_aws: CoreAws) -> None:
    """GIVEN a stored mention WHEN its triage is recorded with QUEUED THEN one UpdateItem puts
    it in the queue index at its priority's place, with the operator's detail."""
    repo = MentionRepository(core_aws.dynamodb, core_aws.mentions_table)
    urgent = _store(repo, "1", score=80, minutes_ago=1)
    repo.set_status(urgent, MentionStatus.QUEUED, "everyone is full")
    mention = a_mention("2")
    repo.put_if_new(mention, NOON - timedelta(minutes=3))
    updates: list[str] = []
    core_aws.dynamodb.meta.events.register(
        "before-parameter-build.dynamodb.UpdateItem",
        lambda params, **_: updates.append(params["Key"]),
    )

    triage = Triage(analysis=an_analysis(), priority=a_priority(90), decision=a_decision())
    repo.record_triage(mention.mention_id, triage, MentionStatus.QUEUED)

    assert len(updates) == 1
    assert [s.mention.mention_id for s in repo.queued(10)] == [mention.mention_id, urgent]
    item = core_aws.dynamodb.get_item(
        TableName=core_aws.mentions_table, Key={"mention_id": {"S": mention.mention_id}}
    )["Item"]
    assert item["status_detail"]["S"] == "every candidate was full"
    assert "open_status" not in item


def test_a_first_pick_retried_into_an_assignment_leaves_the_queue_index(core_aws: CoreAws) -> None:
    """GIVEN a first pick that recorded its triage as queued and failed before it returned, WHEN
    its retry assigns the mention (recording the same triage with `assigned`), THEN the mention
    leaves the queue index, is back in the sweeper's open-status index, with the pick's detail."""
    repo = MentionRepository(core_aws.dynamodb, core_aws.mentions_table)
    mention = a_mention("3")
    repo.put_if_new(mention, NOON - timedelta(minutes=2))
    triage = Triage(analysis=an_analysis(), priority=a_priority(70), decision=a_decision())
    repo.record_triage(mention.mention_id, triage, MentionStatus.QUEUED, "no employee free")
    assert [s.mention.mention_id for s in repo.queued(10)] == [mention.mention_id]

    repo.record_triage(mention.mention_id, triage, MentionStatus.ASSIGNED, "to ana")

    item = core_aws.dynamodb.get_item(
        TableName=core_aws.mentions_table, Key={"mention_id": {"S": mention.mention_id}}
    )["Item"]
    assert "queue" not in item
    assert (item["open_status"]["S"], item["status_detail"]["S"]) == ("assigned", "to ana")
    assert repo.queued(10) == []
