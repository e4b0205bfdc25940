"""Points: an append-only ledger, and the leaderboards derived from it.

Entries are only ever added (conditional put), never changed: a rejected reply does not erase
the points of anything, it adds a negative entry. Each entry's key names what earned it
(``<mention_id>#<reason>``), so recording the same event twice is a no-op.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from crowdcare.adapters.dynamodb.conditional import is_conditional_failure
from crowdcare.adapters.dynamodb.repositories import from_item, to_item
from crowdcare.domain.models import Frozen

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class PointsReason(StrEnum):
    """Why points moved."""

    REPLY_POSTED = "reply_posted"
    REPLY_REJECTED = "reply_rejected"


POINTS: dict[PointsReason, int] = {
    PointsReason.REPLY_POSTED: 10,
    PointsReason.REPLY_REJECTED: -5,
}


class LedgerEntry(Frozen):
    """One movement of points for one responder."""

    responder_id: str
    entry_id: str
    reason: PointsReason
    points: int
    mention_id: str
    at: datetime


class Standing(Frozen):
    """One line of a leaderboard."""

    rank: int
    responder_id: str
    points: int
    replies: int


class Leaderboard(Frozen):
    """This week's (from Monday 00:00 UTC) and all-time standings."""

    week_start: datetime
    this_week: tuple[Standing, ...]
    all_time: tuple[Standing, ...]


def entry_for(
    responder_id: str, reason: PointsReason, mention_id: str, at: datetime
) -> LedgerEntry:
    """The ledger entry an event earns, keyed so the same event is recorded once."""
    return LedgerEntry(
        responder_id=responder_id,
        entry_id=f"{mention_id}#{reason.value}",
        reason=reason,
        points=POINTS[reason],
        mention_id=mention_id,
        at=at,
    )


def week_start(now: datetime) -> datetime:
    """Monday 00:00 of `now`'s week, in `now`'s zone."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight - timedelta(days=midnight.weekday())


def standings(
    entries: Iterable[LedgerEntry], since: datetime | None = None
) -> tuple[Standing, ...]:
    """Points per responder, highest first; ties share a rank and are ordered by id."""
    points: dict[str, int] = defaultdict(int)
    replies: dict[str, int] = defaultdict(int)
    for entry in entries:
        if since is not None and entry.at < since:
            continue
        points[entry.responder_id] += entry.points
        if entry.reason is PointsReason.REPLY_POSTED:
            replies[entry.responder_id] += 1
    ordered = sorted(points, key=lambda rid: (-points[rid], rid))
    result: list[Standing] = []
    for index, rid in enumerate(ordered):
        rank = result[-1].rank if result and result[-1].points == points[rid] else index + 1
        result.append(
            Standing(rank=rank, responder_id=rid, points=points[rid], replies=replies[rid])
        )
    return tuple(result)


def leaderboard(entries: Sequence[LedgerEntry], now: datetime) -> Leaderboard:
    """Both leaderboards from the same entries."""
    start = week_start(now)
    return Leaderboard(
        week_start=start, this_week=standings(entries, since=start), all_time=standings(entries)
    )


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
