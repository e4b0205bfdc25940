"""crowdcare.domain.points and crowdcare.rules.standings: points entries and the boards they
count on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crowdcare.domain.points import Period, PointsReason, entry_for
from crowdcare.rules.standings import (
    BoardLine,
    board_from_entries,
    board_key,
    boards_for,
    ranked,
    week_start,
)

MONDAY = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
NOW = MONDAY + timedelta(days=2, hours=10)  # a Wednesday


def test_week_starts_on_monday_midnight() -> None:
    """Wednesday 10:00 belongs to the week that began Monday 00:00."""
    assert week_start(NOW) == MONDAY
    assert week_start(MONDAY) == MONDAY


def test_entries_are_keyed_by_what_earned_them() -> None:
    """The same event makes the same key (so recording it twice is a no-op); a sequence tells
    apart successive reach movements of one reply."""
    posted = entry_for("adv.ana", PointsReason.REPLY_POSTED, "x#1", NOW, points=10)
    reach = entry_for("adv.ana", PointsReason.REACH_BONUS, "r-9", NOW, points=3, sequence=2)
    assert posted.entry_id == "x#1#reply_posted"
    assert posted == entry_for("adv.ana", PointsReason.REPLY_POSTED, "x#1", NOW, points=10)
    assert reach.entry_id == "r-9#reach_bonus#2"


def test_an_entry_counts_on_each_period_overall_and_in_its_language() -> None:
    """Week (ISO, from Monday), month and all time, each also per language."""
    entry = entry_for("adv.ana", PointsReason.REPLY_POSTED, "x#1", NOW, points=10, language="es")
    assert boards_for(entry) == [
        "week#2026-W10",
        "week#2026-W10#lang#es",
        "month#2026-03",
        "month#2026-03#lang#es",
        "all",
        "all#lang#es",
    ]
    sunday = MONDAY - timedelta(seconds=1)
    assert board_key(Period.WEEK, sunday) == "week#2026-W09"


def test_an_entry_counts_once_on_each_of_its_first_three_topics() -> None:
    """GIVEN a mention tagged app twice, billing and shipping THEN the entry keeps the three
    distinct topics and counts once per period on each."""
    entry = entry_for(
        "adv.ana",
        PointsReason.REPLY_POSTED,
        "x#1",
        NOW,
        points=10,
        topics=("app", "app", "billing", "shipping", "account"),
    )
    assert entry.topics == ("app", "billing", "shipping")
    assert [k for k in boards_for(entry) if k.startswith("month")] == [
        "month#2026-03",
        "month#2026-03#topic#app",
        "month#2026-03#topic#billing",
        "month#2026-03#topic#shipping",
    ]


def test_ranked_lines_share_ranks_for_ties() -> None:
    """Highest first; equal points share a rank, ordered by id."""
    lines = [
        BoardLine(responder_id="adv.ben", points=10, replies=1),
        BoardLine(responder_id="adv.ana", points=10, replies=1),
        BoardLine(responder_id="adv.cai", points=15, replies=2),
        BoardLine(responder_id="adv.dan", points=-5, replies=0),
    ]
    assert [(s.rank, s.responder_id, s.points) for s in ranked(lines)] == [
        (1, "adv.cai", 15),
        (2, "adv.ana", 10),
        (2, "adv.ben", 10),
        (4, "adv.dan", -5),
    ]


def test_this_week_leaves_out_older_entries() -> None:
    """Last week's points count all time but not on this week's board."""
    entries = [
        entry_for(
            "adv.ana", PointsReason.REPLY_POSTED, "old", MONDAY - timedelta(seconds=1), points=10
        ),
        entry_for("adv.ana", PointsReason.REPLY_POSTED, "new", MONDAY, points=10),
    ]
    week = board_from_entries(entries, board_key(Period.WEEK, NOW))
    assert [(line.points, line.replies) for line in week] == [(10, 1)]
    assert [line.points for line in board_from_entries(entries, "all")] == [20]
