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
        self._client.send_message(QueueUrl=self._queue_url, MessageBody=json.dumps(message))
