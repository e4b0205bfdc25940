"""The reply pipeline: a responder's answer is posted publicly, and never lost on the way.

    submit ──▶ Replies table (pending) ──▶ ReplyQueue ──▶ ReplyPoster ──▶ platform adapter
                                                           │ posted: record post id/URL, on_posted
                                                           │ 429/5xx/timeout: retried (client
                                                           │   backoff, then SQS redelivery)
                                                           └ refused, or still failing on the
                                                             last delivery: record `failed` with
                                                             the error, message parked in the DLQ
    retry_parked ──▶ DLQ messages back onto the ReplyQueue, records `pending` again

States of a reply record: pending → posting (a delivery holds a short lease) → posted, or back
to pending after a retryable error, or failed (parked). A reply's id is derived from the
mention, the responder and the text, so submitting the same answer twice posts it once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Protocol

from botocore.exceptions import ClientError
from pydantic import Field, field_validator

from crowdcare.adapters.dynamodb.conditional import is_conditional_failure
from crowdcare.adapters.dynamodb.repositories import StoredMention, from_item, to_item
from crowdcare.adapters.platforms.http import PlatformError
from crowdcare.adapters.platforms.outbound import (
    LengthLimit,
    PostedReply,
    Reach,
    ReplyAdapter,
)
from crowdcare.domain.models import Frozen, Mention, Platform

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_sqs import SQSClient

ERROR_MAX_CHARS = 1000


class ReplyStatus(StrEnum):
    PENDING = "pending"
    POSTING = "posting"
    POSTED = "posted"
    FAILED = "failed"


class ReplyRequest(Frozen):
    """A responder's answer to a mention, to be posted publicly (the ReplyQueue message)."""

    mention_id: Annotated[str, Field(min_length=1, max_length=300)]
    responder_id: Annotated[str, Field(min_length=1, max_length=64)]
    text: Annotated[str, Field(min_length=1, max_length=40_000)]
    requested_at: datetime

    @field_validator("requested_at")
    @classmethod
    def _must_be_aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("requested_at must carry a time zone")
        return value

    @property
    def reply_id(self) -> str:
        """Stable per (mention, responder, text): a double submit is one reply."""
        digest = hashlib.sha256(
            "\x00".join((self.mention_id, self.responder_id, self.text)).encode()
        ).hexdigest()
        return f"r-{digest[:32]}"


class ReplyRecord(Frozen):
    """A reply as the Replies table holds it: what was asked, where it is, what came of it."""

    reply_id: str
    mention_id: str
    responder_id: str
    platform: Platform
    text: str
    requested_at: datetime
    status: ReplyStatus = ReplyStatus.PENDING
    attempts: int = 0
    last_error: str | None = None
    failed_at: datetime | None = None
    lease_until: datetime | None = None
    posted: PostedReply | None = None
    reach: Reach | None = None
    reach_read_at: datetime | None = None

    @property
    def request(self) -> ReplyRequest:
        """The request this record was made from (for re-enqueueing)."""
        return ReplyRequest(
            mention_id=self.mention_id,
            responder_id=self.responder_id,
            text=self.text,
            requested_at=self.requested_at,
        )


class UnknownMentionError(LookupError):
    """The reply is for a mention CrowdCare does not have."""


class UnsupportedPlatformError(ValueError):
    """CrowdCare cannot reply on this mention's platform."""


class RetryableReplyError(Exception):
    """Posting failed for now; SQS should deliver the request again later."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PostOutcome(StrEnum):
    POSTED = "posted"
    ALREADY_POSTED = "already_posted"
    IN_PROGRESS = "in_progress"
    PARKED = "parked"


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:ERROR_MAX_CHARS]


# ---------------------------------------------------------------------------- storage


def _status_names() -> dict[str, str]:
    return {"#status": "status"}


class ReplyRepository:
    """The Replies table: one item per reply; `by_mention` and `posted_by_time` indexes."""

    BY_MENTION = "by_mention"
    POSTED_BY_TIME = "posted_by_time"

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    @staticmethod
    def _item(record: ReplyRecord) -> dict[str, Any]:
        values = record.model_dump(mode="json")
        return to_item(values)

    @staticmethod
    def _record(item: dict[str, Any]) -> ReplyRecord:
        values = from_item(item)
        values.pop("posted_at", None)  # the index copy of posted.posted_at
        return ReplyRecord.model_validate(values)

    def _key(self, reply_id: str) -> dict[str, Any]:
        return {"reply_id": {"S": reply_id}}

    def _conditional_update(self, reply_id: str, **kwargs: Any) -> bool:
        try:
            self._client.update_item(TableName=self._table, Key=self._key(reply_id), **kwargs)
        except ClientError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def create(self, record: ReplyRecord) -> bool:
        """Store a new reply; False when a reply with this id already exists."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item=self._item(record),
                ConditionExpression="attribute_not_exists(reply_id)",
            )
        except ClientError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def get(self, reply_id: str) -> ReplyRecord | None:
        """The reply, or None."""
        item = self._client.get_item(
            TableName=self._table, Key=self._key(reply_id), ConsistentRead=True
        ).get("Item")
        return None if item is None else self._record(item)

    def for_mention(self, mention_id: str) -> list[ReplyRecord]:
        """Every reply to a mention, oldest first (what the assignment view shows)."""
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            IndexName=self.BY_MENTION,
            KeyConditionExpression="mention_id = :m",
            ExpressionAttributeValues={":m": {"S": mention_id}},
        )
        return [self._record(item) for page in pages for item in page.get("Items", [])]

    def claim(self, reply_id: str, now: datetime, lease: timedelta) -> bool:
        """Take the reply for one posting attempt; False when it is posted or being posted.

        A lease that ran out (the poster crashed mid-attempt) can be taken over.
        """
        return self._conditional_update(
            reply_id,
            UpdateExpression="SET #status = :posting, lease_until = :until ADD attempts :one",
            ConditionExpression=(
                "#status IN (:pending, :failed) OR (#status = :posting AND lease_until < :now)"
            ),
            ExpressionAttributeNames=_status_names(),
            ExpressionAttributeValues={
                ":posting": {"S": ReplyStatus.POSTING.value},
                ":pending": {"S": ReplyStatus.PENDING.value},
                ":failed": {"S": ReplyStatus.FAILED.value},
                ":until": {"S": (now + lease).isoformat()},
                ":now": {"S": now.isoformat()},
                ":one": {"N": "1"},
            },
        )

    def release(self, reply_id: str, error: str) -> None:
        """Back to pending after a retryable failure, keeping the error for the operator."""
        self._client.update_item(
            TableName=self._table,
            Key=self._key(reply_id),
            UpdateExpression="SET #status = :pending, last_error = :error REMOVE lease_until",
            ConditionExpression="#status = :posting",
            ExpressionAttributeNames=_status_names(),
            ExpressionAttributeValues={
                ":pending": {"S": ReplyStatus.PENDING.value},
                ":posting": {"S": ReplyStatus.POSTING.value},
                ":error": {"S": error},
            },
        )

    def mark_posted(self, reply_id: str, posted: PostedReply) -> None:
        """Record the published reply; it enters the reach tracker's index."""
        values = to_item(
            {
                ":posted": posted.model_dump(mode="json"),
                ":posted_at": posted.posted_at.isoformat(),
                ":status": ReplyStatus.POSTED.value,
            }
        )
        self._client.update_item(
            TableName=self._table,
            Key=self._key(reply_id),
            UpdateExpression=(
                "SET #status = :status, posted = :posted, posted_at = :posted_at "
                "REMOVE lease_until, failed_at"
            ),
            ExpressionAttributeNames=_status_names(),
            ExpressionAttributeValues=values,
        )

    def mark_failed(self, reply_id: str, error: str, now: datetime) -> None:
        """Park the reply: failed, with the error an operator reads."""
        self._client.update_item(
            TableName=self._table,
            Key=self._key(reply_id),
            UpdateExpression=(
                "SET #status = :failed, last_error = :error, failed_at = :now REMOVE lease_until"
            ),
            ConditionExpression="attribute_exists(reply_id) AND #status <> :posted",
            ExpressionAttributeNames=_status_names(),
            ExpressionAttributeValues={
                ":failed": {"S": ReplyStatus.FAILED.value},
                ":posted": {"S": ReplyStatus.POSTED.value},
                ":error": {"S": error},
                ":now": {"S": now.isoformat()},
            },
        )

    def reopen(self, reply_id: str) -> bool:
        """A parked reply goes back to pending for another try; False unless it was failed."""
        return self._conditional_update(
            reply_id,
            UpdateExpression="SET #status = :pending REMOVE failed_at",
            ConditionExpression="#status = :failed",
            ExpressionAttributeNames=_status_names(),
            ExpressionAttributeValues={
                ":pending": {"S": ReplyStatus.PENDING.value},
                ":failed": {"S": ReplyStatus.FAILED.value},
            },
        )

    def posted_since(self, since: datetime) -> list[ReplyRecord]:
        """Replies posted at or after `since` (the reach tracker's window)."""
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            IndexName=self.POSTED_BY_TIME,
            KeyConditionExpression="#status = :posted AND posted_at >= :since",
            ExpressionAttributeNames=_status_names(),
            ExpressionAttributeValues={
                ":posted": {"S": ReplyStatus.POSTED.value},
                ":since": {"S": since.isoformat()},
            },
        )
        return [self._record(item) for page in pages for item in page.get("Items", [])]

    def record_reach(self, reply_id: str, reach: Reach, read_at: datetime) -> None:
        """Store the latest likes/reposts/replies of a posted reply."""
        self._client.update_item(
            TableName=self._table,
            Key=self._key(reply_id),
            UpdateExpression="SET reach = :reach, reach_read_at = :read_at",
            ConditionExpression="attribute_exists(reply_id)",
            ExpressionAttributeValues=to_item(
                {":reach": reach.model_dump(mode="json"), ":read_at": read_at.isoformat()}
            ),
        )


# ---------------------------------------------------------------------------- queues


class ReplyQueue(Protocol):
    def send(self, request: ReplyRequest) -> None: ...


class ParkingLot(Protocol):
    def park(self, request: ReplyRequest, error: str) -> None: ...


class SqsReplyQueue:
    """The ReplyQueue: requests waiting to be posted."""

    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._client = client
        self._url = queue_url

    def send(self, request: ReplyRequest) -> None:
        """Enqueue a request for the poster."""
        self._client.send_message(QueueUrl=self._url, MessageBody=request.model_dump_json())


class SqsParkingLot:
    """The ReplyDeadLetterQueue: parked requests, each with its error, until an operator acts."""

    def __init__(self, client: SQSClient, dead_letter_queue_url: str) -> None:
        self._client = client
        self._url = dead_letter_queue_url

    def park(self, request: ReplyRequest, error: str) -> None:
        """Set a request aside with the reason it could not be posted."""
        self._client.send_message(
            QueueUrl=self._url,
            MessageBody=request.model_dump_json(),
            MessageAttributes={"error": {"DataType": "String", "StringValue": error}},
        )


# ---------------------------------------------------------------------------- services


class MentionLookup(Protocol):
    def get(self, mention_id: str) -> StoredMention | None: ...


OnPosted = Callable[[PostedReply, ReplyRequest], None]


def ignore_posted(posted: PostedReply, request: ReplyRequest) -> None:
    """The default `on_posted` hook: nothing else needs to know."""


@dataclass
class ReplyService:
    """Accepts a responder's reply: checks it fits, stores it pending and enqueues it."""

    mentions: MentionLookup
    replies: ReplyRepository
    queue: ReplyQueue
    limits: Mapping[Platform, LengthLimit]

    def submit(self, request: ReplyRequest) -> ReplyRecord:
        """Store and enqueue a reply; the same reply submitted again is not posted twice.

        Raises `UnknownMentionError`, `UnsupportedPlatformError` or `ReplyTooLongError`
        (which names the platform's limit) before anything is stored.
        """
        stored = self.mentions.get(request.mention_id)
        if stored is None:
            raise UnknownMentionError(f"no mention {request.mention_id}")
        platform = stored.mention.platform
        limit = self.limits.get(platform)
        if limit is None:
            raise UnsupportedPlatformError(f"replies on {platform.value} are not supported")
        limit.check(platform, request.text)
        record = ReplyRecord(
            reply_id=request.reply_id,
            mention_id=request.mention_id,
            responder_id=request.responder_id,
            platform=platform,
            text=request.text,
            requested_at=request.requested_at,
        )
        if not self.replies.create(record):
            existing = self.replies.get(record.reply_id)
            assert existing is not None
            if existing.status is not ReplyStatus.PENDING:
                return existing  # posted, being posted, or parked for an operator
            record = existing  # a submit whose enqueue failed: enqueue again
        self.queue.send(request)
        return record


@dataclass
class ReplyPoster:
    """Posts one queued reply through its platform's adapter (one SQS delivery)."""

    mentions: MentionLookup
    replies: ReplyRepository
    adapters: Callable[[Platform], ReplyAdapter | None]
    parking: ParkingLot
    clock: Callable[[], datetime]
    max_receive_count: int
    on_posted: OnPosted = ignore_posted
    lease: timedelta = field(default=timedelta(minutes=2))

    def post(self, request: ReplyRequest, receive_count: int = 1) -> PostOutcome:
        """Post the reply, or park it; raise `RetryableReplyError` for SQS to redeliver.

        `receive_count` is the message's ApproximateReceiveCount: on the last delivery the
        queue allows, a still-failing reply is parked rather than retried. `on_posted` runs
        after the record says posted, and again if the message is delivered again, so the
        hook must be idempotent.
        """
        record = self.replies.get(request.reply_id)
        if record is not None and record.status is ReplyStatus.POSTED:
            assert record.posted is not None
            self.on_posted(record.posted, request)
            return PostOutcome.ALREADY_POSTED
        stored = self.mentions.get(request.mention_id)
        if stored is None:
            return self._park(request, f"no mention {request.mention_id}", record is not None)
        if record is None:
            # Enqueued without a record (by hand, or restored from an old DLQ): make one.
            self.replies.create(
                ReplyRecord(
                    reply_id=request.reply_id,
                    mention_id=request.mention_id,
                    responder_id=request.responder_id,
                    platform=stored.mention.platform,
                    text=request.text,
                    requested_at=request.requested_at,
                )
            )
        if not self.replies.claim(request.reply_id, self.clock(), self.lease):
            return PostOutcome.IN_PROGRESS  # another delivery holds it, or it was just posted
        return self._attempt(request, stored.mention, receive_count)

    def _attempt(self, request: ReplyRequest, mention: Mention, receive_count: int) -> PostOutcome:
        adapter = self.adapters(mention.platform)
        if adapter is None:
            return self._park(request, f"no reply adapter configured for {mention.platform.value}")
        try:
            posted = adapter.post_reply(mention, request.text, idempotency_key=request.reply_id)
        except PlatformError as exc:
            if exc.retryable and receive_count < self.max_receive_count:
                self.replies.release(request.reply_id, _error_text(exc))
                raise RetryableReplyError(_error_text(exc), exc.retry_after) from exc
            suffix = f" (still failing after {receive_count} deliveries)" if exc.retryable else ""
            return self._park(request, _error_text(exc) + suffix)
        except ValueError as exc:  # too long, a bad target id, a malformed answer
            return self._park(request, _error_text(exc))
        self.replies.mark_posted(request.reply_id, posted)
        self.on_posted(posted, request)
        return PostOutcome.POSTED

    def _park(self, request: ReplyRequest, error: str, has_record: bool = True) -> PostOutcome:
        if has_record:
            self.replies.mark_failed(request.reply_id, error, self.clock())
        self.parking.park(request, error)
        return PostOutcome.PARKED


@dataclass(frozen=True)
class RetriedReplies:
    """What `retry_parked` did."""

    requeued: tuple[str, ...]
    left_parked: int


def retry_parked(
    sqs: SQSClient,
    dead_letter_queue_url: str,
    queue: ReplyQueue,
    replies: ReplyRepository,
    reply_ids: Collection[str] | None = None,
) -> RetriedReplies:
    """For an operator: put parked replies (all, or those in `reply_ids`) back on the queue.

    Each one's record goes back to pending and its message leaves the dead-letter queue.
    Messages not chosen stay parked, untouched.
    """
    requeued: list[str] = []
    skipped: list[str] = []  # receipt handles to release at the end
    while True:
        messages = sqs.receive_message(
            QueueUrl=dead_letter_queue_url,
            MaxNumberOfMessages=10,
            VisibilityTimeout=60,
            WaitTimeSeconds=0,
        ).get("Messages", [])
        if not messages:
            break
        for message in messages:
            request = ReplyRequest.model_validate_json(message["Body"])
            if reply_ids is not None and request.reply_id not in reply_ids:
                skipped.append(message["ReceiptHandle"])
                continue
            replies.reopen(request.reply_id)
            queue.send(request)
            sqs.delete_message(
                QueueUrl=dead_letter_queue_url, ReceiptHandle=message["ReceiptHandle"]
            )
            requeued.append(request.reply_id)
    for handle in skipped:
        sqs.change_message_visibility(
            QueueUrl=dead_letter_queue_url, ReceiptHandle=handle, VisibilityTimeout=0
        )
    return RetriedReplies(requeued=tuple(requeued), left_parked=len(skipped))


@dataclass(frozen=True)
class ReachRun:
    """One reach-tracking run: how many replies were read, and which could not be."""

    read: int
    failed: tuple[str, ...]
    unconfigured: int


@dataclass
class ReachTracker:
    """Reads likes, reposts and replies of every reply posted within the window."""

    replies: ReplyRepository
    adapters: Callable[[Platform], ReplyAdapter | None]
    clock: Callable[[], datetime]
    window: timedelta

    def run(self) -> ReachRun:
        """Refresh the reach of recent replies; one platform failing does not stop the rest."""
        now = self.clock()
        read, failed, unconfigured = 0, [], 0
        for record in self.replies.posted_since(now - self.window):
            adapter = self.adapters(record.platform)
            if adapter is None or record.posted is None:
                unconfigured += 1
                continue
            try:
                reach = adapter.reach(record.posted)
            except PlatformError as exc:
                failed.append(f"{record.reply_id}: {_error_text(exc)}")
                continue
            self.replies.record_reach(record.reply_id, reach, now)
            read += 1
        return ReachRun(read=read, failed=tuple(failed), unconfigured=unconfigured)
