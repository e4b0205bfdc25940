"""What points cost: ledger writes per posted reply, and the leaderboard's read cost as the
ledger grows: a request reads one page of the board index and that page's kept figures (level
and badges), never whole boards nor anyone's history, so it stays flat.

Seeded synthetic advocates (every run prints the same figures). Writes are counted through the
real `PointsAwarder` on a counting ledger fake: each entry is one TransactWriteItems of the
entry, its board lines (crowdcare.rules.standings.boards_for) and its responder's kept figures
(a reach bonus that beats the best reach adds one conditional UpdateItem, not counted here).
Reads are billed as DynamoDB bills a Query: 0.5 read units per started 4 KB of the items it
returns; a board line is ~80 bytes, a ledger entry ~350 (what a scan of the ledger would read
instead).

Run: `python -m tools.bench.rewards` (the lead wires it into `make bench`).
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from crowdcare.domain.assignments import Assignment
from crowdcare.domain.models import Author, MentionStatus, Platform, ResponderKind
from crowdcare.domain.points import LedgerEntry, Period
from crowdcare.domain.replies import PostedReply, Reach, Reply, ReplyStatus
from crowdcare.domain.stored import StoredMention
from crowdcare.domain.triage import RouteKind, Triage
from crowdcare.rules.points import PointsRules
from crowdcare.rules.standings import board_key, boards_for
from crowdcare.services.dashboard.leaderboard import DEFAULT_PAGE_SIZE
from crowdcare.services.rewards.awards import PointsAwarder
from crowdcare.testing.builders import a_decision, a_mention, a_priority, a_responder, an_analysis
from crowdcare.testing.replies import (
    InMemoryAssignments,
    InMemoryLedger,
    InMemoryMentions,
    InMemoryResponders,
)

START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
BOARD_LINE_BYTES = 80
ENTRY_BYTES = 350
LANGUAGES = ("en", "es", "fr", "de", "pt")
PAGE_SIZE = DEFAULT_PAGE_SIZE
TOPICS = ["billing", "app", "thermostat", "shipping"]


@dataclass
class CountingLedger(InMemoryLedger):
    """The in-memory ledger, counting transactions and the items each writes."""

    transactions: int = 0
    items_written: int = 0
    lines_read: int = 0
    queries: int = field(default=0)

    def append(self, entry: LedgerEntry) -> bool:
        written = super().append(entry)
        if written:
            self.transactions += 1
            # The entry, its board lines and its responder's kept figures.
            self.items_written += 2 + len(boards_for(entry))
        return written

    def board(self, key: str) -> list[Any]:
        lines = super().board(key)
        self.queries += 1
        self.lines_read += len(lines)
        return lines


def writes_per_posted_reply(replies: int = 200, seed: int = 7) -> dict[str, float]:
    """Post `replies` replies (half within the speed window) and measure reach three times."""
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not a secret
    ledger, mentions, assignments = CountingLedger(), InMemoryMentions(), InMemoryAssignments()
    responders = InMemoryResponders()
    for i in range(20):
        responders.upsert(a_responder(f"adv.{i}"))
    now = START
    awarder = PointsAwarder(
        ledger, PointsRules.default, mentions, assignments, responders, lambda: now
    )
    posted_tx = posted_items = 0
    for n in range(replies):
        rid = f"adv.{rng.randrange(20)}"
        mention = a_mention(str(n), author=Author(id=f"u{n}", handle=f"@u{n}"))
        triage = Triage(
            # 0-2 topics, as triage tags mentions: each is one more board line per period.
            analysis=an_analysis(language=rng.choice(LANGUAGES)).model_copy(
                update={"topics": tuple(rng.sample(TOPICS, rng.randrange(3)))}
            ),
            priority=a_priority(),
            decision=a_decision(),
        )
        mentions.add(StoredMention(mention, now, MentionStatus.ASSIGNED, triage))
        took = timedelta(minutes=rng.choice((20, 90, 300)))
        assignments.put(
            Assignment(
                mention_id=mention.mention_id,
                responder_id=rid,
                responder_kind=ResponderKind.ADVOCATE,
                route=RouteKind.COMMUNITY,
                priority=60,
                band="P2",
                assigned_at=now - took,
                deadline=now - took + timedelta(hours=4),
            )
        )
        reply = Reply(
            reply_id=f"r-{n}",
            mention_id=mention.mention_id,
            responder_id=rid,
            platform=Platform.X,
            text="ok",
            status=ReplyStatus.POSTED,
            requested_at=now,
            posted=PostedReply(platform=Platform.X, post_id=f"p{n}", url="", posted_at=now),
        )
        before_tx, before_items = ledger.transactions, ledger.items_written
        awarder.posted(reply)
        posted_tx += ledger.transactions - before_tx
        posted_items += ledger.items_written - before_items
        likes = 0
        for _ in range(3):  # three hourly readings, reach growing
            likes += rng.randrange(0, 12)
            awarder.reach_measured(reply, Reach(likes=likes))
        now += timedelta(minutes=7)
    return {
        "replies": replies,
        "transactions_per_posted_reply": round(posted_tx / replies, 2),
        "items_written_per_posted_reply": round(posted_items / replies, 2),
        "reach_transactions_per_reply_3_readings": round(
            (ledger.transactions - posted_tx) / replies, 2
        ),
        "write_units_per_posted_reply": round(2 * posted_items / replies, 2),
    }


def read_cost(entries: int, responders: int = 500, seed: int = 11) -> dict[str, Any]:
    """Board lines a leaderboard query reads once the ledger holds `entries` entries spread over
    a year, against what scanning the ledger would read."""
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not a secret
    lines: dict[str, set[str]] = defaultdict(set)
    points: dict[str, Counter[str]] = defaultdict(Counter)
    history: Counter[str] = Counter()
    for _ in range(entries):
        at = START - timedelta(minutes=rng.randrange(365 * 24 * 60))
        rid = f"adv.{rng.randrange(responders)}"
        language = rng.choice(LANGUAGES)
        history[rid] += 1
        for period in Period:
            for key in (board_key(period, at), board_key(period, at, language)):
                lines[key].add(rid)
                points[key][rid] += rng.choice((5, 10, 18))
    now = START - timedelta(minutes=1)
    figures: dict[str, Any] = {"entries": entries}
    for name, key in (
        ("this_week", board_key(Period.WEEK, now)),
        ("this_month", board_key(Period.MONTH, now)),
        ("all_time", board_key(Period.ALL, now)),
        ("all_time_es", board_key(Period.ALL, now, "es")),
    ):
        read = len(lines[key])
        figures[name] = {
            "lines_read": read,
            "read_units": 0.5 * math.ceil(read * BOARD_LINE_BYTES / 4096),
        }
    figures["scan_read_units"] = 0.5 * math.ceil(entries * ENTRY_BYTES / 4096)
    figures["request"] = leaderboard_request(lines, points, history, now)
    return figures


def leaderboard_request(
    lines: dict[str, set[str]],
    points: dict[str, Counter[str]],
    history: Counter[str],
    now: datetime,
) -> dict[str, int]:
    """Items one dashboard leaderboard request reads (this week's and all time's first pages,
    each line with level and badges). Before: both boards whole, then each shown responder's
    whole history; now: a page of the board index and the page's kept figures, per board."""
    before = after = 0
    for key in (board_key(Period.WEEK, now), board_key(Period.ALL, now)):
        shown = [rid for rid, _ in points[key].most_common(PAGE_SIZE)]
        before += len(lines[key]) + sum(history[rid] for rid in shown)
        after += 2 * len(shown)  # the page's lines, then one kept-figures item per line
    return {"items_before": before, "items_now": after}


def bench_rewards() -> dict[str, Any]:
    """Every figure of this bench."""
    return {
        "writes": writes_per_posted_reply(),
        "leaderboard_100k": read_cost(100_000),
        "leaderboard_1m": read_cost(1_000_000),
    }


def main() -> None:
    figures = bench_rewards()
    w = figures["writes"]
    print(
        f"Points writes: {w['transactions_per_posted_reply']} transactions / "
        f"{w['items_written_per_posted_reply']} items ({w['write_units_per_posted_reply']} WCU) "
        f"per posted reply; {w['reach_transactions_per_reply_3_readings']} reach transactions "
        "per reply over 3 readings"
    )
    for label in ("leaderboard_100k", "leaderboard_1m"):
        f = figures[label]
        boards = ", ".join(
            f"{k} {f[k]['lines_read']} lines / {f[k]['read_units']} RCU"
            for k in ("this_week", "this_month", "all_time", "all_time_es")
        )
        print(
            f"Leaderboard at {f['entries']:,} entries: {boards}; a scan: {f['scan_read_units']} RCU"
        )
        r = f["request"]
        print(
            f"  a leaderboard request (week + all time, page of {PAGE_SIZE}, level and badges): "
            f"{r['items_before']:,} items read before (whole boards + shown histories), "
            f"{r['items_now']} now (board index pages + kept figures)"
        )


if __name__ == "__main__":
    main()
