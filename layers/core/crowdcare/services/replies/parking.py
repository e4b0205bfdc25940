"""For an operator: parked replies back onto the ReplyQueue once the platform is back."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from crowdcare.ports import ParkingLot, ReplyStore
from crowdcare.services.replies.submission import ReplySubmissions


@dataclass(frozen=True)
class RetriedReplies:
    """What `retry_parked` did."""

    requeued: tuple[str, ...]
    left_parked: int
    # Parked tickets dropped because their reply cannot go back: posted meanwhile, or another
    # reply now holds the mention (the responder answered again).
    dropped: tuple[str, ...] = ()


def retry_parked(
    parking: ParkingLot,
    replies: ReplyStore,
    submissions: ReplySubmissions,
    reply_ids: Collection[str] | None = None,
) -> RetriedReplies:
    """Put parked replies (all, or those in `reply_ids`) back on the queue.

    Each one's record goes back to approved and its ticket leaves the dead-letter queue.
    Tickets not chosen stay parked, untouched.
    """
    requeued: list[str] = []
    dropped: list[str] = []
    skipped: list[str] = []  # handles to release at the end
    for parked in parking.parked():
        reply_id = parked.ticket.reply_id
        if reply_ids is not None and reply_id not in reply_ids:
            skipped.append(parked.handle)
            continue
        reply = replies.get(reply_id) if replies.reopen(reply_id) else None
        if reply is None:
            dropped.append(reply_id)
        else:
            submissions.enqueue(reply)
            requeued.append(reply_id)
        parking.remove(parked.handle)
    parking.release(skipped)
    return RetriedReplies(
        requeued=tuple(requeued), left_parked=len(skipped), dropped=tuple(dropped)
    )
