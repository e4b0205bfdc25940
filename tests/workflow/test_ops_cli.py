"""The operator commands (`crowdcare parked|replies|responders|cursors|status`) against the
local stack: each command runs through the real `crowdcare` entry point with `--local --json`."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from crowdcare.adapters.dynamodb.assignments import AssignmentRepository, AssignmentStatus
from crowdcare.adapters.dynamodb.audit import AuditTrail
from crowdcare.adapters.dynamodb.cursors import CursorRepository
from crowdcare.adapters.dynamodb.replies import ReplyRepository
from crowdcare.adapters.dynamodb.repositories import to_item
from crowdcare.adapters.stepfunctions import StepFunctionsCallbacks
from crowdcare.config.clients import AwsClients
from crowdcare.config.clock import utc_now
from crowdcare.config.reply_wiring import ReplySubmissionSettings, build_reply_submissions
from crowdcare.config.settings import AwsSettings
from crowdcare.domain.models import SWEPT_STATUSES, Author, Mention, MentionStatus, Platform
from crowdcare.domain.replies import ReplyRequest, ReplyStatus, ReplyTicket
from crowdcare.services.assignment_callbacks import AssignmentLifecycle
from crowdcare_local.cli import main
from crowdcare_local.fake_platforms import outbound
from crowdcare_local.fake_platforms.server import FakePlatformServer
from crowdcare_local.reply_demo import configure_reply_adapters
from crowdcare_local.template import REGION

from tests.workflow.conftest import Deployed, mention_payload

PARKING = ("TriageParkingQueue", "ReplyDeadLetterQueue", "IngestParkingQueue", "AsyncFailureQueue")


def crowdcare(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any]:
    """Run `crowdcare <args> --local --json`; its exit code and the JSON it printed."""
    code = main([*args, "--local", "--json"])
    return code, json.loads(capsys.readouterr().out)


@pytest.fixture
def ops_stack(stack: Deployed) -> Iterator[Deployed]:
    """The emptied shared stack, with the parking queues the workflow tests do not purge
    emptied too; what a test breaks in the Responders table is removed afterwards."""
    sqs = stack.stack.client("sqs")
    for logical_id in PARKING:
        sqs.purge_queue(QueueUrl=stack.stack.ref(logical_id))
    yield stack
    stack.stack.client("dynamodb").delete_item(
        TableName=stack.stack.ref("RespondersTable"), Key={"responder_id": {"S": "broken"}}
    )
    # Answer the assignments the replayed mentions opened, so no workflow outlives the test.
    stack.settle()
    assignments = AssignmentRepository(
        stack.stack.client("dynamodb"),
        stack.stack.ref("AssignmentsTable"),
        stack.stack.ref("RespondersTable"),
    )
    lifecycle = AssignmentLifecycle(
        assignments=assignments,
        audit=AuditTrail(stack.stack.client("dynamodb"), stack.stack.ref("AuditTable")),
        callbacks=StepFunctionsCallbacks(stack.stack.client("stepfunctions")),
        clock=utc_now,
    )
    for current in assignments.list_all():
        if current.status is AssignmentStatus.OPEN and current.task_token:
            lifecycle.replied(current.mention_id, current.responder_id, "https://example.com/r")
    stack.settle(until_done=True)


def _park_one_triage_case(stack: Deployed, post_id: str) -> None:
    """A corrupt responder record makes the routing step fail until the case is parked."""
    stack.stack.client("dynamodb").put_item(
        TableName=stack.stack.ref("RespondersTable"),
        Item=to_item(
            {"responder_id": "broken", "kind": "robot", "pool_0": "advocate#en", "pool_rank": 0}
        ),
    )
    stack.post_generic(
        mention_payload(post_id, "My thermostat shows error E42, what does it mean?")
    )
    stack.settle()


def test_parked_triage_case_is_replayed_end_to_end(
    ops_stack: Deployed, capsys: pytest.CaptureFixture[str]
) -> None:
    """A parked triage case, replayed after the fault is fixed, becomes a triaged mention; the
    same case parked twice is skipped the second time, as already handled."""
    # GIVEN a mention whose triage failed and was parked
    _park_one_triage_case(ops_stack, "ops1")
    code, listed = crowdcare(capsys, "parked", "list", "triage")
    assert code == 0
    assert listed["count"] == 1
    assert listed["messages"][0]["key"] == "facebook#ops1"
    assert "ValidationError" in listed["messages"][0]["reason"]
    code, shown = crowdcare(capsys, "parked", "show", "triage", "facebook#ops1")
    assert shown["body"]["mention"]["post_id"] == "ops1"

    # WHEN the fault is fixed and the operator replays every parked triage case
    ops_stack.stack.client("dynamodb").delete_item(
        TableName=ops_stack.stack.ref("RespondersTable"), Key={"responder_id": {"S": "broken"}}
    )
    code, replayed = crowdcare(capsys, "parked", "replay", "triage", "--all")
    ops_stack.settle()

    # THEN the case was replayed, the mention is triaged and routed, nothing stays parked
    assert code == 0
    assert [r["key"] for r in replayed["replayed"]] == ["facebook#ops1"]
    assert replayed["failed"] == []
    stored = ops_stack.mentions.get("facebook#ops1")
    assert stored is not None
    assert stored.status is not MentionStatus.PARKED
    assert stored.triage is not None
    assert crowdcare(capsys, "parked", "list", "triage")[1]["count"] == 0

    # AND a second copy of the same parked case is skipped, said so, and removed
    ops_stack.stack.client("sqs").send_message(
        QueueUrl=ops_stack.stack.ref("TriageParkingQueue"), MessageBody=json.dumps(shown["body"])
    )
    code, again = crowdcare(capsys, "parked", "replay", "triage", "facebook#ops1")
    assert code == 0
    assert again["replayed"] == []
    assert again["skipped"][0]["detail"].startswith("already handled")
    assert crowdcare(capsys, "parked", "list", "triage")[1]["count"] == 0


def _index_fields(stack: Deployed, mention_id: str) -> dict[str, str | None]:
    """The status and the index attributes of the stored item, as they are right now."""
    item = stack.stack.client("dynamodb").get_item(
        TableName=stack.stack.ref("MentionsTable"),
        Key={"mention_id": {"S": mention_id}},
        ConsistentRead=True,
    )["Item"]
    return {
        name: item[name]["S"] if name in item else None
        for name in ("status", "open_status", "status_since", "queue")
    }


def _indexes_follow_status(fields: dict[str, str | None]) -> bool:
    """The open-status index holds exactly the swept statuses; the queue index only queued."""
    swept = {status.value for status in SWEPT_STATUSES}
    opened = (
        fields["open_status"] == fields["status"]
        if fields["status"] in swept
        else (fields["open_status"] is None)
    )
    queued = (fields["queue"] is not None) == (fields["status"] == MentionStatus.QUEUED.value)
    return opened and queued and fields["status_since"] is not None


def test_a_mention_the_sweeper_parked_is_replayed_with_its_indexes(
    ops_stack: Deployed, capsys: pytest.CaptureFixture[str]
) -> None:
    """A mention the sweeper parked (status parked in the table, no queue message) is listed
    under `swept`, and `parked replay swept` re-drives it through the repository: the status
    and the sweeper's open-status index move together, the case ends triaged, and a second
    replay is skipped as already handled."""
    # GIVEN a mention whose triage failed, parked by the sweeper the way it parks (its reason
    # as the status detail) and no longer in any parking queue
    _park_one_triage_case(ops_stack, "swept1")
    ops_stack.stack.client("sqs").purge_queue(QueueUrl=ops_stack.stack.ref("TriageParkingQueue"))
    reason = "sweeper: still received after 3 re-drives (in it since 2026-11-30T00:00:00+00:00)"
    ops_stack.mentions.set_status("facebook#swept1", MentionStatus.PARKED, reason)
    code, listed = crowdcare(capsys, "parked", "list", "swept")
    assert (code, listed["count"]) == (0, 1)
    assert (listed["messages"][0]["key"], listed["messages"][0]["reason"]) == (
        "facebook#swept1",
        reason,
    )

    # WHEN the fault is fixed and the operator replays it
    ops_stack.stack.client("dynamodb").delete_item(
        TableName=ops_stack.stack.ref("RespondersTable"), Key={"responder_id": {"S": "broken"}}
    )
    code, replayed = crowdcare(capsys, "parked", "replay", "swept", "facebook#swept1")

    # THEN it was re-driven with its indexes in step with its status (the sweeper would find
    # it again if it got stuck), and once the stack settles it is triaged, not parked
    assert code == 0
    assert [r["key"] for r in replayed["replayed"]] == ["facebook#swept1"]
    assert _indexes_follow_status(_index_fields(ops_stack, "facebook#swept1"))
    ops_stack.settle()
    stored = ops_stack.mentions.get("facebook#swept1")
    assert stored is not None
    assert stored.status is not MentionStatus.PARKED
    assert stored.triage is not None
    assert _indexes_follow_status(_index_fields(ops_stack, "facebook#swept1"))
    assert crowdcare(capsys, "parked", "list", "swept")[1]["count"] == 0

    # AND replaying it again is skipped as already handled
    code, again = crowdcare(capsys, "parked", "replay", "swept", "facebook#swept1")
    assert (code, again["replayed"]) == (0, [])
    assert again["skipped"][0]["detail"].startswith("already handled")


def test_a_replayed_triage_case_is_in_the_sweepers_index(
    ops_stack: Deployed, capsys: pytest.CaptureFixture[str]
) -> None:
    """GIVEN a parked triage case whose fault is NOT fixed, WHEN replayed, THEN at every point
    the item's open-status index follows its status (received while triage runs again, none
    once parked again), so a replay that dies is found by the sweeper."""
    _park_one_triage_case(ops_stack, "swept2")
    code, replayed = crowdcare(capsys, "parked", "replay", "triage", "facebook#swept2")
    assert code == 0
    assert [r["key"] for r in replayed["replayed"]] == ["facebook#swept2"]
    assert _indexes_follow_status(_index_fields(ops_stack, "facebook#swept2"))
    ops_stack.settle()
    assert _indexes_follow_status(_index_fields(ops_stack, "facebook#swept2"))


def test_replay_needs_ids_or_all(capsys: pytest.CaptureFixture[str], ops_stack: Deployed) -> None:
    """`parked replay` with neither ids nor --all replays nothing and exits 2."""
    code, answer = crowdcare(capsys, "parked", "replay", "triage")
    assert code == 2
    assert "--all" in answer["error"]


@pytest.fixture
def fake(ops_stack: Deployed) -> Iterator[FakePlatformServer]:
    """Fake platforms the stack's reply functions post to, for this test only: the functions
    rebuild their clients now and again afterwards, so no later test posts to a stopped
    server."""
    server = FakePlatformServer().start()
    runtime = ops_stack.stack.runtime
    assert runtime is not None
    try:
        configure_reply_adapters(ops_stack.stack, server)
        runtime.forget_built_dependencies()
        yield server
    finally:
        server.stop()
        runtime.forget_built_dependencies()


def test_parked_reply_is_retried_and_posted_once(
    ops_stack: Deployed, fake: FakePlatformServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """A reply parked after the platform refused it is posted by `replies retry`; retrying
    it again skips it as already posted, and the platform received it once."""
    # GIVEN reply functions pointed at a fake Facebook that refuses the first reply (403)
    now = datetime.now(UTC)
    mention = Mention(
        platform=Platform.FACEBOOK,
        post_id="777_888",
        author=Author(id="u7", handle="robin"),
        text="Is the Brightwave Thermo compatible with heat pumps?",
        created_at=now,
    )
    ops_stack.mentions.put_if_new(mention, now)
    ops_stack.settle()
    clients = AwsClients(
        AwsSettings(aws_region=REGION, aws_endpoint_url=ops_stack.stack.endpoint_url)
    )
    service = build_reply_submissions(
        ReplySubmissionSettings(
            mentions_table=ops_stack.stack.ref("MentionsTable"),
            replies_table=ops_stack.stack.ref("RepliesTable"),
            reply_queue_url=ops_stack.stack.ref("ReplyQueue"),
        ),
        clients,
    )
    fake.inject_faults("/facebook/", [403])
    request = ReplyRequest(
        mention_id=mention.mention_id,
        responder_id="adv.ana",
        text="It is! Pair it in the app under Settings > Heat pump.",
        requested_at=now,
    )
    service.submit(request)
    ops_stack.settle()
    replies = ReplyRepository(clients.dynamodb, ops_stack.stack.ref("RepliesTable"))
    parked = replies.get(request.reply_id)
    assert parked is not None
    assert parked.status is ReplyStatus.FAILED
    code, listed = crowdcare(capsys, "parked", "list", "replies")
    assert [m["key"] for m in listed["messages"]] == [request.reply_id]
    assert "403" in listed["messages"][0]["reason"]

    # WHEN the operator retries the parked replies
    code, retried = crowdcare(capsys, "replies", "retry")
    ops_stack.settle()

    # THEN the reply is posted, and the dead-letter queue is empty
    assert code == 0
    assert [r["key"] for r in retried["replayed"]] == [request.reply_id]
    posted = replies.get(request.reply_id)
    assert posted is not None
    assert posted.status is ReplyStatus.POSTED
    assert len(outbound.posted(fake, "facebook")) == 1
    assert crowdcare(capsys, "parked", "list", "replies")[1]["count"] == 0

    # AND a stale copy of the parked message is skipped as already posted, not posted again
    ops_stack.stack.client("sqs").send_message(
        QueueUrl=ops_stack.stack.ref("ReplyDeadLetterQueue"),
        MessageBody=ReplyTicket(
            reply_id=request.reply_id, mention_id=request.mention_id
        ).model_dump_json(),
    )
    code, again = crowdcare(capsys, "replies", "retry", request.reply_id)
    ops_stack.settle()
    assert code == 0
    assert again["skipped"][0]["detail"].startswith("already posted")
    assert len(outbound.posted(fake, "facebook")) == 1


CSV = """responder_id,kind,name,email,languages,skills,max_open
adv.new,advocate,Nia New,nia@example.com,en;de,app,3
adv.bad,advocate,Bad Mail,not-an-email,en,app,3
adv.ana,advocate,Ana Updated,ana@example.com,en;es,thermostat,4
emp.robot,robot,Robo,robo@example.com,en,,2
"""


def test_responders_import_reports_bad_rows_and_writes_only_good_ones(
    ops_stack: Deployed, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A CSV with bad rows: good rows are created or updated and invited, each bad row is
    reported by line with its problem and nothing of it is written; the exit code is 1."""
    # GIVEN a file with one new, one existing and two bad responders
    path = tmp_path / "responders.csv"
    path.write_text(CSV, encoding="utf-8")

    # WHEN it is imported
    code, report = crowdcare(capsys, "responders", "import", str(path))

    # THEN the report names what was created, updated, invited and refused (by line)
    assert code == 1
    assert report["created"] == ["adv.new"]
    assert report["updated"] == ["adv.ana"]
    assert sorted(report["invited"] + report["already_invited"]) == ["adv.ana", "adv.new"]
    assert [(e["line"], e["responder_id"]) for e in report["errors"]] == [
        (3, "adv.bad"),
        (5, "emp.robot"),
    ]
    assert "email" in report["errors"][0]["problems"][0]
    # AND the good rows are stored, the bad ones not at all
    assert ops_stack.responders.get("adv.new") is not None
    updated = ops_stack.responders.get("adv.ana")
    assert updated is not None
    assert updated.name == "Ana Updated"
    assert ops_stack.responders.get("adv.bad") is None
    assert ops_stack.responders.get("emp.robot") is None
    # AND the new responder can sign in as an advocate
    cognito = ops_stack.stack.client("cognito-idp")
    pool = ops_stack.stack.ref("ResponderUserPool")
    groups = cognito.admin_list_groups_for_user(UserPoolId=pool, Username="adv.new")["Groups"]
    assert [g["GroupName"] for g in groups] == ["advocate"]


def test_responders_import_of_an_unreadable_file_writes_nothing(
    ops_stack: Deployed, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file whose header lacks required columns is refused whole (exit 2), nothing stored."""
    path = tmp_path / "bad.csv"
    path.write_text("responder_id,name\nadv.x,X\n", encoding="utf-8")
    code, answer = crowdcare(capsys, "responders", "import", str(path))
    assert code == 2
    assert "missing required columns" in answer["error"]
    assert ops_stack.responders.get("adv.x") is None


def test_cursor_is_listed_and_reset(
    ops_stack: Deployed, capsys: pytest.CaptureFixture[str]
) -> None:
    """A saved cursor shows in `cursors list` and is gone after `cursors reset SOURCE`; an
    unknown source is refused with exit 2."""
    # GIVEN a saved cursor for reddit_search
    cursors = CursorRepository(
        ops_stack.stack.client("dynamodb"), ops_stack.stack.ref("CursorsTable"), clock=utc_now
    )
    cursors.put("reddit_search", "t3_abc123", previous=None)
    listed = {c["source"]: c for c in crowdcare(capsys, "cursors", "list")[1]["cursors"]}
    assert listed["reddit_search"]["cursor"] == "t3_abc123"
    assert listed["x_search"]["cursor"] is None

    # WHEN it is reset
    code, reset = crowdcare(capsys, "cursors", "reset", "reddit_search")

    # THEN it is gone, and the next poll starts from the newest page
    assert (code, reset) == (0, {"source": "reddit_search", "reset": True})
    assert cursors.get("reddit_search") is None
    assert crowdcare(capsys, "cursors", "reset", "reddit_search")[1]["reset"] is False
    assert crowdcare(capsys, "cursors", "reset", "myspace")[0] == 2


def test_status_json_shape(ops_stack: Deployed, capsys: pytest.CaptureFixture[str]) -> None:
    """`status --json` reports open assignments, queue depths, every parking queue's count,
    each poll source's last cursor move and the alarms in ALARM; a parked case makes it
    exit 1."""
    # GIVEN one parked triage case
    _park_one_triage_case(ops_stack, "ops2")

    # WHEN the status is read
    code, state = crowdcare(capsys, "status")

    # THEN it has the documented shape and asks for attention
    assert code == 1
    assert set(state) == {
        "stack",
        "open_assignments",
        "queues",
        "parked",
        "last_poll",
        "alarms_in_alarm",
    }
    assert state["stack"] == ops_stack.stack.stack_name
    assert isinstance(state["open_assignments"], int)
    assert set(state["queues"]) == {"replies", "notifications"}
    assert set(state["parked"]) == {
        "triage",
        "ingest",
        "replies",
        "notifications",
        "async",
        "stream",
        "analytics",
    }
    assert state["parked"]["triage"] == 1
    assert "reddit_search" in state["last_poll"]
    assert state["alarms_in_alarm"] == []


def _parked_meta_change(post_id: str, *, with_sender: bool) -> str:
    """An ingest parking message as the webhook writes it, for one Facebook feed change."""
    value: dict[str, Any] = {
        "item": "status",
        "verb": "add",
        "post_id": post_id,
        "published": 1,
        "created_time": int(time.time()) - 60,
        "message": "@Brightwave the Mesh router keeps dropping the 5 GHz band every evening.",
    }
    if with_sender:
        value["from"] = {"id": "5548120399871234", "name": "Tomas Herrera"}
    entry = {
        "id": "104729385012345",
        "time": int(time.time()),
        "changes": [{"field": "feed", "value": value}],
    }
    return json.dumps(
        {
            "platform": "facebook",
            "reason": "invalid change",
            "details": [{"loc": "change.value.from", "msg": "Field required"}],
            "entry_index": 0,
            "change_index": 0,
            "parked_at": "2026-11-30T00:00:00+00:00",
            "payload": json.dumps({"object": "page", "entry": entry}),
        }
    )


def test_parked_webhook_entries_are_stored_or_stay_parked(
    ops_stack: Deployed, capsys: pytest.CaptureFixture[str]
) -> None:
    """Replaying the ingest parking queue stores an entry the parser now accepts (once) and
    leaves one it still refuses parked, with the reason; the replay exits 1."""
    # GIVEN two parked Facebook changes: one fixed (it has a sender now), one still broken
    sqs = ops_stack.stack.client("sqs")
    url = ops_stack.stack.ref("IngestParkingQueue")
    good = _parked_meta_change("104729385012345_501", with_sender=True)
    sqs.send_message(QueueUrl=url, MessageBody=good)
    sqs.send_message(
        QueueUrl=url, MessageBody=_parked_meta_change("104729385012345_502", with_sender=False)
    )

    # WHEN every parked entry is replayed
    code, result = crowdcare(capsys, "parked", "replay", "ingest", "--all")
    ops_stack.settle()

    # THEN the good one is stored (and triaged), the broken one is still parked
    assert code == 1
    assert [r["detail"] for r in result["replayed"]] == ["stored facebook#104729385012345_501"]
    assert [r["detail"].startswith("still refused") for r in result["failed"]] == [True]
    stored = ops_stack.mentions.get("facebook#104729385012345_501")
    assert stored is not None
    assert stored.triage is not None
    assert crowdcare(capsys, "parked", "list", "ingest")[1]["count"] == 1
    # AND the same good entry parked again is skipped: the mention is stored once
    sqs.send_message(QueueUrl=url, MessageBody=good)
    code, again = crowdcare(capsys, "parked", "replay", "ingest", "--all")
    assert [r["detail"] for r in again["skipped"]] == [
        "already stored (facebook#104729385012345_501)"
    ]


def _parked_x_tweet(tweet_id: str, created_at: str) -> str:
    """An ingest parking message as the X webhook writes it, for one tweet of a delivery."""
    tweet = {
        "id_str": tweet_id,
        "created_at": created_at,
        "text": "@Brightwave my Mesh router drops the 5 GHz band every evening, any fix?",
        "lang": "en",
        "user": {"id_str": "6253282", "screen_name": "tomas_h", "name": "Tomas Herrera"},
    }
    return json.dumps(
        {
            "platform": "x",
            "reason": "invalid tweet",
            "details": [{"loc": "created_at", "msg": "Value error, created_at must look like"}],
            "entry_index": 1,
            "change_index": None,
            "parked_at": "2026-11-30T00:00:00+00:00",
            "payload": json.dumps({"for_user_id": "2244994945", "tweet_create_events": [tweet]}),
        }
    )


def test_parked_x_tweets_are_stored_or_stay_parked(
    ops_stack: Deployed, capsys: pytest.CaptureFixture[str]
) -> None:
    """Replaying the ingest parking queue stores a parked tweet the parser now accepts (once)
    and leaves one it still refuses parked, with the reason; the replay exits 1."""
    # GIVEN two parked X tweets: one whose created_at now parses, one still unparseable
    sqs = ops_stack.stack.client("sqs")
    url = ops_stack.stack.ref("IngestParkingQueue")
    now = datetime.now(UTC).strftime("%a %b %d %H:%M:%S +0000 %Y")
    good = _parked_x_tweet("1900000000000000701", now)
    sqs.send_message(QueueUrl=url, MessageBody=good)
    sqs.send_message(QueueUrl=url, MessageBody=_parked_x_tweet("1900000000000000702", "yesterday"))

    # WHEN every parked entry is replayed
    code, result = crowdcare(capsys, "parked", "replay", "ingest", "--all")
    ops_stack.settle()

    # THEN the good tweet is stored (and triaged), the bad one is still parked with its reason
    assert code == 1
    assert [r["detail"] for r in result["replayed"]] == ["stored x#1900000000000000701"]
    assert [r["detail"] for r in result["failed"]] == ["still refused: invalid tweet"]
    stored = ops_stack.mentions.get("x#1900000000000000701")
    assert stored is not None
    assert stored.triage is not None
    assert ops_stack.mentions.get("x#1900000000000000702") is None
    assert crowdcare(capsys, "parked", "list", "ingest")[1]["count"] == 1
    # AND the same good tweet parked again is skipped: the mention is stored once
    sqs.send_message(QueueUrl=url, MessageBody=good)
    code, again = crowdcare(capsys, "parked", "replay", "ingest", "--all")
    assert [r["detail"] for r in again["skipped"]] == ["already stored (x#1900000000000000701)"]


def test_failed_async_invocation_is_invoked_again(
    ops_stack: Deployed, capsys: pytest.CaptureFixture[str]
) -> None:
    """An on-failure record of a scheduled function (Lambda's destination format) is listed by
    function and error, and replaying it invokes the function again with the same event."""
    # GIVEN QueueDrainFunction's failed scheduled event in the async failure queue
    runtime = ops_stack.stack.runtime
    assert runtime is not None
    name = f"{ops_stack.stack.stack_name}-QueueDrainFunction"
    record = {
        "version": "1.0",
        "timestamp": "2026-11-30T00:00:00.000Z",
        "requestContext": {
            "requestId": "0f6a3c1e",
            "functionArn": f"arn:aws:lambda:us-east-1:123456789012:function:{name}:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 3,
        },
        "requestPayload": {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}},
        "responseContext": {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled",
        },
        "responsePayload": {"errorMessage": "throttled", "errorType": "ClientError"},
    }
    ops_stack.stack.client("sqs").send_message(
        QueueUrl=ops_stack.stack.ref("AsyncFailureQueue"), MessageBody=json.dumps(record)
    )
    listed = crowdcare(capsys, "parked", "list", "async")[1]["messages"]
    assert [(m["key"], m["reason"]) for m in listed] == [(name, "ClientError: throttled")]
    before = runtime.invocations["QueueDrainFunction"]

    # WHEN it is replayed
    code, result = crowdcare(capsys, "parked", "replay", "async", name)

    # THEN the function ran once more and nothing is left parked
    assert code == 0
    assert len(result["replayed"]) == 1
    assert runtime.invocations["QueueDrainFunction"] == before + 1
    assert crowdcare(capsys, "parked", "list", "async")[1]["count"] == 0


def test_stream_failure_restarts_triage_of_mentions_still_received(
    ops_stack: Deployed, capsys: pytest.CaptureFixture[str]
) -> None:
    """A stream batch the starter gave up on restarts triage for its mentions still
    'received'; once triage moved them on, the same record is skipped as handled."""
    # GIVEN a stored mention whose triage never ran (status received, no triage)
    ops_stack.post_generic(mention_payload("ops3", "Love my new Brightwave Mesh, it is great!"))
    ops_stack.settle()
    ddb = ops_stack.stack.client("dynamodb")
    table = ops_stack.stack.ref("MentionsTable")
    key = {"mention_id": {"S": "facebook#ops3"}}
    ddb.update_item(
        TableName=table,
        Key=key,
        UpdateExpression="SET #status = :received REMOVE triage",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":received": {"S": "received"}},
    )
    image = ddb.get_item(TableName=table, Key=key)["Item"]
    failure = json.dumps(
        {
            "function": "StarterFunction",
            "records": [{"eventName": "INSERT", "dynamodb": {"NewImage": image}}],
        }
    )
    sqs = ops_stack.stack.client("sqs")
    sqs.send_message(QueueUrl=ops_stack.stack.ref("StreamFailureQueue"), MessageBody=failure)

    # WHEN the stream failures are replayed
    code, result = crowdcare(capsys, "parked", "replay", "stream", "--all")
    ops_stack.settle()

    # THEN triage ran for it, and a second copy of the record is skipped
    assert code == 0
    assert [r["detail"] for r in result["replayed"]] == ["triage started for facebook#ops3"]
    stored = ops_stack.mentions.get("facebook#ops3")
    assert stored is not None
    assert stored.triage is not None
    assert stored.status is MentionStatus.NO_ACTION
    sqs.send_message(QueueUrl=ops_stack.stack.ref("StreamFailureQueue"), MessageBody=failure)
    code, again = crowdcare(capsys, "parked", "replay", "stream", "--all")
    assert [r["detail"] for r in again["skipped"]] == ["already handled: facebook#ops3"]
