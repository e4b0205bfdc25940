"""Monthly recognition's adapters: the email through SES (tagged, so its bounces are told apart
from assignment notices), and the once-per-month claims on the idempotency table."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from crowdcare.adapters.dynamodb.idempotency import SentChannelsTable
from crowdcare.adapters.ses import SesEmailSender

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from crowdcare.domain.messages import Message

# A month's claims outlive the month (a run retried on the 2nd, or re-run by an operator late
# in the month, still finds them), then expire.
RECOGNITION_CLAIM_SECONDS = 45 * 24 * 60 * 60


class SesRecognitionMailer:
    """RecognitionMailer through the SES sender the notifier uses."""

    def __init__(self, sender: SesEmailSender) -> None:
        self._sender = sender

    def send(self, to: str, message: Message) -> str:
        return self._sender.send(to, message, tags={"kind": "recognition"})


def recognition_claims(
    client: DynamoDBClient, table: str, clock: Callable[[], float]
) -> SentChannelsTable:
    """SentOnce on the idempotency table, kept long enough to cover a month's reruns."""
    return SentChannelsTable(client, table, clock, expires_after_seconds=RECOGNITION_CLAIM_SECONDS)
