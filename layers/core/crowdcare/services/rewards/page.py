"""An advocate's own page: points history with reasons, replies with their reach, badges and
the next one, rank progress, and what employees said about rejected or edited replies."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from crowdcare.domain.replies import ReplyStatus
from crowdcare.ports import Clock, Ledger, PointsRulesSource, ReplyStore
from crowdcare.rules.ranks import badges, next_badge, rank_of

HISTORY_LIMIT = 200


@dataclass
class PointsPage:
    """Reads one responder's ledger partition and replies (never anyone else's)."""

    ledger: Ledger
    replies: ReplyStore
    rules: PointsRulesSource
    clock: Clock

    def page(self, responder_id: str) -> dict[str, Any]:
        """Everything the advocate's points page shows."""
        now = self.clock()
        ranks = self.rules().ranks
        entries = sorted(self.ledger.for_responder(responder_id), key=lambda e: e.at, reverse=True)
        per_reply: dict[str, int] = defaultdict(int)
        by_reason: dict[str, int] = defaultdict(int)
        for entry in entries:
            by_reason[entry.reason.value] += entry.points
            if entry.reply_id is not None:
                per_reply[entry.reply_id] += entry.points
        earned_or_not = badges(ranks, entries, now)
        ahead = next_badge(earned_or_not)
        replies = sorted(
            self.replies.by_responder(responder_id), key=lambda r: r.requested_at, reverse=True
        )
        return {
            "points": sum(e.points for e in entries),
            "by_reason": dict(by_reason),
            "rank": rank_of(ranks, sum(e.points for e in entries)).model_dump(mode="json"),
            "badges": [b.model_dump(mode="json") for b in earned_or_not if b.earned],
            "next_badge": None if ahead is None else ahead.model_dump(mode="json"),
            "history": [
                e.model_dump(mode="json", exclude={"responder_id"}) for e in entries[:HISTORY_LIMIT]
            ],
            "replies": [
                {
                    "reply_id": r.reply_id,
                    "mention_id": r.mention_id,
                    "status": r.status.value,
                    "url": None if r.posted is None else r.posted.url,
                    "reach": None if r.reach is None else r.reach.model_dump(mode="json"),
                    "points": per_reply.get(r.reply_id, 0),
                }
                for r in replies
            ],
            "feedback": [
                {
                    "reply_id": r.reply_id,
                    "mention_id": r.mention_id,
                    "status": r.status.value,
                    "edited": r.original_text is not None,
                    "original_text": r.original_text,
                    "text": r.text,
                    "note": r.note,
                    "decided_at": None if r.decided_at is None else r.decided_at.isoformat(),
                }
                for r in replies
                if r.decided_by is not None
                and (r.status is ReplyStatus.REJECTED or r.original_text is not None)
            ],
        }
