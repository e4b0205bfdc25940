"""Points: what moves them, and one movement as the append-only ledger keeps it.

Entries are only ever added, never changed: a rejected reply does not erase the points of
anything, it adds a negative entry. Each entry's key names what earned it
(``<mention or reply id>#<reason>``), so recording the same event twice is a no-op.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from crowdcare.domain.models import Frozen


class PointsReason(StrEnum):
    """Why points moved."""

    REPLY_POSTED = "reply_posted"
    REPLY_REJECTED = "reply_rejected"


POINTS: dict[PointsReason, int] = {
    PointsReason.REPLY_POSTED: 10,
    PointsReason.REPLY_REJECTED: -5,
}


class LedgerEntry(Frozen):
    """One movement of points for one responder."""

    responder_id: str
    entry_id: str
    reason: PointsReason
    points: int
    mention_id: str
    at: datetime


def entry_for(
    responder_id: str, reason: PointsReason, mention_id: str, at: datetime
) -> LedgerEntry:
    """The ledger entry an event earns, keyed so the same event is recorded once."""
    return LedgerEntry(
        responder_id=responder_id,
        entry_id=f"{mention_id}#{reason.value}",
        reason=reason,
        points=POINTS[reason],
        mention_id=mention_id,
        at=at,
    )
