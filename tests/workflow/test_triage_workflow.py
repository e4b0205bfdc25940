"""The triage workflow, executed from statemachines/triage.asl.json by moto's interpreter.

Each test drives the system as a platform would (a signed webhook over HTTP) and reads the
outcome back from the emulator: the mention, the assignment, the execution history, the queues
and the emails and SMS sent.
"""

from __future__ import annotations

import json

from crowdcare.adapters.dynamodb.assignments import AssignmentRepository
from crowdcare.adapters.dynamodb.repositories import to_item
from crowdcare_local.stack import sent_emails, sent_sms

from .conftest import Deployed, mention_payload


def _entered_states(deployed: Deployed, execution_arn: str) -> list[str]:
    return [
        e["stateEnteredEventDetails"]["name"]
        for e in deployed.history(execution_arn)
        if e["type"].endswith("StateEntered")
    ]


def _assignments(deployed: Deployed) -> AssignmentRepository:
    stack = deployed.stack
    return AssignmentRepository(
        stack.client("dynamodb"), stack.ref("AssignmentsTable"), stack.ref("RespondersTable")
    )


def test_question_is_routed_to_a_community_advocate_who_is_emailed(stack: Deployed) -> None:
    """A plain product question goes to the advocate who knows the product, by email."""
    # GIVEN an advocate who knows thermostats and speaks English
    emails_before = len(sent_emails())
    # WHEN a customer asks a thermostat question
    status, body = stack.post_generic(
        mention_payload("q1", "How do I set a weekly schedule on my Brightwave Thermo? Thanks!")
    )
    stack.settle()
    # THEN the mention is assigned to the advocate, and the advocate got an email
    assert (status, body) == (202, {"accepted": 1, "duplicates": 0})
    stored = stack.mentions.get("facebook#q1")
    assert stored is not None and stored.triage is not None
    assert stored.triage.decision.route.value == "community"
    assert stored.status.value == "assigned"
    assignment = _assignments(stack).get("facebook#q1")
    assert assignment is not None and assignment.responder_id == "adv.ana"
    new_emails = sent_emails()[emails_before:]
    assert [e.to for e in new_emails] == [("ana@example.com",)]
    assert "/assignments/facebook%23q1" in new_emails[0].body
    responder = stack.responders.get("adv.ana")
    assert responder is not None and responder.open_count == 1
    (execution,) = stack.executions("facebook#q1")
    assert _entered_states(stack, execution["executionArn"])[-2:] == [
        "Start Assignment Workflow",
        "Assignment Started",
    ]


def test_legal_threat_from_angry_customer_goes_to_an_employee_with_sms(stack: Deployed) -> None:
    """An angry, legal complaint is routed to an employee, who is emailed and texted."""
    # GIVEN an employee who opted in to SMS
    texts_before = len(sent_sms())
    # WHEN an angry customer threatens legal action
    stack.post_generic(
        mention_payload(
            "angry1",
            "You charged me THREE TIMES for Brightwave Plus!!! This is fraud, my lawyer will "
            "be in touch and I am filing a chargeback. WORST company ever!!!",
        )
    )
    stack.settle()
    # THEN an employee has it, with the reasons recorded, and got an SMS
    stored = stack.mentions.get("facebook#angry1")
    assert stored is not None and stored.triage is not None
    assert stored.triage.decision.route.value == "employee"
    assert any("legal" in reason for reason in stored.triage.decision.reasons)
    assignment = _assignments(stack).get("facebook#angry1")
    assert assignment is not None and assignment.responder_id == "emp.owen"
    assert [t.phone for t in sent_sms()[texts_before:]] == ["+15555550123"]


def test_praise_needs_no_reply_and_costs_no_assignment(stack: Deployed) -> None:
    """Plain praise is triaged and recorded, but nobody is assigned or notified."""
    # GIVEN the usual responders
    emails_before = len(sent_emails())
    # WHEN a happy customer posts praise
    stack.post_generic(
        mention_payload("praise1", "Love my new Brightwave Mesh, the wifi is amazing! 😍")
    )
    stack.settle()
    # THEN the mention is marked no-action, nobody is assigned, no email is sent
    stored = stack.mentions.get("facebook#praise1")
    assert stored is not None and stored.triage is not None
    assert stored.status.value == "no_action"
    assert stored.triage.decision.route.value == "none"
    assert _assignments(stack).get("facebook#praise1") is None
    assert len(sent_emails()) == emails_before
    (execution,) = stack.executions("facebook#praise1")
    assert _entered_states(stack, execution["executionArn"]) == [
        "Analyze Mention",
        "Score Priority",
        "Choose Route",
        "Does Someone Need To Answer?",
        "No Reply Needed",
    ]


def test_duplicate_delivery_runs_one_workflow(stack: Deployed) -> None:
    """A webhook delivered twice stores one mention and starts one execution."""
    # GIVEN a mention payload
    payload = mention_payload("dup1", "Does the Brightwave app work on Android 15?")
    # WHEN the platform delivers it twice
    first = stack.post_generic(payload)
    second = stack.post_generic(payload)
    stack.settle()
    # THEN the second delivery is a duplicate and exactly one execution ran
    assert first == (202, {"accepted": 1, "duplicates": 0})
    assert second == (202, {"accepted": 0, "duplicates": 1})
    assert len(stack.executions("facebook#dup1")) == 1


def test_failing_step_is_retried_then_parked_for_an_operator(stack: Deployed) -> None:
    """A step that keeps failing is retried with backoff, then the case is parked, not lost."""
    # GIVEN a corrupt responder record that makes the routing step fail every time
    ddb = stack.stack.client("dynamodb")
    ddb.put_item(
        TableName=stack.stack.ref("RespondersTable"),
        Item=to_item(
            {"responder_id": "broken", "kind": "robot", "pool_0": "advocate#en", "pool_rank": 0}
        ),
    )
    # WHEN a mention arrives
    stack.post_generic(
        mention_payload("fail1", "My thermostat shows error E42, what does it mean?")
    )
    stack.settle()
    # THEN the route step ran 1 + 2 retries, the execution failed, and the case is parked
    (execution,) = stack.executions("facebook#fail1")
    assert execution["status"] == "FAILED"
    history = stack.history(execution["executionArn"])
    route_attempts = [
        e
        for e in history
        if e["type"] == "TaskScheduled"
        and "RouteFunction" in e["taskScheduledEventDetails"]["parameters"]
    ]
    assert len(route_attempts) == 3
    parked = stack.queue_messages("TriageParkingQueue")
    assert len(parked) == 1
    case = json.loads(parked[0]["Body"])
    assert case["mention"]["post_id"] == "fail1"
    assert case["error"]["Error"] == "ValidationError"
    stored = stack.mentions.get("facebook#fail1")
    assert stored is not None and stored.status.value == "parked"
