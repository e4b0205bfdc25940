"""Public replies on every platform: one adapter per platform, built from configuration.

Base URLs come from settings (so tests and the local run point them at the fake platform
server) and credentials from one Secrets Manager secret, read through powertools and cached.
A platform without a base URL or without credentials has no adapter: a reply to it is parked
with that reason instead of failing obscurely.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, ValidationError

from crowdcare.adapters.platforms.http import JsonHttpClient
from crowdcare.adapters.platforms.outbound.base import (
    MASTODON_DEFAULT_MAX,
    LengthLimit,
    PostedReply,
    Reach,
    ReplyAdapter,
    ReplyTargetError,
    ReplyTooLongError,
    default_limits,
)
from crowdcare.adapters.platforms.outbound.bluesky import BlueskyReplyAdapter
from crowdcare.adapters.platforms.outbound.facebook import FacebookReplyAdapter
from crowdcare.adapters.platforms.outbound.instagram import InstagramReplyAdapter
from crowdcare.adapters.platforms.outbound.mastodon import MastodonReplyAdapter
from crowdcare.adapters.platforms.outbound.reddit import RedditPasswordGrant, RedditReplyAdapter
from crowdcare.adapters.platforms.outbound.x import XReplyAdapter
from crowdcare.config.settings import ConfigurationError, SettingsModel
from crowdcare.domain.models import Platform

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

__all__ = [
    "ClientFactory",
    "LengthLimit",
    "PostedReply",
    "Reach",
    "ReplyAdapter",
    "ReplyAdapters",
    "ReplyCredentials",
    "ReplyPlatformSettings",
    "ReplyTargetError",
    "ReplyTooLongError",
    "build_reply_adapters",
    "default_limits",
    "load_platform_credentials",
]

CREDENTIALS_MAX_AGE_SECONDS = 300
REDDIT_USER_AGENT = "server:crowdcare:0.1 (social customer service)"


class ReplyPlatformSettings(SettingsModel):
    """Where each platform's API is, and the secret holding the brand accounts' credentials.

    The variable names are shared with the poller (X_API_BASE_URL, REDDIT_BASE_URL, ...), so
    one set of template parameters points reading and replying at the same place.
    """

    platform_credentials_name: str
    x_api_base_url: str | None = None
    facebook_graph_base_url: str | None = None
    instagram_graph_base_url: str | None = None
    reddit_base_url: str | None = None
    reddit_auth_url: str | None = None
    mastodon_base_url: str | None = None
    bluesky_base_url: str | None = None
    mastodon_max_chars: int = MASTODON_DEFAULT_MAX
    reddit_user_agent: str = REDDIT_USER_AGENT
    platform_timeout_seconds: float = 8.0
    platform_max_attempts: int = 3


class ReplyCredentials(BaseModel):
    """The reply side of the PlatformCredentials secret (JSON, shared with the poller).

    A missing or empty key disables replies on that platform. X needs a user-context token
    (the poller's app-only bearer token cannot post).
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    x_user_access_token: str | None = None
    facebook_page_access_token: str | None = None
    instagram_access_token: str | None = None
    reddit_client_id: str | None = None
    reddit_client_secret: str | None = None
    reddit_username: str | None = None
    reddit_password: str | None = None
    mastodon_access_token: str | None = None
    bluesky_handle: str | None = None
    bluesky_app_password: str | None = None

    def __repr_args__(self) -> Any:
        # Only which keys are set: a stray log line or traceback must not carry a token.
        return [("keys", sorted(k for k, v in self.model_dump().items() if v))]


def load_platform_credentials(
    provider: SecretsProvider, name: str, max_age: int = CREDENTIALS_MAX_AGE_SECONDS
) -> ReplyCredentials:
    """Read and validate the credentials secret (cached by powertools for `max_age`)."""
    value = provider.get(name, transform="json", max_age=max_age)
    if not isinstance(value, dict):
        raise ConfigurationError(f"secret {name} must be a JSON object")
    try:
        return ReplyCredentials.model_validate(value)
    except ValidationError:
        # `from None`: the ValidationError's text would include the token values.
        raise ConfigurationError(f"secret {name} has a non-string value") from None


ClientFactory = Callable[[str, dict[str, str]], JsonHttpClient]


def client_factory(settings: ReplyPlatformSettings) -> ClientFactory:
    """JsonHttpClients with the configured timeout and attempts (a Lambda-sized budget)."""

    def make(base_url: str, headers: dict[str, str]) -> JsonHttpClient:
        return JsonHttpClient(
            base_url=base_url,
            headers=headers,
            timeout=settings.platform_timeout_seconds,
            max_attempts=settings.platform_max_attempts,
            max_delay=5.0,
        )

    return make


def build_reply_adapters(
    settings: ReplyPlatformSettings,
    credentials: ReplyCredentials,
    clock: Callable[[], datetime],
    make_client: ClientFactory | None = None,
) -> dict[Platform, ReplyAdapter]:
    """An adapter for every platform that has both a base URL and credentials."""
    make = make_client or client_factory(settings)
    adapters: dict[Platform, ReplyAdapter] = {}

    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    if settings.x_api_base_url and credentials.x_user_access_token:
        adapters[Platform.X] = XReplyAdapter(
            make(settings.x_api_base_url, bearer(credentials.x_user_access_token)), clock
        )
    if settings.facebook_graph_base_url and credentials.facebook_page_access_token:
        adapters[Platform.FACEBOOK] = FacebookReplyAdapter(
            make(settings.facebook_graph_base_url, bearer(credentials.facebook_page_access_token)),
            clock,
        )
    if settings.instagram_graph_base_url and credentials.instagram_access_token:
        adapters[Platform.INSTAGRAM] = InstagramReplyAdapter(
            make(settings.instagram_graph_base_url, bearer(credentials.instagram_access_token)),
            clock,
        )
    reddit_keys = (
        credentials.reddit_client_id,
        credentials.reddit_client_secret,
        credentials.reddit_username,
        credentials.reddit_password,
    )
    if settings.reddit_base_url and settings.reddit_auth_url and all(reddit_keys):
        agent = {"User-Agent": settings.reddit_user_agent}
        adapters[Platform.REDDIT] = RedditReplyAdapter(
            make(settings.reddit_base_url, agent),
            clock,
            RedditPasswordGrant(
                make(settings.reddit_auth_url, agent),
                client_id=str(credentials.reddit_client_id),
                client_secret=str(credentials.reddit_client_secret),
                username=str(credentials.reddit_username),
                password=str(credentials.reddit_password),
            ),
        )
    if settings.mastodon_base_url and credentials.mastodon_access_token:
        adapters[Platform.MASTODON] = MastodonReplyAdapter(
            make(settings.mastodon_base_url, bearer(credentials.mastodon_access_token)),
            clock,
            max_chars=settings.mastodon_max_chars,
        )
    if (
        settings.bluesky_base_url
        and credentials.bluesky_handle
        and credentials.bluesky_app_password
    ):
        adapters[Platform.BLUESKY] = BlueskyReplyAdapter(
            make(settings.bluesky_base_url, {}),
            clock,
            identifier=str(credentials.bluesky_handle),
            app_password=str(credentials.bluesky_app_password),
        )
    return adapters


class ReplyAdapters:
    """The current adapters: rebuilt when the credentials secret changes (token rotation)."""

    def __init__(
        self,
        settings: ReplyPlatformSettings,
        credentials: Callable[[], ReplyCredentials],
        clock: Callable[[], datetime],
        make_client: ClientFactory | None = None,
    ) -> None:
        self._settings = settings
        self._credentials = credentials
        self._clock = clock
        self._make_client = make_client
        self._built_for: ReplyCredentials | None = None
        self._adapters: dict[Platform, ReplyAdapter] = {}

    def current(self) -> Mapping[Platform, ReplyAdapter]:
        """Adapters for the credentials as they are now."""
        credentials = self._credentials()
        if credentials != self._built_for:
            self._adapters = build_reply_adapters(
                self._settings, credentials, self._clock, self._make_client
            )
            self._built_for = credentials
        return self._adapters

    def get(self, platform: Platform) -> ReplyAdapter | None:
        """The adapter for `platform`, or None when it is not configured."""
        return self.current().get(platform)
