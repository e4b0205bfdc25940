"""How many assignments are open right now, kept exact at the cost of one more item per write.

The count lives in a few small counter items in the Assignments table itself (mention_id
`#gauge#open#NN`), moved by the same transaction that opens or closes an assignment, so it can
never drift from the assignments. Spreading it over `SHARDS` items keeps two concurrent
transactions from colliding on one counter (a collision is a `TransactionConflict`, which the
callers already retry). Reading it is one BatchGetItem of `SHARDS` keys, whatever the number
of responders, mentions or assignments: the operations dashboard's gauge and `crowdcare
status` read it.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from crowdcare.adapters.dynamodb.codec import from_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

SHARDS = 16
GAUGE_PREFIX = "#gauge#open#"
COUNT = "open_assignments"


def shard_key(shard: int) -> str:
    return f"{GAUGE_PREFIX}{shard:02d}"


def is_gauge_key(mention_id: str) -> bool:
    """True for the gauge's own items (never an assignment: mention ids never start with #)."""
    return mention_id.startswith(GAUGE_PREFIX)


def gauge_move(table: str, delta: int) -> TransactWriteItemTypeDef:
    """The transaction item that moves the open count by `delta` on a random shard."""
    return {
        "Update": {
            "TableName": table,
            "Key": {"mention_id": {"S": shard_key(random.randrange(SHARDS))}},  # noqa: S311
            "UpdateExpression": "ADD #count :delta",
            "ExpressionAttributeNames": {"#count": COUNT},
            "ExpressionAttributeValues": {":delta": {"N": str(delta)}},
        }
    }


class OpenAssignmentsGauge:
    """Reads (and, for an operator, rebuilds) the open-assignments count."""

    def __init__(self, client: DynamoDBClient, assignments_table: str) -> None:
        self._client = client
        self._table = assignments_table

    def open_count(self) -> int:
        """The number of open assignments: the sum of the shards (one BatchGetItem)."""
        keys = [{"mention_id": {"S": shard_key(shard)}} for shard in range(SHARDS)]
        total = 0
        request = {self._table: {"Keys": keys, "ConsistentRead": True}}
        while request:
            response = self._client.batch_get_item(RequestItems=request)  # type: ignore[arg-type]
            for item in response.get("Responses", {}).get(self._table, []):
                total += int(from_item(item).get(COUNT, 0))
            request = response.get("UnprocessedKeys") or {}  # type: ignore[assignment]
        return total

    def rebuild(self) -> tuple[int, bool]:
        """Count the open assignments again and, if the gauge disagrees, reset its shards:
        ADMIN ONLY, a paginated Scan. Returns the count and whether the gauge was corrected.

        For a stack whose assignments predate the gauge (`crowdcare backfill`). Run it while
        nothing is being assigned: a transaction landing mid-count is lost from the total.
        """
        count = 0
        for page in self._client.get_paginator("scan").paginate(
            TableName=self._table,
            FilterExpression="#status = :open",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":open": {"S": "open"}},
            Select="COUNT",
            ConsistentRead=True,
        ):
            count += int(page["Count"])
        if count == self.open_count():
            return count, False
        for shard in range(SHARDS):
            self._client.put_item(
                TableName=self._table,
                Item={
                    "mention_id": {"S": shard_key(shard)},
                    COUNT: {"N": str(count if shard == 0 else 0)},
                },
            )
        return count, True
