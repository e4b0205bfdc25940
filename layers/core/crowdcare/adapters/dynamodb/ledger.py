"""The Ledger table: points entries, appended only (crowdcare.domain.points)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from crowdcare.adapters.dynamodb.conditional import is_conditional_failure
from crowdcare.adapters.dynamodb.repositories import from_item, to_item
from crowdcare.domain.points import LedgerEntry

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class LedgerRepository:
    """The Ledger table: key (responder_id, entry_id); puts only."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def append(self, entry: LedgerEntry) -> bool:
        """Add the entry; False when the same event was already recorded."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_item(entry.model_dump(mode="json")),
                ConditionExpression="attribute_not_exists(entry_id)",
            )
        except ClientError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def for_responder(self, responder_id: str) -> list[LedgerEntry]:
        """One responder's entries."""
        paginator = self._client.get_paginator("query")
        return [
            LedgerEntry.model_validate(from_item(item))
            for page in paginator.paginate(
                TableName=self._table,
                KeyConditionExpression="responder_id = :rid",
                ExpressionAttributeValues={":rid": {"S": responder_id}},
            )
            for item in page.get("Items", [])
        ]

    def all(self) -> list[LedgerEntry]:
        """Every entry (a brand's community is hundreds of people: a scan is fine)."""
        paginator = self._client.get_paginator("scan")
        return [
            LedgerEntry.model_validate(from_item(item))
            for page in paginator.paginate(TableName=self._table)
            for item in page.get("Items", [])
        ]
