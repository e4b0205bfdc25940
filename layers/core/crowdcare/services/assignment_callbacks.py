"""Answering a waiting assignment: what the dashboard, the reply poster and the notifier call.

The assignment workflow (`services/assignment_steps.py`) waits on a task whose callback token
is kept on the open assignment. `AssignmentLifecycle` checks that the caller holds that
assignment and answers the task through the `WorkflowCallbacks` port: a reply succeeds it, a
decline or an undeliverable notice fails it with the error names below, which the workflow's
Catch reads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from crowdcare.domain.assignments import Assignment, AssignmentStatus
from crowdcare.domain.audit import AuditAction, AuditEntry
from crowdcare.domain.errors import (
    AssignmentClosedError,
    AssignmentError,
    NotYourAssignmentError,
    TaskClosedError,
)
from crowdcare.domain.messages import ReplyOutcome

if TYPE_CHECKING:
    from crowdcare.ports import AssignmentStore, AuditLog, Clock, WorkflowCallbacks

__all__ = [
    "DECLINED_ERROR",
    "NOTIFICATION_DEFERRED_ERROR",
    "NOTIFICATION_FAILED_ERROR",
    "SLOT_TAKEN_ERROR",
    "AssignmentClosedError",
    "AssignmentError",
    "AssignmentLifecycle",
    "NotYourAssignmentError",
    "Reply",
    "SlotTakenError",
]

# Error names the workflow's wait state receives (SendTaskFailure).
DECLINED_ERROR = "Declined"
NOTIFICATION_FAILED_ERROR = "NotificationFailed"
# The providers (SES, SMS) are down: the workflow waits and asks again, passing nobody over.
NOTIFICATION_DEFERRED_ERROR = "NotificationDeferred"


class SlotTakenError(AssignmentError):
    """Notify found the planned responder's last slot taken since Pick read it (a stale pool
    or a concurrent mention): nothing was taken, so the workflow picks again, not releases."""


# Raised by the Notify step itself: Lambda names the error after the class, the Catch reads it.
SLOT_TAKEN_ERROR = SlotTakenError.__name__
# The former name of the task-success output, for callers that import it from here.
Reply = ReplyOutcome
# Step Functions keeps a failure's cause to this many characters here.
CAUSE_LIMIT = 256


class AssignmentLifecycle:
    """The public API for the dashboard and the reply poster: answer a waiting assignment.

    Each call checks that `responder_id` holds the mention's open assignment, then answers the
    waiting workflow through its stored task token.
    """

    def __init__(
        self,
        *,
        assignments: AssignmentStore,
        audit: AuditLog,
        callbacks: WorkflowCallbacks,
        clock: Clock,
    ) -> None:
        self._assignments = assignments
        self._audit = audit
        self._callbacks = callbacks
        self._clock = clock

    def _open_for(self, mention_id: str, responder_id: str) -> tuple[Assignment, str]:
        assignment = self._assignments.get(mention_id)
        if assignment is None or assignment.status is not AssignmentStatus.OPEN:
            raise AssignmentClosedError(mention_id)
        if assignment.responder_id != responder_id:
            raise NotYourAssignmentError(mention_id)
        if assignment.task_token is None:
            # Taken without a workflow waiting on it (the workflow's Notify writes the token
            # with the assignment): nothing to answer.
            raise AssignmentClosedError(f"{mention_id}: not waiting for an answer yet")
        return assignment, assignment.task_token

    def replied(self, mention_id: str, responder_id: str, reply_url: str) -> None:
        """The responder's reply is posted: the workflow records it and frees the slot."""
        assignment, token = self._open_for(mention_id, responder_id)
        output = ReplyOutcome(
            responder_id=responder_id, attempt=assignment.attempt, reply_url=reply_url
        )
        self._call(mention_id, lambda: self._callbacks.succeed(token, output.model_dump_json()))

    def declined(self, mention_id: str, responder_id: str, reason: str) -> None:
        """The responder passes: the workflow frees the slot and asks the next candidate."""
        _, token = self._open_for(mention_id, responder_id)
        self._call(
            mention_id,
            lambda: self._callbacks.fail(token, DECLINED_ERROR, reason[:CAUSE_LIMIT]),
        )

    def heartbeat(self, mention_id: str, responder_id: str) -> None:
        """The responder is working on it: the SLA window starts again (up to the hold limit)."""
        assignment, token = self._open_for(mention_id, responder_id)
        self._call(mention_id, lambda: self._callbacks.heartbeat(token))
        self._audit.append(
            AuditEntry(
                mention_id=mention_id,
                at=self._clock(),
                action=AuditAction.HEARTBEAT,
                actor=responder_id,
                responder_id=responder_id,
                attempt=assignment.attempt,
            )
        )

    def notification_failed(
        self, mention_id: str, responder_id: str, attempt: int, reason: str
    ) -> bool:
        """A notice could not be delivered: move the workflow on to the next responder.

        Returns False when that attempt is no longer waiting (nothing to do).
        """
        return self._fail_waiting(
            mention_id, responder_id, attempt, NOTIFICATION_FAILED_ERROR, reason
        )

    def notification_deferred(
        self, mention_id: str, responder_id: str, attempt: int, reason: str
    ) -> bool:
        """The notification providers are down: the workflow waits (capped backoff) and
        notifies again, without passing the responder over. False when no longer waiting."""
        return self._fail_waiting(
            mention_id, responder_id, attempt, NOTIFICATION_DEFERRED_ERROR, reason
        )

    def _fail_waiting(
        self, mention_id: str, responder_id: str, attempt: int, error: str, reason: str
    ) -> bool:
        assignment = self._assignments.get(mention_id)
        if (
            assignment is None
            or assignment.status is not AssignmentStatus.OPEN
            or assignment.responder_id != responder_id
            or assignment.attempt != attempt
            or assignment.task_token is None
        ):
            return False
        token = assignment.task_token
        try:
            self._call(
                mention_id,
                lambda: self._callbacks.fail(token, error, reason[:CAUSE_LIMIT]),
            )
        except AssignmentClosedError:
            return False
        return True

    @staticmethod
    def _call(mention_id: str, answer: Callable[[], None]) -> None:
        try:
            answer()
        except TaskClosedError as exc:
            raise AssignmentClosedError(mention_id) from exc
