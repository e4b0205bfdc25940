"""When each person last signed out everywhere: the ID tokens issued before are refused.

Cognito's global sign-out revokes refresh and access tokens, but an ID token is verified by
its signature alone and stays valid until it expires (an hour by default, a day at most). The
API therefore checks every ID token's `iat` against this mark. A mark only matters while a
token issued before it could still be unexpired, so it lives in the Idempotency table (short
lived keys under the table's TTL attribute) and expires a day after it was set.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# The longest an ID token of the pool can live (Cognito's maximum: one day).
ID_TOKEN_MAX_SECONDS = 24 * 60 * 60
_PREFIX = "signed-out#"


class SignOutMarks:
    """The sign-out mark of each person who signed out everywhere in the last day."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def mark(self, username: str, at: datetime) -> None:
        """Refuse from now on every ID token of `username` issued at or before `at`."""
        seconds = int(at.timestamp())
        self._client.put_item(
            TableName=self._table,
            Item={
                "id": {"S": _PREFIX + username},
                "signed_out_at": {"N": str(seconds)},
                "expiration": {"N": str(seconds + ID_TOKEN_MAX_SECONDS)},
            },
        )

    def signed_out_at(self, username: str) -> int | None:
        """The epoch second of the person's last sign-out everywhere, if any (strongly
        consistent: a token is refused the moment the sign-out answered)."""
        item = self._client.get_item(
            TableName=self._table,
            Key={"id": {"S": _PREFIX + username}},
            ConsistentRead=True,
            ProjectionExpression="signed_out_at",
        ).get("Item")
        return None if item is None else int(item["signed_out_at"]["N"])
