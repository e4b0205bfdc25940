"""Points for a posted reply are awarded once, when the platform confirms the post: by the reply
poster (ReplyPosterFunction), which then tells the workflow "replied"; never again by the
workflow's Record Reply step (the lifecycle has no ledger writer)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from crowdcare.adapters.cognito_auth import Principal, Role
from crowdcare.adapters.dynamodb.assignments import AssignmentRepository, AssignmentStatus
from crowdcare.adapters.dynamodb.ledger import LedgerRepository
from crowdcare.config.clients import AwsClients
from crowdcare.config.dashboard_wiring import ApiSettings, build_dashboard
from crowdcare.config.settings import AwsSettings
from crowdcare.domain.dashboard import ReplyDraft
from crowdcare.domain.points import PointsReason
from crowdcare.services.dashboard import Dashboard
from crowdcare_local.fake_platforms import outbound
from crowdcare_local.fake_platforms.server import FakePlatformServer
from crowdcare_local.reply_demo import configure_reply_adapters

from .conftest import Deployed, mention_payload

RULES = {"assignment": {"sla_seconds": {"P1": 30, "P2": 30, "P3": 30, "P4": 30}}}
QUESTION = "How do I set a weekly schedule on my Brightwave Thermo? Thanks!"


@pytest.fixture
def fake() -> Iterator[FakePlatformServer]:
    server = FakePlatformServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def dashboard(
    stack: Deployed, fake: FakePlatformServer
) -> Iterator[tuple[Dashboard, LedgerRepository]]:
    """The dashboard services wired to the local stack, the real lifecycle and reply poster
    behind them, posting to the fake platforms."""
    s = stack.stack
    configure_reply_adapters(s, fake)
    ddb = s.client("dynamodb")
    for logical_id in ("LedgerTable", "RepliesTable"):
        name = s.ref(logical_id)
        schema = ddb.describe_table(TableName=name)["Table"]["KeySchema"]
        keys = [k["AttributeName"] for k in schema]
        for item in ddb.scan(TableName=name)["Items"]:
            ddb.delete_item(TableName=name, Key={k: item[k] for k in keys})
    s.set_rules(json.dumps(RULES))
    settings = ApiSettings(
        mentions_table=s.ref("MentionsTable"),
        responders_table=s.ref("RespondersTable"),
        assignments_table=s.ref("AssignmentsTable"),
        replies_table=s.ref("RepliesTable"),
        reply_queue_url=s.ref("ReplyQueue"),
        ledger_table=s.ref("LedgerTable"),
        routing_rules_parameter=s.ref("RoutingRulesParameter"),
        user_pool_id="unused",
        user_pool_client_id="unused",
        deep_link_secret_name=s.ref("DeepLinkSecret"),
        assignment_state_machine_arn=s.ref("AssignmentStateMachine"),
        idempotency_table=s.ref("IdempotencyTable"),
        saved_replies_parameter=s.ref("SavedRepliesParameter"),
        approval_trust_threshold=0,
        audit_table=s.ref("AuditTable"),
    )
    clients = AwsClients(AwsSettings(aws_region="us-east-1", aws_endpoint_url=s.endpoint_url))
    yield (
        build_dashboard(settings, clients, lambda: datetime.now(UTC)),
        LedgerRepository(ddb, settings.ledger_table),
    )
    stack.settle()
    s.set_rules("{}")


def test_a_reply_through_the_workflow_earns_ten_points_once(
    stack: Deployed, dashboard: tuple[Dashboard, LedgerRepository], fake: FakePlatformServer
) -> None:
    """The platform confirming the post earns its points (+10, SLA, speed) once; the workflow
    then records the reply without more points."""
    service, ledger = dashboard
    # GIVEN a question assigned to an advocate whose workflow waits for the answer
    stack.post_generic(mention_payload("points1", QUESTION))
    assignments = AssignmentRepository(
        stack.stack.client("dynamodb"),
        stack.stack.ref("AssignmentsTable"),
        stack.stack.ref("RespondersTable"),
    )
    deadline = time.monotonic() + 20
    while (current := assignments.get("facebook#points1")) is None or current.task_token is None:
        assert time.monotonic() < deadline, "the workflow never waited for an answer"
        time.sleep(0.05)
    stack.settle()
    responder_id = current.responder_id
    me = Principal(subject="s", username=responder_id, roles=frozenset({Role.ADVOCATE}))
    # WHEN the advocate replies in the dashboard, the poster posts it on the platform and the
    # workflow records it
    service.replies.submit_reply(
        me, "facebook#points1", ReplyDraft(text="Open Schedule in the app.")
    )
    # THEN the assignment is closed by Record Reply (other tests' workflows may still run, so
    # wait for this one rather than for the whole stack)
    deadline = time.monotonic() + 20
    while (closed := assignments.get("facebook#points1")) is None or (
        closed.status is not AssignmentStatus.REPLIED
    ):
        assert time.monotonic() < deadline, "Record Reply never closed the assignment"
        time.sleep(0.05)
    stack.settle()
    # AND the ledger holds the +10 once, keyed by the event, with the SLA and speed bonuses
    # (answered within the first quarter of the assignment's SLA)
    entries = ledger.for_responder(responder_id)
    assert sorted((e.reason.value, e.points) for e in entries) == [
        ("reply_posted", 10),
        ("speed_bonus", 5),
        ("within_sla", 3),
    ]
    posted = next(e for e in entries if e.reason is PointsReason.REPLY_POSTED)
    assert posted.entry_id == "facebook#points1#reply_posted"
    # AND the leaderboard reads the same total from its board
    board = service.leaderboard.board()
    assert [(i["responder_id"], i["points"]) for i in board["items"]] == [(responder_id, 18)]
    # AND the reply really is on the platform, once
    assert [p["text"] for p in outbound.posted(fake, "facebook")] == ["Open Schedule in the app."]
