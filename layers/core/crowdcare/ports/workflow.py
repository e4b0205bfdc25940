"""Ports of the mention workflows: mentions, responders, assignments, audit, notices."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from crowdcare.domain.models import ResponderKind

from crowdcare.domain.assignments import Assignment, AssignmentStatus
from crowdcare.domain.audit import AuditEntry
from crowdcare.domain.messages import AssignmentNotice, Message, SuppressionAlert
from crowdcare.domain.models import Mention, MentionStatus, Responder
from crowdcare.domain.stored import StoredMention, StuckMention
from crowdcare.domain.triage import Priority, RouteDecision, Triage
from crowdcare.rules.deeplinks import DeepLinkSigner
from crowdcare.rules.triage.rules import TriageRules

# Read on every use, so a change of the SSM parameter or of the secret is picked up.
RulesSource = Callable[[], TriageRules]
SignerSource = Callable[[], DeepLinkSigner]


class MentionStore(Protocol):
    """The Mentions table as the workflows see it (keyed by `Mention.mention_id`)."""

    def get(self, mention_id: str) -> StoredMention | None: ...

    def record_triage(
        self, mention_id: str, triage: Triage, status: MentionStatus, detail: str = ""
    ) -> None:
        """Store the triage and move the mention to `status` in one write."""
        ...

    def set_status(self, mention_id: str, status: MentionStatus, detail: str = "") -> None: ...

    def with_status(self, status: MentionStatus) -> Sequence[StoredMention]: ...

    def queued(self, limit: int) -> Sequence[StoredMention]:
        """The `limit` most urgent queued mentions (highest priority, then oldest): a bounded
        read of the queue index, whatever the number of stored mentions."""
        ...

    def take_from_queue(self, mention_id: str, taken_by: str = "") -> int | None:
        """queued -> assigning, conditionally: how often it was taken, or None if not queued.
        `taken_by`: the person who took it from the dashboard ("" for the queue drain)."""
        ...

    def return_to_queue(self, mention_id: str, detail: str) -> bool:
        """assigning -> queued (undo a take whose workflow did not start)."""
        ...


class QueueTakes(MentionStore, Protocol):
    """The queue as the dashboard's take sees it: who took a mention, once taken."""

    def taken_by(self, mention_id: str) -> str | None:
        """Who took the mention from the dashboard (None: nobody, or the drain did)."""
        ...


class StuckMentionStore(MentionStore, Protocol):
    """The Mentions table as the sweeper sees it: the sparse open-status index."""

    def stuck(self, status: MentionStatus, before: datetime, limit: int) -> list[StuckMention]:
        """Up to `limit` mentions in `status` since before `before`, oldest first."""
        ...

    def claim_redrive(self, stuck: StuckMention) -> int | None:
        """Restart its clock and count one re-drive (returned); None when it moved on."""
        ...


class TriageWorkflowStarter(Protocol):
    """Starts a mention's triage workflow under an attempt suffix (the sweeper)."""

    def start(self, mention: Mention, attempt: str = "") -> str: ...


class CandidatePool(Protocol):
    """Who could take a mention now: a bounded read of the candidate pools."""

    def available(
        self, kind: ResponderKind, language: str | None, limit: int
    ) -> Sequence[Responder]: ...


class ResponderStore(Protocol):
    """The responders' profiles and open-assignment counters."""

    def get(self, responder_id: str) -> Responder | None: ...

    def list_all(self) -> Sequence[Responder]:
        """Every responder: admin only (a Scan in DynamoDB); mentions read pools instead."""
        ...

    def available(
        self, kind: ResponderKind, language: str | None, limit: int
    ) -> Sequence[Responder]:
        """Up to `limit` active responders of `kind` with a free slot who speak `language`
        (employees: any language), best reputation first. A bounded read that may be a moment
        stale: `AssignmentStore.try_assign` is the guard against over-assignment."""
        ...

    def get_many(self, responder_ids: Sequence[str]) -> Sequence[Responder]:
        """The responders with these ids, as they are now (unknown ids left out)."""
        ...

    def by_email(self, address: str) -> Sequence[Responder]:
        """The responders with this address, case and spaces aside (a key read, not a Scan)."""
        ...

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
        """Point that open attempt at a new task token (a retried Notify's task; the first
        token is written with the assignment by `try_assign`); False when it is not open."""
        ...

    def release(
        self, mention_id: str, status: AssignmentStatus, attempt: int | None = None
    ) -> Assignment | None:
        """Close the open attempt and give its slot back; None when nothing was open."""
        ...


class OpenAssignmentsGauge(Protocol):
    """How many assignments are open right now (a constant-cost read, for the dashboard)."""

    def open_count(self) -> int: ...


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

    def notification_deferred(
        self, mention_id: str, responder_id: str, attempt: int, reason: str
    ) -> bool:
        """The providers are down, not the responder: the workflow waits and tries again."""
        ...


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


class SentChannels(Protocol):
    """Remembers each (notice, channel) already sent, so a redelivered notice sends only the
    channels that failed (an SMS failure never re-sends the email)."""

    def once(self, key: str, send: Callable[[], str]) -> str:
        """`send()`'s message id, calling it only when `key` was not sent before."""
        ...

    def decided(self, notice: str, channels: tuple[str, ...]) -> tuple[str, ...]:
        """The channels chosen for `notice` by its first delivery: `channels`, kept now, or
        those an earlier delivery kept (so a redelivery never adds a channel)."""
        ...

    def earlier(self, key: str) -> str | None:
        """The message id `key` was sent with, or None when it was not sent."""
        ...


class SmsSender(Protocol):
    """Sends one SMS and knows the carrier's opt-out list."""

    def send(self, phone: str, message: Message) -> str: ...

    def opted_out(self, phone: str) -> bool: ...
