"""Ingest parking: a refused entry always parks, however large it is."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from crowdcare.adapters.platforms.inbound.meta import BadChange
from crowdcare.adapters.sqs import MAX_MESSAGE_BYTES, IngestParking


class RecordingSqs:
    """An SQS client that keeps what it was sent."""

    def __init__(self) -> None:
        self.bodies: list[str] = []

    def send_message(self, QueueUrl: str, MessageBody: str) -> dict[str, Any]:  # noqa: N803
        self.bodies.append(MessageBody)
        return {"MessageId": str(len(self.bodies))}


def _bad(payload: str) -> BadChange:
    return BadChange(
        entry_index=0,
        change_index=None,
        reason="invalid tweet",
        details=[],
        platform="x",
        payload=payload,
    )


def test_an_entry_too_large_for_sqs_parks_with_an_excerpt_and_says_so() -> None:
    """GIVEN a refused entry whose escaped payload exceeds SQS's limit WHEN it is parked THEN the
    message fits, keeps the start of the payload, and its reason says it was cut."""
    sqs = RecordingSqs()
    parking = IngestParking(sqs, "q", lambda: datetime(2026, 1, 1, tzinfo=UTC))  # type: ignore[arg-type]
    parking.park(_bad('"' * 200_000))  # every quote doubles when JSON-escaped
    [body] = sqs.bodies
    message = json.loads(body)
    assert len(body.encode()) <= MAX_MESSAGE_BYTES
    assert message["payload"] is None
    assert message["payload_excerpt"] and set(message["payload_excerpt"]) == {'"'}
    assert "too large to park whole" in message["reason"]


def test_an_ordinary_entry_parks_whole() -> None:
    """GIVEN a small refused entry WHEN it is parked THEN its payload is kept whole."""
    sqs = RecordingSqs()
    parking = IngestParking(sqs, "q", lambda: datetime(2026, 1, 1, tzinfo=UTC))  # type: ignore[arg-type]
    parking.park(_bad('{"id_str": "1"}'))
    message = json.loads(sqs.bodies[0])
    assert message["payload"] == '{"id_str": "1"}'
    assert "payload_excerpt" not in message
