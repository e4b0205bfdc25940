"""AssignmentLifecycle: only the holder of the open assignment answers its waiting workflow."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from crowdcare.domain.assignments import Assignment, AssignmentStatus
from crowdcare.domain.audit import AuditAction
from crowdcare.domain.errors import AssignmentClosedError, NotYourAssignmentError
from crowdcare.domain.models import ResponderKind
from crowdcare.domain.triage import RouteKind
from crowdcare.ports import AssignmentAnswers, NotificationFailures
from crowdcare.services.assignment_callbacks import AssignmentLifecycle
from crowdcare.testing import (
    Callback,
    FakeAssignments,
    FakeAuditLog,
    FakeResponders,
    FakeWorkflowCallbacks,
    ManualClock,
)
from crowdcare.testing.builders import NOON, a_responder

MENTION = "x#1"


@dataclass
class World:
    lifecycle: AssignmentLifecycle
    assignments: FakeAssignments
    callbacks: FakeWorkflowCallbacks
    audit: FakeAuditLog


@pytest.fixture
def world() -> World:
    """ana holds attempt 2 of x#1 and its workflow waits with token t-2."""
    responders = FakeResponders([a_responder("ana"), a_responder("ben")])
    assignments = FakeAssignments(responders)
    assignments.try_assign(
        Assignment(
            mention_id=MENTION,
            responder_id="ana",
            responder_kind=ResponderKind.ADVOCATE,
            route=RouteKind.COMMUNITY,
            priority=60,
            band="P2",
            assigned_at=NOON,
            attempt=2,
        )
    )
    assignments.store_token(MENTION, "ana", 2, "t-2", NOON + timedelta(hours=1))
    callbacks = FakeWorkflowCallbacks()
    audit = FakeAuditLog()
    lifecycle = AssignmentLifecycle(
        assignments=assignments, audit=audit, callbacks=callbacks, clock=ManualClock(NOON)
    )
    return World(lifecycle, assignments, callbacks, audit)


def test_replied_succeeds_the_task_with_who_and_where(world: World) -> None:
    """The holder's reply succeeds the waiting task with her id, the attempt and the reply URL."""
    # WHEN ana's reply is posted
    world.lifecycle.replied(MENTION, "ana", "https://x.com/r/1")
    # THEN the task succeeded once with that output
    [call] = world.callbacks.calls
    assert (call.kind, call.task_token) == ("success", "t-2")
    assert call.output is not None
    assert json.loads(call.output) == {
        "responder_id": "ana",
        "attempt": 2,
        "reply_url": "https://x.com/r/1",
    }


ACTS_OF_BEN: dict[str, Callable[[AssignmentLifecycle], None]] = {
    "replied": lambda lifecycle: lifecycle.replied(MENTION, "ben", "https://x.com/r/1"),
    "declined": lambda lifecycle: lifecycle.declined(MENTION, "ben", "not mine"),
    "heartbeat": lambda lifecycle: lifecycle.heartbeat(MENTION, "ben"),
}


@pytest.mark.parametrize("act", ACTS_OF_BEN)
def test_someone_else_is_refused_and_nothing_reaches_the_workflow(world: World, act: str) -> None:
    """A responder who does not hold the assignment cannot answer, decline or extend it."""
    # WHEN ben acts on ana's assignment
    # THEN he is refused and the workflow hears nothing
    with pytest.raises(NotYourAssignmentError):
        ACTS_OF_BEN[act](world.lifecycle)
    assert world.callbacks.calls == []
    assert world.audit.entries == []


def test_a_closed_assignment_cannot_be_answered(world: World) -> None:
    """Once the attempt is closed (expired), a late reply is refused as closed."""
    # GIVEN the attempt expired
    world.assignments.release(MENTION, AssignmentStatus.EXPIRED)
    # WHEN ana replies late
    # THEN it is refused as closed
    with pytest.raises(AssignmentClosedError):
        world.lifecycle.replied(MENTION, "ana", "https://x.com/r/1")
    assert world.callbacks.calls == []


def test_an_assignment_not_waiting_yet_is_refused_as_closed(world: World) -> None:
    """Between the pick and the wait there is no token: the call is refused, not lost silently."""
    # GIVEN a fresh attempt whose workflow has not stored its token yet
    world.assignments.items[MENTION] = world.assignments.items[MENTION].model_copy(
        update={"task_token": None}
    )
    # WHEN ana declines
    # THEN it is refused as closed
    with pytest.raises(AssignmentClosedError, match="not waiting"):
        world.lifecycle.declined(MENTION, "ana", "busy")


def test_a_task_that_no_longer_waits_reads_as_closed(world: World) -> None:
    """When Step Functions says the task is gone (timed out meanwhile), the caller sees closed."""
    # GIVEN the workflow's wait already timed out
    world.callbacks.closed.add("t-2")
    # WHEN ana replies
    # THEN the lifecycle reports the assignment closed
    with pytest.raises(AssignmentClosedError):
        world.lifecycle.replied(MENTION, "ana", "https://x.com/r/1")


def test_declined_fails_the_task_with_the_reason_cut_to_fit(world: World) -> None:
    """A decline fails the task as Declined, with the reason cut to Step Functions' 256."""
    # WHEN ana declines with a long reason
    world.lifecycle.declined(MENTION, "ana", "x" * 300)
    # THEN the task failed as Declined with 256 characters of cause
    [call] = world.callbacks.calls
    assert (call.kind, call.error) == ("failure", "Declined")
    assert call.cause == "x" * 256


def test_heartbeat_extends_the_wait_and_is_audited(world: World) -> None:
    """A heartbeat reaches the task and is recorded as the holder's."""
    # WHEN ana says she is working on it
    world.lifecycle.heartbeat(MENTION, "ana")
    # THEN the task got a heartbeat and the audit trail says so
    assert world.callbacks.calls == [Callback("heartbeat", "t-2")]
    [entry] = world.audit.entries
    assert (entry.action, entry.actor, entry.attempt) == (AuditAction.HEARTBEAT, "ana", 2)


def test_notification_failed_moves_the_workflow_on(world: World) -> None:
    """An undeliverable notice for the waiting attempt fails its task as NotificationFailed."""
    # WHEN the notifier gives up on attempt 2
    moved = world.lifecycle.notification_failed(MENTION, "ana", 2, "email suppressed")
    # THEN the workflow was told
    assert moved is True
    [call] = world.callbacks.calls
    assert (call.error, call.cause) == ("NotificationFailed", "email suppressed")


@pytest.mark.parametrize(("responder", "attempt"), [("ana", 1), ("ben", 2)])
def test_notification_failed_for_another_attempt_does_nothing(
    world: World, responder: str, attempt: int
) -> None:
    """A late failure for an earlier attempt or another responder leaves the wait alone."""
    # WHEN the notifier gives up on a notice that is not the waiting one
    moved = world.lifecycle.notification_failed(MENTION, responder, attempt, "bounced")
    # THEN nothing is sent
    assert moved is False
    assert world.callbacks.calls == []


def test_notification_failed_after_the_task_ended_does_nothing(world: World) -> None:
    """If the task already ended, the failure is moot and reported as not moved."""
    # GIVEN the task ended meanwhile
    world.callbacks.closed.add("t-2")
    # WHEN the notifier gives up
    # THEN it learns the workflow had moved on already
    assert world.lifecycle.notification_failed(MENTION, "ana", 2, "bounced") is False


def test_the_lifecycle_is_what_the_ports_ask_for(world: World) -> None:
    """AssignmentLifecycle serves both ports callers depend on (answers and notice failures)."""
    # GIVEN the ports the dashboard and the notifier are typed against
    answers: AssignmentAnswers = world.lifecycle
    failures: NotificationFailures = world.lifecycle
    # WHEN ana answers through one and a late failure comes through the other
    answers.heartbeat(MENTION, "ana")
    moved = failures.notification_failed(MENTION, "ana", 1, "late")
    # THEN both reached the lifecycle
    assert [c.kind for c in world.callbacks.calls] == ["heartbeat"]
    assert moved is False
