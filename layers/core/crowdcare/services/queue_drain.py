"""Queued mentions do not wait forever: freed slots are offered to them, most urgent first.

A mention is queued when every candidate (advocates, then employees) was full. Once a minute
`QueueDrain` reads the queue (highest priority first, then oldest), routes each mention again
against the responders as they are now, and when someone it would ask has a free slot it moves
the mention from `queued` to `assigning` (a conditional write, so two drains never take the
same mention) and starts its assignment workflow again. If the slot is gone by the time the
workflow picks, the workflow queues the mention again: nothing is lost, it waits for the next
drain.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from crowdcare.domain.models import Frozen, MentionStatus
from crowdcare.domain.triage import RouteKind
from crowdcare.rules.assignment import who_would_take
from crowdcare.rules.availability import free_slots
from crowdcare.rules.triage import route

if TYPE_CHECKING:
    from crowdcare.domain.stored import StoredMention
    from crowdcare.ports import (
        AssignmentWorkflowStarter,
        Clock,
        MentionStore,
        ResponderStore,
        RulesSource,
    )

# The rules it applies, importable from here as before.
__all__ = ["DrainResult", "QueueDrain", "free_slots", "who_would_take"]


class DrainResult(Frozen):
    """What one drain did."""

    queued: int
    started: tuple[str, ...] = ()
    still_waiting: int = 0


class QueueDrain:
    """Offers free slots to queued mentions, most urgent first."""

    def __init__(
        self,
        *,
        mentions: MentionStore,
        responders: ResponderStore,
        starter: AssignmentWorkflowStarter,
        rules: RulesSource,
        clock: Clock,
    ) -> None:
        self._mentions = mentions
        self._responders = responders
        self._starter = starter
        self._rules = rules
        self._clock = clock

    def drain(self) -> DrainResult:
        """Start the assignment workflow of each queued mention a free slot can take."""
        queued = sorted(
            (s for s in self._mentions.with_status(MentionStatus.QUEUED) if s.triage is not None),
            key=_urgency,
        )
        if not queued:
            return DrainResult(queued=0)
        now = self._clock()
        rules = self._rules()
        responders = self._responders.list_all()
        free = free_slots(responders, now)
        started: list[str] = []
        waiting = 0
        for stored in queued:
            if not free:
                waiting += 1
                continue
            triage = stored.triage
            assert triage is not None  # filtered above
            decision = route(
                stored.mention, triage.analysis, triage.priority, responders, rules, now
            )
            taker = None if decision.route is RouteKind.NONE else who_would_take(
                stored.mention, decision, responders, free
            )
            if taker is None:
                waiting += 1
                continue
            offers = self._mentions.take_from_queue(stored.mention.mention_id)
            if offers is None:
                continue  # taken by another drain, or no longer queued
            try:
                self._starter.start(
                    stored.mention, triage.priority, decision, attempt=f"drain{offers}"
                )
            except Exception:
                # Put it back for the next drain, then let the invocation fail loudly.
                self._mentions.return_to_queue(
                    stored.mention.mention_id, "the assignment workflow did not start"
                )
                raise
            free[taker] -= 1
            if free[taker] == 0:
                del free[taker]
            started.append(stored.mention.mention_id)
        return DrainResult(queued=len(queued), started=tuple(started), still_waiting=waiting)


def _urgency(stored: StoredMention) -> tuple[int, datetime]:
    score = stored.triage.priority.score if stored.triage is not None else 0
    return (-score, stored.received_at)
