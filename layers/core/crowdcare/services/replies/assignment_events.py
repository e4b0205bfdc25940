"""The seam between replies and the assignment workflow (crowdcare.ports.AssignmentEvents).

`LifecycleEvents` answers the waiting workflow through services.assignment_steps'
AssignmentLifecycle. `ReleasingLifecycle` stands in where no workflow runs (a deployment
without the audit table, the API tests): it closes the assignment directly.
"""

from __future__ import annotations

import logging
from typing import Protocol

from crowdcare.domain.assignments import Assignment, AssignmentStatus
from crowdcare.domain.errors import (
    AssignmentClosedError,
    AssignmentError,
    ConflictError,
    ForbiddenError,
    NotYourAssignmentError,
)
from crowdcare.domain.models import MentionStatus
from crowdcare.ports import AssignmentRelease, MentionRequeue
from crowdcare.services.assignment_callbacks import AssignmentLifecycle

logger = logging.getLogger(__name__)


class LifecycleEvents:
    """The assignment lifecycle behind the seam, its errors in the dashboard's words.

    Declining answers the waiting workflow, which frees the slot and asks the next candidate.
    A reply confirmed after its assignment closed (an SLA ran out while it was being posted)
    stays posted: the workflow has moved on, so there is nothing left to tell it.
    """

    def __init__(self, lifecycle: AssignmentLifecycle) -> None:
        self._lifecycle = lifecycle

    def replied(self, mention_id: str, responder_id: str, reply_url: str) -> None:
        try:
            self._lifecycle.replied(mention_id, responder_id, reply_url)
        except AssignmentError:
            logger.warning("reply posted after its assignment closed: %s", mention_id)

    def declined(self, mention_id: str, responder_id: str, reason: str) -> None:
        try:
            self._lifecycle.declined(mention_id, responder_id, reason)
        except NotYourAssignmentError as error:
            raise ForbiddenError("this mention is assigned to someone else") from error
        except AssignmentClosedError as error:
            raise ConflictError(
                "this mention is not waiting for an answer right now; try again in a minute"
            ) from error

    def heartbeat(self, mention_id: str, responder_id: str) -> None:
        try:
            self._lifecycle.heartbeat(mention_id, responder_id)
        except AssignmentError:
            # Not waiting yet (assigned a moment ago) or already closed: nothing to extend.
            logger.info("no heartbeat for %s: not waiting", mention_id)


class AssignmentStore(AssignmentRelease, Protocol):
    """What ReleasingLifecycle needs of the Assignments table."""

    def get(self, mention_id: str) -> Assignment | None: ...


class ReleasingLifecycle:
    """Closes the assignment and frees the slot; a declined mention goes back to the queue."""

    def __init__(self, assignments: AssignmentStore, mentions: MentionRequeue) -> None:
        self._assignments = assignments
        self._mentions = mentions

    def replied(self, mention_id: str, responder_id: str, reply_url: str) -> None:
        current = self._assignments.get(mention_id)
        if current is None or current.responder_id != responder_id:
            return  # reassigned meanwhile: the reply stays posted, the new holder keeps theirs
        self._assignments.release(mention_id, AssignmentStatus.REPLIED)

    def declined(self, mention_id: str, responder_id: str, reason: str) -> None:
        self._assignments.release(mention_id, AssignmentStatus.DECLINED)
        self._mentions.set_status(mention_id, MentionStatus.QUEUED, f"declined: {reason}")

    def heartbeat(self, mention_id: str, responder_id: str) -> None:
        """Nothing to extend without the lifecycle's SLA timers."""
