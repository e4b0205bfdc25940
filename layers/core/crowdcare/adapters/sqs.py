"""Parking for webhook entries that could not become mentions: an SQS queue an operator reads.

A batched delivery (Meta sends many entries in one POST) is answered 200 so the platform does
not redeliver the good entries; the bad ones must not vanish, so each is sent here whole, with
why it was refused. The queue has an alarm (template.yaml: IngestParkingAlarm).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

    from crowdcare.adapters.platforms.inbound.meta import BadChange


# SQS refuses a message over 256 KiB. A refused entry near the body limit grows when it is
# JSON-escaped inside the message, so its payload is cut to fit rather than failing to park
# (which would be a 500 and a redelivery forever).
MAX_MESSAGE_BYTES = 250_000


class IngestParking:
    """Sends refused webhook entries to the ingest parking queue."""

    def __init__(self, client: SQSClient, queue_url: str, clock: Callable[[], datetime]) -> None:
        self._client = client
        self._queue_url = queue_url
        self._clock = clock

    def park(self, bad: BadChange) -> None:
        """Send one refused change with its reason, location details and payload."""
        message: dict[str, Any] = {
            "platform": bad.platform,
            "reason": bad.reason,
            "details": list(bad.details),
            "entry_index": bad.entry_index,
            "change_index": bad.change_index,
            "parked_at": self._clock().isoformat(),
            "payload": bad.payload,
        }
        body = json.dumps(message)
        if len(body.encode()) > MAX_MESSAGE_BYTES:
            message["payload"] = None
            message["reason"] = f"{bad.reason} (payload too large to park whole: excerpt kept)"
            keep = len(bad.payload)
            while len(body.encode()) > MAX_MESSAGE_BYTES and keep > 0:
                keep //= 2
                message["payload_excerpt"] = bad.payload[:keep]
                body = json.dumps(message)
        self._client.send_message(QueueUrl=self._queue_url, MessageBody=body)
