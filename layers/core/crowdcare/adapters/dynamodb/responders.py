"""The Responders table: profiles plus the open-assignment counter that caps load."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from crowdcare.adapters.dynamodb.codec import to_item
from crowdcare.adapters.dynamodb.conditional import is_conditional_failure
from crowdcare.adapters.dynamodb.responder_pool import (
    EMAIL_KEY,
    ResponderPool,
    by_ids,
    normalised_email,
    pool_values,
    responder_from_item,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mypy_boto3_dynamodb import DynamoDBClient

    from crowdcare.domain.models import Responder, ResponderKind


EMAIL_INDEX = "by_email"


class ResponderRepository:
    """The Responders table: profiles plus the open-assignment counter that caps load."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name
        self._pool = ResponderPool(client, table_name)

    def put(self, responder: Responder) -> None:
        """Create or replace a responder profile (with its pool keys: see responder_pool)."""
        self._client.put_item(
            TableName=self._table,
            Item=to_item(responder.model_dump(mode="json") | pool_values(responder)),
        )

    def get(self, responder_id: str) -> Responder | None:
        """The responder, or None when unknown."""
        item = self._client.get_item(
            TableName=self._table, Key={"responder_id": {"S": responder_id}}, ConsistentRead=True
        ).get("Item")
        return None if item is None else responder_from_item(item)

    def get_many(self, responder_ids: Sequence[str]) -> list[Responder]:
        """The responders with these ids, consistently read (unknown ids are left out)."""
        return by_ids(self._client, self._table, responder_ids)

    def available(self, kind: ResponderKind, language: str | None, limit: int) -> list[Responder]:
        """Up to `limit` candidates with a free slot, best reputation first (a bounded read of
        the pool GSIs; may be a moment stale, `try_assign` is the guard)."""
        return self._pool.available(kind, language, limit)

    def refresh_pool(self, responder_id: str) -> None:
        """Put the responder in or out of the pools as their item is now."""
        self._pool.refresh(responder_id)

    def by_email(self, address: str) -> list[Responder]:
        """The responders with this address (normalised): a key read of the sparse `by_email`
        GSI, whatever the number of responders. Eventually consistent (an address changed a
        moment ago may not be found yet)."""
        paginator = self._client.get_paginator("query")
        return [
            responder_from_item(item)
            for page in paginator.paginate(
                TableName=self._table,
                IndexName=EMAIL_INDEX,
                KeyConditionExpression="#email = :email",
                ExpressionAttributeNames={"#email": EMAIL_KEY},
                ExpressionAttributeValues={":email": {"S": normalised_email(address)}},
            )
            for item in page.get("Items", [])
        ]

    def list_all(self) -> list[Responder]:
        """Every responder: ADMIN ONLY (the admin list, local summaries; SES feedback reads
        the by_email index). A paginated Scan; no per-mention path calls it (they read pools)."""
        paginator = self._client.get_paginator("scan")
        return [
            responder_from_item(item)
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
