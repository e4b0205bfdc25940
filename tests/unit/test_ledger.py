"""crowdcare.adapters.dynamodb.ledger: points entries and the leaderboards derived from them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crowdcare.adapters.dynamodb.ledger import (
    PointsReason,
    entry_for,
    leaderboard,
    standings,
    week_start,
)

MONDAY = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
NOW = MONDAY + timedelta(days=2, hours=10)  # a Wednesday


def test_week_starts_on_monday_midnight() -> None:
    """Wednesday 10:00 belongs to the week that began Monday 00:00."""
    assert week_start(NOW) == MONDAY
    assert week_start(MONDAY) == MONDAY


def test_entries_are_keyed_by_what_earned_them() -> None:
    """The same event makes the same key (so recording it twice is a no-op); points by reason."""
    posted = entry_for("adv.ana", PointsReason.REPLY_POSTED, "x#1", NOW)
    rejected = entry_for("adv.ana", PointsReason.REPLY_REJECTED, "r-9", NOW)
    assert posted.entry_id == "x#1#reply_posted"
    assert posted == entry_for("adv.ana", PointsReason.REPLY_POSTED, "x#1", NOW)
    assert (posted.points, rejected.points) == (10, -5)


def test_standings_rank_by_points_with_shared_ranks_for_ties() -> None:
    """Highest first; equal points share a rank; a rejection subtracts; replies counted."""
    entries = [
        entry_for("adv.ben", PointsReason.REPLY_POSTED, "a", NOW),
        entry_for("adv.ana", PointsReason.REPLY_POSTED, "b", NOW),
        entry_for("adv.cai", PointsReason.REPLY_POSTED, "c", NOW),
        entry_for("adv.cai", PointsReason.REPLY_POSTED, "d", NOW),
        entry_for("adv.cai", PointsReason.REPLY_REJECTED, "e", NOW),
        entry_for("adv.dan", PointsReason.REPLY_REJECTED, "f", NOW),
    ]
    board = standings(entries)
    assert [(s.rank, s.responder_id, s.points, s.replies) for s in board] == [
        (1, "adv.cai", 15, 2),
        (2, "adv.ana", 10, 1),
        (2, "adv.ben", 10, 1),
        (4, "adv.dan", -5, 0),
    ]


def test_this_week_leaves_out_older_entries() -> None:
    """Last week's points count all time but not this week."""
    entries = [
        entry_for("adv.ana", PointsReason.REPLY_POSTED, "old", MONDAY - timedelta(seconds=1)),
        entry_for("adv.ana", PointsReason.REPLY_POSTED, "new", MONDAY),
    ]
    board = leaderboard(entries, NOW)
    assert board.week_start == MONDAY
    assert [s.points for s in board.this_week] == [10]
    assert [s.points for s in board.all_time] == [20]


def test_an_empty_ledger_gives_empty_boards() -> None:
    """No entries, no lines."""
    board = leaderboard([], NOW)
    assert board.this_week == ()
    assert board.all_time == ()
