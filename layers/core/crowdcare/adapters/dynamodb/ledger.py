"""The Ledger table: points entries, appended only, and the boards they add up to.

One table, three kinds of item:

* entries: key (responder_id, entry_id), put once (a condition makes a replay a no-op);
* board lines: key ("board#<board key>", responder_id), a running total per responder on each
  board an entry counts on (crowdcare.rules.standings.boards_for); each carries `board` (the
  board key), which puts it in the `by_board_points` index, most points first;
* kept figures: key ("stats#<responder_id>", "stats"), what ranks and badges need of the
  responder's whole ledger (crowdcare.rules.ranks.ResponderStats).

An entry, its board lines and its figures are written in one transaction, so a board is always
the sum of the entries it counts, and a leaderboard page is one Query of the index (its own
lines only) and one BatchGetItem of those lines' figures: its cost follows the page size, never
the number of responders on the board or the size of the ledger.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from botocore.exceptions import ClientError

from crowdcare.adapters.dynamodb.conditional import cancellation_reasons, is_conditional_failure
from crowdcare.adapters.dynamodb.repositories import from_item, to_item
from crowdcare.domain.points import LedgerEntry, PointsReason
from crowdcare.rules.ranks import ResponderStats, reach_of
from crowdcare.rules.standings import BoardLine, boards_for, counts_as_reply

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

BOARD_PREFIX = "board#"
STATS_PREFIX = "stats#"
BOARD_INDEX = "by_board_points"
_POSTED_IN = "posted#"  # + language: replies posted in it (the detector's few languages)
# A cancelled transaction names each item's reason without the "Exception" suffix.
_ALREADY_RECORDED = "ConditionalCheckFailed"


def board_partition(key: str) -> str:
    """The partition key of a board's lines."""
    return f"{BOARD_PREFIX}{key}"


def stats_key(responder_id: str) -> dict[str, Any]:
    """The key of a responder's kept figures."""
    return {"responder_id": {"S": f"{STATS_PREFIX}{responder_id}"}, "entry_id": {"S": "stats"}}


def _stats_update(table: str, entry: LedgerEntry) -> dict[str, Any]:
    """The transaction item adding `entry` to its responder's figures (as ranks.stats_with);
    the best reach, a maximum, is set after the transaction (`_raise_best_reach`)."""
    adds = ["points :p"]
    names: dict[str, str] = {}
    values: dict[str, Any] = {":p": {"N": str(entry.points)}}
    month = {"SS": [f"{entry.at:%Y-%m}"]}
    if entry.reason is PointsReason.REPLY_POSTED:
        adds += ["posted :one", "posted_months :month"]
        values |= {":one": {"N": "1"}, ":month": month}
        if entry.language:
            adds.append("#lang :one")
            names["#lang"] = f"{_POSTED_IN}{entry.language}"
    elif entry.reason is PointsReason.REPLY_REJECTED:
        adds.append("rejected_months :month")
        values[":month"] = month
    elif entry.reason is PointsReason.AUTHOR_THANKS:
        adds.append("thanked :one")
        values[":one"] = {"N": "1"}
    update: dict[str, Any] = {
        "TableName": table,
        "Key": stats_key(entry.responder_id),
        "UpdateExpression": "ADD " + ", ".join(adds),
        "ExpressionAttributeValues": values,
    }
    if names:
        update["ExpressionAttributeNames"] = names
    return {"Update": update}


def stats_from_item(item: dict[str, Any]) -> ResponderStats:
    """A kept-figures item (plain values) as ResponderStats."""
    return ResponderStats(
        points=int(item.get("points", 0)),
        posted=int(item.get("posted", 0)),
        posted_by_language={
            k.removeprefix(_POSTED_IN): int(v)
            for k, v in item.items()
            if k.startswith(_POSTED_IN) and int(v)
        },
        best_reach=int(item.get("best_reach", 0)),
        thanked=int(item.get("thanked", 0)),
        posted_months=frozenset(item.get("posted_months", ())),
        rejected_months=frozenset(item.get("rejected_months", ())),
    )


def _line_cursor(item: dict[str, Any]) -> str:
    """Where the next page starts: the last line's points and responder (its board is the
    caller's own, so a cursor cannot move a query to another partition)."""
    return f"{item['points']['N']}:{item['entry_id']['S']}"


def _start_key(board: str, cursor: str) -> dict[str, Any]:
    points, _, responder_id = cursor.partition(":")
    try:
        int(points)
    except ValueError:
        raise ValueError("not a board cursor") from None
    if not responder_id:
        raise ValueError("not a board cursor")
    return {
        "board": {"S": board},
        "points": {"N": points},
        "responder_id": {"S": board_partition(board)},
        "entry_id": {"S": responder_id},
    }


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
                        # `board` puts the line in the board index, sorted by points.
                        "UpdateExpression": "ADD points :p, replies :r SET board = :b",
                        "ExpressionAttributeValues": {
                            ":p": {"N": str(entry.points)},
                            ":r": {"N": str(int(counts_as_reply(entry)))},
                            ":b": {"S": key},
                        },
                    }
                }
            )
        items.append(_stats_update(self._table, entry))
        try:
            self._client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            reasons = cancellation_reasons(exc)
            if reasons and reasons[0] == _ALREADY_RECORDED:
                # A replay: the best reach is raised again (idempotent), in case the first
                # attempt stopped between the transaction and that update.
                self._raise_best_reach(entry)
                return False
            raise  # a TransactionConflict on a busy board line: the caller's retry redoes it
        self._raise_best_reach(entry)
        return True

    def _raise_best_reach(self, entry: LedgerEntry) -> None:
        """A reach bonus raises the responder's best reach (a maximum: a conditional SET, which
        a transaction could not hold without cancelling the entry when it is not a new best)."""
        if entry.reason is not PointsReason.REACH_BONUS:
            return
        try:
            self._client.update_item(
                TableName=self._table,
                Key=stats_key(entry.responder_id),
                UpdateExpression="SET best_reach = :r",
                ConditionExpression="attribute_not_exists(best_reach) OR best_reach < :r",
                ExpressionAttributeValues={":r": {"N": str(reach_of(entry))}},
            )
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise

    def stats(self, responder_ids: list[str]) -> dict[str, ResponderStats]:
        """The kept figures of a few responders (one BatchGetItem per 100); those with no
        entries yet get empty figures."""
        wanted = list(dict.fromkeys(responder_ids))
        found: dict[str, ResponderStats] = {}
        for start in range(0, len(wanted), 100):
            keys = [stats_key(r) for r in wanted[start : start + 100]]
            request: Any = {self._table: {"Keys": keys}}
            while request:
                response = self._client.batch_get_item(RequestItems=request)
                for raw in response.get("Responses", {}).get(self._table, []):
                    item = from_item(raw)
                    responder_id = str(item["responder_id"]).removeprefix(STATS_PREFIX)
                    found[responder_id] = stats_from_item(item)
                request = response.get("UnprocessedKeys") or {}
        return {r: found.get(r, ResponderStats()) for r in wanted}

    def board_page(
        self, key: str, limit: int, after: str | None = None
    ) -> tuple[list[BoardLine], str | None]:
        """One page of one board, most points first (one Query of the board index, reading
        `limit` lines), and the cursor of the next page (None after the last)."""
        params: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": BOARD_INDEX,
            "KeyConditionExpression": "board = :b",
            "ExpressionAttributeValues": {":b": {"S": key}},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if after is not None:
            params["ExclusiveStartKey"] = _start_key(key, after)
        response = self._client.query(**params)
        raw = response.get("Items", [])
        lines = [
            BoardLine(
                responder_id=str(item["entry_id"]),
                points=int(item.get("points", 0)),
                replies=int(item.get("replies", 0)),
            )
            for item in map(from_item, raw)
        ]
        more = "LastEvaluatedKey" in response and bool(raw)
        return lines, _line_cursor(cast("dict[str, Any]", raw[-1])) if more else None

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
