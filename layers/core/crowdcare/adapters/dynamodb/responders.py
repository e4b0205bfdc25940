"""The Responders table: profiles plus the open-assignment counter that caps load."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from crowdcare.adapters.dynamodb.codec import from_item, to_item
from crowdcare.adapters.dynamodb.conditional import is_conditional_failure
from crowdcare.domain.models import Responder

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class ResponderRepository:
    """The Responders table: profiles plus the open-assignment counter that caps load."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def put(self, responder: Responder) -> None:
        """Create or replace a responder profile."""
        self._client.put_item(
            TableName=self._table, Item=to_item(responder.model_dump(mode="json"))
        )

    def get(self, responder_id: str) -> Responder | None:
        """The responder, or None when unknown."""
        item = self._client.get_item(
            TableName=self._table, Key={"responder_id": {"S": responder_id}}, ConsistentRead=True
        ).get("Item")
        return None if item is None else Responder.model_validate(from_item(item))

    def list_all(self) -> list[Responder]:
        """Every responder; the table is small (hundreds), so a scan is the simple choice."""
        paginator = self._client.get_paginator("scan")
        return [
            Responder.model_validate(from_item(item))
            for page in paginator.paginate(TableName=self._table, ConsistentRead=True)
            for item in page.get("Items", [])
        ]

    def suppress_email(self, responder_id: str) -> bool:
        """Stop emailing the responder (SES bounce or complaint).

        Returns False when the responder is unknown or already suppressed, so a redelivered
        SES notification changes nothing.
        """
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"responder_id": {"S": responder_id}},
                UpdateExpression="SET email_suppressed = :true",
                ConditionExpression=(
                    "attribute_exists(responder_id) AND "
                    "(attribute_not_exists(email_suppressed) OR email_suppressed = :false)"
                ),
                ExpressionAttributeValues={":true": {"BOOL": True}, ":false": {"BOOL": False}},
            )
        except ClientError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True
