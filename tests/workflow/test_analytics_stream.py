"""Response analytics on the local stack: the template's AnalyticsFunction is fed by both the
Mentions and the Audit table streams, so a mention answered through the real workflows shows
up in the figures."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from crowdcare.adapters.dynamodb.aggregates import AggregatesTable
from crowdcare.adapters.dynamodb.assignments import AssignmentRepository, AssignmentStatus
from crowdcare.adapters.dynamodb.audit import AuditTrail
from crowdcare.adapters.stepfunctions import StepFunctionsCallbacks
from crowdcare.services.analytics import AnalyticsQuery, AnalyticsReport
from crowdcare.services.assignment_callbacks import AssignmentLifecycle

from .conftest import Deployed, mention_payload

QUESTION = "How do I set a weekly schedule on my Brightwave Thermo? Thanks!"


def _figures(stack: Deployed, dimension: str = "all") -> AnalyticsReport:
    s = stack.stack
    today = datetime.now(UTC).date()
    query = AnalyticsQuery(AggregatesTable(s.client("dynamodb"), s.ref("AggregatesTable")))
    return query.figures(today - timedelta(days=1), today, dimension)


def test_a_replied_mention_is_counted_from_both_streams(stack: Deployed) -> None:
    """GIVEN a question posted to the webhook and answered by the advocate it was assigned to
    WHEN the streams have been pumped THEN the figures count one more mention received,
    needing a reply, and replied by an advocate."""
    s = stack.stack
    before = _figures(stack, "platform#facebook").totals
    stack.post_generic(mention_payload("analytics1", QUESTION))
    assignments = AssignmentRepository(
        s.client("dynamodb"), s.ref("AssignmentsTable"), s.ref("RespondersTable")
    )
    deadline = time.monotonic() + 30
    assignment = assignments.get("facebook#analytics1")
    while assignment is None or assignment.task_token is None:
        assert time.monotonic() < deadline, "the mention was never assigned"
        time.sleep(0.05)
        assignment = assignments.get("facebook#analytics1")
    assert assignment.status is AssignmentStatus.OPEN
    stack.settle()
    AssignmentLifecycle(
        assignments=assignments,
        audit=AuditTrail(s.client("dynamodb"), s.ref("AuditTable")),
        callbacks=StepFunctionsCallbacks(s.client("stepfunctions")),
        clock=lambda: datetime.now(UTC),
    ).replied("facebook#analytics1", assignment.responder_id, "https://facebook.com/r/1")
    stack.settle(until_done=True)
    deadline = time.monotonic() + 30
    after = _figures(stack, "platform#facebook").totals
    while after.replied == before.replied:
        assert time.monotonic() < deadline, "the reply never reached the aggregates"
        time.sleep(0.05)
        after = _figures(stack, "platform#facebook").totals
    assert after.received == before.received + 1
    assert after.needs_reply == before.needs_reply + 1
    assert after.replied == before.replied + 1
    advocates_before = round((before.advocate_share or 0.0) * before.replied)
    assert after.advocate_share is not None
    assert round(after.advocate_share * after.replied) == advocates_before + 1
