"""The Ledger table: points entries, appended only, and the boards they add up to.

One table, two kinds of item:

* entries: key (responder_id, entry_id), put once (a condition makes a replay a no-op);
* board lines: key ("board#<board key>", responder_id), a running total per responder on each
  board an entry counts on (crowdcare.rules.standings.boards_for).

An entry and its board lines are written in one transaction, so a board is always the sum of the
entries it counts, and a leaderboard is one query of one board's partition: its cost follows the
number of responders on that board, never the size of the ledger.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from crowdcare.adapters.dynamodb.conditional import cancellation_reasons
from crowdcare.adapters.dynamodb.repositories import from_item, to_item
from crowdcare.domain.points import LedgerEntry
from crowdcare.rules.standings import BoardLine, boards_for, counts_as_reply

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

BOARD_PREFIX = "board#"
# A cancelled transaction names each item's reason without the "Exception" suffix.
_ALREADY_RECORDED = "ConditionalCheckFailed"


def board_partition(key: str) -> str:
    """The partition key of a board's lines."""
    return f"{BOARD_PREFIX}{key}"


class LedgerRepository:
    """The Ledger table: key (responder_id, entry_id); entries put once, boards added to."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def append(self, entry: LedgerEntry) -> bool:
        """Add the entry and its board totals; False when the same event was already recorded."""
        items: list[Any] = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_item(entry.model_dump(mode="json")),
                    "ConditionExpression": "attribute_not_exists(entry_id)",
                }
            }
        ]
        for key in boards_for(entry):
            items.append(
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": {
                            "responder_id": {"S": board_partition(key)},
                            "entry_id": {"S": entry.responder_id},
                        },
                        "UpdateExpression": "ADD points :p, replies :r",
                        "ExpressionAttributeValues": {
                            ":p": {"N": str(entry.points)},
                            ":r": {"N": str(int(counts_as_reply(entry)))},
                        },
                    }
                }
            )
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            reasons = cancellation_reasons(exc)
            if reasons and reasons[0] == _ALREADY_RECORDED:
                return False
            raise  # a TransactionConflict on a busy board line: the caller's retry redoes it
        return True

    def for_responder(self, responder_id: str) -> list[LedgerEntry]:
        """One responder's entries (their own partition)."""
        return [LedgerEntry.model_validate(item) for item in self._query(responder_id)]

    def board(self, key: str) -> list[BoardLine]:
        """Every responder's totals on one board (one partition; no ledger entries read)."""
        return [
            BoardLine(
                responder_id=str(item["entry_id"]),
                points=int(item.get("points", 0)),
                replies=int(item.get("replies", 0)),
            )
            for item in self._query(board_partition(key))
        ]

    def _query(self, partition: str) -> list[dict[str, Any]]:
        paginator = self._client.get_paginator("query")
        return [
            from_item(item)
            for page in paginator.paginate(
                TableName=self._table,
                KeyConditionExpression="responder_id = :pk",
                ExpressionAttributeValues={":pk": {"S": partition}},
            )
            for item in page.get("Items", [])
        ]
