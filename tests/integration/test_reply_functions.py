"""The reply poster and reach tracker functions, wired from their environment alone: tables,
queues and the PlatformCredentials secret in moto, platforms on the fake server. A confirmed
post earns its points and closes the assignment; a parked one does neither."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from crowdcare.adapters.dynamodb.assignments import (
    Assignment,
    AssignmentRepository,
    AssignmentStatus,
)
from crowdcare.adapters.dynamodb.ledger import LedgerRepository
from crowdcare.adapters.dynamodb.replies import ReplyRepository
from crowdcare.adapters.dynamodb.repositories import MentionRepository, ResponderRepository
from crowdcare.config.clients import default_clients
from crowdcare.domain.models import Author, Mention, Platform, Responder, ResponderKind
from crowdcare.domain.replies import Reply, ReplyStatus, ReplyTicket
from crowdcare.domain.triage import RouteKind
from crowdcare_local.fake_platforms import outbound
from crowdcare_local.fake_platforms.server import FakePlatformServer
from crowdcare_local.runtime import LocalContext
from crowdcare_local.stack import create_template_table
from moto import mock_aws

from tests.integration.conftest import create_mentions_table
from tests.integration.test_replies import create_replies_table

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

REGION = "us-east-1"
NOW = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)


@dataclass
class Functions:
    poster: ModuleType
    tracker: ModuleType
    fake: FakePlatformServer
    sqs: SQSClient
    dlq_url: str
    mentions: MentionRepository
    replies: ReplyRepository
    assignments: AssignmentRepository
    ledger: LedgerRepository


def sqs_event(*requests: ReplyTicket, receive_count: int = 1) -> dict[str, Any]:
    """An SQS event as Lambda delivers it from the ReplyQueue."""
    return {
        "Records": [
            {
                "messageId": f"m-{i}",
                "receiptHandle": f"h-{i}",
                "body": request.model_dump_json(),
                "attributes": {
                    "ApproximateReceiveCount": str(receive_count),
                    "SentTimestamp": "1748768400000",
                    "SenderId": "AIDA",
                    "ApproximateFirstReceiveTimestamp": "1748768400000",
                },
                "messageAttributes": {},
                "md5OfBody": "",
                "eventSource": "aws:sqs",
                "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:replies",
                "awsRegion": REGION,
            }
            for i, request in enumerate(requests)
        ]
    }


@pytest.fixture
def functions(monkeypatch: pytest.MonkeyPatch) -> Iterator[Functions]:
    """Both handlers with the environment template.yaml gives them, pointed at moto and the
    fake platforms; credentials only in the secret."""
    fake = outbound.register(FakePlatformServer()).start()
    urls = outbound.base_urls(fake)
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        secrets = boto3.client("secretsmanager", region_name=REGION)
        create_mentions_table(dynamodb, "mentions")
        create_replies_table(dynamodb, "replies")
        for logical_id, name in (
            ("LedgerTable", "ledger"),
            ("AssignmentsTable", "assignments"),
            ("RespondersTable", "responders"),
        ):
            create_template_table(dynamodb, logical_id, name)
        ResponderRepository(dynamodb, "responders").put(
            Responder(
                responder_id="adv.priya",
                kind=ResponderKind.ADVOCATE,
                name="Priya",
                email="priya@example.com",
            )
        )
        dlq_url = sqs.create_queue(QueueName="replies-dlq")["QueueUrl"]
        secret_arn = secrets.create_secret(
            Name="platform-credentials",
            SecretString=json.dumps(
                {
                    "x_user_access_token": "x-user-token",
                    "mastodon_access_token": "mastodon-token",
                    "x_bearer_token": "",  # the poller's key; empty counts as not set
                }
            ),
        )["ARN"]
        for name, value in {
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "MENTIONS_TABLE": "mentions",
            "REPLIES_TABLE": "replies",
            "LEDGER_TABLE": "ledger",
            "ASSIGNMENTS_TABLE": "assignments",
            "RESPONDERS_TABLE": "responders",
            "REPLY_DEAD_LETTER_QUEUE_URL": dlq_url,
            "REPLY_MAX_RECEIVE_COUNT": "5",
            "PLATFORM_CREDENTIALS_NAME": secret_arn,
            "PLATFORM_MAX_ATTEMPTS": "1",
            "X_API_BASE_URL": urls["x"],
            "MASTODON_BASE_URL": urls["mastodon"],
            "BLUESKY_BASE_URL": urls["bluesky"],
            "REACH_WINDOW_HOURS": "72",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_TRACE_DISABLED": "true",
        }.items():
            monkeypatch.setenv(name, value)
        for name in ("AWS_ENDPOINT_URL", "AUDIT_TABLE"):
            monkeypatch.delenv(name, raising=False)
        from functions.reach_tracker import app as tracker
        from functions.reply_poster import app as poster

        default_clients.cache_clear()
        poster.poster.cache_clear()
        tracker.tracker.cache_clear()
        try:
            yield Functions(
                poster=poster,
                tracker=tracker,
                fake=fake,
                sqs=sqs,
                dlq_url=dlq_url,
                mentions=MentionRepository(dynamodb, "mentions"),
                replies=ReplyRepository(dynamodb, "replies"),
                assignments=AssignmentRepository(dynamodb, "assignments", "responders"),
                ledger=LedgerRepository(dynamodb, "ledger"),
            )
        finally:
            poster.poster.cache_clear()
            tracker.tracker.cache_clear()
            default_clients.cache_clear()
            fake.stop()


def add_mention(functions: Functions, platform: Platform, post_id: str) -> ReplyTicket:
    """A mention assigned to adv.priya, and her reply to it, cleared to post."""
    mention = Mention(
        platform=platform,
        post_id=post_id,
        author=Author(id="u1", handle="dana"),
        text="@brightwavehelp help",
        created_at=NOW,
    )
    functions.mentions.put_if_new(mention, NOW)
    assert functions.assignments.try_assign(
        Assignment(
            mention_id=mention.mention_id,
            responder_id="adv.priya",
            responder_kind=ResponderKind.ADVOCATE,
            route=RouteKind.COMMUNITY,
            priority=50,
            band="P3",
            assigned_at=NOW,
        )
    )
    reply = Reply(
        reply_id=f"r-{post_id[-4:]}",
        mention_id=mention.mention_id,
        responder_id="adv.priya",
        platform=platform,
        text="We're on it!",
        status=ReplyStatus.APPROVED,
        requested_at=NOW,
    )
    assert functions.replies.create(reply)
    return ReplyTicket(reply_id=reply.reply_id, mention_id=reply.mention_id)


def test_poster_posts_and_reports_retryable_failures_per_message(functions: Functions) -> None:
    """One batch: the X reply is posted (+10, assignment closed), the Mastodon reply meets a
    503 and alone is handed back to SQS; a Bluesky reply (no credentials) is parked with the
    reason, earns nothing and leaves its assignment open."""
    x_reply = add_mention(functions, Platform.X, "1001")
    mastodon_reply = add_mention(functions, Platform.MASTODON, "2002")
    bluesky_reply = add_mention(functions, Platform.BLUESKY, "at://did:plc:d/app.bsky.feed.post/3k")
    functions.fake.inject_faults("/mastodon/", [503])
    event = sqs_event(x_reply, mastodon_reply, bluesky_reply)
    result = functions.poster.lambda_handler(event, LocalContext("reply-poster"))
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert [p["platform"] for p in outbound.posted(functions.fake)] == ["x"]
    x_record = functions.replies.get(x_reply.reply_id)
    assert x_record is not None
    assert x_record.status is ReplyStatus.POSTED
    bluesky_record = functions.replies.get(bluesky_reply.reply_id)
    assert bluesky_record is not None
    assert bluesky_record.status is ReplyStatus.FAILED
    assert bluesky_record.last_error == "no reply adapter configured for bluesky"
    [parked] = functions.sqs.receive_message(QueueUrl=functions.dlq_url).get("Messages", [])
    assert ReplyTicket.model_validate_json(parked["Body"]) == bluesky_reply
    # Points for the confirmed post only; only its assignment is closed.
    entries = functions.ledger.for_responder("adv.priya")
    assert [(e.entry_id, e.points) for e in entries] == [("x#1001#reply_posted", 10)]
    statuses = {
        t.mention_id: (a.status if (a := functions.assignments.get(t.mention_id)) else None)
        for t in (x_reply, mastodon_reply, bluesky_reply)
    }
    assert statuses == {
        x_reply.mention_id: AssignmentStatus.REPLIED,
        mastodon_reply.mention_id: AssignmentStatus.OPEN,
        bluesky_reply.mention_id: AssignmentStatus.OPEN,
    }
    # The X token came from the secret, not from code or the environment.
    x_call = next(c for c in functions.fake.calls if c.path == "/x/2/tweets")
    assert x_call.status == 201


def test_reach_tracker_stores_reach_of_posted_replies(functions: Functions) -> None:
    """The scheduled run reads the reach of the replies the poster posted and awards its reach
    bonus once (a second run with the same reach writes nothing)."""
    request = add_mention(functions, Platform.X, "3003")
    functions.poster.lambda_handler(sqs_event(request), LocalContext("reply-poster"))
    record = functions.replies.get(request.reply_id)
    assert record is not None
    assert record.posted is not None
    outbound.set_reach(functions.fake, "x", record.posted.post_id, likes=3, reposts=1)
    scheduled = {"source": "aws.events", "detail-type": "Scheduled Event", "detail": {}}
    summary = functions.tracker.lambda_handler(scheduled, LocalContext("reach-tracker"))
    assert summary == {"read": 1, "failed": 0, "unconfigured": 0, "removed": 0}
    tracked = functions.replies.get(request.reply_id)
    assert tracked is not None
    assert tracked.reach is not None
    assert (tracked.reach.likes, tracked.reach.reposts, tracked.reach.replies) == (3, 1, 0)
    # AND the reach earned its bonus (3 per doubling of 3 likes + 3 x 1 repost), once
    functions.tracker.lambda_handler(scheduled, LocalContext("reach-tracker"))
    bonus = [
        (e.points, e.figures["score"])
        for e in functions.ledger.for_responder("adv.priya")
        if e.reason.value == "reach_bonus"
    ]
    assert bonus == [(8, 6)]
