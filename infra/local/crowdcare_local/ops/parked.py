"""What waits in the parking queues, and putting it back to work.

Every failure CrowdCare cannot retry by itself ends in one of these queues, whole and with its
reason. Listing receives the messages for a moment and lets them go again (SQS has no peek);
replaying handles each message and deletes it only once it was replayed or found already
handled, so a replay that fails leaves the message parked, and running a replay twice does
nothing the second time.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from botocore.exceptions import ClientError
from crowdcare.adapters.dynamodb.assignments import AssignmentRepository
from crowdcare.adapters.dynamodb.conditional import is_conditional_failure
from crowdcare.adapters.dynamodb.replies import ReplyRepository
from crowdcare.adapters.dynamodb.repositories import (
    MentionRepository,
    stored_mention_from_item,
)
from crowdcare.adapters.platforms.inbound.errors import InvalidPayloadError
from crowdcare.adapters.platforms.inbound.meta import InboundBatch, parse_meta
from crowdcare.adapters.platforms.inbound.payloads import split_x_activity
from crowdcare.adapters.reply_queues import SqsReplyQueue
from crowdcare.adapters.stepfunctions import StepFunctionsExecutions
from crowdcare.config.analytics_wiring import (
    AnalyticsSettings,
    build_analytics_recorder,
    build_analytics_streams,
)
from crowdcare.config.clock import utc_now
from crowdcare.domain.assignments import AssignmentStatus
from crowdcare.domain.models import Mention, MentionStatus
from crowdcare.domain.replies import ReplyStatus, ReplyTicket
from crowdcare.domain.stored import StoredMention
from crowdcare.services.ingest import IngestService
from crowdcare.services.starter import AssignmentStarter, TriageStarter

from crowdcare_local.ops.target import Target

# How long a listed message stays hidden from others while the listing runs; it is let go
# (made visible again) as soon as the listing is done.
LIST_VISIBILITY_SECONDS = 60
REPLAY_VISIBILITY_SECONDS = 120
MAX_BATCH = 10


class Action(StrEnum):
    REPLAYED = "replayed"
    SKIPPED = "skipped"  # already handled: the message is removed, nothing is done again
    FAILED = "failed"  # could not be replayed: the message stays parked


@dataclass(frozen=True)
class ParkedMessage:
    """One parked message as SQS returned it."""

    message_id: str
    receipt_handle: str
    body: str
    attributes: dict[str, str]
    message_attributes: dict[str, Any]

    def json_body(self) -> Any:
        try:
            return json.loads(self.body)
        except json.JSONDecodeError:
            return self.body


@dataclass(frozen=True)
class Outcome:
    """What a replay did with one message."""

    message_id: str
    key: str
    action: Action
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"id": self.message_id, "key": self.key, "detail": self.detail}


Replayer = Callable[[Target, ParkedMessage], tuple[Action, str]]
Describer = Callable[[ParkedMessage], tuple[str, str]]  # (key, reason)


@dataclass(frozen=True)
class ParkingQueue:
    """A parking queue of the template and how its messages are read and replayed."""

    kind: str
    queue: str  # logical id in template.yaml
    holds: str
    describe: Describer
    replay: Replayer


# ------------------------------------------------------------------------------ reading
def _sqs(target: Target) -> Any:
    return target.clients.client("sqs")


def receive_all(
    target: Target, lot: ParkingQueue, *, visibility: int, limit: int | None = None
) -> list[ParkedMessage]:
    """Receive every message of the queue (up to `limit`), hiding each for `visibility` s."""
    url = target.physical(lot.queue)
    seen: dict[str, ParkedMessage] = {}
    while limit is None or len(seen) < limit:
        batch = (
            _sqs(target)
            .receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=MAX_BATCH,
                VisibilityTimeout=visibility,
                WaitTimeSeconds=0,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            .get("Messages", [])
        )
        fresh = [m for m in batch if m["MessageId"] not in seen]
        if not fresh:
            break
        for message in fresh:
            seen[message["MessageId"]] = ParkedMessage(
                message_id=message["MessageId"],
                receipt_handle=message["ReceiptHandle"],
                body=message["Body"],
                attributes=dict(message.get("Attributes", {})),
                message_attributes=dict(message.get("MessageAttributes", {})),
            )
    return list(seen.values())[:limit] if limit is not None else list(seen.values())


def let_go(target: Target, lot: ParkingQueue, messages: list[ParkedMessage]) -> None:
    """Make received messages visible again at once (they stay parked)."""
    url = target.physical(lot.queue)
    for start in range(0, len(messages), MAX_BATCH):
        chunk = messages[start : start + MAX_BATCH]
        _sqs(target).change_message_visibility_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m.receipt_handle, "VisibilityTimeout": 0}
                for i, m in enumerate(chunk)
            ],
        )


def listing(target: Target, lot: ParkingQueue, limit: int | None = None) -> list[ParkedMessage]:
    """The parked messages, left parked."""
    messages = receive_all(target, lot, visibility=LIST_VISIBILITY_SECONDS, limit=limit)
    let_go(target, lot, messages)
    return messages


def summary(lot: ParkingQueue, message: ParkedMessage) -> dict[str, Any]:
    """One line's worth of a parked message: id, key, reason, when, deliveries."""
    key, reason = lot.describe(message)
    sent = message.attributes.get("SentTimestamp")
    return {
        "id": message.message_id,
        "key": key,
        "reason": reason,
        "parked_at_ms": int(sent) if sent else None,
        "receive_count": int(message.attributes.get("ApproximateReceiveCount", "0")),
    }


def matches(lot: ParkingQueue, message: ParkedMessage, wanted: set[str]) -> bool:
    """A message is chosen by its SQS message id or by its key (mention id, reply id...)."""
    return message.message_id in wanted or lot.describe(message)[0] in wanted


def depth(target: Target, lot: ParkingQueue) -> int:
    """Messages parked (visible or being looked at)."""
    attributes = _sqs(target).get_queue_attributes(
        QueueUrl=target.physical(lot.queue),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes.get("ApproximateNumberOfMessages", 0)) + int(
        attributes.get("ApproximateNumberOfMessagesNotVisible", 0)
    )


# ------------------------------------------------------------------------------ replaying
def replay(
    target: Target,
    lot: ParkingQueue,
    wanted: set[str] | None,
    on_message: Callable[[Outcome], None] | None = None,
) -> Iterator[Outcome]:
    """Replay the chosen messages (all when `wanted` is None); yields one outcome each."""
    messages = receive_all(target, lot, visibility=REPLAY_VISIBILITY_SECONDS)
    chosen = [m for m in messages if wanted is None or matches(lot, m, wanted)]
    let_go(target, lot, [m for m in messages if m not in chosen])
    url = target.physical(lot.queue)
    for message in chosen:
        key = lot.describe(message)[0]
        try:
            action, detail = lot.replay(target, message)
        except (ClientError, ValueError, KeyError) as error:
            action, detail = Action.FAILED, f"{type(error).__name__}: {error}"
        if action is Action.FAILED:
            let_go(target, lot, [message])
        else:
            _sqs(target).delete_message(QueueUrl=url, ReceiptHandle=message.receipt_handle)
        outcome = Outcome(message.message_id, key, action, detail)
        if on_message is not None:
            on_message(outcome)
        yield outcome


# ------------------------------------------------------------------------------ triage
def _describe_triage(message: ParkedMessage) -> tuple[str, str]:
    body = message.json_body()
    mention = body.get("mention", {}) if isinstance(body, dict) else {}
    error = body.get("error", {}) if isinstance(body, dict) else {}
    key = f"{mention.get('platform', '?')}#{mention.get('post_id', '?')}"
    cause = str(error.get("Cause", ""))[:160]
    return key, f"{error.get('Error', 'unknown error')}: {cause}".rstrip(": ")


def _set_status_if(target: Target, mention_id: str, current: str, new: str) -> bool:
    """Claim the mention for a replay: move it from `current` to `new` status (False if it was
    not `current`, so two operators start one replay, not two), with a fresh count of the
    sweeper's re-drives. The indexes are the repository's business: see `_claim`."""
    try:
        target.clients.dynamodb.update_item(
            TableName=target.physical("MentionsTable"),
            Key={"mention_id": {"S": mention_id}},
            UpdateExpression="SET #status = :new, status_detail = :detail REMOVE redrives",
            ConditionExpression="#status = :current",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":new": {"S": new},
                ":current": {"S": current},
                ":detail": {"S": REPLAYED_DETAIL},
            },
        )
    except ClientError as error:
        if is_conditional_failure(error):
            return False
        raise
    return True


REPLAYED_DETAIL = "replayed by an operator"


def _claim(
    target: Target, mentions: MentionRepository, mention_id: str, new: MentionStatus
) -> bool:
    """Take a parked mention for a replay into `new`; False when someone else took it.

    After the conditional claim, the status is set again through the repository, which keeps
    the open-status index (the sweeper's) and the queue index in step with it: a replayed
    mention that gets stuck again is found by the sweeper, never invisible to it.
    """
    if not _set_status_if(target, mention_id, MentionStatus.PARKED.value, new.value):
        return False
    mentions.set_status(mention_id, new, REPLAYED_DETAIL)
    return True


def _mentions(target: Target) -> MentionRepository:
    return MentionRepository(target.clients.dynamodb, target.physical("MentionsTable"))


def _replay_triage(target: Target, message: ParkedMessage) -> tuple[Action, str]:
    body = message.json_body()
    mention = Mention.model_validate(body["mention"])
    mentions = _mentions(target)
    stored = mentions.get(mention.mention_id)
    if stored is None:
        return Action.FAILED, "the mention is not in the Mentions table"
    if stored.status is not MentionStatus.PARKED:
        return Action.SKIPPED, f"already handled (status {stored.status.value})"
    return _restart_triage(target, mentions, stored, f"replay{message.message_id[:8]}")


def _restart_triage(
    target: Target, mentions: MentionRepository, stored: StoredMention, attempt: str
) -> tuple[Action, str]:
    """Claim a parked mention back into `received` and start its triage again."""
    mention_id = stored.mention.mention_id
    if not _claim(target, mentions, mention_id, MentionStatus.RECEIVED):
        return Action.SKIPPED, "already being replayed"
    starter = TriageStarter(
        StepFunctionsExecutions(target.clients.stepfunctions, target.physical("TriageStateMachine"))
    )
    try:
        execution = starter.start(stored.mention, attempt=attempt)
    except ClientError:
        mentions.set_status(mention_id, MentionStatus.PARKED, "replay could not start triage")
        raise
    return Action.REPLAYED, f"triage started again ({execution.rsplit(':', 1)[-1]})"


# ------------------------------------------------------------------------------ ingest
META_PLATFORMS = {"facebook", "instagram"}


def _describe_ingest(message: ParkedMessage) -> tuple[str, str]:
    body = message.json_body()
    if not isinstance(body, dict):
        return "?", "unreadable message"
    # An X message's entry_index is the tweet's place in its delivery.
    where = f"{'tweet' if body.get('platform') == 'x' else 'entry'} {body.get('entry_index')}"
    if body.get("change_index") is not None:
        where += f" change {body['change_index']}"
    details = "; ".join(f"{d.get('loc')}: {d.get('msg')}" for d in body.get("details", []))
    return f"{body.get('platform', '?')} {where}", f"{body.get('reason', '?')} ({details})"


def _parked_batch(body: dict[str, Any]) -> InboundBatch | None:
    """The parked entry split again as its webhook would now (None: no replay for it)."""
    platform = body.get("platform")
    if body.get("payload") is None:
        # Too large for the queue: only an excerpt was parked (see `parked show`).
        raise InvalidPayloadError([{"loc": "payload", "msg": "only an excerpt was parked"}])
    if platform == "x":
        # The payload is a one-tweet delivery with its for_user_id, as the webhook parked it.
        return split_x_activity(body["payload"].encode())
    if platform in META_PLATFORMS:
        payload = json.loads(body["payload"])
        envelope = {"object": payload["object"], "entry": [payload["entry"]]}
        return parse_meta(json.dumps(envelope).encode())
    return None


def _replay_ingest(target: Target, message: ParkedMessage) -> tuple[Action, str]:
    body = message.json_body()
    try:
        batch = _parked_batch(body)
    except InvalidPayloadError as error:
        return Action.FAILED, f"still refused: {error}"
    if batch is None:
        return Action.FAILED, f"no replay for {body.get('platform')} entries"
    if batch.bad:
        return Action.FAILED, f"still refused: {batch.bad[0].reason}"
    if not batch.mentions:
        return Action.SKIPPED, "not a mention (ignored by the parser now)"
    mentions = MentionRepository(target.clients.dynamodb, target.physical("MentionsTable"))
    result = IngestService(mentions, clock=utc_now).ingest(batch.mentions)
    if result.accepted == 0:
        return Action.SKIPPED, f"already stored ({', '.join(result.mention_ids)})"
    return Action.REPLAYED, f"stored {', '.join(result.mention_ids)}"


# ------------------------------------------------------------------------------ replies
def _describe_reply(message: ParkedMessage) -> tuple[str, str]:
    error = message.message_attributes.get("error", {}).get("StringValue", "")
    try:
        request = ReplyTicket.model_validate_json(message.body)
    except ValueError:
        return "?", error or "unreadable reply ticket"
    return request.reply_id, error or "failed after its deliveries"


def _replay_reply(target: Target, message: ParkedMessage) -> tuple[Action, str]:
    request = ReplyTicket.model_validate_json(message.body)
    replies = ReplyRepository(target.clients.dynamodb, target.physical("RepliesTable"))
    record = replies.get(request.reply_id)
    if record is None:
        return Action.FAILED, "no record of this reply in the Replies table"
    if record.status is ReplyStatus.POSTED:
        url = record.posted.url if record.posted is not None else ""
        return Action.SKIPPED, f"already posted {url}".rstrip()
    replies.reopen(request.reply_id)  # failed -> approved; a no-op for any other status
    SqsReplyQueue(_sqs(target), target.physical("ReplyQueue")).send(request)
    return Action.REPLAYED, "back on the reply queue"


# ------------------------------------------------------------------------------ notifications
def _describe_notice(message: ParkedMessage) -> tuple[str, str]:
    body = message.json_body()
    if not isinstance(body, dict):
        return "?", "unreadable notice"
    return f"{body.get('mention_id')} -> {body.get('responder_id')}", "failed 5 deliveries"


def _replay_notice(target: Target, message: ParkedMessage) -> tuple[Action, str]:
    body = message.json_body()
    assignments = target.clients.dynamodb.get_item(
        TableName=target.physical("AssignmentsTable"),
        Key={"mention_id": {"S": str(body["mention_id"])}},
        ConsistentRead=True,
    ).get("Item")
    current = assignments or {}
    still_open = current.get("status", {}).get("S") == "open" and current.get(
        "responder_id", {}
    ).get("S") == body.get("responder_id")
    if not still_open:
        return Action.SKIPPED, "the assignment is no longer open for this responder"
    _sqs(target).send_message(
        QueueUrl=target.physical("NotificationsQueue"), MessageBody=message.body
    )
    return Action.REPLAYED, "back on the notifications queue (sent once per assignment)"


# ------------------------------------------------------------------------------ async failures
def _describe_async(message: ParkedMessage) -> tuple[str, str]:
    body = message.json_body()
    if not isinstance(body, dict):
        return "?", "unreadable record"
    arn = str(body.get("requestContext", {}).get("functionArn", "?"))
    # The function's name, without a version or alias qualifier.
    function = arn.rsplit(":function:", maxsplit=1)[-1].partition(":")[0]
    response = body.get("responsePayload") or {}
    error = f"{response.get('errorType', '')}: {response.get('errorMessage', '')}".strip(": ")
    return function, error or str(body.get("requestContext", {}).get("condition", "failed"))


def _replay_async(target: Target, message: ParkedMessage) -> tuple[Action, str]:
    body = message.json_body()
    function_arn = body["requestContext"]["functionArn"]
    target.clients.client("lambda").invoke(
        FunctionName=function_arn,
        InvocationType="Event",
        Payload=json.dumps(body.get("requestPayload", {})).encode(),
    )
    return Action.REPLAYED, "invoked again (asynchronously)"


# ------------------------------------------------------------------------------ stream
def _describe_stream(message: ParkedMessage) -> tuple[str, str]:
    body = message.json_body()
    if not isinstance(body, dict):
        return "?", "unreadable record"
    info = body.get("DDBStreamBatchInfo", {})
    if info:
        key = f"{info.get('shardId')} {info.get('startSequenceNumber')}..."
        return key, str(body.get("requestContext", {}).get("condition", "failed"))
    return str(body.get("function", "?")), f"{len(body.get('records', []))} stream records"


def _stream_records(target: Target, body: dict[str, Any]) -> list[dict[str, Any]]:
    """The stream records a failure record stands for: carried whole by the local stack; in
    AWS, read back from the stream by their shard and sequence range (kept 24 hours)."""
    if "records" in body:
        return list(body["records"])
    info = body["DDBStreamBatchInfo"]
    streams = target.clients.client("dynamodbstreams")
    iterator = streams.get_shard_iterator(
        StreamArn=info["streamArn"],
        ShardId=info["shardId"],
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        SequenceNumber=info["startSequenceNumber"],
    )["ShardIterator"]
    last = int(info["endSequenceNumber"])
    records: list[dict[str, Any]] = []
    while iterator:
        page = streams.get_records(ShardIterator=iterator, Limit=100)
        for record in page["Records"]:
            if int(record["dynamodb"]["SequenceNumber"]) > last:
                return records
            records.append(record)
        if not page["Records"]:
            break
        iterator = page.get("NextShardIterator")
    return records


def _replay_stream(target: Target, message: ParkedMessage) -> tuple[Action, str]:
    records = [
        r for r in _stream_records(target, message.json_body()) if r.get("eventName") == "INSERT"
    ]
    if not records:
        return Action.FAILED, "the stream no longer holds these records (kept 24 hours)"
    mentions = MentionRepository(target.clients.dynamodb, target.physical("MentionsTable"))
    starter = TriageStarter(
        StepFunctionsExecutions(target.clients.stepfunctions, target.physical("TriageStateMachine"))
    )
    started, handled = [], []
    for record in records:
        mention = stored_mention_from_item(record["dynamodb"]["NewImage"]).mention
        stored = mentions.get(mention.mention_id)
        # Triage moves a mention on from `received`: anything else was handled already.
        if stored is None or stored.status is not MentionStatus.RECEIVED:
            handled.append(mention.mention_id)
            continue
        starter.start(stored.mention, attempt=f"replay{message.message_id[:8]}")
        started.append(mention.mention_id)
    if not started:
        return Action.SKIPPED, f"already handled: {', '.join(handled)}"
    return Action.REPLAYED, f"triage started for {', '.join(started)}"


def _replay_analytics(target: Target, message: ParkedMessage) -> tuple[Action, str]:
    """Count a stream batch analytics gave up on. Counting is by fact about a mention, so
    records already counted add nothing: a replay can never count twice."""
    body = message.json_body()
    records = _stream_records(target, body)
    if not records:
        return Action.FAILED, "the stream no longer holds these records (kept 24 hours)"
    stream_arn = str(body.get("DDBStreamBatchInfo", {}).get("streamArn", ""))
    settings = AnalyticsSettings(
        aggregates_table=target.physical("AggregatesTable"),
        mentions_table=target.physical("MentionsTable"),
        audit_table=target.physical("AuditTable"),
        responders_table=target.physical("RespondersTable"),
        routing_rules_parameter=target.physical("RoutingRulesParameter"),
    )
    streams = build_analytics_streams(settings)
    recorder = build_analytics_recorder(settings, target.clients)
    writes = 0
    for record in records:
        event = streams.event({"eventSourceARN": stream_arn, **record})
        if event is not None:
            writes += recorder.record(event)
    if writes == 0:
        return Action.SKIPPED, f"already counted ({len(records)} stream records)"
    return Action.REPLAYED, f"counted {len(records)} stream records ({writes} writes)"


# ------------------------------------------------------------------------------ swept mentions
# The sweeper parks a mention in the Mentions table itself (status `parked`, its reason as the
# status detail, which starts with this), not in a queue: these are listed and replayed here.
SWEPT = "swept"
SWEEPER_PREFIX = "sweeper:"


@dataclass(frozen=True)
class SweptMention:
    """A mention the sweeper parked: its id, why, and since when."""

    mention_id: str
    reason: str
    since: str

    def as_dict(self) -> dict[str, str]:
        return {
            "id": self.mention_id,
            "key": self.mention_id,
            "reason": self.reason,
            "since": self.since,
        }


def swept_mentions(target: Target, limit: int | None = None) -> list[SweptMention]:
    """Every mention the sweeper parked. ADMIN ONLY: a paginated filtered Scan of the Mentions
    table (an operator's command, never on a per-mention path)."""
    paginator = target.clients.dynamodb.get_paginator("scan")
    found: list[SweptMention] = []
    for page in paginator.paginate(
        TableName=target.physical("MentionsTable"),
        FilterExpression="#status = :parked AND begins_with(status_detail, :sweeper)",
        ProjectionExpression="mention_id, status_detail, status_since",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={
            ":parked": {"S": MentionStatus.PARKED.value},
            ":sweeper": {"S": SWEEPER_PREFIX},
        },
    ):
        for item in page.get("Items", []):
            found.append(
                SweptMention(
                    item["mention_id"]["S"],
                    item.get("status_detail", {}).get("S", ""),
                    item.get("status_since", {}).get("S", ""),
                )
            )
            if limit is not None and len(found) >= limit:
                return found
    return sorted(found, key=lambda m: m.since)


def replay_swept(
    target: Target,
    wanted: set[str] | None,
    on_message: Callable[[Outcome], None] | None = None,
) -> Iterator[Outcome]:
    """Re-drive the chosen mentions the sweeper parked (all when `wanted` is None)."""
    chosen = (
        sorted(wanted) if wanted is not None else [m.mention_id for m in swept_mentions(target)]
    )
    for mention_id in chosen:
        try:
            action, detail = _replay_swept(target, mention_id)
        except (ClientError, ValueError, KeyError) as error:
            action, detail = Action.FAILED, f"{type(error).__name__}: {error}"
        outcome = Outcome(mention_id, mention_id, action, detail)
        if on_message is not None:
            on_message(outcome)
        yield outcome


def _replay_swept(target: Target, mention_id: str) -> tuple[Action, str]:
    """Start again what the sweeper gave up on: triage for a mention never triaged, else the
    assignment workflow with the stored triage (an assignment the dead workflow left open is
    closed first, giving the responder's slot back)."""
    mentions = _mentions(target)
    stored = mentions.get(mention_id)
    if stored is None:
        return Action.FAILED, "the mention is not in the Mentions table"
    if stored.status is not MentionStatus.PARKED:
        return Action.SKIPPED, f"already handled (status {stored.status.value})"
    attempt = f"replay{utc_now():%m%d%H%M%S}"
    triage = stored.triage
    if triage is None:
        return _restart_triage(target, mentions, stored, attempt)
    assignments = AssignmentRepository(
        target.clients.dynamodb,
        target.physical("AssignmentsTable"),
        target.physical("RespondersTable"),
    )
    if not _claim(target, mentions, mention_id, MentionStatus.TRIAGED):
        return Action.SKIPPED, "already being replayed"
    open_one = assignments.get(mention_id)
    if open_one is not None and open_one.status is AssignmentStatus.OPEN:
        assignments.release(mention_id, AssignmentStatus.EXPIRED, open_one.attempt)
    starter = AssignmentStarter(
        StepFunctionsExecutions(
            target.clients.stepfunctions, target.physical("AssignmentStateMachine")
        )
    )
    try:
        execution = starter.start(stored.mention, triage.priority, triage.decision, attempt)
    except ClientError:
        mentions.set_status(mention_id, MentionStatus.PARKED, "replay could not start assignment")
        raise
    return Action.REPLAYED, f"assignment started again ({execution.rsplit(':', 1)[-1]})"


PARKING_QUEUES: dict[str, ParkingQueue] = {
    lot.kind: lot
    for lot in (
        ParkingQueue(
            "triage",
            "TriageParkingQueue",
            "triage cases that failed",
            _describe_triage,
            _replay_triage,
        ),
        ParkingQueue(
            "ingest",
            "IngestParkingQueue",
            "webhook entries that could not be stored",
            _describe_ingest,
            _replay_ingest,
        ),
        ParkingQueue(
            "replies",
            "ReplyDeadLetterQueue",
            "replies that could not be posted",
            _describe_reply,
            _replay_reply,
        ),
        ParkingQueue(
            "notifications",
            "NotificationsDeadLetterQueue",
            "notices that could not be sent",
            _describe_notice,
            _replay_notice,
        ),
        ParkingQueue(
            "async",
            "AsyncFailureQueue",
            "failed scheduled or SNS-invoked functions",
            _describe_async,
            _replay_async,
        ),
        ParkingQueue(
            "stream",
            "StreamFailureQueue",
            "Mentions stream batches the starter gave up on",
            _describe_stream,
            _replay_stream,
        ),
        ParkingQueue(
            "analytics",
            "AnalyticsFailureQueue",
            "stream batches analytics could not count",
            _describe_stream,
            _replay_analytics,
        ),
    )
}
