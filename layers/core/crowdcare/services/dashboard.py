"""The responder dashboard's services: feed, reply and decline, approvals, profile, admin.

Routes in functions/api stay thin: they verify the caller (crowdcare.adapters.cognito_auth),
parse the body into one of the request models below, and call `Dashboard`. Ownership is enforced
here: a responder acts only on mentions assigned to them (`ForbiddenError` otherwise).

Two seams wait for work that lands separately:

* `ReplyPublisher` posts a reply on the platform. Until the platform adapters land, the
  `RecordingPublisher` keeps the reply (it is stored in the Replies table either way).
* `AssignmentEvents` tells the assignment lifecycle that a reply was posted, the mention was
  declined, or the responder is still working on it. `ReleasingLifecycle` releases the
  assignment directly until `crowdcare.services.assignment_steps.AssignmentLifecycle` is wired in.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from botocore.exceptions import ClientError
from pydantic import Field, field_validator

from crowdcare.adapters.dynamodb.assignments import (
    Assignment,
    AssignmentRepository,
    AssignmentStatus,
)
from crowdcare.adapters.dynamodb.conditional import is_conditional_failure
from crowdcare.adapters.dynamodb.ledger import (
    LedgerRepository,
    PointsReason,
    entry_for,
    leaderboard,
)
from crowdcare.adapters.dynamodb.repositories import (
    MentionRepository,
    ResponderRepository,
    StoredMention,
    from_item,
    to_item,
)
from crowdcare.adapters.platforms.outbound.base import ReplyTooLongError, default_limits
from crowdcare.adapters.responders_csv import CsvImport, RowError
from crowdcare.config.reply_wiring import ReplyServiceSettings, build_reply_service
from crowdcare.config.settings import SettingsModel
from crowdcare.config.wiring import build_lifecycle
from crowdcare.domain.models import (
    Frozen,
    Mention,
    MentionStatus,
    Platform,
    QuietHours,
    Responder,
    ResponderKind,
)
from crowdcare.rules.triage.rules import TriageRules
from crowdcare.services.assignment_steps import (
    AssignmentClosedError,
    AssignmentError,
    AssignmentLifecycle,
    NotYourAssignmentError,
)
from crowdcare.services.replies import ReplyRequest as PipelineRequest
from crowdcare.services.replies import ReplyService, UnsupportedPlatformError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from crowdcare.adapters.cognito_auth import Principal
    from crowdcare.config.clients import AwsClients

# What each platform accepts in one reply (characters).
REPLY_LIMITS: dict[Platform, int] = {
    Platform.X: 280,
    Platform.BLUESKY: 300,
    Platform.MASTODON: 500,
    Platform.INSTAGRAM: 2_200,
    Platform.FACEBOOK: 8_000,
    Platform.REDDIT: 10_000,
    Platform.GENERIC: 5_000,
}
DEFAULT_TRUST_THRESHOLD = 3
# The reply pipeline's own limits, counted the way each platform counts (X weighs URLs...).
PLATFORM_LIMITS = default_limits()
logger = logging.getLogger(__name__)


def reply_limit(platform: Platform) -> int:
    """The most a reply on `platform` may hold (in the platform's own unit)."""
    limit = PLATFORM_LIMITS.get(platform)
    return limit.max_length if limit is not None else REPLY_LIMITS[platform]


# --------------------------------------------------------------------------------- errors
class DashboardError(Exception):
    """A request the dashboard refuses; `status` is the HTTP status it maps to."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(DashboardError):
    status = 404


class ForbiddenError(DashboardError):
    status = 403


class ConflictError(DashboardError):
    status = 409


class PublishError(DashboardError):
    """The platform did not take the reply; the reply is kept and can be retried."""

    status = 502


# --------------------------------------------------------------------------------- seams
class ReplyPublisher(Protocol):
    """Posts a reply publicly on the mention's platform; returns a reference to it."""

    def publish(self, mention: Mention, reply: Reply) -> str: ...


class RecordingPublisher:
    """Keeps replies in memory: tests, and deployments without the reply pipeline."""

    def __init__(self) -> None:
        self.published: list[tuple[str, str, str]] = []

    def publish(self, mention: Mention, reply: Reply) -> str:
        self.published.append((mention.mention_id, reply.text, reply.reply_id))
        return f"recorded:{reply.reply_id}"


class QueuedReplyPublisher:
    """Hands the reply to the reply pipeline (crowdcare.services.replies.ReplyService).

    The service stores it in the Replies table and queues it; ReplyPosterFunction posts it
    through the platform's adapter, retrying and parking failures, so a platform outage never
    loses a reply. The reference returned is the pipeline's reply id.
    """

    def __init__(self, service: ReplyService, clock: Callable[[], datetime]) -> None:
        self._service = service
        self._clock = clock

    def publish(self, mention: Mention, reply: Reply) -> str:
        try:
            record = self._service.submit(
                PipelineRequest(
                    mention_id=mention.mention_id,
                    responder_id=reply.responder_id,
                    text=reply.text,
                    requested_at=self._clock(),
                )
            )
        except (UnsupportedPlatformError, ReplyTooLongError) as error:
            raise DashboardError(str(error)) from error
        return f"reply:{record.reply_id}"


class AssignmentEvents(Protocol):
    """What the assignment lifecycle hears from the dashboard."""

    def replied(self, mention_id: str, responder_id: str, reply_url: str) -> None: ...

    def declined(self, mention_id: str, responder_id: str, reason: str) -> None: ...

    def heartbeat(self, mention_id: str, responder_id: str) -> None: ...


class ReleasingLifecycle:
    """Closes the assignment and frees the slot; a declined mention goes back to the queue."""

    def __init__(self, assignments: AssignmentRepository, mentions: MentionRepository) -> None:
        self._assignments = assignments
        self._mentions = mentions

    def replied(self, mention_id: str, responder_id: str, reply_url: str) -> None:
        self._assignments.release(mention_id, AssignmentStatus.REPLIED)

    def declined(self, mention_id: str, responder_id: str, reason: str) -> None:
        self._assignments.release(mention_id, AssignmentStatus.DECLINED)
        self._mentions.set_status(mention_id, MentionStatus.QUEUED, f"declined: {reason}")

    def heartbeat(self, mention_id: str, responder_id: str) -> None:
        """Nothing to extend without the lifecycle's SLA timers."""


class LifecycleEvents:
    """The assignment lifecycle (services.assignment_steps.AssignmentLifecycle) behind the seam.

    Declining answers the waiting workflow, which frees the slot and asks the next candidate.
    A reply that is posted after its assignment closed (an SLA ran out during approval) is
    still posted: the workflow has moved on, so there is nothing left to tell it.
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


# --------------------------------------------------------------------------------- models
class ReplyStatus(StrEnum):
    PENDING_APPROVAL = "pending_approval"
    POSTING = "posting"
    POSTED = "posted"
    REJECTED = "rejected"
    FAILED = "failed"


class Reply(Frozen):
    """A reply as written, and what became of it."""

    reply_id: str
    mention_id: str
    responder_id: str
    text: str
    status: ReplyStatus
    created_at: datetime
    original_text: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    note: str = ""
    platform_ref: str | None = None


ReplyText = Annotated[str, Field(min_length=1, max_length=10_000)]


class ReplyRequest(Frozen):
    text: ReplyText


class DeclineRequest(Frozen):
    reason: Annotated[str, Field(min_length=3, max_length=500)]


class DecisionRequest(Frozen):
    action: Literal["approve", "reject"]
    text: ReplyText | None = Field(default=None, description="the edited reply, when edited")
    note: Annotated[str, Field(max_length=1_000)] = ""


Notify = Literal["email", "sms", "both"]


class ProfileUpdate(Frozen):
    """What a responder edits about themself."""

    skills: tuple[Annotated[str, Field(min_length=1, max_length=40)], ...] | None = None
    languages: tuple[Annotated[str, Field(pattern=r"^[a-z]{2,3}$")], ...] | None = None
    timezone: str | None = None
    quiet_hours: QuietHours | None = None
    notify: Notify | None = None
    phone: Annotated[str, Field(pattern=r"^\+[1-9][0-9]{6,14}$")] | None = None
    active: bool | None = None

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r}") from None
        return value


class ResponderEdit(Frozen):
    """What an admin edits about a responder (open_count is the workflow's, never edited)."""

    kind: ResponderKind
    name: Annotated[str, Field(min_length=1, max_length=120)]
    email: Annotated[str, Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    phone: Annotated[str, Field(pattern=r"^\+[1-9][0-9]{6,14}$")] | None = None
    sms_opt_in: bool = False
    languages: tuple[str, ...] = ("en",)
    skills: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()
    timezone: str = "UTC"
    quiet_hours: QuietHours = QuietHours()
    max_open: Annotated[int, Field(ge=1, le=100)] = 5
    active: bool = True


class AuthorView(Frozen):
    handle: str
    display_name: str
    followers: int
    verified: bool


class FeedItem(Frozen):
    """One open assignment as the responder sees it."""

    mention_id: str
    platform: Platform
    url: str
    text: str
    author: AuthorView
    posted_at: datetime
    thread: tuple[dict[str, str], ...]
    priority: int
    band: str
    reasons: tuple[str, ...]
    topics: tuple[str, ...]
    language: str
    sentiment: str
    assigned_at: datetime
    due_at: datetime
    seconds_left: int
    reply_limit: int
    latest_reply: Reply | None = None


class ImportReport(Frozen):
    created: tuple[str, ...]
    updated: tuple[str, ...]
    errors: tuple[RowError, ...]


# --------------------------------------------------------------------------------- storage
class ReplyRepository:
    """The Approvals table: dashboard replies by reply_id; GSIs by_status and by_responder."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def put_new(self, reply: Reply) -> None:
        self._client.put_item(
            TableName=self._table,
            Item=to_item(reply.model_dump(mode="json")),
            ConditionExpression="attribute_not_exists(reply_id)",
        )

    def get(self, reply_id: str) -> Reply | None:
        item = self._client.get_item(
            TableName=self._table, Key={"reply_id": {"S": reply_id}}, ConsistentRead=True
        ).get("Item")
        return None if item is None else Reply.model_validate(from_item(item))

    def transition(self, reply: Reply, expected: ReplyStatus) -> bool:
        """Replace the reply only if it is still in `expected` status; False if it moved on."""
        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_item(reply.model_dump(mode="json")),
                ConditionExpression="#status = :expected",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":expected": {"S": expected.value}},
            )
        except ClientError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def _query(self, index: str, key: str, value: str) -> list[Reply]:
        paginator = self._client.get_paginator("query")
        return [
            Reply.model_validate(from_item(item))
            for page in paginator.paginate(
                TableName=self._table,
                IndexName=index,
                KeyConditionExpression="#k = :v",
                ExpressionAttributeNames={"#k": key},
                ExpressionAttributeValues={":v": {"S": value}},
            )
            for item in page.get("Items", [])
        ]

    def with_status(self, status: ReplyStatus) -> list[Reply]:
        return self._query("by_status", "status", status.value)

    def by_responder(self, responder_id: str) -> list[Reply]:
        return self._query("by_responder", "responder_id", responder_id)


class ResponderStore:
    """Profile writes that never clobber the workflow's open_count."""

    _FIELDS = (
        "kind",
        "name",
        "email",
        "phone",
        "sms_opt_in",
        "languages",
        "skills",
        "handles",
        "timezone",
        "quiet_hours",
        "max_open",
        "active",
    )

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name
        self.repository = ResponderRepository(client, table_name)

    def update(self, responder_id: str, values: dict[str, Any]) -> None:
        """SET the given fields (None removes) on an existing responder."""
        sets, removes, names, vals = [], [], {}, {}
        for index, (field, value) in enumerate(sorted(values.items())):
            names[f"#f{index}"] = field
            if value is None:
                removes.append(f"#f{index}")
            else:
                sets.append(f"#f{index} = :v{index}")
                vals[f":v{index}"] = value
        expression = ""
        if sets:
            expression += "SET " + ", ".join(sets)
        if removes:
            expression += " REMOVE " + ", ".join(removes)
        args: dict[str, Any] = {
            "TableName": self._table,
            "Key": {"responder_id": {"S": responder_id}},
            "UpdateExpression": expression.strip(),
            "ConditionExpression": "attribute_exists(responder_id)",
            "ExpressionAttributeNames": names,
        }
        if vals:
            args["ExpressionAttributeValues"] = to_item(vals)
        self._client.update_item(**args)

    def upsert(self, responder: Responder) -> bool:
        """Create the responder, or update every profile field of an existing one.

        Returns True when it was created.
        """
        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_item(responder.model_dump(mode="json") | {"open_count": 0}),
                ConditionExpression="attribute_not_exists(responder_id)",
            )
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise
            dumped = responder.model_dump(mode="json")
            self.update(responder.responder_id, {f: dumped.get(f) for f in self._FIELDS})
            return False
        return True


class AssignmentIndex:
    """The Assignments table's by_responder index: one responder's assignments."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def for_responder(self, responder_id: str) -> list[Assignment]:
        paginator = self._client.get_paginator("query")
        return [
            Assignment.model_validate(from_item(item))
            for page in paginator.paginate(
                TableName=self._table,
                IndexName="by_responder",
                KeyConditionExpression="responder_id = :rid",
                ExpressionAttributeValues={":rid": {"S": responder_id}},
            )
            for item in page.get("Items", [])
        ]


class RulesStore(Protocol):
    """Where the routing rules document lives (the SSM parameter in a deployment)."""

    def read(self) -> str: ...

    def write(self, document: str) -> None: ...


class SsmRulesStore:
    """The RoutingRulesParameter: one JSON document the triage functions read."""

    # Standard parameters hold 4 KB; larger documents need the advanced tier.
    _STANDARD_LIMIT = 4_096

    def __init__(self, client: Any, name: str) -> None:
        self._client = client
        self._name = name

    def read(self) -> str:
        return str(self._client.get_parameter(Name=self._name)["Parameter"]["Value"])

    def write(self, document: str) -> None:
        tier = "Standard" if len(document.encode()) <= self._STANDARD_LIMIT else "Advanced"
        self._client.put_parameter(
            Name=self._name, Value=document, Type="String", Overwrite=True, Tier=tier
        )


MAX_RULES_BYTES = 8_192


def sla_seconds(rules: TriageRules, band: str) -> int:
    """The SLA of a band: the lifecycle's per-band targets when the rules have them."""
    # The assignment lifecycle adds `rules.assignment.sla_for(band)`; until then (or in an
    # older rules version) the single `sla_seconds` target applies to every band.
    assignment = getattr(rules, "assignment", None)
    sla_for = getattr(assignment, "sla_for", None)
    if callable(sla_for):
        return int(sla_for(band))
    return rules.sla_seconds


# --------------------------------------------------------------------------------- service
class Dashboard:
    """Everything the dashboard does, for one verified caller at a time."""

    def __init__(
        self,
        *,
        mentions: MentionRepository,
        responders: ResponderStore,
        assignments: AssignmentRepository,
        assignment_index: AssignmentIndex,
        replies: ReplyRepository,
        ledger: LedgerRepository,
        publisher: ReplyPublisher,
        lifecycle: AssignmentEvents,
        rules_store: RulesStore,
        clock: Callable[[], datetime],
        trust_threshold: int = DEFAULT_TRUST_THRESHOLD,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
    ) -> None:
        self._mentions = mentions
        self._responders = responders
        self._assignments = assignments
        self._assignment_index = assignment_index
        self._replies = replies
        self._ledger = ledger
        self._publisher = publisher
        self._lifecycle = lifecycle
        self._rules_store = rules_store
        self._clock = clock
        self._trust_threshold = trust_threshold
        self._new_id = new_id

    # ------------------------------------------------------------------ helpers
    def rules(self) -> TriageRules:
        """The rules in force (the stored document over the defaults)."""
        return TriageRules.model_validate_json(self._rules_store.read() or "{}")

    def _stored(self, mention_id: str) -> StoredMention:
        stored = self._mentions.get(mention_id)
        if stored is None:
            raise NotFoundError("there is no such mention")
        return stored

    def _own_assignment(self, principal: Principal, mention_id: str) -> Assignment:
        assignment = self._assignments.get(mention_id)
        if assignment is None:
            raise NotFoundError("this mention is not assigned to anyone")
        if assignment.responder_id != principal.responder_id:
            raise ForbiddenError("this mention is assigned to someone else")
        return assignment

    def trust(self, responder_id: str) -> int:
        """How many of the responder's replies were posted: trust grows with each one."""
        return sum(
            1
            for e in self._ledger.for_responder(responder_id)
            if e.reason is PointsReason.REPLY_POSTED
        )

    def _needs_approval(self, principal: Principal, responder: Responder | None) -> bool:
        if principal.is_staff or (
            responder is not None and responder.kind is ResponderKind.EMPLOYEE
        ):
            return False
        return self.trust(principal.responder_id) < self._trust_threshold

    @staticmethod
    def _check_length(mention: Mention, text: str) -> str:
        clean = text.strip()
        if not clean:
            raise DashboardError("the reply is empty")
        limit = PLATFORM_LIMITS.get(mention.platform)
        if limit is not None:
            try:
                limit.check(mention.platform, clean)
            except ReplyTooLongError as error:
                raise DashboardError(f"the {error}") from error
        elif len(clean) > REPLY_LIMITS[mention.platform]:
            raise DashboardError(
                f"the reply is {len(clean)} characters long; {mention.platform.value} allows"
                f" at most {REPLY_LIMITS[mention.platform]} characters"
            )
        return clean

    # ------------------------------------------------------------------ feed
    def feed(self, principal: Principal) -> list[FeedItem]:
        """The caller's open assignments, most urgent first, then nearest deadline."""
        rules = self.rules()
        now = self._clock()
        open_items = [
            a
            for a in self._assignments_of(principal.responder_id)
            if a.status is AssignmentStatus.OPEN
        ]
        latest: dict[str, Reply] = {}
        for reply in sorted(
            self._replies.by_responder(principal.responder_id), key=lambda r: r.created_at
        ):
            latest[reply.mention_id] = reply
        items = []
        for assignment in open_items:
            stored = self._mentions.get(assignment.mention_id)
            if stored is None:
                continue
            items.append(
                self._feed_item(stored, assignment, rules, now, latest.get(assignment.mention_id))
            )
        items.sort(key=lambda i: (-i.priority, i.due_at))
        return items

    def _assignments_of(self, responder_id: str) -> list[Assignment]:
        return self._assignment_index.for_responder(responder_id)

    def _thread(self, mention: Mention) -> tuple[dict[str, str], ...]:
        thread: list[dict[str, str]] = []
        parent_id = mention.parent_id
        while parent_id and len(thread) < 3:
            parent = self._mentions.get(f"{mention.platform.value}#{parent_id}")
            if parent is None:
                thread.append({"handle": "", "text": "(an earlier post we have not stored)"})
                break
            thread.append({"handle": parent.mention.author.handle, "text": parent.mention.text})
            parent_id = parent.mention.parent_id
        return tuple(reversed(thread))

    def _feed_item(
        self,
        stored: StoredMention,
        assignment: Assignment,
        rules: TriageRules,
        now: datetime,
        latest: Reply | None,
    ) -> FeedItem:
        mention = stored.mention
        triage = stored.triage
        # The lifecycle records the deadline it waits for; before it does, the band's SLA.
        due = assignment.deadline or assignment.assigned_at + timedelta(
            seconds=sla_seconds(rules, assignment.band)
        )
        reasons: tuple[str, ...] = ()
        if triage is not None:
            reasons = triage.priority.reasons + triage.decision.reasons
        return FeedItem(
            mention_id=mention.mention_id,
            platform=mention.platform,
            url=mention.url,
            text=mention.text,
            author=AuthorView(
                handle=mention.author.handle,
                display_name=mention.author.display_name,
                followers=mention.author.followers,
                verified=mention.author.verified,
            ),
            posted_at=mention.created_at,
            thread=self._thread(mention),
            priority=assignment.priority,
            band=assignment.band,
            reasons=reasons,
            topics=triage.analysis.topics if triage else (),
            language=triage.analysis.language if triage else (mention.lang_hint or ""),
            sentiment=triage.analysis.sentiment.label.value if triage else "",
            assigned_at=assignment.assigned_at,
            due_at=due,
            seconds_left=int((due - now).total_seconds()),
            reply_limit=reply_limit(mention.platform),
            latest_reply=latest,
        )

    def queue(self) -> list[dict[str, Any]]:
        """Mentions waiting for someone (every candidate was full, or one was declined)."""
        waiting = [s for s in self._mentions.scan() if s.status is MentionStatus.QUEUED]
        waiting.sort(key=lambda s: (-(s.triage.priority.score if s.triage else 0), s.received_at))
        return [
            {
                "mention_id": s.mention.mention_id,
                "platform": s.mention.platform.value,
                "text": s.mention.text,
                "author": s.mention.author.handle,
                "priority": s.triage.priority.score if s.triage else 0,
                "band": s.triage.priority.band if s.triage else "",
                "received_at": s.received_at.isoformat(),
            }
            for s in waiting
        ]

    # ------------------------------------------------------------------ reply / decline
    def submit_reply(self, principal: Principal, mention_id: str, request: ReplyRequest) -> Reply:
        """Post the caller's reply, or hold it for approval when their trust is still low."""
        assignment = self._own_assignment(principal, mention_id)
        if assignment.status is not AssignmentStatus.OPEN:
            raise ConflictError("this mention is no longer open")
        mention = self._stored(mention_id).mention
        text = self._check_length(mention, request.text)
        if any(
            r.mention_id == mention_id and r.status is ReplyStatus.PENDING_APPROVAL
            for r in self._replies.by_responder(principal.responder_id)
        ):
            raise ConflictError("a reply to this mention is already waiting for approval")
        responder = self._responders.repository.get(principal.responder_id)
        pending = self._needs_approval(principal, responder)
        reply = Reply(
            reply_id=self._new_id(),
            mention_id=mention_id,
            responder_id=principal.responder_id,
            text=text,
            status=ReplyStatus.PENDING_APPROVAL if pending else ReplyStatus.POSTING,
            created_at=self._clock(),
        )
        self._replies.put_new(reply)
        if pending:
            self._lifecycle.heartbeat(mention_id, principal.responder_id)
            return reply
        return self._post(reply, mention, ReplyStatus.POSTING)

    def _post(self, reply: Reply, mention: Mention, current: ReplyStatus) -> Reply:
        """Publish, then record it; the reply is stored before the platform is called."""
        try:
            ref = self._publisher.publish(mention, reply)
        except Exception as error:
            failed = reply.model_copy(
                update={
                    "status": ReplyStatus.FAILED,
                    "note": "the platform did not accept the reply",
                }
            )
            self._replies.transition(failed, current)
            raise PublishError(
                "the platform did not accept the reply; it is saved, try again"
            ) from error
        posted = reply.model_copy(update={"status": ReplyStatus.POSTED, "platform_ref": ref})
        if not self._replies.transition(posted, current):
            raise ConflictError("this reply was already handled")
        self._ledger.append(
            entry_for(
                reply.responder_id, PointsReason.REPLY_POSTED, reply.mention_id, self._clock()
            )
        )
        self._lifecycle.replied(reply.mention_id, reply.responder_id, ref)
        return posted

    def decline(self, principal: Principal, mention_id: str, request: DeclineRequest) -> None:
        """Hand the mention back for re-routing, with the reason."""
        assignment = self._own_assignment(principal, mention_id)
        if assignment.status is not AssignmentStatus.OPEN:
            raise ConflictError("this mention is no longer open")
        self._lifecycle.declined(mention_id, principal.responder_id, request.reason.strip())

    def my_replies(self, principal: Principal) -> list[Reply]:
        """The caller's replies, newest first (with employees' notes on rejected ones)."""
        return sorted(
            self._replies.by_responder(principal.responder_id),
            key=lambda r: r.created_at,
            reverse=True,
        )

    # ------------------------------------------------------------------ approvals
    def approvals(self) -> list[dict[str, Any]]:
        """Replies waiting for an employee, oldest first, with the mention they answer."""
        names = {r.responder_id: r.name for r in self._responders.repository.list_all()}
        result = []
        for reply in sorted(
            self._replies.with_status(ReplyStatus.PENDING_APPROVAL), key=lambda r: r.created_at
        ):
            stored = self._mentions.get(reply.mention_id)
            if stored is None:
                continue
            result.append(
                {
                    "reply": reply.model_dump(mode="json"),
                    "responder_name": names.get(reply.responder_id, reply.responder_id),
                    "mention": {
                        "platform": stored.mention.platform.value,
                        "text": stored.mention.text,
                        "author": stored.mention.author.handle,
                        "url": stored.mention.url,
                    },
                    "reply_limit": reply_limit(stored.mention.platform),
                }
            )
        return result

    def decide(self, principal: Principal, reply_id: str, request: DecisionRequest) -> Reply:
        """Approve (perhaps edited) and post, or reject with a note the advocate sees."""
        reply = self._replies.get(reply_id)
        if reply is None:
            raise NotFoundError("there is no such reply")
        if reply.status is not ReplyStatus.PENDING_APPROVAL:
            raise ConflictError("this reply was already handled")
        now = self._clock()
        if request.action == "reject":
            if not request.note.strip():
                raise DashboardError("say why the reply is rejected: the advocate reads the note")
            rejected = reply.model_copy(
                update={
                    "status": ReplyStatus.REJECTED,
                    "decided_by": principal.responder_id,
                    "decided_at": now,
                    "note": request.note.strip(),
                }
            )
            if not self._replies.transition(rejected, ReplyStatus.PENDING_APPROVAL):
                raise ConflictError("this reply was already handled")
            self._ledger.append(
                entry_for(reply.responder_id, PointsReason.REPLY_REJECTED, reply_id, now)
            )
            return rejected
        mention = self._stored(reply.mention_id).mention
        text = self._check_length(mention, request.text) if request.text else reply.text
        approved = reply.model_copy(
            update={
                "text": text,
                "original_text": reply.text if text != reply.text else None,
                "decided_by": principal.responder_id,
                "decided_at": now,
                "note": request.note.strip(),
            }
        )
        return self._post(approved, mention, ReplyStatus.PENDING_APPROVAL)

    # ------------------------------------------------------------------ profile
    def profile(self, principal: Principal) -> dict[str, Any]:
        """The caller's profile, roles and trust."""
        responder = self._responders.repository.get(principal.responder_id)
        return {
            "username": principal.username,
            "roles": sorted(r.value for r in principal.roles),
            "responder": None if responder is None else responder.model_dump(mode="json"),
            "notify": None if responder is None else ("both" if responder.sms_opt_in else "email"),
            "trust": self.trust(principal.responder_id),
            "trust_threshold": self._trust_threshold,
        }

    def update_profile(self, principal: Principal, update: ProfileUpdate) -> dict[str, Any]:
        """Change the caller's own skills, languages, zone, quiet hours, notices or pause."""
        responder = self._responders.repository.get(principal.responder_id)
        if responder is None:
            raise NotFoundError("you have no responder profile yet: ask an admin to add you")
        values: dict[str, Any] = update.model_dump(
            mode="json", exclude_none=True, exclude={"notify"}
        )
        if update.notify is not None:
            wants_sms = update.notify in {"sms", "both"}
            if wants_sms and not (update.phone or responder.phone):
                raise DashboardError("add a phone number to get text messages")
            values["sms_opt_in"] = wants_sms
        if values:
            self._responders.update(principal.responder_id, values)
        return self.profile(principal)

    # ------------------------------------------------------------------ leaderboard
    def leaderboard(self) -> dict[str, Any]:
        """This week's and all-time standings, with names."""
        names = {r.responder_id: r.name for r in self._responders.repository.list_all()}
        board = leaderboard(self._ledger.all(), self._clock())
        dumped = board.model_dump(mode="json")
        for key in ("this_week", "all_time"):
            for line in dumped[key]:
                line["name"] = names.get(line["responder_id"], line["responder_id"])
        return dumped

    # ------------------------------------------------------------------ admin
    def responders(self) -> list[Responder]:
        return sorted(self._responders.repository.list_all(), key=lambda r: r.responder_id)

    def edit_responder(self, responder_id: str, edit: ResponderEdit) -> tuple[Responder, bool]:
        """Create or update one responder; returns it and whether it was created."""
        responder = Responder.model_validate({"responder_id": responder_id, **edit.model_dump()})
        created = self._responders.upsert(responder)
        stored = self._responders.repository.get(responder_id)
        assert stored is not None
        return stored, created

    def import_responders(self, parsed: CsvImport) -> ImportReport:
        """Store every good row; the bad rows come back with their reasons."""
        created: list[str] = []
        updated: list[str] = []
        for responder in parsed.responders:
            (created if self._responders.upsert(responder) else updated).append(
                responder.responder_id
            )
        return ImportReport(created=tuple(created), updated=tuple(updated), errors=parsed.errors)

    def rules_document(self) -> dict[str, Any]:
        """The stored document and the rules it amounts to."""
        document = self._rules_store.read() or "{}"
        return {
            "document": json.loads(document),
            "effective": TriageRules.model_validate_json(document).model_dump(mode="json"),
        }

    def save_rules(self, document: str) -> dict[str, Any]:
        """Validate and store a rules document (fields left out keep their defaults)."""
        rules = TriageRules.model_validate_json(document)  # ValidationError -> 400 at the edge
        # Keep only what differs from the defaults (top-level fields, each whole), so the
        # document stays small and fields left out follow the defaults of later versions.
        defaults = TriageRules.default().model_dump(mode="json")
        current = rules.model_dump(mode="json")
        stored = json.dumps({k: v for k, v in current.items() if defaults.get(k) != v})
        if len(stored.encode()) > MAX_RULES_BYTES:
            raise DashboardError(f"the rules document is larger than {MAX_RULES_BYTES} bytes")
        self._rules_store.write(stored)
        return self.rules_document()


def all_bands() -> Sequence[str]:
    """The priority bands, most urgent first."""
    return ("P1", "P2", "P3", "P4")


# --------------------------------------------------------------------------------- wiring
class ApiSettings(SettingsModel):
    """The API function's environment (see ApiFunction in template.yaml)."""

    mentions_table: str
    responders_table: str
    assignments_table: str
    approvals_table: str
    ledger_table: str
    routing_rules_parameter: str
    user_pool_id: str
    user_pool_client_id: str
    approval_trust_threshold: int = DEFAULT_TRUST_THRESHOLD
    # The assignment lifecycle (decline, heartbeat, replied answer the waiting workflow) and
    # the reply pipeline; without them, assignments are released directly and replies kept.
    audit_table: str | None = None
    replies_table: str | None = None
    reply_queue_url: str | None = None


def build_publisher(
    settings: ApiSettings, clients: AwsClients, clock: Callable[[], datetime]
) -> ReplyPublisher:
    """The reply pipeline when it is configured, else a recording publisher."""
    if settings.replies_table and settings.reply_queue_url:
        service = build_reply_service(
            ReplyServiceSettings(
                mentions_table=settings.mentions_table,
                replies_table=settings.replies_table,
                reply_queue_url=settings.reply_queue_url,
            ),
            clients,
        )
        return QueuedReplyPublisher(service, clock)
    return RecordingPublisher()


def build_dashboard(
    settings: ApiSettings,
    clients: AwsClients,
    clock: Callable[[], datetime],
    publisher: ReplyPublisher,
    lifecycle: AssignmentEvents | None = None,
) -> Dashboard:
    """The dashboard service wired to DynamoDB and SSM."""
    ddb = clients.dynamodb
    mentions = MentionRepository(ddb, settings.mentions_table)
    assignments = AssignmentRepository(ddb, settings.assignments_table, settings.responders_table)
    if lifecycle is None and settings.audit_table:
        lifecycle = LifecycleEvents(
            build_lifecycle(
                assignments_table=settings.assignments_table,
                responders_table=settings.responders_table,
                audit_table=settings.audit_table,
                clients=clients,
                clock=clock,
            )
        )
    return Dashboard(
        mentions=mentions,
        responders=ResponderStore(ddb, settings.responders_table),
        assignments=assignments,
        assignment_index=AssignmentIndex(ddb, settings.assignments_table),
        replies=ReplyRepository(ddb, settings.approvals_table),
        ledger=LedgerRepository(ddb, settings.ledger_table),
        publisher=publisher,
        lifecycle=lifecycle or ReleasingLifecycle(assignments, mentions),
        rules_store=SsmRulesStore(clients.ssm, settings.routing_rules_parameter),
        clock=clock,
        trust_threshold=settings.approval_trust_threshold,
    )
