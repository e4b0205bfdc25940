"""Failure handling on the local stack: a burst of signed deliveries loses nothing, and the
sweeper re-drives a mention whose assignment workflow died (real ASL, real Mentions index)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from crowdcare.adapters.dynamodb.assignments import AssignmentRepository, AssignmentStatus
from crowdcare.adapters.dynamodb.audit import AuditAction, AuditTrail
from crowdcare.config.clients import AwsClients
from crowdcare.config.settings import AwsSettings, SweeperSettings
from crowdcare.config.wiring import build_sweeper
from crowdcare.domain.models import MentionStatus
from crowdcare.services.starter import execution_name
from crowdcare_local.template import REGION

from tools.load.run_load import drive

from .conftest import Deployed, mention_payload


@pytest.fixture
def clean(stack: Deployed) -> Iterator[Deployed]:
    """The emptied stack; afterwards every execution still waiting for a person is stopped
    (default SLAs are minutes long and later tests wait for a quiet stack)."""
    yield stack
    stack.settle()
    sfn = stack.stack.client("stepfunctions")
    for machine in ("TriageStateMachine", "AssignmentStateMachine"):
        for page in sfn.get_paginator("list_executions").paginate(
            stateMachineArn=stack.stack.ref(machine), statusFilter="RUNNING"
        ):
            for execution in page["executions"]:
                sfn.stop_execution(executionArn=execution["executionArn"])


def test_a_burst_of_fifty_signed_deliveries_loses_nothing_and_settles(clean: Deployed) -> None:
    """GIVEN the local stack with two responders, WHEN 50 signed generic deliveries arrive with
    4 in flight, THEN all 50 are accepted, none is lost, and every one settles (closed, or with
    a person, or queued for one)."""
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


def _open_assignment(deployed: Deployed, mention_id: str, timeout: float = 30) -> str:
    """The task token of the mention's open assignment, once its workflow waits."""
    s = deployed.stack
    repo = AssignmentRepository(
        s.client("dynamodb"), s.ref("AssignmentsTable"), s.ref("RespondersTable")
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        current = repo.get(mention_id)
        if current is not None and current.status is AssignmentStatus.OPEN and current.task_token:
            return current.task_token
        deployed.stack.pump_once()
        time.sleep(0.1)
    raise AssertionError(f"{mention_id} was never assigned")


def test_the_sweeper_redrives_an_assignment_whose_workflow_died(clean: Deployed) -> None:
    """GIVEN a mention assigned to Ana whose assignment workflow was stopped (a crash), WHEN the
    sweeper runs past the longest hold limit, THEN Ana's slot is given back, a new assignment
    workflow (sweep1) assigns the mention again, she holds one slot (not two), the re-drive is
    audited, and a sweep now finds nothing."""
    status, _ = clean.post_generic(
        mention_payload("sweep-1", "How do I set a weekly schedule on my Brightwave Thermo?")
    )
    assert status == 202
    mention_id = "facebook#sweep-1"
    _open_assignment(clean, mention_id)
    clean.settle()
    sfn = clean.stack.client("stepfunctions")
    dead = clean.stack.ref("AssignmentStateMachine").replace(":stateMachine:", ":execution:")
    sfn.stop_execution(executionArn=f"{dead}:{execution_name(mention_id)}", error="Crash")
    stored = clean.mentions.get(mention_id)
    assert stored is not None
    assert stored.status is MentionStatus.ASSIGNED
    clients = AwsClients(AwsSettings(aws_region=REGION, aws_endpoint_url=clean.stack.endpoint_url))
    later = datetime.now(UTC) + timedelta(hours=24)
    sweeper = build_sweeper(_sweeper_settings(clean), clients, clock=lambda: later)

    result = sweeper.sweep()
    clean.settle()

    assert result.redriven == (mention_id,)
    running = sfn.list_executions(
        stateMachineArn=clean.stack.ref("AssignmentStateMachine"), statusFilter="RUNNING"
    )["executions"]
    assert execution_name(mention_id, "sweep1") in [e["name"] for e in running]
    _open_assignment(clean, mention_id)
    open_counts = {r.responder_id: r.open_count for r in clean.responders.list_all()}
    assert sum(open_counts.values()) == 1
    audit = AuditTrail(clean.stack.client("dynamodb"), clean.stack.ref("AuditTable"))
    assert AuditAction.REDRIVEN in [e.action for e in audit.history(mention_id)]
    # the re-driven workflow's own writes restarted the mention's clock: nothing stuck now
    assert build_sweeper(_sweeper_settings(clean), clients).sweep().found == 0


def test_the_scheduled_sweeper_runs_from_the_template(clean: Deployed) -> None:
    """GIVEN nothing stuck, WHEN SweeperFunction runs as its schedule would invoke it, THEN it
    answers with an empty sweep (its settings, index and wiring resolve from template.yaml)."""
    result = clean.stack.run_scheduled("SweeperFunction")
    assert result["found"] == 0
    assert result["out_of_time"] is False
