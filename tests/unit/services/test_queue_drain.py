"""QueueDrain: freed slots go to queued mentions, most urgent first, each started once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

import pytest
from crowdcare.domain.models import MentionStatus
from crowdcare.domain.triage import Triage
from crowdcare.rules.triage.rules import TriageRules
from crowdcare.services.queue_drain import QueueDrain
from crowdcare.services.starter import AssignmentStarter, execution_name
from crowdcare.testing import FakeExecutions, FakeMentions, FakeResponders, ManualClock
from crowdcare.testing.builders import (
    NOON,
    a_decision,
    a_mention,
    a_priority,
    a_responder,
    an_analysis,
)

RULES = TriageRules.default()


@dataclass
class World:
    drain: QueueDrain
    mentions: FakeMentions
    responders: FakeResponders
    executions: FakeExecutions


@pytest.fixture
def world() -> World:
    """A drain on fakes, starting assignment workflows on a fake state machine."""
    mentions = FakeMentions()
    responders = FakeResponders()
    executions = FakeExecutions()
    drain = QueueDrain(
        mentions=mentions,
        responders=responders,
        starter=AssignmentStarter(executions),
        rules=lambda: RULES,
        clock=ManualClock(NOON + timedelta(hours=1)),
    )
    return World(drain, mentions, responders, executions)


def _queue(world: World, post_id: str, score: int, minutes_ago: int = 0) -> str:
    mention = a_mention(post_id)
    triage = Triage(analysis=an_analysis(), priority=a_priority(score), decision=a_decision())
    world.mentions.add(
        mention,
        status=MentionStatus.QUEUED,
        received_at=NOON - timedelta(minutes=minutes_ago),
        triage=triage,
    )
    return mention.mention_id


def test_one_free_slot_goes_to_the_most_urgent_mention(world: World) -> None:
    """With one free slot, the highest-priority queued mention is started; the other waits."""
    # GIVEN an advocate with one free slot and two queued mentions, the newer one more urgent
    world.responders.put(a_responder("ana", max_open=1))
    calm = _queue(world, "1", score=30, minutes_ago=30)
    urgent = _queue(world, "2", score=70)
    # WHEN the queue is drained
    result = world.drain.drain()
    # THEN only the urgent one is taken from the queue and started
    assert result.started == (urgent,)
    assert (result.queued, result.still_waiting) == (2, 1)
    assert world.mentions.status(urgent) is MentionStatus.ASSIGNING
    assert world.mentions.status(calm) is MentionStatus.QUEUED
    assert list(world.executions.started) == [execution_name(urgent, "drain1")]


def test_equal_priority_goes_to_the_oldest(world: World) -> None:
    """Between equally urgent mentions, the one queued longest goes first."""
    # GIVEN one free slot and two equally urgent mentions
    world.responders.put(a_responder("ana", max_open=1))
    newer = _queue(world, "1", score=50, minutes_ago=5)
    older = _queue(world, "2", score=50, minutes_ago=50)
    # WHEN the queue is drained
    result = world.drain.drain()
    # THEN the older one is started
    assert result.started == (older,)
    assert world.mentions.status(newer) is MentionStatus.QUEUED


def test_a_started_mention_is_not_started_again(world: World) -> None:
    """A second drain does not start a mention the first one took (exactly once)."""
    # GIVEN a drain that started the only queued mention
    world.responders.put(a_responder("ana"))
    mention_id = _queue(world, "1", score=50)
    world.drain.drain()
    # WHEN the queue is drained again
    again = world.drain.drain()
    # THEN nothing more is started
    assert again.started == ()
    assert len(world.executions.started) == 1
    assert world.mentions.queue_offers[mention_id] == 1


def test_the_started_workflow_gets_the_stored_triage(world: World) -> None:
    """The restarted workflow gets the mention without its raw payload, and triage's priority."""
    # GIVEN a queued mention with a large raw payload
    world.responders.put(a_responder("ana"))
    world.mentions.add(
        a_mention("1", raw="{" + "x" * 5000 + "}"),
        status=MentionStatus.QUEUED,
        triage=Triage(analysis=an_analysis(), priority=a_priority(77), decision=a_decision()),
    )
    # WHEN the queue is drained
    world.drain.drain()
    # THEN the workflow's input is the case triage would have given it
    [document] = world.executions.started.values()
    case = json.loads(document)
    assert case["mention"]["raw"] == ""
    assert case["priority"]["score"] == 77
    assert case["decision"]["candidates"] == ["ana"]


def test_without_a_free_slot_nothing_leaves_the_queue(world: World) -> None:
    """When everyone is full, the queue stays as it is."""
    # GIVEN a full advocate and a queued mention
    world.responders.put(a_responder("ana", max_open=1, open_count=1))
    mention_id = _queue(world, "1", score=50)
    # WHEN the queue is drained
    result = world.drain.drain()
    # THEN the mention is still queued and nothing was started
    assert (result.started, result.still_waiting) == ((), 1)
    assert world.mentions.status(mention_id) is MentionStatus.QUEUED
    assert world.executions.started == {}


def test_a_failed_start_puts_the_mention_back_and_fails_loudly(world: World) -> None:
    """If the workflow cannot be started, the mention returns to the queue and the run fails."""
    # GIVEN a queued mention, a free slot and a state machine that refuses to start
    world.responders.put(a_responder("ana"))
    mention_id = _queue(world, "1", score=50)
    world.executions.failures.append(RuntimeError("throttled"))
    # WHEN the queue is drained
    # THEN the error surfaces and the mention waits for the next drain
    with pytest.raises(RuntimeError, match="throttled"):
        world.drain.drain()
    assert world.mentions.status(mention_id) is MentionStatus.QUEUED
    assert "did not start" in world.mentions.details[mention_id]


def test_each_drain_reports_the_open_assignments_gauge(world: World) -> None:
    """The drain reads the gauge once per run, queue or no queue, for the operations dashboard."""

    # GIVEN a gauge that says 7 assignments are open, and an empty queue
    class Gauge:
        reads = 0

        def open_count(self) -> int:
            self.reads += 1
            return 7

    gauge = Gauge()
    drain = QueueDrain(
        mentions=world.mentions,
        responders=world.responders,
        starter=AssignmentStarter(world.executions),
        rules=lambda: RULES,
        clock=ManualClock(NOON),
        gauge=gauge,
    )
    # WHEN it runs twice
    results = [drain.drain(), drain.drain()]
    # THEN each result carries the gauge's figure, read once per run
    assert [r.open_assignments for r in results] == [7, 7]
    assert gauge.reads == 2
