"""The assignment workflow (statemachines/assignment.asl.json) in moto's interpreter, with SLAs
of seconds: reply, decline, timeout and reassignment, escalation and the admin alert, heartbeat,
a failed notification, and responder load under 50 concurrent mentions.

Each test posts mentions through the signed webhook and answers as a responder would, through
`AssignmentLifecycle` (the API the dashboard calls).
"""

from __future__ import annotations

import contextvars
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from crowdcare.adapters.dynamodb.assignments import (
    Assignment,
    AssignmentRepository,
    AssignmentStatus,
)
from crowdcare.adapters.dynamodb.audit import AuditAction, AuditTrail
from crowdcare.adapters.stepfunctions import StepFunctionsCallbacks
from crowdcare.domain.messages import LifecycleCase
from crowdcare.domain.models import QuietHours, QuietHoursPolicy, Responder, ResponderKind
from crowdcare.services.assignment_callbacks import AssignmentLifecycle, NotYourAssignmentError
from crowdcare.services.assignment_steps import LifecycleSteps
from crowdcare.services.starter import execution_name
from crowdcare_local.stack import sent_emails

from .conftest import RESPONDERS, Deployed, mention_payload

SLA = 2
FAST_RULES = {
    "assignment": {
        "sla_seconds": {"P1": SLA, "P2": SLA, "P3": SLA, "P4": SLA},
        "employee_sla_seconds": SLA,
        "max_attempts": 2,
        "hold_limit_factor": 4,
    }
}
QUESTION = "How do I set a weekly schedule on my Brightwave Thermo? Thanks!"
BEN = Responder(
    responder_id="adv.ben",
    kind=ResponderKind.ADVOCATE,
    name="Ben",
    email="ben@example.com",
    languages=("en",),
    skills=("thermostat",),
    max_open=3,
    reputation=0.4,
)


@pytest.fixture
def fast(stack: Deployed) -> Iterator[Deployed]:
    """The stack with SLAs of two seconds and two advocates (Ana, Ben) before an employee."""
    stack.responders.put(BEN)
    stack.stack.set_rules(json.dumps(FAST_RULES))
    yield stack
    stack.settle(until_done=True)
    stack.stack.set_rules("{}")


def _assignments(deployed: Deployed) -> AssignmentRepository:
    s = deployed.stack
    return AssignmentRepository(
        s.client("dynamodb"), s.ref("AssignmentsTable"), s.ref("RespondersTable")
    )


def _audit(deployed: Deployed) -> AuditTrail:
    return AuditTrail(deployed.stack.client("dynamodb"), deployed.stack.ref("AuditTable"))


def _lifecycle(deployed: Deployed) -> AssignmentLifecycle:
    s = deployed.stack
    return AssignmentLifecycle(
        assignments=_assignments(deployed),
        audit=_audit(deployed),
        callbacks=StepFunctionsCallbacks(s.client("stepfunctions")),
        clock=lambda: datetime.now(UTC),
    )


def _waiting(deployed: Deployed, mention_id: str, attempt: int, timeout: float = 20) -> Assignment:
    """The open assignment of `attempt` once its workflow waits for the answer and the
    notifier has done its part."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = _assignments(deployed).get(mention_id)
        if (
            current is not None
            and current.attempt == attempt
            and current.status is AssignmentStatus.OPEN
            and current.task_token is not None
        ):
            deployed.settle()
            return current
        time.sleep(0.05)
    raise AssertionError(f"attempt {attempt} of {mention_id} never waited for an answer")


def _execution(deployed: Deployed, mention_id: str) -> dict[str, object]:
    sfn = deployed.stack.client("stepfunctions")
    return dict(
        sfn.describe_execution(
            executionArn=deployed.stack.ref("AssignmentStateMachine").replace(
                ":stateMachine:", ":execution:"
            )
            + ":"
            + execution_name(mention_id)
        )
    )


def _entered(deployed: Deployed, mention_id: str) -> list[str]:
    arn = str(_execution(deployed, mention_id)["executionArn"])
    return [
        e["stateEnteredEventDetails"]["name"]
        for e in deployed.history(arn)
        if e["type"].endswith("StateEntered")
    ]


def _actions(deployed: Deployed, mention_id: str) -> list[str]:
    return [e.action.value for e in _audit(deployed).history(mention_id)]


def _open_counts(deployed: Deployed) -> dict[str, int]:
    return {r.responder_id: r.open_count for r in deployed.responders.list_all()}


def test_reply_in_time_closes_the_assignment_and_frees_the_slot(fast: Deployed) -> None:
    """A reply within the SLA ends the workflow as replied, audited, with the slot given back."""
    # GIVEN a question assigned to the best advocate, who was notified
    fast.post_generic(mention_payload("r1", QUESTION))
    first = _waiting(fast, "facebook#r1", attempt=1)
    # WHEN the responder replies through the lifecycle API
    _lifecycle(fast).replied("facebook#r1", first.responder_id, "https://facebook.com/r1/reply")
    fast.settle(until_done=True)
    # THEN the workflow succeeded through Record Reply, and the mention is replied
    assert _execution(fast, "facebook#r1")["status"] == "SUCCEEDED"
    # (5 state transitions: the cost of an assignment answered in time)
    assert _entered(fast, "facebook#r1") == [
        "Pick Next Responder", "Who Was Picked?", "Notify And Wait For Reply",
        "Record Reply", "Replied",
    ]
    stored = _assignments(fast).get("facebook#r1")
    assert stored is not None and stored.status is AssignmentStatus.REPLIED
    assert stored.task_token is None
    mention = fast.mentions.get("facebook#r1")
    assert mention is not None and mention.status.value == "replied"
    # AND the audit trail tells the story, and nobody holds a slot any more
    assert _actions(fast, "facebook#r1") == ["assigned", "notified", "replied"]
    assert set(_open_counts(fast).values()) == {0}


def test_decline_moves_the_mention_to_the_next_advocate(fast: Deployed) -> None:
    """A declined assignment is released at once and the next untried advocate gets it."""
    # GIVEN a question waiting for its first advocate
    fast.post_generic(mention_payload("d1", QUESTION))
    first = _waiting(fast, "facebook#d1", attempt=1)
    # WHEN that advocate declines, and the second one replies
    _lifecycle(fast).declined("facebook#d1", first.responder_id, "not my product")
    second = _waiting(fast, "facebook#d1", attempt=2)
    _lifecycle(fast).replied("facebook#d1", second.responder_id, "https://facebook.com/d1/reply")
    fast.settle(until_done=True)
    # THEN a different advocate answered, and the decline is audited with its reason
    assert {first.responder_id, second.responder_id} == {"adv.ana", "adv.ben"}
    history = _audit(fast).history("facebook#d1")
    declined = [e for e in history if e.action is AuditAction.DECLINED]
    assert [(e.actor, e.reason) for e in declined] == [(first.responder_id, "not my product")]
    assert _actions(fast, "facebook#d1")[-1] == "replied"
    assert set(_open_counts(fast).values()) == {0}


def test_someone_else_cannot_answer_an_assignment(fast: Deployed) -> None:
    """Only the responder holding the open assignment may reply or decline it."""
    # GIVEN a question waiting for its advocate
    fast.post_generic(mention_payload("o1", QUESTION))
    first = _waiting(fast, "facebook#o1", attempt=1)
    other = "adv.ben" if first.responder_id == "adv.ana" else "adv.ana"
    # WHEN another advocate tries to reply
    # THEN the lifecycle refuses, and the assignment stays open
    with pytest.raises(NotYourAssignmentError):
        _lifecycle(fast).replied("facebook#o1", other, "https://facebook.com/o1/reply")
    assert _waiting(fast, "facebook#o1", attempt=1).responder_id == first.responder_id
    _lifecycle(fast).replied("facebook#o1", first.responder_id, "https://facebook.com/o1/reply")


def test_a_slot_taken_between_pick_and_notify_goes_back_to_pick(
    fast: Deployed, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN the planned advocate fills up between Pick and Notify WHEN the workflow runs THEN
    Notify's SlotTakenError goes straight back to Pick (no release), the other advocate is
    offered attempt 1, and the full one is never pushed past max_open."""
    real_pick = LifecycleSteps.pick
    filled: list[str] = []

    def pick_then_fill(self: LifecycleSteps, case: LifecycleCase) -> LifecycleCase:
        planned = real_pick(self, case)
        if planned.assignment is not None and not filled:
            filled.append(planned.assignment.responder_id)
            # Another mention's doing, not Pick's: outside the function's calls (fresh context).
            contextvars.Context().run(_fill, planned.assignment.responder_id)
        return planned

    def _fill(responder_id: str) -> None:
        holder = fast.responders.get(responder_id)
        assert holder is not None
        fast.responders.put(holder.model_copy(update={"open_count": holder.max_open}))

    monkeypatch.setattr(LifecycleSteps, "pick", pick_then_fill)
    fast.post_generic(mention_payload("s1", QUESTION))
    offered = _waiting(fast, "facebook#s1", attempt=1)
    _lifecycle(fast).replied("facebook#s1", offered.responder_id, "https://facebook.com/s1/r")
    fast.settle(until_done=True)

    assert offered.responder_id != filled[0]
    assert _actions(fast, "facebook#s1") == ["assigned", "notified", "replied"]
    entered = _entered(fast, "facebook#s1")
    assert "Release And Record" not in entered
    assert entered.count("Pick Next Responder") == entered.count("Notify And Wait For Reply") == 2
    full = fast.responders.get(filled[0])
    assert full is not None
    assert full.open_count == full.max_open
    assert _open_counts(fast)[offered.responder_id] == 0


def test_timeout_reassigns_then_the_second_advocate_replies(fast: Deployed) -> None:
    """Silence for the SLA releases the first advocate's slot and asks the next one."""
    # GIVEN a question waiting for its first advocate
    fast.post_generic(mention_payload("t1", QUESTION))
    first = _waiting(fast, "facebook#t1", attempt=1)
    # WHEN the SLA passes without an answer, and the second advocate replies
    second = _waiting(fast, "facebook#t1", attempt=2, timeout=SLA * 5)
    _lifecycle(fast).replied("facebook#t1", second.responder_id, "https://facebook.com/t1/reply")
    fast.settle(until_done=True)
    # THEN the first attempt timed out and was released, the second replied
    assert second.responder_id != first.responder_id
    assert _actions(fast, "facebook#t1") == [
        "assigned", "notified", "timed_out", "assigned", "notified", "replied",
    ]
    assert _entered(fast, "facebook#t1").count("Pick Next Responder") == 2
    assert len(_entered(fast, "facebook#t1")) == 10  # one timeout doubles the cost
    assert set(_open_counts(fast).values()) == {0}


def test_all_attempts_time_out_then_an_employee_then_the_admins(fast: Deployed) -> None:
    """After max_attempts advocates and the employee SLA pass, the admins are alerted."""
    # GIVEN a question nobody will answer
    started = time.monotonic()
    fast.post_generic(mention_payload("e1", QUESTION))
    # WHEN every SLA passes
    fast.settle(until_done=True)
    # THEN two advocates, then the employee were asked, and the admins were alerted
    assert _actions(fast, "facebook#e1") == [
        "assigned", "notified", "timed_out",
        "assigned", "notified", "timed_out",
        "escalated", "assigned", "notified", "timed_out",
        "admins_alerted",
    ]
    history = _audit(fast).history("facebook#e1")
    assigned = [e.responder_id for e in history if e.action is AuditAction.ASSIGNED]
    assert assigned[-1] == "emp.owen"
    assert _entered(fast, "facebook#e1")[-2:] == ["Alert Admins", "Admins Alerted"]
    assert len(_entered(fast, "facebook#e1")) == 17  # 3 attempts x 5, then the alert
    mention = fast.mentions.get("facebook#e1")
    assert mention is not None and mention.status.value == "overdue"
    assert set(_open_counts(fast).values()) == {0}
    # AND reaching the employee took about two SLAs (plus the workflow's own steps)
    escalated = next(e.at for e in history if e.action is AuditAction.ESCALATED)
    assert SLA * 2 <= (escalated - history[0].at).total_seconds() < SLA * 2 + 3
    assert time.monotonic() - started < SLA * 3 + 10


def test_heartbeats_keep_a_long_reply_alive(fast: Deployed) -> None:
    """A responder who keeps sending heartbeats may take longer than one SLA to reply."""
    # GIVEN a question waiting for its first advocate
    fast.post_generic(mention_payload("h1", QUESTION))
    first = _waiting(fast, "facebook#h1", attempt=1)
    # WHEN they send a heartbeat every second for twice the SLA, then reply
    for _ in range(SLA * 2):
        time.sleep(1)
        _lifecycle(fast).heartbeat("facebook#h1", first.responder_id)
    _lifecycle(fast).replied("facebook#h1", first.responder_id, "https://facebook.com/h1/reply")
    fast.settle(until_done=True)
    # THEN the first attempt was never timed out, and the reply is recorded
    actions = _actions(fast, "facebook#h1")
    assert "timed_out" not in actions
    assert actions[0] == "assigned" and actions[-1] == "replied"
    assert actions.count("heartbeat") == SLA * 2


def test_undeliverable_notice_moves_on_to_the_next_advocate(fast: Deployed) -> None:
    """When no channel reaches a responder, the workflow asks the next one without waiting."""
    # GIVEN the best advocate's email is suppressed after a bounce, and they get no SMS
    fast.responders.put(RESPONDERS[0].model_copy(update={"email_suppressed": True}))
    emails_before = len(sent_emails())
    # WHEN a question arrives
    fast.post_generic(mention_payload("n1", QUESTION))
    waiting = _waiting(fast, "facebook#n1", attempt=2)
    # THEN the undeliverable attempt was released well within the SLA, and Ben was emailed
    assert waiting.responder_id == "adv.ben"
    history = _audit(fast).history("facebook#n1")
    failed = [e for e in history if e.action is AuditAction.NOTIFICATION_FAILED]
    assert [e.responder_id for e in failed] == ["adv.ana"]
    assert "email suppressed" in failed[0].reason
    assert (failed[0].at - history[0].at).total_seconds() < SLA
    fast.settle()
    assert [e.to for e in sent_emails()[emails_before:]] == [("ben@example.com",)]
    _lifecycle(fast).replied("facebook#n1", "adv.ben", "https://facebook.com/n1/reply")


def test_quiet_hours_skip_a_responder_who_asked_for_it(fast: Deployed) -> None:
    """A responder whose quiet hours say 'skip' is passed over while they sleep."""
    # GIVEN Ana is always in quiet hours and asked to be skipped then
    sleepy = RESPONDERS[0].model_copy(
        update={"quiet_hours": QuietHours(start_hour=0, end_hour=23), "timezone": "UTC",
                "quiet_hours_policy": QuietHoursPolicy.SKIP, "max_open": 3}
    )
    fast.responders.put(sleepy)
    # WHEN a question arrives
    fast.post_generic(mention_payload("q9", QUESTION))
    first = _waiting(fast, "facebook#q9", attempt=1)
    # THEN Ben is asked, and the audit says why Ana was passed over (unless it is 23h UTC)
    if datetime.now(UTC).hour != 23:
        assert first.responder_id == "adv.ben"
        (assigned,) = [
            e for e in _audit(fast).history("facebook#q9") if e.action is AuditAction.ASSIGNED
        ]
        assert "adv.ana: quiet hours" in assigned.reason
    _lifecycle(fast).replied("facebook#q9", first.responder_id, "https://facebook.com/q9/reply")


def test_fifty_mentions_never_overload_anyone_and_release_every_slot(stack: Deployed) -> None:
    """50 mentions at once, 5 advocates with max_open 3: nobody over capacity, each mention
    assigned or queued, and every counter back to zero once all are answered."""
    # GIVEN five advocates with three slots each, and no employee (so the overflow queues)
    ddb = stack.stack.client("dynamodb")
    ddb.delete_item(
        TableName=stack.stack.ref("RespondersTable"), Key={"responder_id": {"S": "emp.owen"}}
    )
    ddb.delete_item(
        TableName=stack.stack.ref("RespondersTable"), Key={"responder_id": {"S": "adv.ana"}}
    )
    advocates = [
        BEN.model_copy(update={"responder_id": f"adv.{n}", "email": f"a{n}@example.com"})
        for n in range(5)
    ]
    for advocate in advocates:
        stack.responders.put(advocate)
    # WHEN 50 questions arrive at once
    for n in range(50):
        status, _ = stack.post_generic(mention_payload(f"c{n}", QUESTION))
        assert status == 202
    stack.settle()
    # THEN nobody is over capacity, and every mention is assigned or queued
    counts = _open_counts(stack)
    assert max(counts.values()) <= 3
    open_ = [a for a in _assignments(stack).list_all() if a.status is AssignmentStatus.OPEN]
    assert len(open_) == sum(counts.values()) == 15
    statuses = [stack.mentions.get(f"facebook#c{n}") for n in range(50)]
    assert sorted({m.status.value for m in statuses if m is not None}) == ["assigned", "queued"]
    assert sum(1 for m in statuses if m is not None and m.status.value == "assigned") == 15
    # WHEN every open assignment is answered
    for assignment in open_:
        _lifecycle(stack).replied(
            assignment.mention_id, assignment.responder_id, "https://facebook.com/reply"
        )
    stack.settle(until_done=True)
    # THEN every counter is back to zero
    assert set(_open_counts(stack).values()) == {0}
