"""Lambda's event source mappings, locally: DynamoDB stream records and SQS messages are
pumped into their functions from a background thread, with Lambda's batching, filtering,
partial-batch failures, retries and on-failure destinations.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crowdcare_local.runtime import LocalLambdaRuntime
from crowdcare_local.template import REGION, PhysicalResource

logger = logging.getLogger(__name__)

PUMP_INTERVAL_SECONDS = 0.02


@dataclass
class EventSource:
    """One event source mapping of the template: a stream or a queue feeding a function."""

    function: str
    kind: str  # "DynamoDB" or "SQS"
    source_arn: str
    batch_size: int
    filters: list[dict[str, Any]] = field(default_factory=list)
    max_retries: int = 3
    on_failure_queue_arn: str | None = None
    queue_url: str | None = None
    shard_iterators: dict[str, str] = field(default_factory=dict)


class EventPump:
    """Delivers stream records and queue messages to the functions that consume them."""

    def __init__(
        self,
        sources: list[EventSource],
        runtime: LocalLambdaRuntime,
        client: Callable[[str], Any],
        resources: Mapping[str, PhysicalResource],
    ) -> None:
        self._sources = sources
        self._runtime = runtime
        self._client = client
        self._resources = resources  # to find an on-failure destination's queue URL
        self._stop = threading.Event()
        self._busy = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Pump from a daemon thread until `stop()`."""
        self._thread = threading.Thread(
            target=self._pump_forever, name="event-sources", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _pump_forever(self) -> None:
        while not self._stop.is_set():
            try:
                moved = self.pump_once()
            except Exception:
                logger.exception("event source pump failed; retrying")
                moved = 0
            if not moved:
                self._stop.wait(PUMP_INTERVAL_SECONDS)

    def pump_once(self) -> int:
        """Deliver one round of stream records and queue messages; returns how many moved."""
        moved = 0
        with self._busy:
            for source in self._sources:
                if source.kind == "DynamoDB":
                    moved += self._pump_stream(source)
                else:
                    moved += self._pump_queue(source)
        return moved

    def _pump_stream(self, source: EventSource) -> int:
        streams = self._client("dynamodbstreams")
        if not source.shard_iterators:
            shards = streams.describe_stream(StreamArn=source.source_arn)["StreamDescription"][
                "Shards"
            ]
            for shard in shards:
                source.shard_iterators[shard["ShardId"]] = streams.get_shard_iterator(
                    StreamArn=source.source_arn,
                    ShardId=shard["ShardId"],
                    ShardIteratorType="TRIM_HORIZON",
                )["ShardIterator"]
        moved = 0
        for shard_id, iterator in list(source.shard_iterators.items()):
            response = streams.get_records(ShardIterator=iterator, Limit=source.batch_size)
            source.shard_iterators[shard_id] = response["NextShardIterator"]
            records = [stream_record_event(r, source.source_arn) for r in response["Records"]]
            records = [r for r in records if matches_filter(r, source.filters)]
            if records:
                moved += len(records)
                self._deliver_stream_batch(source, records)
        return moved

    def _deliver_stream_batch(self, source: EventSource, records: list[dict[str, Any]]) -> None:
        for _attempt in range(source.max_retries + 1):
            try:
                result = self._runtime.invoke(source.function, {"Records": records})
            except Exception:
                logger.exception("stream batch failed in %s", source.function)
                continue
            failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
            if not failed:
                return
            records = [r for r in records if r["dynamodb"]["SequenceNumber"] in failed]
        if source.on_failure_queue_arn:
            url = next(
                r.ref
                for r in self._resources.values()
                if r.attributes.get("Arn") == source.on_failure_queue_arn
            )
            self._client("sqs").send_message(
                QueueUrl=url,
                MessageBody=json.dumps(
                    {"function": source.function, "records": records}, default=str
                ),
            )

    def _pump_queue(self, source: EventSource) -> int:
        assert source.queue_url is not None
        sqs = self._client("sqs")
        messages = sqs.receive_message(
            QueueUrl=source.queue_url,
            MaxNumberOfMessages=min(source.batch_size, 10),
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        event = {
            "Records": [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": m.get("Attributes", {}),
                    "messageAttributes": m.get("MessageAttributes", {}),
                    "md5OfBody": m["MD5OfBody"],
                    "eventSource": "aws:sqs",
                    "eventSourceARN": source.source_arn,
                    "awsRegion": REGION,
                }
                for m in messages
            ]
        }
        try:
            result = self._runtime.invoke(source.function, event)
            failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
        except Exception:
            logger.exception("queue batch failed in %s", source.function)
            failed = {m["MessageId"] for m in messages}
        for message in messages:
            if message["MessageId"] in failed:
                # Locally a failed message is retried at once instead of after the visibility
                # timeout; the redrive policy still moves it to the DLQ after maxReceiveCount.
                sqs.change_message_visibility(
                    QueueUrl=source.queue_url,
                    ReceiptHandle=message["ReceiptHandle"],
                    VisibilityTimeout=0,
                )
            else:
                sqs.delete_message(
                    QueueUrl=source.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
        return len(messages)


def stream_record_event(record: dict[str, Any], stream_arn: str) -> dict[str, Any]:
    """A DynamoDB Streams record (as boto3 returns it) in Lambda's event shape."""
    body = dict(record["dynamodb"])
    created = body.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        body["ApproximateCreationDateTime"] = created.timestamp()
    return {
        "eventID": record["eventID"],
        "eventName": record["eventName"],
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": "aws:dynamodb",
        "awsRegion": record.get("awsRegion", REGION),
        "dynamodb": body,
        "eventSourceARN": stream_arn,
    }


def matches_filter(record: dict[str, Any], patterns: list[dict[str, Any]]) -> bool:
    """Lambda event filtering, for the simple patterns the template uses (field: [values])."""
    if not patterns:
        return True

    def match(value: Any, pattern: Any) -> bool:
        if isinstance(pattern, dict):
            return isinstance(value, dict) and all(
                match(value.get(k), p) for k, p in pattern.items()
            )
        if isinstance(pattern, list):
            return value in pattern
        return bool(value == pattern)

    return any(match(record, pattern) for pattern in patterns)
