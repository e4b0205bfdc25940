"""Ports: the small protocols services depend on.

Services receive implementations of these as constructor arguments: the DynamoDB, SNS, SES,
Step Functions and platform adapters in the cloud and the local run, the in-memory fakes of
`crowdcare.testing` in unit tests. Nothing here does I/O or imports an adapter.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from crowdcare.adapters.platforms.inbound.meta import BadChange
    from crowdcare.adapters.platforms.outbound.base import ReplyAdapter
    from crowdcare.domain.dashboard import AuthorPost
    from crowdcare.domain.faq import FaqPost, FaqRun
    from crowdcare.domain.models import Platform, ResponderKind
    from crowdcare.domain.points import LedgerEntry
    from crowdcare.domain.replies import PostedReply, Reach, Reply, ReplyStatus, ReplyTicket
    from crowdcare.rules.analytics import Counters
    from crowdcare.rules.analytics_facts import Increments, MentionCard
    from crowdcare.rules.points import PointsRules
    from crowdcare.rules.ranks import ResponderStats
    from crowdcare.rules.spikes import SpikeAlert, SpikeState
    from crowdcare.rules.standings import BoardLine

from crowdcare.domain.assignments import Assignment, AssignmentStatus
from crowdcare.domain.audit import AuditEntry
from crowdcare.domain.messages import AssignmentNotice, Message, SuppressionAlert
from crowdcare.domain.models import Mention, MentionStatus, Responder
from crowdcare.domain.stored import StoredMention, StuckMention
from crowdcare.domain.triage import Priority, RouteDecision, Triage
from crowdcare.rules.deeplinks import DeepLinkSigner
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
        """Keep the task token on that open attempt; False when it is no longer open."""
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


# --- Replies, approvals, points ledger and the dashboard -----------------------------------
# (services: replies, dashboard)


class MentionReader(Protocol):
    """Reads stored mentions (the Mentions table)."""

    def get(self, mention_id: str) -> StoredMention | None: ...

    def with_status(self, status: MentionStatus) -> list[StoredMention]: ...

    def queued(self, limit: int) -> list[StoredMention]:
        """The `limit` most urgent queued mentions (the queue index)."""
        ...


class AuthorHistory(Protocol):
    """An author's earlier mentions (the Mentions table's by_author index)."""

    def earlier_by_author(self, mention: Mention, limit: int) -> list[AuthorPost]:
        """At most `limit` posts of the mention's author (same platform) posted before it,
        newest first: one bounded Query, whatever the number of stored mentions."""
        ...


class SessionRevoker(Protocol):
    """Ends every session of a person (Cognito's global sign-out, and the ID tokens issued
    until `at` refused)."""

    def sign_out_everywhere(self, username: str, at: datetime) -> None: ...


class MentionRequeue(Protocol):
    """Puts a declined mention back in the queue (only without the assignment workflow)."""

    def set_status(self, mention_id: str, status: MentionStatus, detail: str = "") -> None: ...


class AssignmentReader(Protocol):
    """Reads assignments: one mention's, and one responder's (the by_responder index)."""

    def get(self, mention_id: str) -> Assignment | None: ...

    def for_responder(self, responder_id: str) -> list[Assignment]: ...

    def open_for_responder(self, responder_id: str) -> list[Assignment]:
        """The responder's open assignments only (an index on responder and status)."""
        ...


class AssignmentRelease(Protocol):
    """Closes an assignment and frees the slot (only without the assignment workflow)."""

    def release(
        self, mention_id: str, status: AssignmentStatus, attempt: int | None = None
    ) -> Assignment | None: ...


class AssignmentEvents(Protocol):
    """What the assignment workflow hears about a reply: posted, declined, still working."""

    def replied(self, mention_id: str, responder_id: str, reply_url: str) -> None: ...

    def declined(self, mention_id: str, responder_id: str, reason: str) -> None: ...

    def heartbeat(self, mention_id: str, responder_id: str) -> None: ...


class ReplyStore(Protocol):
    """The Replies table: one record per reply, and at most one live reply per mention."""

    def create(self, reply: Reply) -> bool:
        """Store a new reply; False when a reply with its id exists. Raises
        `MentionHeldError` when it is live and another live reply holds the mention."""
        ...

    def get(self, reply_id: str) -> Reply | None: ...

    def live_for(self, mention_id: str) -> Reply | None:
        """The reply that holds the mention, if any (strongly consistent)."""
        ...

    def for_mention(self, mention_id: str) -> list[Reply]: ...

    def by_responder(self, responder_id: str) -> list[Reply]: ...

    def with_status(self, status: ReplyStatus) -> list[Reply]: ...

    def decide(self, reply: Reply) -> bool:
        """Store an employee's decision on a pending reply (approved, or rejected: which
        frees the mention); False when it was no longer pending."""
        ...

    def claim(self, reply_id: str, now: datetime, lease: timedelta) -> Reply | None:
        """Take the reply for one attempt (posting, leased, `attempted_at` = now, attempts + 1,
        in one write); the record as it was before, or None when it is not cleared to post or
        another delivery holds an unexpired lease."""
        ...

    def release(self, reply_id: str, error: str, *, settled: bool) -> None:
        """Back to approved after a retryable failure; `settled`: the platform surely holds
        nothing of it (a refusal), so `attempted_at` is cleared, else it stays in doubt."""
        ...

    def mark_posted(self, reply_id: str, posted: PostedReply) -> None: ...

    def mark_failed(
        self, reply_id: str, error: str, now: datetime, *, in_doubt: bool = False
    ) -> bool:
        """Failed with `error`, the mention freed; `in_doubt` (it may be public) keeps the
        mention held and `attempted_at`. False when already posted or unknown."""
        ...

    def reopen(self, reply_id: str) -> bool: ...

    def posted_since(self, since: datetime) -> list[Reply]: ...

    def record_reach(self, reply_id: str, reach: Reach, read_at: datetime) -> None: ...


class ReplyQueue(Protocol):
    """The ReplyQueue: tickets of replies cleared to post."""

    def send(self, ticket: ReplyTicket) -> None: ...


class ParkedTicket(Protocol):
    """One parked message: its ticket, and the handle that removes or releases it."""

    @property
    def ticket(self) -> ReplyTicket: ...

    @property
    def handle(self) -> str: ...


class ParkingLot(Protocol):
    """The ReplyDeadLetterQueue: tickets that could not be posted, each with its error."""

    def park(self, ticket: ReplyTicket, error: str) -> None: ...

    def parked(self) -> Iterator[ParkedTicket]: ...

    def remove(self, handle: str) -> None: ...

    def release(self, handles: Sequence[str]) -> None: ...


class ReplyAdapterSource(Protocol):
    """The reply adapter of a platform, or None when it is not configured."""

    def __call__(self, platform: Platform) -> ReplyAdapter | None: ...


class Ledger(Protocol):
    """The append-only points ledger."""

    def append(self, entry: LedgerEntry) -> bool: ...

    def for_responder(self, responder_id: str) -> list[LedgerEntry]: ...

    def board(self, key: str) -> list[BoardLine]:
        """Every responder's running totals on one board (crowdcare.rules.standings)."""

    def board_page(
        self, key: str, limit: int, after: str | None = None
    ) -> tuple[list[BoardLine], str | None]:
        """At most `limit` lines of one board, most points first, from the opaque cursor
        `after`, and the next page's cursor (None after the last); ValueError for a cursor
        this board never gave."""

    def stats(self, responder_ids: list[str]) -> dict[str, ResponderStats]:
        """Each responder's kept figures (rules.ranks.ResponderStats), read without their
        history."""


class PointsRulesSource(Protocol):
    """The points rules in force (read on every use, so an admin's change applies at once)."""

    def __call__(self) -> PointsRules: ...


class ResponderDirectory(Protocol):
    """Responders' profiles; writes never touch the workflow's open_count."""

    def get(self, responder_id: str) -> Responder | None: ...

    def list_all(self) -> list[Responder]: ...

    def update(self, responder_id: str, values: dict[str, Any]) -> None: ...

    def upsert(self, responder: Responder) -> bool: ...


class RulesStore(Protocol):
    """Where the routing rules document lives (the SSM parameter in a deployment)."""

    def read(self) -> str: ...

    def write(self, document: str) -> None: ...


class SignInInvitations(Protocol):
    """Gives a new responder a sign-in (an invitation with a temporary password)."""

    def invite(self, responder: Responder) -> bool: ...


# --- Platforms: ingest and polling -----------------------------------------------------------
# (services: ingest, polling)


class MentionInbox(Protocol):
    """Where ingestion stores mentions: once per platform post, whichever path brings it."""

    def put_if_new(self, mention: Mention, received_at: datetime) -> bool:
        """Store `mention` unless the same post is stored; True when it was new."""
        ...


class CursorStore(Protocol):
    """Each poll source's saved position, moved only from the value it was read at."""

    def get(self, source: str) -> str | None: ...

    def put(self, source: str, cursor: str, previous: str | None) -> None:
        """Save `cursor` if the stored one is still `previous`; else `CursorConflictError`."""
        ...


class IngestParkingLot(Protocol):
    """Where a change that could not become a mention waits for an operator, with why."""

    def park(self, bad: BadChange) -> None: ...


# --- Analytics and insight ---------------------------------------------------------------------
# (services: analytics, spike_watch, spike_alerts, faq_job, weekly_digest)


class AnalyticsStore(Protocol):
    """Per-mention analytics cards and the counter items they add to (AggregatesTable)."""

    def load_card(self, mention_id: str) -> MentionCard | None: ...

    def commit(self, card: MentionCard, expected_version: int, increments: Increments) -> bool:
        """Store `card` (as version expected_version + 1) and add `increments`, atomically;
        False, with nothing written, when the stored card is no longer at expected_version."""
        ...

    def load_cards(self, mention_ids: Sequence[str]) -> Mapping[str, MentionCard]:
        """The stored cards of these mentions (strongly consistent); unknown ones are absent."""
        ...

    def commit_cards(
        self,
        cards: Sequence[tuple[MentionCard, int]],
        increments: Increments,
        posts: Sequence[FaqPost] = (),
    ) -> bool:
        """Store each (card, expected_version), add `increments` and keep `posts`, atomically
        (at most 100 items in all); False, with nothing written, when any card moved on."""
        ...


class AggregateReader(Protocol):
    """Counter items of one dimension over a range of buckets (one query)."""

    def buckets(self, dimension: str, first: str, last: str) -> list[tuple[str, Counters]]:
        """(bucket, counters) of every item with first <= bucket <= last, in bucket order."""
        ...


class ResponderKindLookup(Protocol):
    """Whether a responder is an advocate or an employee (None when unknown)."""

    def __call__(self, responder_id: str) -> ResponderKind | None: ...


class BucketCounts(Protocol):
    """Mention counts per series and bucket start (an atomic counter item each)."""

    def add(self, series: str, bucket: datetime, count: int) -> None: ...

    def between(self, series: str, after: datetime, until: datetime) -> Mapping[datetime, int]:
        """Counts of buckets starting after `after` and before `until`."""
        ...


class SpikeStates(Protocol):
    """The spike detector's state of each series, saved only if nobody saved it meanwhile."""

    def load(self, series: str) -> SpikeState | None: ...

    def save(self, series: str, state: SpikeState, previous: SpikeState | None) -> bool:
        """Store `state` if the stored one is still `previous`; False if it moved on."""
        ...


class SpikeAlerts(Protocol):
    """Where spike alerts go (SNS AdminAlertsTopic, an audit entry, the dashboard banner)."""

    def publish(self, series: str, alert: SpikeAlert) -> None: ...


class RecentPosts(Protocol):
    """Questions and complaints created in [since, until), for the daily FAQ job."""

    def between(self, since: datetime, until: datetime) -> Sequence[FaqPost]: ...


class FaqRuns(Protocol):
    """Where FAQ runs are kept for the Analytics screen and the export."""

    def save(self, run: FaqRun) -> None: ...


class SpikeAlertTopic(Protocol):
    """AdminAlertsTopic, as the spike alerts use it."""

    def notify(self, series: str, alert: SpikeAlert) -> None: ...


class AlertBanner(Protocol):
    """The dashboard's banner of the last day's spike alerts."""

    def show(self, series: str, alert: SpikeAlert) -> None: ...


class AdminDirectory(Protocol):
    """Who the weekly digest goes to."""

    def admin_emails(self) -> Sequence[str]: ...


class LatestFaqRun(Protocol):
    """The last stored FAQ run, if any."""

    def latest(self) -> FaqRun | None: ...


class DigestMailer(Protocol):
    """Sends one digest email; returns the provider's message id."""

    def send(self, to: str, message: Message) -> str: ...


class DigestLog(Protocol):
    """Which weeks' digests were sent."""

    def claim(self, week_start: date) -> bool:
        """True the first time a week is claimed, False ever after."""
        ...
