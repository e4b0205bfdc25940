"""Leaderboards this week, this month and all time, overall, per language or per topic, from
the boards kept beside the ledger, a page at a time, with each line's rank and badges.

A page reads its own lines only (one query of the board index, most points first) and those
responders' kept figures (rank and badges without their histories), so its cost is the page
size whatever the number of responders on the board or the size of the ledger. Pages follow
an opaque cursor (the board keeps no cheap count, so there is no page N of M).
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
from dataclasses import dataclass
from typing import Any

from crowdcare.domain.errors import RequestError
from crowdcare.domain.points import Period
from crowdcare.ports import Clock, Ledger, PointsRulesSource, ResponderDirectory, RulesStore
from crowdcare.rules.ranks import badges_from_stats, rank_of
from crowdcare.rules.standings import Standing, board_key, ranked, ranked_page, week_start
from crowdcare.services.dashboard.feed import rules_in_force

DEFAULT_PAGE_SIZE = 20


@dataclass
class LeaderboardService:
    """Standings from the boards, with names, ranks and badges."""

    ledger: Ledger
    responders: ResponderDirectory
    clock: Clock
    rules: PointsRulesSource
    triage_rules: RulesStore | None = None  # the topics triage tags mentions with (boards)

    def choices(self) -> dict[str, list[str]]:
        """The languages and topics a board can be asked for (the page's selectors)."""
        # Imported here: the language detector's module is only worth loading for a board.
        from crowdcare.rules.triage.language import SUPPORTED_LANGUAGES  # noqa: PLC0415

        topics = (
            [] if self.triage_rules is None else rules_in_force(self.triage_rules).topic_keywords
        )
        return {"languages": list(SUPPORTED_LANGUAGES), "topics": sorted(topics)}

    def board(
        self,
        period: Period = Period.WEEK,
        language: str | None = None,
        cursor: str | None = None,
        page_size: int = DEFAULT_PAGE_SIZE,
        topic: str | None = None,
    ) -> dict[str, Any]:
        """One page of one board (from `cursor`, a previous page's `next`), each line with its
        owner's level and badges from their kept figures."""
        now = self.clock()
        key = board_key(period, now, language, topic)
        after, seen, last = _open_cursor(cursor, key)
        try:
            lines, more = self.ledger.board_page(key, page_size, after)
        except ValueError as error:  # a well-formed cursor whose inner position was forged
            raise RequestError("not a cursor of this board") from error
        shown = ranked_page(lines, seen, last)
        kept = self.ledger.stats([line.responder_id for line in shown])
        ranks = self.rules().ranks
        items = []
        for line in shown:
            responder = self.responders.get(line.responder_id)
            stats = kept[line.responder_id]
            items.append(
                line.model_dump(mode="json")
                | {
                    "name": line.responder_id if responder is None else responder.name,
                    "level": rank_of(ranks, stats.points).rank,
                    "badges": [b.badge for b in badges_from_stats(ranks, stats, now) if b.earned],
                }
            )
        return {
            "period": period.value,
            "language": language,
            "topic": topic,
            "board": key,
            "page_size": page_size,
            "items": items,
            "next": None if more is None else _cursor(more, key, seen + len(shown), shown[-1]),
            "choices": self.choices(),
        }

    def leaderboard(self) -> dict[str, Any]:
        """This week's and all-time standings (their first pages), as the dashboard shows them."""
        return {
            "week_start": week_start(self.clock()).isoformat(),
            "this_week": self.board(Period.WEEK)["items"],
            "all_time": self.board(Period.ALL)["items"],
        }

    def export_csv(
        self, period: Period = Period.MONTH, language: str | None = None, topic: str | None = None
    ) -> str:
        """One board, every line, as CSV for a rewards programme (admins only: emails)."""
        now = self.clock()
        ranks = self.rules().ranks
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["rank", "responder_id", "name", "email", "points", "replies", "level"])
        lines = ranked(self.ledger.board(board_key(period, now, language, topic)))
        kept = self.ledger.stats([line.responder_id for line in lines])
        for line in lines:
            responder = self.responders.get(line.responder_id)
            total = kept[line.responder_id].points
            writer.writerow(
                [
                    line.rank,
                    line.responder_id,
                    "" if responder is None else responder.name,
                    "" if responder is None else responder.email,
                    line.points,
                    line.replies,
                    rank_of(ranks, total).rank,
                ]
            )
        return out.getvalue()


def _cursor(after: str, key: str, seen: int, last: Standing) -> str:
    """The next page's cursor: where the board index goes on, and what ranks its first line."""
    state = {"b": key, "a": after, "n": seen, "r": last.rank, "p": last.points}
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode()


def _open_cursor(cursor: str | None, key: str) -> tuple[str | None, int, Standing | None]:
    """A cursor's parts; a 400 for one this board never gave (another board's or tampered)."""
    if cursor is None:
        return None, 0, None
    try:
        state = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if state["b"] != key:
            raise ValueError("another board's cursor")
        last = Standing(rank=int(state["r"]), responder_id="", points=int(state["p"]), replies=0)
        return str(state["a"]), int(state["n"]), last
    except (ValueError, KeyError, TypeError, binascii.Error) as error:
        raise RequestError("not a cursor of this board") from error
