"""Nothing stays stuck: mentions left in a non-final status past its deadline are re-driven or
parked.

A mention in one of SWEPT_STATUSES is in the Mentions table's sparse open-status index (by
status, then since when). A scheduled run queries each status for entries older than its
deadline (never a Scan, at most `batch` per status, and never past the invocation's time),
claims each with a conditional write (so a re-drive happens once however many sweeps run), then:

* received (triage never ran or failed, or the assignment workflow died before its first pick,
  which is what records the triage of a mention a person must answer): starts triage again;
* triaged / assigning (the assignment workflow never started, or crashed): starts it again
  with the stored triage;
* assigned past the longest hold limit (the workflow died while waiting): gives the responder's
  slot back and starts the assignment workflow again.

After `max_redrives` re-drives that did not move it on, the mention is parked (status
`parked`, the reason as its detail and in the audit trail, `StuckMentionsParked` metric).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING

from crowdcare.domain.assignments import AssignmentStatus
from crowdcare.domain.audit import SYSTEM, AuditAction, AuditEntry
from crowdcare.domain.errors import ExecutionAlreadyStartedError
from crowdcare.domain.models import Frozen, MentionStatus

if TYPE_CHECKING:
    from crowdcare.domain.stored import StoredMention, StuckMention
    from crowdcare.ports import (
        AssignmentStore,
        AssignmentWorkflowStarter,
        AuditLog,
        Clock,
        StuckMentionStore,
        TriageWorkflowStarter,
    )

# The order statuses are swept in: the earliest in a mention's life first.
SWEEP_ORDER = (
    MentionStatus.RECEIVED,
    MentionStatus.TRIAGED,
    MentionStatus.ASSIGNING,
    MentionStatus.ASSIGNED,
)
# Stop starting new work when the invocation has less than this many seconds left.
TIME_MARGIN_SECONDS = 5.0


def sweep_deadlines(
    *, received: int, triaged: int, assigning: int, longest_hold: int, margin: int
) -> dict[MentionStatus, timedelta]:
    """How long each swept status may last (seconds in): `assigned` lasts at most the longest
    hold limit of the rules (a wait's TimeoutSeconds), plus a margin for the workflow's steps."""
    return {
        MentionStatus.RECEIVED: timedelta(seconds=received),
        MentionStatus.TRIAGED: timedelta(seconds=triaged),
        MentionStatus.ASSIGNING: timedelta(seconds=assigning),
        MentionStatus.ASSIGNED: timedelta(seconds=longest_hold + margin),
    }


class SweepResult(Frozen):
    """What one sweep did (ids)."""

    found: int = 0
    redriven: tuple[str, ...] = ()
    parked: tuple[str, ...] = ()
    moved_on: int = 0  # found, but it moved on before it could be claimed
    out_of_time: bool = False


class Sweeper:
    """Finds mentions stuck past their status's deadline and re-drives or parks them."""

    def __init__(
        self,
        *,
        mentions: StuckMentionStore,
        assignments: AssignmentStore,
        audit: AuditLog,
        triage: TriageWorkflowStarter,
        assignment: AssignmentWorkflowStarter,
        deadlines: Callable[[], Mapping[MentionStatus, timedelta]],
        clock: Clock,
        max_redrives: int = 3,
        batch: int = 25,
    ) -> None:
        self._mentions = mentions
        self._assignments = assignments
        self._audit = audit
        self._triage = triage
        self._assignment = assignment
        self._deadlines = deadlines
        self._clock = clock
        self._max_redrives = max_redrives
        self._batch = batch

    def sweep(self, time_left: Callable[[], float] | None = None) -> SweepResult:
        """One bounded pass over every swept status; `time_left` is the invocation's seconds."""
        deadlines = self._deadlines()
        now = self._clock()
        redriven: list[str] = []
        parked: list[str] = []
        found = moved_on = 0
        for status in SWEEP_ORDER:
            for stuck in self._mentions.stuck(status, now - deadlines[status], self._batch):
                if time_left is not None and time_left() < TIME_MARGIN_SECONDS:
                    return SweepResult(
                        found=found,
                        redriven=tuple(redriven),
                        parked=tuple(parked),
                        moved_on=moved_on,
                        out_of_time=True,
                    )
                found += 1
                outcome = self._handle(stuck)
                if outcome is None:
                    moved_on += 1
                elif outcome:
                    redriven.append(stuck.mention_id)
                else:
                    parked.append(stuck.mention_id)
        return SweepResult(
            found=found, redriven=tuple(redriven), parked=tuple(parked), moved_on=moved_on
        )

    def _handle(self, stuck: StuckMention) -> bool | None:
        """Re-drive (True) or park (False) one stuck mention; None when it moved on."""
        redrives = self._mentions.claim_redrive(stuck)
        if redrives is None:
            return None
        stored = self._mentions.get(stuck.mention_id)
        if stored is None:
            return None
        if redrives > self._max_redrives:
            self._park(
                stuck, f"still {stuck.status.value} after {self._max_redrives} re-drives"
            )
            return False
        attempt = f"sweep{redrives}"
        if stuck.status is MentionStatus.RECEIVED:
            _started(lambda: self._triage.start(stored.mention, attempt))
        else:
            if stored.triage is None:
                self._park(stuck, f"{stuck.status.value} without a stored triage")
                return False
            if stuck.status is MentionStatus.ASSIGNED:
                self._release_dead_assignment(stored)
            triage = stored.triage
            _started(
                lambda: self._assignment.start(
                    stored.mention, triage.priority, triage.decision, attempt
                )
            )
        self._record(stuck, AuditAction.REDRIVEN, f"{stuck.status.value} since {stuck.since}")
        return True

    def _release_dead_assignment(self, stored: StoredMention) -> None:
        """The workflow that held the assignment is gone: give the responder's slot back."""
        mention_id = stored.mention.mention_id
        open_one = self._assignments.get(mention_id)
        if open_one is not None and open_one.status is AssignmentStatus.OPEN:
            self._assignments.release(mention_id, AssignmentStatus.EXPIRED, open_one.attempt)

    def _park(self, stuck: StuckMention, why: str) -> None:
        reason = f"sweeper: {why} (in it since {stuck.since})"
        self._mentions.set_status(stuck.mention_id, MentionStatus.PARKED, reason)
        self._record(stuck, AuditAction.PARKED, reason)

    def _record(self, stuck: StuckMention, action: AuditAction, reason: str) -> None:
        self._audit.append(
            AuditEntry(
                mention_id=stuck.mention_id,
                at=self._clock(),
                action=action,
                actor=SYSTEM,
                reason=reason[:500],
            )
        )


def _started(start: Callable[[], str]) -> None:
    """Start an execution; a name already in use means an earlier sweep started it."""
    try:
        start()
    except ExecutionAlreadyStartedError:
        return
