"""Standings: which boards an entry counts on, ranking a board's totals, trust (pure: no I/O).

A board is a running total per responder kept beside the ledger (in the same write as the
entry), so a leaderboard is read from one board, never by adding up the ledger. Board keys:
``all``, ``week#2026-W09``, ``month#2026-03``, each also per language (``week#2026-W09#lang#es``)
and per topic (``month#2026-03#topic#billing``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta

from crowdcare.domain.models import Frozen
from crowdcare.domain.points import LedgerEntry, Period, PointsReason


class BoardLine(Frozen):
    """One responder's running totals on one board."""

    responder_id: str
    points: int
    replies: int


class Standing(Frozen):
    """One line of a leaderboard."""

    rank: int
    responder_id: str
    points: int
    replies: int


def week_start(now: datetime) -> datetime:
    """Monday 00:00 of `now`'s week, in `now`'s zone."""
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return midnight - timedelta(days=midnight.weekday())


def month_start(now: datetime) -> datetime:
    """The first of `now`'s month, 00:00."""
    return now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def board_key(
    period: Period, at: datetime, language: str | None = None, topic: str | None = None
) -> str:
    """The board of `period` that `at` falls in, overall or for one language or one topic
    (ISO weeks start on Monday, like week_start)."""
    if period is Period.WEEK:
        year, week, _ = at.isocalendar()
        key = f"week#{year}-W{week:02d}"
    elif period is Period.MONTH:
        key = f"month#{at:%Y-%m}"
    else:
        key = "all"
    if language is not None:
        return f"{key}#lang#{language}"
    return key if topic is None else f"{key}#topic#{topic}"


def boards_for(entry: LedgerEntry) -> list[str]:
    """Every board an entry counts on: each period, overall, in the mention's language and in
    each of its topics."""
    keys = []
    for period in Period:
        keys.append(board_key(period, entry.at))
        if entry.language is not None:
            keys.append(board_key(period, entry.at, entry.language))
        keys += [board_key(period, entry.at, topic=t) for t in dict.fromkeys(entry.topics)]
    return keys


def counts_as_reply(entry: LedgerEntry) -> bool:
    """Whether the entry is a posted reply (the boards count replies beside points)."""
    return entry.reason is PointsReason.REPLY_POSTED


def ranked(lines: Iterable[BoardLine]) -> tuple[Standing, ...]:
    """Points per responder, highest first; ties share a rank and are ordered by id."""
    ordered = sorted(lines, key=lambda line: (-line.points, line.responder_id))
    result: list[Standing] = []
    for index, line in enumerate(ordered):
        rank = result[-1].rank if result and result[-1].points == line.points else index + 1
        result.append(
            Standing(
                rank=rank, responder_id=line.responder_id, points=line.points, replies=line.replies
            )
        )
    return tuple(result)


def ranked_page(
    lines: Iterable[BoardLine], seen: int = 0, last: Standing | None = None
) -> tuple[Standing, ...]:
    """A page of a board, already most points first, ranked as `ranked` ranks the whole board:
    `seen` lines came before it, `last` the one just before (a tie with it shares its rank)."""
    result: list[Standing] = []
    for index, line in enumerate(lines, start=seen + 1):
        before = result[-1] if result else last
        rank = before.rank if before is not None and before.points == line.points else index
        result.append(
            Standing(
                rank=rank, responder_id=line.responder_id, points=line.points, replies=line.replies
            )
        )
    return tuple(result)


def board_from_entries(entries: Iterable[LedgerEntry], key: str) -> list[BoardLine]:
    """A board computed the slow way, from every entry (the property tests' reference)."""
    points: dict[str, int] = defaultdict(int)
    replies: dict[str, int] = defaultdict(int)
    for entry in entries:
        if key in boards_for(entry):
            points[entry.responder_id] += entry.points
            replies[entry.responder_id] += counts_as_reply(entry)
    return [BoardLine(responder_id=r, points=points[r], replies=replies[r]) for r in points]


def trust(entries: Iterable[LedgerEntry]) -> int:
    """How many of a responder's replies were posted: trust grows with each one."""
    return sum(1 for e in entries if counts_as_reply(e))
