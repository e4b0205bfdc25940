"""Queued mentions do not wait forever: the scheduled QueueDrainFunction offers a freed slot to
the queue, starting the mention's assignment workflow again under a new execution name."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from crowdcare.adapters.dynamodb.assignments import AssignmentRepository, AssignmentStatus
from crowdcare.adapters.dynamodb.audit import AuditTrail
from crowdcare.adapters.stepfunctions import StepFunctionsCallbacks
from crowdcare.domain.models import MentionStatus
from crowdcare.services.assignment_callbacks import AssignmentLifecycle
from crowdcare.services.starter import execution_name

from .conftest import RESPONDERS, Deployed, mention_payload

RULES = {"assignment": {"sla_seconds": {"P1": 60, "P2": 60, "P3": 60, "P4": 60},
                        "employee_sla_seconds": 60}}
QUESTION = "How do I set a weekly schedule on my Brightwave Thermo? Thanks!"


@pytest.fixture
def full(stack: Deployed) -> Iterator[Deployed]:
    """One slot each for Ana (advocate) and Owen (employee), SLAs of a minute."""
    for responder in RESPONDERS:
        stack.responders.put(responder.model_copy(update={"max_open": 1}))
    stack.stack.set_rules(json.dumps(RULES))
    yield stack
    # Answer whatever still waits, so no workflow outlives the test.
    stack.settle()
    lifecycle = _lifecycle(stack)
    for current in _assignments(stack).list_all():
        if current.status is AssignmentStatus.OPEN and current.task_token:
            lifecycle.replied(current.mention_id, current.responder_id, "https://example.com/r")
    stack.settle(until_done=True)
    stack.stack.set_rules("{}")


def _lifecycle(deployed: Deployed) -> AssignmentLifecycle:
    return AssignmentLifecycle(
        assignments=_assignments(deployed),
        audit=AuditTrail(deployed.stack.client("dynamodb"), deployed.stack.ref("AuditTable")),
        callbacks=StepFunctionsCallbacks(deployed.stack.client("stepfunctions")),
        clock=lambda: datetime.now(UTC),
    )


def _assignments(deployed: Deployed) -> AssignmentRepository:
    s = deployed.stack
    return AssignmentRepository(
        s.client("dynamodb"), s.ref("AssignmentsTable"), s.ref("RespondersTable")
    )


def _waiting_token(deployed: Deployed, mention_id: str) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        current = _assignments(deployed).get(mention_id)
        if current is not None and current.task_token is not None:
            # The slot and the token are one write; Notify then records the offer (the
            # mention's status) and publishes: let it finish.
            deployed.settle()
            return current.responder_id
        time.sleep(0.05)
    raise AssertionError(f"{mention_id} never waited for an answer")


def _status(deployed: Deployed, mention_id: str) -> MentionStatus:
    stored = deployed.mentions.get(mention_id)
    assert stored is not None
    return stored.status


def test_a_freed_slot_goes_to_the_queued_mention(full: Deployed) -> None:
    """When a reply frees a slot, the next drain starts the queued mention's workflow once."""
    # GIVEN three questions and two slots: the third is queued
    for post in ("drain1", "drain2", "drain3"):
        full.post_generic(mention_payload(post, QUESTION))
        full.settle()
    holders = {m: _waiting_token(full, m) for m in ("facebook#drain1", "facebook#drain2")}
    assert _status(full, "facebook#drain3") is MentionStatus.QUEUED
    # AND a drain while everyone is still full starts nothing
    assert full.stack.run_scheduled("QueueDrainFunction")["started"] == []
    # WHEN the holder of drain1 replies, and the drain runs
    _lifecycle(full).replied(
        "facebook#drain1", holders["facebook#drain1"], "https://facebook.com/drain1/reply"
    )
    full.settle()
    result = full.stack.run_scheduled("QueueDrainFunction")
    # THEN drain3's assignment workflow started under its drain name, and it got the freed slot
    assert result["started"] == ["facebook#drain3"]
    sfn = full.stack.client("stepfunctions")
    names = [
        e["name"]
        for e in sfn.list_executions(stateMachineArn=full.stack.ref("AssignmentStateMachine"))[
            "executions"
        ]
    ]
    assert execution_name("facebook#drain3", "drain1") in names
    assert _waiting_token(full, "facebook#drain3") == holders["facebook#drain1"]
    assert _status(full, "facebook#drain3") is MentionStatus.ASSIGNED
    stored = _assignments(full).get("facebook#drain3")
    assert stored is not None and stored.status is AssignmentStatus.OPEN
    # AND a second drain has nothing left to start
    assert full.stack.run_scheduled("QueueDrainFunction")["started"] == []
