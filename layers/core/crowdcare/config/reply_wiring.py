"""Composition of the reply pipeline: settings and shared clients in, services out.

Handlers call these once per cold start; tests and the local run call them with their own
settings, clients, clock and HTTP client factory, so nothing needs patching.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from aws_lambda_powertools.utilities.parameters import SecretsProvider

from crowdcare.adapters.dynamodb.repositories import MentionRepository
from crowdcare.adapters.platforms.outbound import (
    ClientFactory,
    ReplyAdapters,
    ReplyCredentials,
    ReplyPlatformSettings,
    default_limits,
    load_platform_credentials,
)
from crowdcare.adapters.platforms.outbound.base import MASTODON_DEFAULT_MAX
from crowdcare.config.clients import AwsClients
from crowdcare.config.clock import utc_now
from crowdcare.config.settings import SettingsModel
from crowdcare.services.replies import (
    OnPosted,
    ReachTracker,
    ReplyPoster,
    ReplyRepository,
    ReplyService,
    SqsParkingLot,
    SqsReplyQueue,
    ignore_posted,
)

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient


class ReplyServiceSettings(SettingsModel):
    """What accepting a reply needs (the dashboard API)."""

    mentions_table: str
    replies_table: str
    reply_queue_url: str
    mastodon_max_chars: int = MASTODON_DEFAULT_MAX


class ReplyPosterSettings(ReplyPlatformSettings):
    """The reply poster: platforms, tables, the parking queue and the queue's receive limit."""

    mentions_table: str
    replies_table: str
    reply_dead_letter_queue_url: str
    # Must equal the ReplyQueue's RedrivePolicy maxReceiveCount (a template test checks).
    reply_max_receive_count: int


class ReachTrackerSettings(ReplyPlatformSettings):
    """The reach tracker: platforms, the Replies table and how long replies are followed."""

    replies_table: str
    reach_window_hours: int = 72


def sqs_client(clients: AwsClients) -> SQSClient:
    """The shared SQS client."""
    client: SQSClient = clients.client("sqs")
    return client


def credentials_source(
    settings: ReplyPlatformSettings, clients: AwsClients
) -> Callable[[], ReplyCredentials]:
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


def build_reply_service(settings: ReplyServiceSettings, clients: AwsClients) -> ReplyService:
    """Submitting replies: length check, Replies table, ReplyQueue."""
    return ReplyService(
        mentions=MentionRepository(clients.dynamodb, settings.mentions_table),
        replies=ReplyRepository(clients.dynamodb, settings.replies_table),
        queue=SqsReplyQueue(sqs_client(clients), settings.reply_queue_url),
        limits=default_limits(settings.mastodon_max_chars),
    )


def build_reply_poster(
    settings: ReplyPosterSettings,
    clients: AwsClients,
    on_posted: OnPosted = ignore_posted,
    clock: Callable[[], datetime] = utc_now,
    make_client: ClientFactory | None = None,
) -> ReplyPoster:
    """The poster wired to DynamoDB, the dead-letter queue and the platform adapters."""
    adapters = build_reply_adapters(settings, clients, clock, make_client)
    return ReplyPoster(
        mentions=MentionRepository(clients.dynamodb, settings.mentions_table),
        replies=ReplyRepository(clients.dynamodb, settings.replies_table),
        adapters=adapters.get,
        parking=SqsParkingLot(sqs_client(clients), settings.reply_dead_letter_queue_url),
        clock=clock,
        max_receive_count=settings.reply_max_receive_count,
        on_posted=on_posted,
    )


def build_reach_tracker(
    settings: ReachTrackerSettings,
    clients: AwsClients,
    clock: Callable[[], datetime] = utc_now,
    make_client: ClientFactory | None = None,
) -> ReachTracker:
    """The scheduled reach tracker wired to DynamoDB and the platform adapters."""
    return ReachTracker(
        replies=ReplyRepository(clients.dynamodb, settings.replies_table),
        adapters=build_reply_adapters(settings, clients, clock, make_client).get,
        clock=clock,
        window=timedelta(hours=settings.reach_window_hours),
    )
