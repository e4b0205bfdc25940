"""Ports: the small protocols services depend on.

Services receive implementations of these as constructor arguments: the DynamoDB, SNS, SES,
Step Functions and platform adapters in the cloud and the local run, the in-memory fakes of
`crowdcare.testing` in unit tests. Nothing here does I/O or imports an adapter.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Protocol

from crowdcare.domain.assignments import Assignment, AssignmentStatus
from crowdcare.domain.audit import AuditEntry
from crowdcare.domain.messages import AssignmentNotice, Message, SuppressionAlert
from crowdcare.domain.models import Mention, MentionStatus, Responder
from crowdcare.domain.stored import StoredMention
from crowdcare.rules.deeplinks import DeepLinkSigner
from crowdcare.rules.triage.models import Priority, RouteDecision, Triage
from crowdcare.rules.triage.rules import TriageRules


class Clock(Protocol):
    """Tells the time; injected so no logic reads the real clock itself."""

    def __call__(self) -> datetime: ...


# --- Mentions, responders, assignments, audit, notices and workflows -----------------------
# (services: triage_steps, assignment_steps, assignment_callbacks, queue_drain, notifier,
#  ses_feedback, starter)

# Read on every use, so a change of the SSM parameter or of the secret is picked up.
RulesSource = Callable[[], TriageRules]
SignerSource = Callable[[], DeepLinkSigner]


class MentionStore(Protocol):
    """The Mentions table as the workflows see it (keyed by `Mention.mention_id`)."""

    def get(self, mention_id: str) -> StoredMention | None: ...

    def record_triage(self, mention_id: str, triage: Triage, status: MentionStatus) -> None: ...

    def set_status(self, mention_id: str, status: MentionStatus, detail: str = "") -> None: ...

    def with_status(self, status: MentionStatus) -> Sequence[StoredMention]: ...

    def take_from_queue(self, mention_id: str) -> int | None:
        """queued -> assigning, conditionally: how often it was taken, or None if not queued."""
        ...

    def return_to_queue(self, mention_id: str, detail: str) -> bool:
        """assigning -> queued (undo a take whose workflow did not start)."""
        ...


class ResponderStore(Protocol):
    """The responders' profiles and open-assignment counters."""

    def get(self, responder_id: str) -> Responder | None: ...

    def list_all(self) -> Sequence[Responder]: ...

    def suppress_email(self, responder_id: str) -> bool:
        """Stop emailing them; False when unknown or already suppressed."""
        ...


class AssignmentStore(Protocol):
    """Assignments and the responders' slots, changed together (never past `max_open`)."""

    def get(self, mention_id: str) -> Assignment | None: ...

    def try_assign(self, assignment: Assignment) -> bool:
        """Take a slot and record the assignment; False when the responder has no free slot.

        Raises `AlreadyAssignedError` when the mention has an open assignment, and
        `AssignmentConflictError` when a concurrent write got in the way (retry).
        """
        ...

    def store_token(
        self, mention_id: str, responder_id: str, attempt: int, token: str, deadline: datetime
    ) -> bool:
        """Keep the task token on that open attempt; False when it is no longer open."""
        ...

    def release(
        self, mention_id: str, status: AssignmentStatus, attempt: int | None = None
    ) -> Assignment | None:
        """Close the open attempt and give its slot back; None when nothing was open."""
        ...


class AuditLog(Protocol):
    """The append-only audit trail; appending the same entry twice is a no-op (False)."""

    def append(self, entry: AuditEntry) -> bool: ...


class NoticePublisher(Protocol):
    """The assignments topic: one notice per assignment (the notifier subscribes)."""

    def publish(self, notice: AssignmentNotice) -> None: ...


class AlertPublisher(Protocol):
    """The admin alerts topic."""

    def publish(self, alert: SuppressionAlert) -> None: ...


class WorkflowCallbacks(Protocol):
    """Answers a workflow task waiting with a callback token.

    Each raises `TaskClosedError` when the task no longer waits (timed out, already answered,
    unknown token).
    """

    def succeed(self, task_token: str, output: str) -> None: ...

    def fail(self, task_token: str, error: str, cause: str) -> None: ...

    def heartbeat(self, task_token: str) -> None: ...


class AssignmentAnswers(Protocol):
    """What a responder's actions tell their waiting assignment (`AssignmentLifecycle`
    implements it): each raises `NotYourAssignmentError` for someone else's assignment and
    `AssignmentClosedError` when it no longer waits."""

    def replied(self, mention_id: str, responder_id: str, reply_url: str) -> None: ...

    def declined(self, mention_id: str, responder_id: str, reason: str) -> None: ...

    def heartbeat(self, mention_id: str, responder_id: str) -> None: ...


class NotificationFailures(Protocol):
    """Moves a waiting assignment on when its notice cannot be delivered
    (`AssignmentLifecycle` implements it); False when that attempt no longer waits."""

    def notification_failed(
        self, mention_id: str, responder_id: str, attempt: int, reason: str
    ) -> bool: ...


class WorkflowExecutions(Protocol):
    """Starts executions of one state machine under a caller-chosen name."""

    def start(self, name: str, document: str) -> str:
        """The execution's ARN; raises `ExecutionAlreadyStartedError` for a name in use."""
        ...


class AssignmentWorkflowStarter(Protocol):
    """Starts a mention's assignment workflow again (the queue drain)."""

    def start(
        self, mention: Mention, priority: Priority, decision: RouteDecision, attempt: str
    ) -> str: ...


class EmailSender(Protocol):
    """Sends one email; returns the provider's message id."""

    def send(self, to: str, message: Message, tags: Mapping[str, str] | None = None) -> str: ...


class SmsSender(Protocol):
    """Sends one SMS and knows the carrier's opt-out list."""

    def send(self, phone: str, message: Message) -> str: ...

    def opted_out(self, phone: str) -> bool: ...


# --- Replies, approvals, points ledger and the dashboard -----------------------------------
# (services: replies, dashboard)


# --- Platforms: ingest and polling -----------------------------------------------------------
# (services: ingest, polling)
