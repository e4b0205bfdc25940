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

from crowdcare.domain.models import Frozen, Responder, ResponderKind
from crowdcare.domain.triage import RouteKind
from crowdcare.rules.assignment import who_would_take
from crowdcare.rules.availability import free_slots
from crowdcare.services.triage_steps import route_from_pools

if TYPE_CHECKING:
    from crowdcare.ports import (
        AssignmentWorkflowStarter,
        Clock,
        MentionStore,
        OpenAssignmentsGauge,
        ResponderStore,
        RulesSource,
    )

# The rules it applies, importable from here as before.
__all__ = ["DrainResult", "QueueDrain", "free_slots", "who_would_take"]


DRAIN_BATCH = 100
"""Queued mentions one drain looks at (most urgent first); the rest wait for the next run."""


class DrainResult(Frozen):
    """What one drain did."""

    queued: int
    started: tuple[str, ...] = ()
    still_waiting: int = 0
    open_assignments: int | None = None  # the gauge, when the drain was given one


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
        gauge: OpenAssignmentsGauge | None = None,
    ) -> None:
        self._gauge = gauge
        self._mentions = mentions
        self._responders = responders
        self._starter = starter
        self._rules = rules
        self._clock = clock

    def drain(self) -> DrainResult:
        """Start the assignment workflow of each queued mention a free slot can take.

        Reads at most `DRAIN_BATCH` queued mentions (the queue index, most urgent first) and
        the candidate pools they need: no Scan, whatever the number of stored mentions or
        responders. A longer queue is worked through by the next runs.
        """
        # Read before draining: the operations dashboard plots it once a minute from here.
        open_assignments = None if self._gauge is None else self._gauge.open_count()
        queued = [s for s in self._mentions.queued(DRAIN_BATCH) if s.triage is not None]
        if not queued:
            return DrainResult(queued=0, open_assignments=open_assignments)
        now = self._clock()
        rules = self._rules()
        pools = _Pools(self._responders)
        started: list[str] = []
        waiting = 0
        for stored in queued:
            triage = stored.triage
            assert triage is not None  # filtered above
            decision = route_from_pools(
                stored.mention, triage.analysis, triage.priority, pools, rules, now
            )
            responders = pools.seen()
            free = pools.free(now)
            taker = (
                None
                if decision.route is RouteKind.NONE
                else who_would_take(stored.mention, decision, responders, free)
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
            pools.take(taker)
            started.append(stored.mention.mention_id)
        return DrainResult(
            queued=len(queued),
            started=tuple(started),
            still_waiting=waiting,
            open_assignments=open_assignments,
        )


class _Pools:
    """The candidate pools one drain reads, each once, with the slots this drain has taken."""

    def __init__(self, responders: ResponderStore) -> None:
        self._responders = responders
        self._read: dict[tuple[ResponderKind, str | None, int], list[Responder]] = {}
        self._taken: dict[str, int] = {}

    def available(self, kind: ResponderKind, language: str | None, limit: int) -> list[Responder]:
        key = (kind, language, limit)
        if key not in self._read:
            self._read[key] = list(self._responders.available(kind, language, limit))
        return [r for r in self._read[key] if self._left(r) > 0]

    def seen(self) -> list[Responder]:
        return list({r.responder_id: r for rs in self._read.values() for r in rs}.values())

    def free(self, now: datetime) -> dict[str, int]:
        slots = free_slots(self.seen(), now)
        return {
            rid: n - self._taken.get(rid, 0)
            for rid, n in slots.items()
            if n - self._taken.get(rid, 0) > 0
        }

    def take(self, responder_id: str) -> None:
        self._taken[responder_id] = self._taken.get(responder_id, 0) + 1

    def _left(self, responder: Responder) -> int:
        taken = self._taken.get(responder.responder_id, 0)
        return responder.max_open - responder.open_count - taken
