"""The audit trail: every step of a mention's assignment lifecycle, append-only.

One item per transition in the AuditTable, keyed by mention and a sortable `at#seq` key, so
`history(mention_id)` reads a mention's whole story in order with one query. The dashboard and
analytics read it; nothing updates or deletes an entry.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from crowdcare.adapters.dynamodb.codec import from_item, to_item
from crowdcare.adapters.dynamodb.conditional import is_conditional_failure
from crowdcare.domain.audit import SYSTEM, AuditAction, AuditEntry

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# The entry model lives in the domain; importable from here too for existing callers.
__all__ = ["SYSTEM", "AuditAction", "AuditEntry", "AuditTrail"]


class AuditTrail:
    """The AuditTable: append and read a mention's history."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def append(self, entry: AuditEntry) -> bool:
        """Record one entry; a retried step writing the same entry again is a no-op.

        Returns False when that exact entry was already recorded.
        """
        values = entry.model_dump(mode="json")
        values["entry_key"] = entry.sort_key
        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_item(values),
                ConditionExpression="attribute_not_exists(entry_key)",
            )
        except ClientError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def history(self, mention_id: str) -> list[AuditEntry]:
        """Every entry of one mention, oldest first."""
        paginator = self._client.get_paginator("query")
        entries = []
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="mention_id = :m",
            ExpressionAttributeValues={":m": {"S": mention_id}},
            ConsistentRead=True,
        ):
            for item in page.get("Items", []):
                values = from_item(item)
                values.pop("entry_key", None)
                entries.append(AuditEntry.model_validate(values))
        return entries

    def scan(self) -> list[AuditEntry]:
        """Every entry: ADMIN ONLY (local summaries, exports), a paginated Scan."""
        paginator = self._client.get_paginator("scan")
        entries = []
        for page in paginator.paginate(TableName=self._table, ConsistentRead=True):
            for item in page.get("Items", []):
                values = from_item(item)
                values.pop("entry_key", None)
                entries.append(AuditEntry.model_validate(values))
        return sorted(entries, key=lambda e: (e.mention_id, e.sort_key))
