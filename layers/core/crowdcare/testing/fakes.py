"""In-memory fakes of the ports in `crowdcare.ports`, for services' unit tests.

They keep the adapters' contracts that services rely on (conditional writes answered by a
return value, a responder never past `max_open`, an audit entry recorded once, a task token
that stops working once answered) in plain dicts and lists a test can read back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from crowdcare.domain.assignments import Assignment, AssignmentStatus
from crowdcare.domain.audit import AuditAction, AuditEntry
from crowdcare.domain.errors import (
    AlreadyAssignedError,
    ExecutionAlreadyStartedError,
    ProviderUnavailableError,
    TaskClosedError,
)
from crowdcare.domain.messages import AssignmentNotice, Message, SuppressionAlert
from crowdcare.domain.models import SWEPT_STATUSES, Mention, MentionStatus, Responder, ResponderKind
from crowdcare.domain.stored import StoredMention, StuckMention, queue_urgency
from crowdcare.domain.triage import Sentiment, SentimentLabel, SentimentScores, Triage


class ManualClock:
    """A clock that stands still until the test moves it."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2025, 3, 3, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.now += timedelta(seconds=seconds)


class FakeMentions:
    """MentionStore and StuckMentionStore: stored mentions by id, with each status change's
    detail, and since when each is in its status (`clock`, a fixed time by default)."""

    def __init__(self, clock: Callable[[], datetime] | None = None) -> None:
        self.items: dict[str, StoredMention] = {}
        self.details: dict[str, str] = {}
        self.queue_offers: dict[str, int] = {}
        self.takers: dict[str, str] = {}
        self.since: dict[str, datetime] = {}
        self.redrives: dict[str, int] = {}
        self._clock = clock or (lambda: datetime(2026, 1, 1, tzinfo=UTC))

    def add(
        self,
        mention: Mention,
        *,
        status: MentionStatus = MentionStatus.RECEIVED,
        received_at: datetime | None = None,
        triage: Triage | None = None,
    ) -> StoredMention:
        """Store a mention as ingest (and triage, when given) would have."""
        stored = StoredMention(
            mention=mention,
            received_at=received_at or mention.created_at,
            status=status,
            triage=triage,
        )
        self.items[mention.mention_id] = stored
        self.since[mention.mention_id] = stored.received_at
        return stored

    def status(self, mention_id: str) -> MentionStatus:
        """The mention's current status."""
        return self.items[mention_id].status

    def get(self, mention_id: str) -> StoredMention | None:
        return self.items.get(mention_id)

    def record_triage(
        self, mention_id: str, triage: Triage, status: MentionStatus, detail: str = ""
    ) -> None:
        current = self.items[mention_id]  # the table's condition: the mention exists
        self.items[mention_id] = StoredMention(current.mention, current.received_at, status, triage)
        if detail:
            self.details[mention_id] = detail
        self.since[mention_id] = self._clock()

    def set_status(self, mention_id: str, status: MentionStatus, detail: str = "") -> None:
        current = self.items[mention_id]
        self.items[mention_id] = StoredMention(
            current.mention, current.received_at, status, current.triage
        )
        self.details[mention_id] = detail
        self.since[mention_id] = self._clock()

    def stuck(self, status: MentionStatus, before: datetime, limit: int) -> list[StuckMention]:
        if status not in SWEPT_STATUSES:
            return []
        found = sorted(
            (self.since[i], i) for i, s in self.items.items()
            if s.status is status and self.since[i] < before
        )
        return [StuckMention(i, status, since.isoformat()) for since, i in found[:limit]]

    def claim_redrive(self, stuck: StuckMention) -> int | None:
        current = self.items.get(stuck.mention_id)
        if (
            current is None
            or current.status is not stuck.status
            or self.since[stuck.mention_id].isoformat() != stuck.since
        ):
            return None
        self.since[stuck.mention_id] = self._clock()
        self.redrives[stuck.mention_id] = self.redrives.get(stuck.mention_id, 0) + 1
        return self.redrives[stuck.mention_id]

    def with_status(self, status: MentionStatus) -> list[StoredMention]:
        return [s for s in self.items.values() if s.status is status]

    def queued(self, limit: int) -> list[StoredMention]:
        """Most urgent first, as the queue index orders them."""
        return sorted(self.with_status(MentionStatus.QUEUED), key=queue_urgency)[:limit]

    def take_from_queue(self, mention_id: str, taken_by: str = "") -> int | None:
        current = self.items.get(mention_id)
        if current is None or current.status is not MentionStatus.QUEUED:
            return None
        detail = f"taken from the queue by {taken_by}" if taken_by else "a slot freed up"
        self.set_status(mention_id, MentionStatus.ASSIGNING, detail)
        self.takers[mention_id] = taken_by
        self.queue_offers[mention_id] = self.queue_offers.get(mention_id, 0) + 1
        return self.queue_offers[mention_id]

    def taken_by(self, mention_id: str) -> str | None:
        return self.takers.get(mention_id) or None

    def return_to_queue(self, mention_id: str, detail: str) -> bool:
        current = self.items.get(mention_id)
        if current is None or current.status is not MentionStatus.ASSIGNING:
            return False
        self.set_status(mention_id, MentionStatus.QUEUED, detail[:500])
        return True


class FakeResponders:
    """ResponderStore: profiles by id, listed in the order they were added."""

    def __init__(self, responders: Iterable[Responder] = ()) -> None:
        self.items: dict[str, Responder] = {r.responder_id: r for r in responders}
        self.reads = 0
        """Responder items read through the bounded reads (available, get_many)."""

    def put(self, responder: Responder) -> None:
        """Create or replace a responder."""
        self.items[responder.responder_id] = responder

    def get(self, responder_id: str) -> Responder | None:
        return self.items.get(responder_id)

    def list_all(self) -> list[Responder]:
        return list(self.items.values())

    def available(
        self, kind: ResponderKind, language: str | None, limit: int
    ) -> list[Responder]:
        """The pool as the pool GSIs hold it: free, active, of that kind (and language)."""
        wanted = None if language is None else language.lower().split("-")[0]

        def speaks(responder: Responder) -> bool:
            spoken = list(dict.fromkeys(lang.lower().split("-")[0] for lang in responder.languages))
            return kind is ResponderKind.EMPLOYEE or wanted is None or wanted in spoken[:3]

        pool = [
            r for r in self.items.values()
            if r.kind is kind and r.has_capacity and speaks(r)
        ]
        pool.sort(key=lambda r: -r.reputation)
        self.reads += min(len(pool), limit)
        return pool[:limit]

    def by_email(self, address: str) -> list[Responder]:
        """The `by_email` index: responders whose address matches, case and spaces aside."""
        wanted = address.strip().lower()
        found = [r for r in self.items.values() if r.email.strip().lower() == wanted]
        self.reads += len(found)
        return found

    def get_many(self, responder_ids: Iterable[str]) -> list[Responder]:
        self.reads += len(set(responder_ids))
        return [self.items[rid] for rid in dict.fromkeys(responder_ids) if rid in self.items]

    def suppress_email(self, responder_id: str) -> bool:
        current = self.items.get(responder_id)
        if current is None or current.email_suppressed:
            return False
        self.items[responder_id] = current.model_copy(update={"email_suppressed": True})
        return True


class FakeAssignments:
    """AssignmentStore: one assignment per mention; takes and gives back the responders' slots
    in `responders`, with the table's conditions (active, below max_open, one open per mention).
    """

    def __init__(self, responders: FakeResponders) -> None:
        self.responders = responders
        self.items: dict[str, Assignment] = {}

    def get(self, mention_id: str) -> Assignment | None:
        return self.items.get(mention_id)

    def try_assign(self, assignment: Assignment) -> bool:
        current = self.items.get(assignment.mention_id)
        if current is not None and current.status is AssignmentStatus.OPEN:
            raise AlreadyAssignedError(assignment.mention_id)
        responder = self.responders.get(assignment.responder_id)
        if responder is None or not responder.active or responder.open_count >= responder.max_open:
            return False
        self._move_slot(responder, +1)
        self.items[assignment.mention_id] = assignment
        return True

    def store_token(
        self, mention_id: str, responder_id: str, attempt: int, token: str, deadline: datetime
    ) -> bool:
        current = self.items.get(mention_id)
        if (
            current is None
            or current.status is not AssignmentStatus.OPEN
            or current.responder_id != responder_id
            or current.attempt != attempt
        ):
            return False
        self.items[mention_id] = current.model_copy(
            update={"task_token": token, "deadline": deadline}
        )
        return True

    def release(
        self, mention_id: str, status: AssignmentStatus, attempt: int | None = None
    ) -> Assignment | None:
        current = self.items.get(mention_id)
        if current is None or current.status is not AssignmentStatus.OPEN:
            return None
        if attempt is not None and current.attempt != attempt:
            return None
        responder = self.responders.get(current.responder_id)
        if responder is not None and responder.open_count > 0:
            self._move_slot(responder, -1)
        closed = current.model_copy(update={"status": status, "task_token": None})
        self.items[mention_id] = closed
        return closed

    def _move_slot(self, responder: Responder, by: int) -> None:
        self.responders.put(responder.model_copy(update={"open_count": responder.open_count + by}))


class FakeAuditLog:
    """AuditLog: entries in the order appended; the same entry twice is kept once."""

    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []

    def append(self, entry: AuditEntry) -> bool:
        key = (entry.mention_id, entry.sort_key)
        if any((e.mention_id, e.sort_key) == key for e in self.entries):
            return False
        self.entries.append(entry)
        return True

    def actions(self, mention_id: str) -> list[AuditAction]:
        """The actions recorded for one mention, in order."""
        return [e.action for e in self.entries if e.mention_id == mention_id]


@dataclass
class RecordingNoticePublisher:
    """NoticePublisher: keeps what would go to the assignments topic."""

    notices: list[AssignmentNotice] = field(default_factory=list)

    def publish(self, notice: AssignmentNotice) -> None:
        self.notices.append(notice)


@dataclass
class RecordingAlertPublisher:
    """AlertPublisher: keeps what would go to the admin alerts topic."""

    alerts: list[SuppressionAlert] = field(default_factory=list)

    def publish(self, alert: SuppressionAlert) -> None:
        self.alerts.append(alert)


@dataclass(frozen=True)
class Callback:
    """One answer sent to a waiting task."""

    kind: str  # "success", "failure" or "heartbeat"
    task_token: str
    output: str | None = None
    error: str | None = None
    cause: str | None = None


class FakeWorkflowCallbacks:
    """WorkflowCallbacks: records each answer; a token succeeded or failed once (or listed in
    `closed`) no longer waits, as with Step Functions."""

    def __init__(self, closed: Iterable[str] = ()) -> None:
        self.calls: list[Callback] = []
        self.closed: set[str] = set(closed)

    def succeed(self, task_token: str, output: str) -> None:
        self._waiting(task_token)
        self.calls.append(Callback("success", task_token, output=output))
        self.closed.add(task_token)

    def fail(self, task_token: str, error: str, cause: str) -> None:
        self._waiting(task_token)
        self.calls.append(Callback("failure", task_token, error=error, cause=cause))
        self.closed.add(task_token)

    def heartbeat(self, task_token: str) -> None:
        self._waiting(task_token)
        self.calls.append(Callback("heartbeat", task_token))

    def _waiting(self, task_token: str) -> None:
        if task_token in self.closed:
            raise TaskClosedError(task_token)


class RecordingNotificationFailures:
    """NotificationFailures: records each give-up (`calls`) and each deferral (`deferred`);
    `waiting` says whether the attempt still waited (what both answer)."""

    def __init__(self, *, waiting: bool = True) -> None:
        self.waiting = waiting
        self.calls: list[tuple[str, str, int, str]] = []
        self.deferred: list[tuple[str, str, int, str]] = []

    def notification_failed(
        self, mention_id: str, responder_id: str, attempt: int, reason: str
    ) -> bool:
        self.calls.append((mention_id, responder_id, attempt, reason))
        return self.waiting

    def notification_deferred(
        self, mention_id: str, responder_id: str, attempt: int, reason: str
    ) -> bool:
        self.deferred.append((mention_id, responder_id, attempt, reason))
        return self.waiting


class FakeSentChannels:
    """SentChannels: message ids by key, kept only when the send succeeded, and each notice's
    channels as its first delivery chose them."""

    def __init__(self) -> None:
        self.sent: dict[str, str] = {}
        self.decisions: dict[str, tuple[str, ...]] = {}

    def once(self, key: str, send: Callable[[], str]) -> str:
        if key not in self.sent:
            self.sent[key] = send()
        return self.sent[key]

    def decided(self, notice: str, channels: tuple[str, ...]) -> tuple[str, ...]:
        return self.decisions.setdefault(notice, channels)

    def earlier(self, key: str) -> str | None:
        return self.sent.get(key)


class FakeExecutions:
    """WorkflowExecutions: started executions by name; a name is used once.

    `failures` makes the next starts raise the given errors (a throttled or broken API).
    """

    def __init__(self, state_machine: str = "assignment") -> None:
        self.state_machine = state_machine
        self.started: dict[str, str] = {}
        self.failures: list[Exception] = []

    def start(self, name: str, document: str) -> str:
        if self.failures:
            raise self.failures.pop(0)
        arn = f"arn:aws:states:us-east-1:123456789012:execution:{self.state_machine}:{name}"
        if name in self.started:
            raise ExecutionAlreadyStartedError(arn)
        self.started[name] = document
        return arn


@dataclass(frozen=True)
class SentEmail:
    to: str
    message: Message
    tags: Mapping[str, str]


class FakeEmailSender:
    """EmailSender: keeps each email; ids are 'email-1', 'email-2'...

    `outages` is how many of the next sends fail as an SES outage would.
    """

    def __init__(self, outages: int = 0) -> None:
        self.sent: list[SentEmail] = []
        self.outages = outages

    def send(self, to: str, message: Message, tags: Mapping[str, str] | None = None) -> str:
        if self.outages > 0:
            self.outages -= 1
            raise ProviderUnavailableError("email", "Throttling: Maximum sending rate exceeded")
        self.sent.append(SentEmail(to, message, dict(tags or {})))
        return f"email-{len(self.sent)}"


class FakeSmsSender:
    """SmsSender: keeps each SMS; numbers in `opted_out_numbers` replied STOP; `outages` is
    how many of the next sends fail as an SNS outage would."""

    def __init__(self, opted_out_numbers: Iterable[str] = (), outages: int = 0) -> None:
        self.sent: list[tuple[str, Message]] = []
        self.opted_out_numbers = set(opted_out_numbers)
        self.lookups = 0
        self.outages = outages

    def send(self, phone: str, message: Message) -> str:
        if self.outages > 0:
            self.outages -= 1
            raise ProviderUnavailableError("SMS", "InternalError: 500")
        self.sent.append((phone, message))
        return f"sms-{len(self.sent)}"

    def opted_out(self, phone: str) -> bool:
        self.lookups += 1
        return phone in self.opted_out_numbers


class FixedSentiment:
    """SentimentProvider: the same sentiment for every text (`compound` -1..+1), and the calls."""

    def __init__(self, compound: float = 0.0) -> None:
        self.compound = compound
        self.calls: list[tuple[str, str]] = []

    def detect(self, text: str, language: str) -> Sentiment:
        self.calls.append((text, language))
        negative = max(-self.compound, 0.0)
        positive = max(self.compound, 0.0)
        label = (
            SentimentLabel.NEGATIVE if self.compound <= -0.05
            else SentimentLabel.POSITIVE if self.compound >= 0.05
            else SentimentLabel.NEUTRAL
        )
        return Sentiment(
            label=label,
            scores=SentimentScores(
                positive=positive, negative=negative, neutral=1.0 - positive - negative, mixed=0.0
            ),
            compound=self.compound,
        )
