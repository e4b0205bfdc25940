"""Composition of the reply pipeline: settings and shared clients in, services out.

Handlers call these once per cold start; tests and the local run call them with their own
settings, clients, clock and HTTP client factory, so nothing needs patching.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aws_lambda_powertools.utilities.parameters import SecretsProvider

from crowdcare.adapters.dynamodb.assignment_index import AssignmentIndex
from crowdcare.adapters.dynamodb.assignments import AssignmentRepository
from crowdcare.adapters.dynamodb.ledger import LedgerRepository
from crowdcare.adapters.dynamodb.replies import ReplyRepository
from crowdcare.adapters.dynamodb.repositories import MentionRepository
from crowdcare.adapters.dynamodb.responder_profiles import ResponderStore
from crowdcare.adapters.platforms.outbound import (
    ClientFactory,
    ReplyAdapters,
    ReplyPlatformSettings,
    default_limits,
)
from crowdcare.adapters.platforms.outbound.base import MASTODON_DEFAULT_MAX
from crowdcare.adapters.reply_queues import SqsParkingLot, SqsReplyQueue
from crowdcare.adapters.rules_parameter import SsmRulesStore
from crowdcare.adapters.secrets import PlatformCredentials, load_platform_credentials
from crowdcare.config.clients import AwsClients
from crowdcare.config.clock import utc_now
from crowdcare.config.settings import SettingsModel
from crowdcare.config.wiring import build_lifecycle
from crowdcare.ports import AssignmentEvents, PointsRulesSource
from crowdcare.rules.points import PointsRules
from crowdcare.services.replies.assignment_events import LifecycleEvents, ReleasingLifecycle
from crowdcare.services.replies.parking import RetriedReplies, retry_parked
from crowdcare.services.replies.posting import OnPosted, ReplyConfirmation, ReplyPoster
from crowdcare.services.replies.reach import ReachTracker
from crowdcare.services.replies.submission import ReplySubmissions
from crowdcare.services.rewards.awards import PointsAwarder

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


class ReplySubmissionSettings(SettingsModel):
    """What accepting a reply needs (the dashboard API, the local demo)."""

    mentions_table: str
    replies_table: str
    reply_queue_url: str
    mastodon_max_chars: int = MASTODON_DEFAULT_MAX


class ReplyParkingSettings(ReplySubmissionSettings):
    """An operator's retry of parked replies: what submitting needs, and the parking queue."""

    reply_dead_letter_queue_url: str


class AssignmentEventSettings(SettingsModel):
    """Where a reply's news goes: the assignment workflow (with the audit table) or, without
    it, straight to the Assignments table."""

    mentions_table: str
    assignments_table: str
    responders_table: str
    audit_table: str | None = None


class PointsSettings(AssignmentEventSettings):
    """What awarding points needs: the ledger, the tables it reads, the points rules (without
    the parameter, the built-in rules)."""

    replies_table: str
    ledger_table: str
    points_rules_parameter: str | None = None


class ReplyPosterSettings(ReplyPlatformSettings, PointsSettings):
    """The reply poster: platforms, tables, the parking queue and the queue's receive limit;
    the ledger and the assignment workflow it tells about a confirmed post."""

    reply_dead_letter_queue_url: str
    # Must equal the ReplyQueue's RedrivePolicy maxReceiveCount (a template test checks).
    reply_max_receive_count: int
    # Must exceed the ReplyQueue's VisibilityTimeout (a template test checks).
    reply_posting_lease_seconds: int = 420


class ReachTrackerSettings(ReplyPlatformSettings, PointsSettings):
    """The reach tracker: platforms, the Replies table and how long replies are followed; the
    ledger its readings earn reach bonuses in."""

    reach_window_hours: int = 72


def sqs_client(clients: AwsClients) -> SQSClient:
    """The shared SQS client."""
    client: SQSClient = clients.client("sqs")
    return client


def credentials_source(
    settings: ReplyPlatformSettings, clients: AwsClients
) -> Callable[[], PlatformCredentials]:
    """The platform credentials, from Secrets Manager through powertools' cache."""
    provider = SecretsProvider(boto3_client=clients.secretsmanager)
    name = settings.platform_credentials_name
    return lambda: load_platform_credentials(provider, name)


def build_reply_adapters(
    settings: ReplyPlatformSettings,
    clients: AwsClients,
    clock: Callable[[], datetime] = utc_now,
    make_client: ClientFactory | None = None,
) -> ReplyAdapters:
    """The adapters for every configured platform, rebuilt when credentials rotate."""
    return ReplyAdapters(settings, credentials_source(settings, clients), clock, make_client)


def build_assignment_events(
    settings: AssignmentEventSettings,
    clients: AwsClients,
    clock: Callable[[], datetime] = utc_now,
) -> AssignmentEvents:
    """The assignment workflow's ears: the lifecycle API, or direct release without it."""
    if settings.audit_table:
        return LifecycleEvents(
            build_lifecycle(
                assignments_table=settings.assignments_table,
                responders_table=settings.responders_table,
                audit_table=settings.audit_table,
                clients=clients,
                clock=clock,
            )
        )
    return ReleasingLifecycle(
        AssignmentRepository(
            clients.dynamodb, settings.assignments_table, settings.responders_table
        ),
        MentionRepository(clients.dynamodb, settings.mentions_table),
    )


def build_reply_submissions(
    settings: ReplySubmissionSettings, clients: AwsClients
) -> ReplySubmissions:
    """Submitting replies: length check, Replies table, ReplyQueue."""
    return ReplySubmissions(
        mentions=MentionRepository(clients.dynamodb, settings.mentions_table),
        replies=ReplyRepository(clients.dynamodb, settings.replies_table),
        queue=SqsReplyQueue(sqs_client(clients), settings.reply_queue_url),
        limits=default_limits(settings.mastodon_max_chars),
    )


def points_rules_source(parameter: str | None, clients: AwsClients) -> PointsRulesSource:
    """The points rules in force: the SSM document, read on every use (an admin's change
    applies at once), or the built-in rules without a parameter."""
    if parameter is None:
        return PointsRules.default
    store = SsmRulesStore(clients.ssm, parameter)

    def current() -> PointsRules:
        return PointsRules.model_validate_json(store.read() or "{}")

    return current


def build_points_awarder(
    settings: PointsSettings, clients: AwsClients, clock: Callable[[], datetime] = utc_now
) -> PointsAwarder:
    """Points through the ledger (its boards in the same write), by the rules in force."""
    ddb = clients.dynamodb
    return PointsAwarder(
        ledger=LedgerRepository(ddb, settings.ledger_table),
        rules=points_rules_source(settings.points_rules_parameter, clients),
        mentions=MentionRepository(ddb, settings.mentions_table),
        assignments=AssignmentIndex(ddb, settings.assignments_table, settings.responders_table),
        responders=ResponderStore(ddb, settings.responders_table),
        clock=clock,
    )


def build_reply_poster(
    settings: ReplyPosterSettings,
    clients: AwsClients,
    on_posted: OnPosted | None = None,
    clock: Callable[[], datetime] = utc_now,
    make_client: ClientFactory | None = None,
) -> ReplyPoster:
    """The poster wired to DynamoDB, the dead-letter queue and the platform adapters; a
    confirmed post earns its points and answers the assignment workflow."""
    adapters = build_reply_adapters(settings, clients, clock, make_client)
    if on_posted is None:
        on_posted = ReplyConfirmation(
            points=build_points_awarder(settings, clients, clock),
            events=build_assignment_events(settings, clients, clock),
        )
    return ReplyPoster(
        mentions=MentionRepository(clients.dynamodb, settings.mentions_table),
        replies=ReplyRepository(clients.dynamodb, settings.replies_table),
        adapters=adapters.get,
        parking=SqsParkingLot(sqs_client(clients), settings.reply_dead_letter_queue_url),
        clock=clock,
        max_receive_count=settings.reply_max_receive_count,
        on_posted=on_posted,
        lease=timedelta(seconds=settings.reply_posting_lease_seconds),
    )


def build_reach_tracker(
    settings: ReachTrackerSettings,
    clients: AwsClients,
    clock: Callable[[], datetime] = utc_now,
    make_client: ClientFactory | None = None,
) -> ReachTracker:
    """The scheduled reach tracker wired to DynamoDB and the platform adapters."""
    points = build_points_awarder(settings, clients, clock)
    return ReachTracker(
        replies=ReplyRepository(clients.dynamodb, settings.replies_table),
        adapters=build_reply_adapters(settings, clients, clock, make_client).get,
        clock=clock,
        window=timedelta(hours=settings.reach_window_hours),
        on_measured=points.reach_measured,
        on_removed=points.removed,
    )


def build_parked_reply_retry(
    settings: ReplyParkingSettings, clients: AwsClients
) -> Callable[[Collection[str] | None], RetriedReplies]:
    """For an operator: put parked replies (all, or the ids given) back on the ReplyQueue."""
    parking = SqsParkingLot(sqs_client(clients), settings.reply_dead_letter_queue_url)
    replies = ReplyRepository(clients.dynamodb, settings.replies_table)
    submissions = build_reply_submissions(settings, clients)

    def retry(reply_ids: Collection[str] | None = None) -> RetriedReplies:
        return retry_parked(parking, replies, submissions, reply_ids)

    return retry
