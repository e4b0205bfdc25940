"""The reply pipeline on moto and the fake platform server: submitted replies are posted,
retried through platform failures, parked with their error when they cannot be, retried by an
operator, and followed for reach."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from crowdcare.adapters.dynamodb.replies import ReplyRepository
from crowdcare.adapters.dynamodb.repositories import MentionRepository
from crowdcare.adapters.platforms.http import JsonHttpClient
from crowdcare.adapters.platforms.outbound import (
    Reach,
    ReplyPlatformSettings,
    ReplyTooLongError,
    build_reply_adapters,
    default_limits,
)
from crowdcare.adapters.reply_queues import SqsParkingLot, SqsReplyQueue
from crowdcare.adapters.secrets import PlatformCredentials
from crowdcare.config.clients import AwsClients
from crowdcare.config.reply_wiring import ReplyParkingSettings, build_parked_reply_retry
from crowdcare.config.settings import AwsSettings
from crowdcare.domain.errors import MentionHeldError, RetryableReplyError, UnknownMentionError
from crowdcare.domain.models import Author, Mention, Platform
from crowdcare.domain.replies import (
    PostOutcome,
    Reply,
    ReplyRequest,
    ReplyStatus,
    ReplyTicket,
)
from crowdcare.services.replies.parking import retry_parked
from crowdcare.services.replies.posting import ReplyPoster
from crowdcare.services.replies.reach import ReachTracker
from crowdcare.services.replies.submission import ReplySubmissions
from crowdcare_local.fake_platforms import outbound
from crowdcare_local.fake_platforms.server import FakePlatformServer
from crowdcare_local.stack import create_template_table
from moto import mock_aws

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient
    from mypy_boto3_sqs.type_defs import MessageTypeDef

from tests.integration.conftest import create_mentions_table

REGION = "us-east-1"
MENTIONS = "crowdcare-replies-test-mentions"
REPLIES = "crowdcare-replies-test-replies"
MAX_RECEIVES = 3
START = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)
CREDENTIALS = PlatformCredentials(
    x_user_access_token="x-token",
    facebook_page_access_token="fb-token",
    instagram_access_token="ig-token",
    reddit_client_id="reddit-app",
    reddit_client_secret="reddit-secret",
    reddit_username="brightwavehelp",
    reddit_password="reddit-password",
    mastodon_access_token="mastodon-token",
    bluesky_handle="brightwavehelp.bsky.social",
    bluesky_app_password="app-password",
)


def create_replies_table(dynamodb: DynamoDBClient, name: str) -> None:
    """The Replies table as template.yaml declares it (read from the template)."""
    create_template_table(dynamodb, "RepliesTable", name)


@dataclass
class Clock:
    now: datetime = START

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Pipeline:
    """Everything a reply test touches, wired as the functions wire it."""

    dynamodb: DynamoDBClient
    sqs: SQSClient
    fake: FakePlatformServer
    queue_url: str
    dlq_url: str
    mentions: MentionRepository
    replies: ReplyRepository
    service: ReplySubmissions
    poster: ReplyPoster
    clock: Clock
    hooked: list[Reply] = field(default_factory=list)

    def add_mention(self, platform: Platform, post_id: str) -> str:
        mention = Mention(
            platform=platform,
            post_id=post_id,
            url=f"https://{platform.value}.example/{post_id}",
            author=Author(id="u1", handle="dana"),
            text="@brightwavehelp my Thermo stopped heating",
            created_at=START,
        )
        self.mentions.put_if_new(mention, START)
        return mention.mention_id

    def request(self, mention_id: str, text: str = "Sorry about that, DM us!") -> ReplyRequest:
        return ReplyRequest(
            mention_id=mention_id, responder_id="adv.priya", text=text, requested_at=self.clock()
        )

    def deliver(self) -> list[PostOutcome | str]:
        """One round of SQS deliveries into the poster, as Lambda's event source mapping does."""
        outcomes: list[PostOutcome | str] = []
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, AttributeNames=["All"]
        ).get("Messages", [])
        for message in messages:
            ticket = ReplyTicket.model_validate_json(message["Body"])
            receives = int(message["Attributes"]["ApproximateReceiveCount"])
            try:
                outcomes.append(self.poster.post(ticket, receive_count=receives))
            except RetryableReplyError:
                outcomes.append("retry")
                self.sqs.change_message_visibility(
                    QueueUrl=self.queue_url,
                    ReceiptHandle=message["ReceiptHandle"],
                    VisibilityTimeout=0,
                )
                continue
            self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return outcomes

    def deliver_all(self) -> list[PostOutcome | str]:
        outcomes: list[PostOutcome | str] = []
        while batch := self.deliver():
            outcomes.extend(batch)
        return outcomes

    def parked(self) -> list[MessageTypeDef]:
        return self.sqs.receive_message(
            QueueUrl=self.dlq_url,
            MaxNumberOfMessages=10,
            MessageAttributeNames=["All"],
            VisibilityTimeout=0,
        ).get("Messages", [])


@pytest.fixture(scope="module")
def fake() -> Iterator[FakePlatformServer]:
    server = FakePlatformServer().start()
    try:
        yield server
    finally:
        server.stop()


def adapters_for(fake: FakePlatformServer, clock: Clock, max_attempts: int = 3) -> Any:
    urls = outbound.base_urls(fake)
    settings = ReplyPlatformSettings(
        platform_credentials_name="unused",
        x_api_base_url=urls["x"],
        facebook_graph_base_url=urls["facebook"],
        instagram_graph_base_url=urls["instagram"],
        reddit_base_url=urls["reddit"],
        reddit_auth_url=urls["reddit_auth"],
        mastodon_base_url=urls["mastodon"],
        bluesky_base_url=urls["bluesky"],
    )

    def make_client(base_url: str, headers: dict[str, str]) -> JsonHttpClient:
        return JsonHttpClient(
            base_url,
            headers=headers,
            max_attempts=max_attempts,
            sleep=lambda _: None,
            rng=random.Random(3),  # noqa: S311 - jitter, not cryptography
        )

    return build_reply_adapters(settings, CREDENTIALS, clock, make_client).get


@pytest.fixture
def pipeline(monkeypatch: pytest.MonkeyPatch, fake: FakePlatformServer) -> Iterator[Pipeline]:
    """moto tables and queues (ReplyQueue redrives to its DLQ after 3 receives) + the fake."""
    for name, value in {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    fake.routes.clear()
    fake.calls.clear()
    fake.state.clear()
    fake.clear_faults()
    outbound.register(fake)
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        create_mentions_table(dynamodb, MENTIONS)
        create_replies_table(dynamodb, REPLIES)
        dlq_url = sqs.create_queue(QueueName="replies-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        queue_url = sqs.create_queue(
            QueueName="replies",
            Attributes={
                "RedrivePolicy": json.dumps(
                    {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": MAX_RECEIVES}
                )
            },
        )["QueueUrl"]
        clock = Clock()
        mentions = MentionRepository(dynamodb, MENTIONS)
        replies = ReplyRepository(dynamodb, REPLIES)
        hooked: list[Reply] = []
        yield Pipeline(
            dynamodb=dynamodb,
            sqs=sqs,
            fake=fake,
            queue_url=queue_url,
            dlq_url=dlq_url,
            mentions=mentions,
            replies=replies,
            service=ReplySubmissions(
                mentions, replies, SqsReplyQueue(sqs, queue_url), default_limits()
            ),
            poster=ReplyPoster(
                mentions=mentions,
                replies=replies,
                adapters=adapters_for(fake, clock, max_attempts=2),
                parking=SqsParkingLot(sqs, dlq_url),
                clock=clock,
                max_receive_count=MAX_RECEIVES,
                on_posted=hooked.append,
            ),
            clock=clock,
            hooked=hooked,
        )


# ---------------------------------------------------------------------------- posting


@pytest.mark.parametrize(
    ("platform", "post_id"),
    [
        (Platform.X, "1790000000000000001"),
        (Platform.FACEBOOK, "1234_5678"),
        (Platform.INSTAGRAM, "17890000000000001"),
        (Platform.REDDIT, "t3_abc12"),
        (Platform.MASTODON, "112233"),
        (Platform.BLUESKY, "at://did:plc:dana/app.bsky.feed.post/3kparent"),
    ],
)
def test_a_submitted_reply_is_posted_and_recorded(
    pipeline: Pipeline, platform: Platform, post_id: str
) -> None:
    """Submit → queue → poster: the reply is on the platform, the record says posted with
    its id and URL, and on_posted was told."""
    # GIVEN a stored mention
    mention_id = pipeline.add_mention(platform, post_id)
    # WHEN a responder's reply is submitted and the queue is delivered
    record = pipeline.service.submit(pipeline.request(mention_id))
    assert record.status is ReplyStatus.APPROVED
    outcomes = pipeline.deliver_all()
    # THEN it was posted once, as a reply to the mention
    assert outcomes == [PostOutcome.POSTED]
    [sent] = outbound.posted(pipeline.fake, platform.value)
    assert sent["text"] == "Sorry about that, DM us!"
    assert sent["in_reply_to"] in {post_id, post_id.split("_", 1)[-1], f"{post_id}"}
    # AND the record and the hook have the platform's id and URL
    stored = pipeline.replies.get(record.reply_id)
    assert stored is not None
    assert stored.status is ReplyStatus.POSTED
    assert stored.posted is not None
    assert stored.posted.post_id == sent["id"]
    assert stored.posted.url == (sent["url"] or stored.posted.url)
    assert stored.attempts == 1
    assert [(r.posted.post_id if r.posted else None, r.reply_id) for r in pipeline.hooked] == [
        (sent["id"], record.reply_id)
    ]
    assert [r.reply_id for r in pipeline.replies.for_mention(mention_id)] == [record.reply_id]


def test_submit_refuses_too_long_and_unknown_before_storing(pipeline: Pipeline) -> None:
    """An over-long reply names the limit; an unknown mention is refused; nothing is queued."""
    mention_id = pipeline.add_mention(Platform.BLUESKY, "at://did:plc:dana/app.bsky.feed.post/3kp")
    with pytest.raises(ReplyTooLongError) as caught:
        pipeline.service.submit(pipeline.request(mention_id, "a" * 301))
    assert caught.value.limit == 300
    with pytest.raises(UnknownMentionError):
        pipeline.service.submit(pipeline.request("x#404"))
    assert pipeline.replies.for_mention(mention_id) == []
    assert pipeline.deliver_all() == []


def test_the_same_reply_submitted_twice_is_posted_once(pipeline: Pipeline) -> None:
    """A double submit (double click, client retry) posts one reply."""
    mention_id = pipeline.add_mention(Platform.MASTODON, "4455")
    request = pipeline.request(mention_id)
    first = pipeline.service.submit(request)
    second = pipeline.service.submit(request)
    assert first.reply_id == second.reply_id
    outcomes = pipeline.deliver_all()
    assert sorted(map(str, outcomes)) == sorted(["posted", "already_posted"])
    assert len(outbound.posted(pipeline.fake, "mastodon")) == 1
    assert len(pipeline.hooked) == 2  # the hook is idempotent by contract


# ---------------------------------------------------------------------------- failures


def test_two_503s_then_success_posts_on_redelivery(pipeline: Pipeline) -> None:
    """503 twice uses up the client's attempts; SQS redelivers and the reply is posted; the
    record shows the attempt and its error meanwhile."""
    mention_id = pipeline.add_mention(Platform.X, "777")
    record = pipeline.service.submit(pipeline.request(mention_id))
    pipeline.fake.inject_faults("/x/", [503, 503])
    # WHEN the first delivery meets two 503s
    assert pipeline.deliver() == ["retry"]
    pending = pipeline.replies.get(record.reply_id)
    assert pending is not None
    assert pending.status is ReplyStatus.APPROVED
    assert pending.attempts == 1
    assert pending.last_error is not None
    assert "HTTP 503" in pending.last_error
    # THEN the redelivery posts it
    assert pipeline.deliver_all() == [PostOutcome.POSTED]
    posted = pipeline.replies.get(record.reply_id)
    assert posted is not None
    assert posted.status is ReplyStatus.POSTED
    assert posted.attempts == 2
    assert len(outbound.posted(pipeline.fake, "x")) == 1
    assert pipeline.parked() == []


def test_persistent_500_is_parked_with_its_error(pipeline: Pipeline) -> None:
    """A platform that keeps answering 500 gets the reply parked after the queue's last
    delivery: the record is failed with the error, the message waits in the DLQ."""
    mention_id = pipeline.add_mention(Platform.FACEBOOK, "1_2")
    record = pipeline.service.submit(pipeline.request(mention_id))
    pipeline.fake.inject_faults("/facebook/", [500] * 20)
    outcomes = pipeline.deliver_all()
    assert outcomes == ["retry", "retry", PostOutcome.PARKED]
    failed = pipeline.replies.get(record.reply_id)
    assert failed is not None
    assert failed.status is ReplyStatus.FAILED
    assert failed.last_error is not None
    assert "HTTP 500" in failed.last_error
    assert "after 3 deliveries" in failed.last_error
    assert failed.failed_at == START
    [message] = pipeline.parked()
    assert ReplyTicket.model_validate_json(message["Body"]).reply_id == record.reply_id
    assert "HTTP 500" in message["MessageAttributes"]["error"]["StringValue"]
    assert outbound.posted(pipeline.fake) == []


def test_a_refusal_is_parked_at_once(pipeline: Pipeline) -> None:
    """A non-retryable answer (a thread Reddit locked) parks the reply on the first delivery."""
    mention_id = pipeline.add_mention(Platform.REDDIT, "t3_locked")
    locked = {"json": {"errors": [["THREAD_LOCKED", "comments are locked", "parent"]]}}
    pipeline.fake.route("POST", r"/reddit/api/comment", lambda r: (200, locked))
    pipeline.fake.routes.insert(0, pipeline.fake.routes.pop())
    record = pipeline.service.submit(pipeline.request(mention_id))
    assert pipeline.deliver_all() == [PostOutcome.PARKED]
    failed = pipeline.replies.get(record.reply_id)
    assert failed is not None
    assert failed.status is ReplyStatus.FAILED
    assert "THREAD_LOCKED" in (failed.last_error or "")
    assert len(pipeline.parked()) == 1


def test_retry_parked_requeues_and_the_reply_is_posted(pipeline: Pipeline) -> None:
    """An operator retries parked replies once the platform is back: only the chosen ones
    leave the DLQ, go back to approved, and are posted."""
    # GIVEN two replies parked while X was down
    first = pipeline.service.submit(pipeline.request(pipeline.add_mention(Platform.X, "101")))
    second = pipeline.service.submit(pipeline.request(pipeline.add_mention(Platform.X, "102")))
    pipeline.fake.inject_faults("/x/", [500] * 40)
    pipeline.deliver_all()
    assert {m["MessageId"] for m in pipeline.parked()}.__len__() == 2
    pipeline.fake.clear_faults()
    # WHEN the operator retries the first only
    retried = retry_parked(
        SqsParkingLot(pipeline.sqs, pipeline.dlq_url),
        pipeline.replies,
        pipeline.service,
        reply_ids={first.reply_id},
    )
    assert retried.requeued == (first.reply_id,)
    assert retried.left_parked == 1
    reopened = pipeline.replies.get(first.reply_id)
    assert reopened is not None
    assert reopened.status is ReplyStatus.APPROVED
    # THEN it is posted, and the other still waits, failed
    assert pipeline.deliver_all() == [PostOutcome.POSTED]
    done, waiting = pipeline.replies.get(first.reply_id), pipeline.replies.get(second.reply_id)
    assert done is not None
    assert done.status is ReplyStatus.POSTED
    assert waiting is not None
    assert waiting.status is ReplyStatus.FAILED
    assert len(pipeline.parked()) == 1
    # AND retrying all empties the DLQ
    everything = retry_parked(
        SqsParkingLot(pipeline.sqs, pipeline.dlq_url), pipeline.replies, pipeline.service
    )
    assert everything.requeued == (second.reply_id,)
    assert pipeline.deliver_all() == [PostOutcome.POSTED]
    assert pipeline.parked() == []


# ---------------------------------------------------------------------------- reach


def test_reach_is_read_for_replies_posted_within_the_window(pipeline: Pipeline) -> None:
    """The tracker stores likes/reposts/replies of replies posted in the window, not older."""
    # GIVEN one reply posted 4 days ago and one posted an hour ago
    old = pipeline.service.submit(pipeline.request(pipeline.add_mention(Platform.X, "201")))
    pipeline.deliver_all()
    pipeline.clock.now = START + timedelta(days=4)
    recent = pipeline.service.submit(
        pipeline.request(pipeline.add_mention(Platform.MASTODON, "202"))
    )
    pipeline.deliver_all()
    recent_post = pipeline.replies.get(recent.reply_id)
    assert recent_post is not None
    assert recent_post.posted is not None
    outbound.set_reach(
        pipeline.fake, "mastodon", recent_post.posted.post_id, likes=7, reposts=2, replies=1
    )
    pipeline.clock.now += timedelta(hours=1)
    # WHEN the tracker runs with a 72-hour window
    tracker = ReachTracker(
        replies=pipeline.replies,
        adapters=adapters_for(pipeline.fake, pipeline.clock),
        clock=pipeline.clock,
        window=timedelta(hours=72),
    )
    run = tracker.run()
    # THEN only the recent reply was read, and its reach stored
    assert (run.read, run.failed) == (1, ())
    tracked = pipeline.replies.get(recent.reply_id)
    assert tracked is not None
    assert tracked.reach == Reach(likes=7, reposts=2, replies=1)
    assert tracked.reach_read_at == pipeline.clock.now
    untracked = pipeline.replies.get(old.reply_id)
    assert untracked is not None
    assert untracked.reach is None


def test_reach_failure_on_one_platform_does_not_stop_the_others(pipeline: Pipeline) -> None:
    """A 500 from X is reported for that reply; the Bluesky reply is still read."""
    pipeline.service.submit(pipeline.request(pipeline.add_mention(Platform.X, "301")))
    pipeline.service.submit(
        pipeline.request(
            pipeline.add_mention(Platform.BLUESKY, "at://did:plc:d/app.bsky.feed.post/3x")
        )
    )
    assert pipeline.deliver_all() == [PostOutcome.POSTED, PostOutcome.POSTED]
    pipeline.fake.inject_faults("/x/", [500] * 5)
    run = ReachTracker(
        pipeline.replies,
        adapters_for(pipeline.fake, pipeline.clock, max_attempts=1),
        pipeline.clock,
        timedelta(hours=1),
    ).run()
    assert run.read == 1
    assert len(run.failed) == 1
    assert "HTTP 500" in run.failed[0]


# ---------------------------------------------------------------------------- one live reply


def test_a_second_live_reply_to_a_mention_is_refused_until_the_first_is_parked(
    pipeline: Pipeline,
) -> None:
    """The guard item holds a mention for its live reply: another reply is refused; once the
    first is parked for a refusal (failed), the mention is free and the next reply is posted.
    (A reply parked in doubt keeps its mention: see the exactly-once tests.)"""
    # GIVEN a reply queued for a mention whose platform refuses it
    mention_id = pipeline.add_mention(Platform.X, "901")
    first = pipeline.service.submit(pipeline.request(mention_id, "First answer"))
    # WHEN another reply to the same mention is submitted
    with pytest.raises(MentionHeldError) as held:
        pipeline.service.submit(pipeline.request(mention_id, "Second answer"))
    # THEN it is refused, naming the live reply, and nothing else is stored
    assert held.value.holder_id == first.reply_id
    assert [r.reply_id for r in pipeline.replies.for_mention(mention_id)] == [first.reply_id]
    # WHEN the first is parked
    pipeline.fake.inject_faults("/x/", [403])
    assert pipeline.deliver_all()[-1] is PostOutcome.PARKED
    pipeline.fake.clear_faults()
    # THEN the mention is free: a new reply is accepted and posted
    assert pipeline.replies.live_for(mention_id) is None
    second = pipeline.service.submit(pipeline.request(mention_id, "Second answer"))
    assert pipeline.deliver_all() == [PostOutcome.POSTED]
    live = pipeline.replies.live_for(mention_id)
    assert live is not None
    assert (live.reply_id, live.status) == (second.reply_id, ReplyStatus.POSTED)
    # AND the parked first one cannot be reopened over it
    retried = retry_parked(
        SqsParkingLot(pipeline.sqs, pipeline.dlq_url), pipeline.replies, pipeline.service
    )
    assert retried.dropped == (first.reply_id,)
    failed = pipeline.replies.get(first.reply_id)
    assert failed is not None
    assert failed.status is ReplyStatus.FAILED


def test_a_guard_naming_another_reply_does_not_block_parking(pipeline: Pipeline) -> None:
    """Should the mention's guard name another reply, parking this one still records it
    failed (the guard is left to its holder)."""
    # GIVEN a queued reply whose mention's guard was somehow rewritten
    mention_id = pipeline.add_mention(Platform.X, "902")
    record = pipeline.service.submit(pipeline.request(mention_id))
    pipeline.dynamodb.put_item(
        TableName=REPLIES,
        Item={
            "reply_id": {"S": f"live#{mention_id}"},
            "mention_id": {"S": mention_id},
            "holder": {"S": "r-someone-else"},
        },
    )
    # WHEN it is parked
    assert pipeline.replies.mark_failed(record.reply_id, "HTTP 400", START)
    # THEN it is failed, and the other reply keeps the mention
    failed = pipeline.replies.get(record.reply_id)
    assert failed is not None
    assert failed.status is ReplyStatus.FAILED
    guard = pipeline.dynamodb.get_item(
        TableName=REPLIES, Key={"reply_id": {"S": f"live#{mention_id}"}}
    )["Item"]
    assert guard["holder"]["S"] == "r-someone-else"


def test_the_operators_retry_is_wired_from_settings(pipeline: Pipeline) -> None:
    """build_parked_reply_retry (what an operator command calls) requeues a parked reply,
    which is then posted."""
    # GIVEN a reply parked while Reddit answered 500
    mention_id = pipeline.add_mention(Platform.REDDIT, "t3_r")
    record = pipeline.service.submit(pipeline.request(mention_id))
    pipeline.fake.inject_faults("/reddit/", [500] * 20)
    assert pipeline.deliver_all()[-1] is PostOutcome.PARKED
    pipeline.fake.clear_faults()
    # WHEN the operator retries every parked reply
    retry = build_parked_reply_retry(
        ReplyParkingSettings(
            mentions_table=MENTIONS,
            replies_table=REPLIES,
            reply_queue_url=pipeline.queue_url,
            reply_dead_letter_queue_url=pipeline.dlq_url,
        ),
        AwsClients(AwsSettings(aws_region=REGION)),
    )
    assert retry(None).requeued == (record.reply_id,)
    # THEN it is posted
    assert pipeline.deliver_all() == [PostOutcome.POSTED]
    assert pipeline.parked() == []


# ---------------------------------------------------------------------------- exactly once

# Per platform: two mentions, and the POST that publishes a reply (its answers get lost).
EXACTLY_ONCE = {
    Platform.X: (("1790000000000000001", "1790000000000000002"), "/x/2/tweets"),
    Platform.FACEBOOK: (("1234_5678", "1234_9999"), "/facebook/"),
    Platform.INSTAGRAM: (("17890000000000001", "17890000000000002"), "/instagram/"),
    Platform.REDDIT: (("t3_abc12", "t3_abc13"), "/reddit/api/comment"),
    Platform.MASTODON: (("112233", "112234"), "/mastodon/api/v1/statuses"),
    Platform.BLUESKY: (
        (
            "at://did:plc:dana/app.bsky.feed.post/3kparent",
            "at://did:plc:dana/app.bsky.feed.post/3kother",
        ),
        "/bluesky/xrpc/com.atproto.repo.createRecord",
    ),
}


def crash_after_posting(pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch) -> None:
    """One delivery posts, then its Lambda dies before `mark_posted`; SQS's visibility timeout
    (shorter than the posting lease) makes the ticket visible again."""
    [message] = pipeline.sqs.receive_message(QueueUrl=pipeline.queue_url, AttributeNames=["All"])[
        "Messages"
    ]

    def die(reply_id: str, posted: object) -> None:
        raise RuntimeError("Task timed out after 60.00 seconds")

    with monkeypatch.context() as patch:
        patch.setattr(pipeline.replies, "mark_posted", die)
        with pytest.raises(RuntimeError):
            pipeline.poster.post(ReplyTicket.model_validate_json(message["Body"]), 1)
    pipeline.sqs.change_message_visibility(
        QueueUrl=pipeline.queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
    )


@pytest.mark.parametrize("platform", list(EXACTLY_ONCE), ids=lambda p: p.value)
def test_lost_answers_crashes_and_redeliveries_leave_one_public_reply_each(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch, platform: Platform
) -> None:
    """GIVEN a platform that publishes a reply but loses the answer, a lookup that fails once,
    duplicate SQS tickets, and a poster that crashes after posting a second reply, WHEN the
    queue is delivered until empty, THEN each reply is on the platform exactly once and
    recorded posted with that post's id."""
    (first_post, second_post), post_path = EXACTLY_ONCE[platform]
    first = pipeline.service.submit(pipeline.request(pipeline.add_mention(platform, first_post)))
    # WHEN the platform publishes the first reply but the answer is lost on the way back
    pipeline.fake.lose_answers(post_path)
    outcomes = pipeline.deliver()
    if platform is not Platform.MASTODON:  # Mastodon's keyed post is retried in the client
        assert outcomes == ["retry"]
        # AND the redelivery's lookup fails: nothing is posted blind
        pipeline.fake.inject_faults(f"/{platform.value}/", [503, 503])
        assert pipeline.deliver() == ["retry"]
        assert len(outbound.posted(pipeline.fake, platform.value)) == 1
    # AND SQS delivers the ticket twice more (at-least-once)
    pipeline.service.enqueue(first)
    pipeline.service.enqueue(first)
    outcomes += pipeline.deliver_all()
    # WHEN a second reply is posted by a delivery that crashes before recording it
    second = pipeline.service.submit(pipeline.request(pipeline.add_mention(platform, second_post)))
    crash_after_posting(pipeline, monkeypatch)
    assert pipeline.deliver() == ["retry"]  # the crashed delivery's lease still holds
    pipeline.clock.now += pipeline.poster.lease + timedelta(seconds=1)
    outcomes += pipeline.deliver_all()
    # THEN one public post per reply, each adopted or posted once, and nothing parked
    published = outbound.posted(pipeline.fake, platform.value)
    per_reply = {
        target: sum(p["in_reply_to"].endswith(target) for p in published)
        for target in (first_post.split("_")[-1], second_post.split("_")[-1])
    }
    assert per_reply == dict.fromkeys(per_reply, 1)
    assert outcomes.count(PostOutcome.ADOPTED) == (1 if platform is Platform.MASTODON else 2)
    assert pipeline.parked() == []
    for record in (first, second):
        stored = pipeline.replies.get(record.reply_id)
        assert stored is not None
        assert stored.status is ReplyStatus.POSTED
        assert stored.posted is not None
        assert stored.posted.post_id in {p["id"] for p in published}


def test_the_claim_remembers_the_attempt_until_the_platform_says_it_did_not_post(
    pipeline: Pipeline,
) -> None:
    """GIVEN an approved reply, WHEN it is claimed, THEN the claim answers the record as it was
    and sets `attempted_at` in the same write; a refusal (`settled`) clears it, a lost answer
    keeps it, and so do parking in doubt (which keeps the mention held) and reopening."""
    mention_id = pipeline.add_mention(Platform.X, "4242")
    record = pipeline.service.submit(pipeline.request(mention_id))
    lease = pipeline.poster.lease
    before = pipeline.replies.claim(record.reply_id, START, lease)
    assert before is not None
    assert (before.status, before.attempted_at, before.attempts) == (ReplyStatus.APPROVED, None, 0)
    assert pipeline.replies.claim(record.reply_id, START, lease) is None  # the lease holds
    pipeline.replies.release(record.reply_id, "HTTP 429", settled=True)
    refused = pipeline.replies.get(record.reply_id)
    assert refused is not None
    assert (refused.attempted_at, refused.attempts) == (None, 1)
    later = START + timedelta(minutes=5)
    assert pipeline.replies.claim(record.reply_id, later, lease) is not None
    pipeline.replies.release(record.reply_id, "answer lost", settled=False)
    assert pipeline.replies.claim(record.reply_id, later, lease) is not None
    assert pipeline.replies.mark_failed(record.reply_id, "answer lost", later, in_doubt=True)
    holder = pipeline.replies.live_for(mention_id)
    assert holder is not None
    assert (holder.reply_id, holder.status) == (record.reply_id, ReplyStatus.FAILED)
    with pytest.raises(MentionHeldError):
        pipeline.service.submit(pipeline.request(mention_id, "Another answer"))
    assert pipeline.replies.reopen(record.reply_id)
    doubtful = pipeline.replies.get(record.reply_id)
    assert doubtful is not None
    assert (doubtful.status, doubtful.attempted_at) == (ReplyStatus.APPROVED, later)


def test_a_reply_parked_for_a_refusal_frees_its_mention_and_forgets_the_attempt(
    pipeline: Pipeline,
) -> None:
    """GIVEN a claimed reply the platform refused, WHEN it is parked (not in doubt), THEN the
    mention is free for another reply and the attempt is forgotten (no lookup on a retry)."""
    mention_id = pipeline.add_mention(Platform.X, "4343")
    record = pipeline.service.submit(pipeline.request(mention_id))
    assert pipeline.replies.claim(record.reply_id, START, pipeline.poster.lease) is not None
    assert pipeline.replies.mark_failed(record.reply_id, "HTTP 403", START)
    parked = pipeline.replies.get(record.reply_id)
    assert parked is not None
    assert (parked.status, parked.attempted_at) == (ReplyStatus.FAILED, None)
    assert pipeline.replies.live_for(mention_id) is None
