"""The sweeper: stuck mentions are found by status and age, re-driven once, then parked."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta

import pytest
from crowdcare.domain.assignments import Assignment, AssignmentStatus
from crowdcare.domain.audit import AuditAction
from crowdcare.domain.messages import TriageCase
from crowdcare.domain.models import MentionStatus, ResponderKind
from crowdcare.domain.triage import RouteKind, Triage
from crowdcare.rules.triage.rules import TriageRules
from crowdcare.services.starter import AssignmentStarter, TriageStarter
from crowdcare.services.sweeper import Sweeper, sweep_deadlines
from crowdcare.services.triage_steps import TriageSteps
from crowdcare.testing import (
    FakeAssignments,
    FakeAuditLog,
    FakeExecutions,
    FakeMentions,
    FakeResponders,
    FixedSentiment,
    ManualClock,
)
from crowdcare.testing.builders import (
    NOON,
    a_decision,
    a_mention,
    a_priority,
    a_responder,
    an_analysis,
)

DEADLINES = sweep_deadlines(
    received=900, triaged=900, assigning=1800, longest_hold=4 * 3600, margin=900
)


@dataclass
class World:
    sweeper: Sweeper
    mentions: FakeMentions
    assignments: FakeAssignments
    responders: FakeResponders
    audit: FakeAuditLog
    triage: FakeExecutions
    assignment: FakeExecutions
    clock: ManualClock


@pytest.fixture
def world() -> World:
    """A sweeper on fakes at noon, three re-drives allowed, batches of 10."""
    clock = ManualClock(NOON)
    mentions = FakeMentions(clock)
    responders = FakeResponders()
    assignments = FakeAssignments(responders)
    audit = FakeAuditLog()
    triage, assignment = FakeExecutions("triage"), FakeExecutions("assignment")
    sweeper = Sweeper(
        mentions=mentions,
        assignments=assignments,
        audit=audit,
        triage=TriageStarter(triage),
        assignment=AssignmentStarter(assignment),
        deadlines=lambda: DEADLINES,
        clock=clock,
        max_redrives=3,
        batch=10,
    )
    return World(sweeper, mentions, assignments, responders, audit, triage, assignment, clock)


def _triage() -> Triage:
    return Triage(
        analysis=an_analysis(),
        priority=a_priority(),
        decision=a_decision(RouteKind.COMMUNITY, "ana"),
    )


def test_a_mention_received_long_ago_gets_its_triage_started_again(world: World) -> None:
    """GIVEN a mention received 20 minutes ago that triage never moved on, WHEN the sweeper
    runs, THEN a new triage execution (named sweep1) starts and the re-drive is audited."""
    world.mentions.add(a_mention("1"), received_at=NOON - timedelta(minutes=20))
    result = world.sweeper.sweep()
    assert result.redriven == ("x#1",)
    [name] = world.triage.started
    assert "sweep1" in name
    assert world.audit.actions("x#1") == [AuditAction.REDRIVEN]


def test_a_mention_routed_but_never_picked_gets_triage_again_not_a_triageless_assignment(
    world: World,
) -> None:
    """GIVEN a mention triage routed to a person 20 minutes ago (route does not write it: the
    first pick would) whose assignment workflow died before its first pick, WHEN the sweeper
    runs, THEN it is still `received`, so triage starts again (and with it a new assignment
    workflow that records the triage), rather than an assignment start with no stored triage."""
    world.clock.advance(-1200)
    world.mentions.add(a_mention("1", lang_hint="en"), received_at=NOON - timedelta(minutes=21))
    world.responders.put(a_responder("ana"))
    steps = TriageSteps(
        mentions=world.mentions,
        responders=world.responders,
        sentiment=FixedSentiment(compound=0.0),
        rules=TriageRules.default,
        clock=world.clock,
    )
    case = TriageCase(mention=world.mentions.items["x#1"].mention)
    routed = steps.route(steps.prioritize(steps.analyze(case)))
    assert routed.decision is not None
    assert routed.decision.route is not RouteKind.NONE
    world.clock.advance(1200)
    result = world.sweeper.sweep()
    assert result.redriven == ("x#1",)
    assert [name for name in world.triage.started if "sweep1" in name]
    assert world.assignment.started == {}


def test_a_fresh_or_final_mention_is_left_alone(world: World) -> None:
    """GIVEN a mention received 5 minutes ago and one replied long ago, WHEN the sweeper runs,
    THEN neither is touched."""
    world.mentions.add(a_mention("1"), received_at=NOON - timedelta(minutes=5))
    world.mentions.add(
        a_mention("2"), status=MentionStatus.REPLIED, received_at=NOON - timedelta(days=2)
    )
    result = world.sweeper.sweep()
    assert (result.found, world.triage.started, world.audit.entries) == (0, {}, [])


def test_a_triaged_mention_gets_its_assignment_workflow_again_once(world: World) -> None:
    """GIVEN a mention triaged 20 minutes ago whose assignment workflow crashed, WHEN two sweeps
    run back to back, THEN the assignment workflow starts once, with the stored triage."""
    world.clock.advance(-1200)
    world.mentions.add(a_mention("1"), received_at=NOON - timedelta(minutes=21))
    world.mentions.record_triage("x#1", _triage(), MentionStatus.TRIAGED)
    world.clock.advance(1200)
    first = world.sweeper.sweep()
    second = world.sweeper.sweep()
    assert (first.redriven, second.found) == (("x#1",), 0)
    [(name, document)] = world.assignment.started.items()
    assert "sweep1" in name
    assert json.loads(document)["decision"]["route"] == "community"


def test_an_assignment_held_past_the_hold_limit_is_released_and_redriven(world: World) -> None:
    """GIVEN ana's assignment opened 5 hours ago (past the 4 h hold limit) whose workflow died,
    WHEN the sweeper runs, THEN ana's slot is given back and the workflow starts again."""
    world.responders.put(a_responder("ana"))
    world.clock.advance(-5 * 3600)
    world.mentions.add(a_mention("1"), received_at=NOON - timedelta(hours=5))
    world.mentions.record_triage("x#1", _triage(), MentionStatus.TRIAGED)
    world.assignments.try_assign(
        Assignment(
            mention_id="x#1",
            responder_id="ana",
            responder_kind=ResponderKind.ADVOCATE,
            route=RouteKind.COMMUNITY,
            priority=60,
            band="P2",
            assigned_at=world.clock(),
            attempt=1,
        )
    )
    world.mentions.set_status("x#1", MentionStatus.ASSIGNED, "to ana")
    world.clock.advance(5 * 3600)
    result = world.sweeper.sweep()
    assert result.redriven == ("x#1",)
    assert world.assignments.items["x#1"].status is AssignmentStatus.EXPIRED
    assert world.responders.items["ana"].open_count == 0
    assert len(world.assignment.started) == 1


def test_a_mention_that_stays_stuck_is_parked_with_its_reason(world: World) -> None:
    """GIVEN a received mention that no triage ever moves on, WHEN the sweeper runs past three
    re-drives, THEN the fourth finding parks it with the reason, audited, and it is not swept
    again."""
    world.mentions.add(a_mention("1"), received_at=NOON - timedelta(minutes=20))
    parked: tuple[str, ...] = ()
    for _ in range(4):
        parked = world.sweeper.sweep().parked
        world.clock.advance(1000)
    assert parked == ("x#1",)
    assert len(world.triage.started) == 3
    assert world.mentions.status("x#1") is MentionStatus.PARKED
    assert "still received after 3 re-drives" in world.mentions.details["x#1"]
    assert world.audit.actions("x#1")[-1] is AuditAction.PARKED
    assert world.sweeper.sweep().found == 0


def test_a_sweep_is_bounded_by_its_batch_and_the_time_left(world: World) -> None:
    """GIVEN 15 stuck mentions, WHEN swept with batches of 10, THEN 10 are re-driven; and
    WHEN the invocation has almost no time left, THEN nothing is started and it says so."""
    for i in range(15):
        world.mentions.add(a_mention(str(i)), received_at=NOON - timedelta(hours=1))
    assert len(world.sweeper.sweep().redriven) == 10
    world.clock.advance(1000)
    late = world.sweeper.sweep(time_left=lambda: 1.0)
    assert (late.out_of_time, late.redriven) == (True, ())
