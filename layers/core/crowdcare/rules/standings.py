"""Standings from ledger entries: leaderboards and trust (pure: no I/O)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from crowdcare.domain.models import Frozen
from crowdcare.domain.points import LedgerEntry, PointsReason


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


def trust(entries: Iterable[LedgerEntry]) -> int:
    """How many of a responder's replies were posted: trust grows with each one."""
    return sum(1 for e in entries if e.reason is PointsReason.REPLY_POSTED)
