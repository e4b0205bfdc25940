"""Leaderboards this week, this month and all time, overall, per language or per topic, from
the boards kept beside the ledger (one query of one board, never the ledger's entries), a page
at a time, with each line's rank and badges."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from crowdcare.domain.points import Period
from crowdcare.ports import Clock, Ledger, PointsRulesSource, ResponderDirectory, RulesStore
from crowdcare.rules.ranks import badges, rank_of
from crowdcare.rules.standings import board_key, ranked, week_start
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
        page: int = 1,
        page_size: int = DEFAULT_PAGE_SIZE,
        topic: str | None = None,
    ) -> dict[str, Any]:
        """One page of one board (a language's or a topic's, or the overall one); only the
        lines on the page read their owner's badges."""
        now = self.clock()
        key = board_key(period, now, language, topic)
        lines = ranked(self.ledger.board(key))
        first = (page - 1) * page_size
        shown = lines[first : first + page_size]
        ranks = self.rules().ranks
        items = []
        for line in shown:
            responder = self.responders.get(line.responder_id)
            entries = self.ledger.for_responder(line.responder_id)
            items.append(
                line.model_dump(mode="json")
                | {
                    "name": line.responder_id if responder is None else responder.name,
                    "level": rank_of(ranks, sum(e.points for e in entries)).rank,
                    "badges": [b.badge for b in badges(ranks, entries, now) if b.earned],
                }
            )
        return {
            "period": period.value,
            "language": language,
            "topic": topic,
            "board": key,
            "page": page,
            "page_size": page_size,
            "total": len(lines),
            "items": items,
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
        for line in ranked(self.ledger.board(board_key(period, now, language, topic))):
            responder = self.responders.get(line.responder_id)
            total = sum(e.points for e in self.ledger.for_responder(line.responder_id))
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
