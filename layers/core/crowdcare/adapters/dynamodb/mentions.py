"""The Mentions table: one item per platform post; its stream feeds the triage workflow."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from crowdcare.adapters.dynamodb.codec import from_item, to_item
from crowdcare.adapters.dynamodb.conditional import is_conditional_failure
from crowdcare.domain.models import Mention, MentionStatus
from crowdcare.domain.stored import StoredMention
from crowdcare.domain.triage import Triage

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class MentionRepository:
    """The Mentions table: one item per platform post; its stream feeds the triage workflow."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def put_if_new(self, mention: Mention, received_at: datetime) -> bool:
        """Store a mention unless the same platform post is already stored.

        Returns False for a redelivery: the conditional write makes it a no-op.
        """
        values = mention.model_dump(mode="json")
        values.update(
            mention_id=mention.mention_id,
            received_at=received_at.isoformat(),
            status=MentionStatus.RECEIVED.value,
        )
        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_item(values),
                ConditionExpression="attribute_not_exists(mention_id)",
            )
        except ClientError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def get(self, mention_id: str) -> StoredMention | None:
        """The stored mention, or None when there is no such mention."""
        response = self._client.get_item(
            TableName=self._table, Key={"mention_id": {"S": mention_id}}, ConsistentRead=True
        )
        item = response.get("Item")
        return None if item is None else stored_mention_from_item(item)

    def record_triage(self, mention_id: str, triage: Triage, status: MentionStatus) -> None:
        """Store what triage concluded and move the mention on."""
        self._client.update_item(
            TableName=self._table,
            Key={"mention_id": {"S": mention_id}},
            UpdateExpression="SET triage = :triage, #status = :status",
            ConditionExpression="attribute_exists(mention_id)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=to_item(
                {":triage": triage.model_dump(mode="json"), ":status": status.value}
            ),
        )

    def set_status(self, mention_id: str, status: MentionStatus, detail: str = "") -> None:
        """Move the mention to `status`, with an optional operator-facing detail."""
        self._client.update_item(
            TableName=self._table,
            Key={"mention_id": {"S": mention_id}},
            UpdateExpression="SET #status = :status, status_detail = :detail",
            ConditionExpression="attribute_exists(mention_id)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":status": {"S": status.value}, ":detail": {"S": detail}},
        )

    def with_status(self, status: MentionStatus) -> list[StoredMention]:
        """Every mention in `status` (a filtered scan: the queue is read once a minute)."""
        paginator = self._client.get_paginator("scan")
        return [
            stored_mention_from_item(item)
            for page in paginator.paginate(
                TableName=self._table,
                ConsistentRead=True,
                FilterExpression="#status = :status",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":status": {"S": status.value}},
            )
            for item in page.get("Items", [])
        ]

    def take_from_queue(self, mention_id: str) -> int | None:
        """Move a queued mention to `assigning`; the number of times it was taken, or None
        when it is no longer queued (another drain, or it was answered)."""
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key={"mention_id": {"S": mention_id}},
                UpdateExpression=(
                    "SET #status = :assigning, status_detail = :detail, "
                    "queue_offers = if_not_exists(queue_offers, :zero) + :one"
                ),
                ConditionExpression="#status = :queued",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":assigning": {"S": MentionStatus.ASSIGNING.value},
                    ":queued": {"S": MentionStatus.QUEUED.value},
                    ":detail": {"S": "a slot freed up"},
                    ":zero": {"N": "0"},
                    ":one": {"N": "1"},
                },
                ReturnValues="UPDATED_NEW",
            )
        except ClientError as exc:
            if is_conditional_failure(exc):
                return None
            raise
        return int(response["Attributes"]["queue_offers"]["N"])

    def return_to_queue(self, mention_id: str, detail: str) -> bool:
        """Undo `take_from_queue` when the workflow could not be started."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"mention_id": {"S": mention_id}},
                UpdateExpression="SET #status = :queued, status_detail = :detail",
                ConditionExpression="#status = :assigning",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":assigning": {"S": MentionStatus.ASSIGNING.value},
                    ":queued": {"S": MentionStatus.QUEUED.value},
                    ":detail": {"S": detail[:500]},
                },
            )
        except ClientError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def scan(self) -> list[StoredMention]:
        """Every stored mention (for the local summary and small deployments' exports)."""
        paginator = self._client.get_paginator("scan")
        return [
            stored_mention_from_item(item)
            for page in paginator.paginate(TableName=self._table, ConsistentRead=True)
            for item in page.get("Items", [])
        ]


def stored_mention_from_item(item: dict[str, Any]) -> StoredMention:
    """Rebuild a StoredMention from a Mentions table item (also used for stream images)."""
    values = from_item(item)
    triage = values.pop("triage", None)
    received_at = datetime.fromisoformat(values.pop("received_at"))
    status = MentionStatus(values.pop("status", MentionStatus.RECEIVED.value))
    for derived in ("mention_id", "status_detail", "queue_offers"):
        values.pop(derived, None)
    return StoredMention(
        mention=Mention.model_validate(values),
        received_at=received_at,
        status=status,
        triage=None if triage is None else Triage.model_validate(triage),
    )
