"""Points: what moves them, and one movement as the append-only ledger keeps it.

Entries are only ever added, never changed: a rejected reply does not erase the points of
anything, it adds a negative entry. Each entry's key names what earned it
(``<mention or reply id>#<reason>``, and for reach ``<reply id>#reach_bonus#<n>``, the n-th
measurement that changed the bonus), so recording the same event twice is a no-op. Each entry
carries the figures it was computed from, so an advocate can see why.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from crowdcare.domain.models import Frozen

Figures = dict[str, int | float | str]

# The topics one entry counts on boards for (each is a board line per period in the entry's
# write): a mention tagged with more counts on its first ones.
MAX_BOARD_TOPICS = 3


class PointsReason(StrEnum):
    """Why points moved."""

    REPLY_POSTED = "reply_posted"
    WITHIN_SLA = "within_sla"
    SPEED_BONUS = "speed_bonus"
    APPROVED_UNEDITED = "approved_unedited"
    REACH_BONUS = "reach_bonus"
    AUTHOR_THANKS = "author_thanks"
    REPLY_REJECTED = "reply_rejected"
    REPLY_REMOVED = "reply_removed"


class Period(StrEnum):
    """The span a leaderboard covers."""

    WEEK = "week"
    MONTH = "month"
    ALL = "all"


class LedgerEntry(Frozen):
    """One movement of points for one responder."""

    responder_id: str
    entry_id: str
    reason: PointsReason
    points: int
    mention_id: str
    at: datetime
    reply_id: str | None = None
    language: str | None = Field(default=None, description="the mention's language (boards)")
    topics: tuple[str, ...] = Field(
        default=(), max_length=MAX_BOARD_TOPICS, description="the mention's topics (boards)"
    )
    figures: Figures = Field(default_factory=dict, description="what the points were computed from")


def entry_for(
    responder_id: str,
    reason: PointsReason,
    key: str,
    at: datetime,
    *,
    points: int,
    mention_id: str | None = None,
    reply_id: str | None = None,
    language: str | None = None,
    figures: Figures | None = None,
    sequence: int | None = None,
    topics: tuple[str, ...] = (),
) -> LedgerEntry:
    """The ledger entry an event earns, keyed so the same event is recorded once.

    `key` names what earned it (a mention or reply id); `sequence` tells apart the successive
    movements of one reason on one reply (reach measurements).
    """
    entry_id = f"{key}#{reason.value}" + ("" if sequence is None else f"#{sequence}")
    return LedgerEntry(
        responder_id=responder_id,
        entry_id=entry_id,
        reason=reason,
        points=points,
        mention_id=mention_id or key,
        at=at,
        reply_id=reply_id,
        language=language,
        topics=tuple(dict.fromkeys(topics))[:MAX_BOARD_TOPICS],
        figures=figures or {},
    )
