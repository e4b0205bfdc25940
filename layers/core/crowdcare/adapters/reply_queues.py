"""The ReplyQueue and its dead-letter queue (where parked replies wait for an operator)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crowdcare.domain.replies import ReplyTicket

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

# How long a parked message read by an operator's retry stays hidden from another reader.
_READ_VISIBILITY_SECONDS = 60


class SqsReplyQueue:
    """The ReplyQueue: tickets of replies cleared to post."""

    def __init__(self, client: SQSClient, queue_url: str) -> None:
        self._client = client
        self._url = queue_url

    def send(self, ticket: ReplyTicket) -> None:
        """Enqueue a ticket for the poster."""
        self._client.send_message(QueueUrl=self._url, MessageBody=ticket.model_dump_json())


@dataclass(frozen=True)
class SqsParkedTicket:
    """A parked message as read from the dead-letter queue."""

    ticket: ReplyTicket
    handle: str


class SqsParkingLot:
    """The ReplyDeadLetterQueue: parked tickets, each with its error, until an operator acts."""

    def __init__(self, client: SQSClient, dead_letter_queue_url: str) -> None:
        self._client = client
        self._url = dead_letter_queue_url

    def park(self, ticket: ReplyTicket, error: str) -> None:
        """Set a ticket aside with the reason it could not be posted."""
        self._client.send_message(
            QueueUrl=self._url,
            MessageBody=ticket.model_dump_json(),
            MessageAttributes={"error": {"DataType": "String", "StringValue": error}},
        )

    def parked(self) -> Iterator[SqsParkedTicket]:
        """Every parked ticket, each hidden from other readers while it is handled."""
        while True:
            messages = self._client.receive_message(
                QueueUrl=self._url,
                MaxNumberOfMessages=10,
                VisibilityTimeout=_READ_VISIBILITY_SECONDS,
                WaitTimeSeconds=0,
            ).get("Messages", [])
            if not messages:
                return
            for message in messages:
                yield SqsParkedTicket(
                    ReplyTicket.model_validate_json(message["Body"]), message["ReceiptHandle"]
                )

    def remove(self, handle: str) -> None:
        """Delete a parked message (it was requeued)."""
        self._client.delete_message(QueueUrl=self._url, ReceiptHandle=handle)

    def release(self, handles: Sequence[str]) -> None:
        """Make messages read but not chosen visible again, untouched."""
        for handle in handles:
            self._client.change_message_visibility(
                QueueUrl=self._url, ReceiptHandle=handle, VisibilityTimeout=0
            )
