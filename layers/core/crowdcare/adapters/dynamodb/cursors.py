"""Poll cursors: where each source stopped reading, one DynamoDB item per source.

A cursor is an opaque string the source understands (a Reddit fullname, a Mastodon id, a small
JSON document for the searches that walk backwards). Every write is conditional on the value
read, so two overlapping runs cannot both advance a cursor: the second gets `CursorConflictError`
and stops, and the mentions it stored are redeliveries for the one that wins.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from crowdcare.adapters.dynamodb.conditional import is_conditional_failure
from crowdcare.domain.errors import CursorConflictError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class CursorRepository:
    """The Cursors table: key `source`, attributes `cursor` and `updated_at`."""

    def __init__(
        self, client: DynamoDBClient, table_name: str, clock: Callable[[], datetime]
    ) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock

    def get(self, source: str) -> str | None:
        """The saved cursor of `source`, or None before its first run."""
        item = self._client.get_item(
            TableName=self._table, Key={"source": {"S": source}}, ConsistentRead=True
        ).get("Item")
        return None if item is None else item["cursor"]["S"]

    def put(self, source: str, cursor: str, previous: str | None) -> None:
        """Save `cursor` if the stored one is still `previous`; else raise `CursorConflictError`."""
        condition: dict[str, Any] = (
            {
                "ConditionExpression": "attribute_not_exists(#source)",
                "ExpressionAttributeNames": {"#source": "source"},
            }
            if previous is None
            else {
                "ConditionExpression": "#cursor = :previous",
                "ExpressionAttributeNames": {"#cursor": "cursor"},
                "ExpressionAttributeValues": {":previous": {"S": previous}},
            }
        )
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    "source": {"S": source},
                    "cursor": {"S": cursor},
                    "updated_at": {"S": self._clock().isoformat()},
                },
                **condition,
            )
        except ClientError as exc:
            if is_conditional_failure(exc):
                raise CursorConflictError(f"cursor of {source} moved since it was read") from None
            raise
