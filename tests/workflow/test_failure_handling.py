"""Failure handling on the local stack: a burst of signed deliveries loses nothing, and the
sweeper re-drives a mention whose assignment workflow died (real ASL, real Mentions index)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from crowdcare.adapters.dynamodb.audit import AuditAction, AuditTrail
from crowdcare.config.clients import AwsClients
from crowdcare.config.settings import AwsSettings, SweeperSettings
from crowdcare.config.wiring import build_sweeper
from crowdcare.domain.models import MentionStatus
from crowdcare.services.starter import execution_name
from crowdcare_local.template import REGION

from tools.load.run_load import drive

from .conftest import RESPONDERS, Deployed, mention_payload


@pytest.fixture
def clean(stack: Deployed) -> Iterator[Deployed]:
    """The emptied stack; each test leaves no workflow waiting (later tests wait for a quiet
    stack), which this checks."""
    yield stack
    stack.settle(until_done=True)


def test_a_burst_of_fifty_signed_deliveries_loses_nothing_and_settles(clean: Deployed) -> None:
    """GIVEN the local stack with its responders paused, WHEN 50 signed generic deliveries
    arrive with 4 in flight, THEN all 50 are accepted, none is lost, and every one settles
    (closed, or queued for a person: no workflow is left waiting on anyone)."""
    for responder in RESPONDERS:
        clean.responders.put(responder.model_copy(update={"active": False}))
    report = drive(
        clean.stack,
        clean.server,
        deliveries=50,
        concurrency=4,
        time_limit=60,
        drain_timeout=180,
    )
    print("\n".join(report.lines()))  # the figures, with -s
    assert (report.sent, report.accepted) == (50, 50)
    assert report.lost == []
    assert report.unsettled == []
    assert sum(report.statuses.values()) == 50
    assert set(report.statuses) <= {"queued", "no_action"}


def _sweeper_settings(deployed: Deployed) -> SweeperSettings:
    ref = deployed.stack.ref
    return SweeperSettings(
        mentions_table=ref("MentionsTable"),
        responders_table=ref("RespondersTable"),
        assignments_table=ref("AssignmentsTable"),
        audit_table=ref("AuditTable"),
        triage_state_machine_arn=ref("TriageStateMachine"),
        assignment_state_machine_arn=ref("AssignmentStateMachine"),
        routing_rules_parameter=ref("RoutingRulesParameter"),
    )


def test_the_sweeper_restarts_an_assignment_workflow_that_never_ran(clean: Deployed) -> None:
    """GIVEN a mention left `triaged` with no assignment workflow (one that crashed before it
    picked), WHEN the sweeper runs past the triaged deadline, THEN it starts the assignment
    workflow again (sweep1), which runs to its end (queued: the responders are paused), the
    re-drive is audited, and a sweep now finds nothing."""
    for responder in RESPONDERS:
        clean.responders.put(responder.model_copy(update={"active": False}))
    status, _ = clean.post_generic(
        mention_payload("sweep-1", "How do I set a weekly schedule on my Brightwave Thermo?")
    )
    assert status == 202
    mention_id = "facebook#sweep-1"
    clean.settle(until_done=True)
    clean.mentions.set_status(mention_id, MentionStatus.TRIAGED, "assignment workflow crashed")
    clients = AwsClients(AwsSettings(aws_region=REGION, aws_endpoint_url=clean.stack.endpoint_url))
    later = datetime.now(UTC) + timedelta(hours=1)

    result = build_sweeper(_sweeper_settings(clean), clients, clock=lambda: later).sweep()
    clean.settle(until_done=True)

    assert result.redriven == (mention_id,)
    sfn = clean.stack.client("stepfunctions")
    names = [
        e["name"]
        for e in sfn.list_executions(stateMachineArn=clean.stack.ref("AssignmentStateMachine"))[
            "executions"
        ]
    ]
    assert execution_name(mention_id, "sweep1") in names
    stored = clean.mentions.get(mention_id)
    assert stored is not None
    assert stored.status is MentionStatus.QUEUED
    audit = AuditTrail(clean.stack.client("dynamodb"), clean.stack.ref("AuditTable"))
    assert AuditAction.REDRIVEN in [e.action for e in audit.history(mention_id)]
    assert build_sweeper(_sweeper_settings(clean), clients, clock=lambda: later).sweep().found == 0


def test_the_scheduled_sweeper_runs_from_the_template(clean: Deployed) -> None:
    """GIVEN nothing stuck, WHEN SweeperFunction runs as its schedule would invoke it, THEN it
    answers with an empty sweep (its settings, index and wiring resolve from template.yaml)."""
    result = clean.stack.run_scheduled("SweeperFunction")
    assert result["found"] == 0
    assert result["out_of_time"] is False
