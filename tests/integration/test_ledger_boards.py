"""crowdcare.adapters.dynamodb.ledger on moto: an entry and its board totals in one
transaction; a replayed entry changes nothing; a board is one partition's query."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from crowdcare.adapters.dynamodb.ledger import LedgerRepository
from crowdcare.domain.points import PointsReason, entry_for
from crowdcare.rules.ranks import ResponderStats, stats_of
from crowdcare.rules.standings import board_from_entries, ranked
from crowdcare_local.stack import create_template_table
from moto import mock_aws

REGION = "eu-west-1"
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
def ledger(monkeypatch: pytest.MonkeyPatch) -> Iterator[LedgerRepository]:
    """The Ledger table as template.yaml declares it, on moto."""
    for name, value in {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        dynamodb: Any = boto3.client("dynamodb", region_name=REGION)
        create_template_table(dynamodb, "LedgerTable", "ledger")
        yield LedgerRepository(dynamodb, "ledger")


def test_boards_follow_entries_and_a_replay_is_a_no_op(ledger: LedgerRepository) -> None:
    """GIVEN posts, a reach bonus and a rejection over two weeks WHEN one is appended again
    THEN it is refused, and every board equals the entries' sums; a responder's own entries
    never include board lines."""
    entries = [
        entry_for("adv.ana", PointsReason.REPLY_POSTED, "x#1", NOW, points=10, language="es"),
        entry_for(
            "adv.ana",
            PointsReason.REACH_BONUS,
            "r-1",
            NOW,
            points=6,
            reply_id="r-1",
            language="es",
            figures={"likes": 3, "score": 3.0},
            sequence=0,
        ),
        entry_for("adv.ben", PointsReason.REPLY_POSTED, "x#2", NOW - timedelta(days=7), points=10),
        entry_for("adv.ben", PointsReason.REPLY_REJECTED, "r-3", NOW, points=-5),
    ]
    assert [ledger.append(e) for e in entries] == [True, True, True, True]
    assert ledger.append(entries[0]) is False
    for key in ("all", "week#2026-W10", "week#2026-W09", "month#2026-03", "all#lang#es"):
        assert ranked(ledger.board(key)) == ranked(board_from_entries(entries, key)), key
    assert [(line.responder_id, line.points, line.replies) for line in ledger.board("all")] == [
        ("adv.ana", 16, 1),
        ("adv.ben", 5, 1),
    ]
    mine = ledger.for_responder("adv.ana")
    assert sorted(e.entry_id for e in mine) == ["r-1#reach_bonus#0", "x#1#reply_posted"]
    assert next(e for e in mine if e.reply_id == "r-1").figures == {"likes": 3, "score": 3}


def test_a_board_is_read_a_page_at_a_time_most_points_first_with_kept_figures(
    ledger: LedgerRepository,
) -> None:
    """GIVEN five responders' posts, reach, thanks and a rejection WHEN the all-time board is
    read two lines at a time THEN each page holds at most two lines, most points
    first, the pages together are the board, a cursor names no other board; and each
    responder's kept figures equal those of their history (a replayed reach bonus too)."""
    entries = []
    for n, responder in enumerate(["ana", "ben", "cy", "dee", "eve"]):
        for k in range(n + 1):
            entries.append(
                entry_for(
                    responder,
                    PointsReason.REPLY_POSTED,
                    f"x#{n}{k}",
                    NOW - timedelta(days=40 * k),
                    points=10,
                    language=("es", "en")[k % 2],
                )
            )
    entries += [
        entry_for(
            "ana",
            PointsReason.REACH_BONUS,
            "r-1",
            NOW,
            points=50,
            reply_id="r-1",
            figures={"likes": 90, "reposts": 20},
            sequence=0,
        ),
        entry_for(
            "ana",
            PointsReason.REACH_BONUS,
            "r-1",
            NOW,
            points=-2,
            reply_id="r-1",
            figures={"likes": 80},
            sequence=1,
        ),
        entry_for("ben", PointsReason.AUTHOR_THANKS, "r-2", NOW, points=5, reply_id="r-2"),
        entry_for("cy", PointsReason.REPLY_REJECTED, "r-3", NOW, points=-5),
    ]
    for entry in entries:
        assert ledger.append(entry)
    assert ledger.append(entries[-4]) is False  # the replay raises nothing twice
    pages, cursor = [], None
    while True:
        lines, cursor = ledger.board_page("all", 2, cursor)
        assert len(lines) <= 2
        pages.append(lines)
        if cursor is None:
            break
    read = [line for page in pages for line in page]
    assert [line.points for line in read] == sorted((line.points for line in read), reverse=True)
    assert ranked(read) == ranked(board_from_entries(entries, "all"))
    assert len(pages) == 3
    with pytest.raises(ValueError, match="cursor"):
        ledger.board_page("all", 2, "not-a-cursor")
    kept = ledger.stats(["ana", "ben", "cy", "dee", "eve", "nobody"])
    for responder in ["ana", "ben", "cy", "dee", "eve"]:
        mine = [e for e in entries if e.responder_id == responder]
        assert kept[responder] == stats_of(mine), responder
    assert kept["ana"].best_reach == 110
    assert kept["nobody"] == ResponderStats()
