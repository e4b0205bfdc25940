"""Composition of ingestion: the webhooks' and the poller's dependencies, built from settings.

Handlers build a `WebhookWiring` or call `build_poller`/`build_sources` once per cold start;
tests and the local run pass their own environment, clients and HTTP client factory, so
nothing needs patching. (Kept apart from config/wiring.py while that file is being split;
the two can merge once both settle.)
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cached_property

from aws_lambda_powertools.utilities.parameters import SecretsProvider

from crowdcare.adapters.dynamodb.cursors import CursorRepository
from crowdcare.adapters.dynamodb.repositories import MentionRepository
from crowdcare.adapters.platforms.http import ClientFactory, JsonHttpClient, client_factory
from crowdcare.adapters.platforms.inbound.graph_lookup import LookupFailedError, MetaGraphLookup
from crowdcare.adapters.platforms.inbound.graph_shapes import GraphLookup
from crowdcare.adapters.platforms.inbound.sources import PollSource
from crowdcare.adapters.platforms.inbound.sources.bluesky import (
    BlueskySession,
    bluesky_mentions,
    bluesky_search,
)
from crowdcare.adapters.platforms.inbound.sources.mastodon import (
    mastodon_hashtag,
    mastodon_mentions,
)
from crowdcare.adapters.platforms.inbound.sources.reddit import reddit_mentions, reddit_search
from crowdcare.adapters.platforms.inbound.sources.x_search import XSearchSource
from crowdcare.adapters.platforms.reddit import RedditPasswordGrant
from crowdcare.adapters.secrets import (
    PlatformCredentials,
    WebhookSecrets,
    load_platform_credentials,
    load_webhook_secrets,
)
from crowdcare.adapters.sqs import IngestParking
from crowdcare.config.clients import AwsClients
from crowdcare.config.clock import utc_now
from crowdcare.config.settings import (
    AwsSettings,
    ConfigurationError,
    IngestSettings,
    ParkingSettings,
    PollerSettings,
    SettingsModel,
    load_settings,
)
from crowdcare.domain.models import Mention
from crowdcare.services.ingest import (
    DEFAULT_LOOKUP_BUDGET_SECONDS,
    DeliveryService,
    IngestService,
)
from crowdcare.services.polling import SOURCE_NAMES, Poller

# The poller's clients: the standard retries (a 5-minute schedule can afford them).
default_http = client_factory()


# ------------------------------------------------------------------------------ webhooks


class GraphLookupSettings(SettingsModel):
    """Where the webhook's Graph API lookups go, and their budget (Meta wants an answer fast).

    Without PLATFORM_CREDENTIALS_NAME (or without a product's base URL or token) that product's
    lookups fail with that reason and the changes are parked, replayable once configured.
    """

    platform_credentials_name: str | None = None
    facebook_graph_base_url: str | None = None
    instagram_graph_base_url: str | None = None
    graph_lookup_timeout_seconds: float = 3.0
    graph_lookup_max_attempts: int = 2
    graph_lookup_budget_seconds: float = DEFAULT_LOOKUP_BUDGET_SECONDS  # per delivery


class GraphLookups:
    """The current `MetaGraphLookup`: rebuilt (cache and all) when the credentials rotate."""

    def __init__(
        self,
        settings: GraphLookupSettings,
        credentials: Callable[[], PlatformCredentials] | None,
        http: ClientFactory,
    ) -> None:
        self._settings = settings
        self._credentials = credentials
        self._http = http
        self._built_for: PlatformCredentials | None = None
        self._lookup: MetaGraphLookup | None = None

    def resolve(self, lookup: GraphLookup) -> Mention:
        """Complete `lookup`; `LookupFailedError` when it cannot be."""
        return self._current().resolve(lookup)

    def _current(self) -> MetaGraphLookup:
        if self._credentials is None:
            raise LookupFailedError("no platform credentials configured for Graph API lookups")
        credentials = self._credentials()
        if self._lookup is None or credentials != self._built_for:
            settings = self._settings

            def client(base_url: str | None, token: str | None) -> JsonHttpClient | None:
                if not base_url or not token:
                    return None
                return self._http(base_url, {"Authorization": f"Bearer {token}"})

            self._lookup = MetaGraphLookup(
                instagram=client(
                    settings.instagram_graph_base_url, credentials.instagram_access_token
                ),
                facebook=client(
                    settings.facebook_graph_base_url, credentials.facebook_page_access_token
                ),
            )
            self._built_for = credentials
        return self._lookup


class WebhookWiring:
    """Everything the webhooks app uses, built lazily from `environ` (once per cold start)."""

    def __init__(
        self,
        environ: Mapping[str, str],
        clock: Callable[[], datetime] = utc_now,
        http: ClientFactory | None = None,
    ) -> None:
        self._environ = environ
        self._clock = clock
        self._http = http

    @cached_property
    def settings(self) -> IngestSettings:
        """Ingest settings (ConfigurationError when incomplete)."""
        return load_settings(IngestSettings, self._environ)

    @cached_property
    def clients(self) -> AwsClients:
        """boto3 clients, pointed at AWS_ENDPOINT_URL when it is set."""
        return AwsClients(load_settings(AwsSettings, self._environ))

    @cached_property
    def mentions(self) -> MentionRepository:
        """The Mentions table."""
        return MentionRepository(
            self.clients.dynamodb,
            self.settings.mentions_table,
            retention_days=self.settings.mentions_retention_days,
        )

    @cached_property
    def ingest(self) -> IngestService:
        """The service every route hands its mentions to."""
        return IngestService(self.mentions, clock=self._clock)

    @cached_property
    def secrets_provider(self) -> SecretsProvider:
        """Secrets Manager through powertools: values cached across warm invocations."""
        return SecretsProvider(boto3_client=self.clients.secretsmanager)

    def webhook_secrets(self) -> WebhookSecrets:
        """The signing secrets (re-read from Secrets Manager at most every five minutes)."""
        return load_webhook_secrets(self.secrets_provider, self.settings.webhook_secrets_name)

    @cached_property
    def ingest_parking(self) -> IngestParking:
        """The ingest parking queue, where a bad entry or tweet waits with its reason."""
        queue_url = load_settings(ParkingSettings, self._environ).ingest_parking_queue_url
        return IngestParking(self.clients.client("sqs"), queue_url, clock=self._clock)

    @cached_property
    def x_delivery(self) -> DeliveryService:
        """X deliveries: storing and the ingest parking queue (a tweet needs no lookup)."""
        return DeliveryService(self.ingest, self.ingest_parking, _no_lookup, timer=time.monotonic)

    @cached_property
    def meta_delivery(self) -> DeliveryService:
        """Meta deliveries: Graph API lookups, storing, and the ingest parking queue."""
        lookup_settings = load_settings(GraphLookupSettings, self._environ)
        name = lookup_settings.platform_credentials_name
        provider = self.secrets_provider
        credentials = (lambda: load_platform_credentials(provider, name)) if name else None
        http = self._http or client_factory(
            lookup_settings.graph_lookup_timeout_seconds,
            lookup_settings.graph_lookup_max_attempts,
            max_delay=1.0,
        )
        lookups = GraphLookups(lookup_settings, credentials, http)
        return DeliveryService(
            self.ingest,
            self.ingest_parking,
            lookups.resolve,
            timer=time.monotonic,
            lookup_budget_seconds=lookup_settings.graph_lookup_budget_seconds,
        )


def _no_lookup(lookup: GraphLookup) -> Mention:
    # Only Meta deliveries carry lookups; one elsewhere is parked with this reason.
    raise LookupFailedError(f"no Graph API lookup for {lookup.platform.value} deliveries")


# ------------------------------------------------------------------------------ poller


def build_poller(
    settings: PollerSettings,
    clients: AwsClients,
    clock: Callable[[], datetime] = utc_now,
    timer: Callable[[], float] = time.time,
) -> Poller:
    """The poller wired to the Mentions and Cursors tables."""
    return Poller(
        MentionRepository(
            clients.dynamodb,
            settings.mentions_table,
            retention_days=settings.mentions_retention_days,
        ),
        CursorRepository(clients.dynamodb, settings.cursors_table, clock=clock),
        clock=clock,
        timer=timer,
        safety_margin_seconds=settings.poll_safety_margin_seconds,
    )


def _need(credentials: PlatformCredentials, *names: str) -> list[str]:
    values = [getattr(credentials, name) for name in names]
    missing = [name for name, value in zip(names, values, strict=True) if not value]
    if missing:
        raise ConfigurationError(f"PlatformCredentials lacks {', '.join(missing)}")
    return [str(value) for value in values]


def build_sources(
    settings: PollerSettings, credentials: PlatformCredentials, http: ClientFactory = default_http
) -> tuple[list[PollSource], dict[str, str]]:
    """The configured sources, and for each one that cannot run, why (unknown name, missing
    credentials). One HTTP client (and one login) per platform is shared by its sources."""
    sources: list[PollSource] = []
    skipped: dict[str, str] = {}
    cache: dict[str, object] = {}

    def reddit() -> tuple[JsonHttpClient, RedditPasswordGrant]:
        if "reddit" not in cache:
            client_id, secret, user, password = _need(
                credentials,
                "reddit_client_id",
                "reddit_client_secret",
                "reddit_username",
                "reddit_password",
            )
            agent = {"User-Agent": settings.reddit_user_agent}
            auth = RedditPasswordGrant(
                http(settings.reddit_auth_url, agent), client_id, secret, user, password
            )
            cache["reddit"] = (http(settings.reddit_base_url, agent), auth)
        return cache["reddit"]  # type: ignore[return-value]

    def mastodon(token_required: bool) -> JsonHttpClient:
        token = credentials.mastodon_access_token
        if token_required:
            (token,) = _need(credentials, "mastodon_access_token")
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return http(settings.mastodon_base_url, headers)

    def bluesky(session_required: bool) -> tuple[JsonHttpClient, BlueskySession | None]:
        client = http(settings.bluesky_base_url, {})
        if not session_required and not credentials.bluesky_handle:
            return client, None
        if "bluesky" not in cache:
            handle, password = _need(credentials, "bluesky_handle", "bluesky_app_password")
            cache["bluesky"] = BlueskySession(client, handle, password)
        return client, cache["bluesky"]  # type: ignore[return-value]

    for name in settings.source_names:
        try:
            if name == "reddit_search":
                sources.append(reddit_search(*reddit(), settings.poll_query))
            elif name == "reddit_mentions":
                sources.append(reddit_mentions(*reddit()))
            elif name == "mastodon_mentions":
                sources.append(mastodon_mentions(mastodon(token_required=True)))
            elif name == "mastodon_hashtag":
                sources.append(mastodon_hashtag(mastodon(False), settings.mastodon_hashtag))
            elif name == "bluesky_search":
                client, session = bluesky(session_required=False)
                sources.append(bluesky_search(client, settings.poll_query, session))
            elif name == "bluesky_mentions":
                client, session = bluesky(session_required=True)
                assert session is not None  # session_required guarantees it
                sources.append(bluesky_mentions(client, session))
            elif name == "x_search":
                (token,) = _need(credentials, "x_bearer_token")
                client = http(settings.x_api_base_url, {"Authorization": f"Bearer {token}"})
                # Retweets repeat someone else's words: the original is what needs an answer.
                query = f"{settings.poll_query} -is:retweet"
                sources.append(XSearchSource(client, query, settings.x_brand_user_id))
            else:
                skipped[name] = f"unknown source (known: {', '.join(SOURCE_NAMES)})"
        except ConfigurationError as error:
            skipped[name] = str(error)
    return sources, skipped
