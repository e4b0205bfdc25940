"""Standings: which boards an entry counts on, ranking a board's totals, trust (pure: no I/O).

A board is a running total per responder kept beside the ledger (in the same write as the
entry), so a leaderboard is read from one board, never by adding up the ledger. Board keys:
``all``, ``week#2026-W09``, ``month#2026-03``, each also per language (``week#2026-W09#lang#es``).
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


def board_key(period: Period, at: datetime, language: str | None = None) -> str:
    """The board of `period` that `at` falls in (ISO weeks start on Monday, like week_start)."""
    if period is Period.WEEK:
        year, week, _ = at.isocalendar()
        key = f"week#{year}-W{week:02d}"
    elif period is Period.MONTH:
        key = f"month#{at:%Y-%m}"
    else:
        key = "all"
    return key if language is None else f"{key}#lang#{language}"


def boards_for(entry: LedgerEntry) -> list[str]:
    """Every board an entry counts on: each period, overall and in the mention's language."""
    languages: list[str | None] = [None] if entry.language is None else [None, entry.language]
    return [board_key(p, entry.at, lang) for p in Period for lang in languages]


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
