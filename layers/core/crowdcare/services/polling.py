"""The Poller: reads each configured source from its saved cursor and stores what it finds.

For each source: read the cursor, then fetch pages until the source says it is done or the
deadline (the Lambda's remaining time minus a safety margin) is near; store every mention with
`put_if_new` and only then save the page's cursor. A platform failure that survives the HTTP
client's retries (429/5xx, network) stops that source for this run with its cursor where it
was; the next scheduled run resumes there. One source failing never stops the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from crowdcare.adapters.dynamodb.cursors import CursorConflictError, CursorRepository
from crowdcare.adapters.dynamodb.repositories import MentionRepository
from crowdcare.adapters.platforms.http import JsonHttpClient, PlatformError
from crowdcare.adapters.platforms.inbound.sources import PlatformCredentials, PollSource
from crowdcare.adapters.platforms.inbound.sources.bluesky import (
    BlueskySession,
    bluesky_mentions,
    bluesky_search,
)
from crowdcare.adapters.platforms.inbound.sources.mastodon import (
    mastodon_hashtag,
    mastodon_mentions,
)
from crowdcare.adapters.platforms.inbound.sources.reddit import (
    RedditAuth,
    reddit_mentions,
    reddit_search,
)
from crowdcare.adapters.platforms.inbound.sources.x_search import XSearchSource
from crowdcare.config.settings import ConfigurationError, PollerSettings

DEFAULT_SAFETY_MARGIN_SECONDS = 10.0


class SourceRun(BaseModel):
    """What one source did in one run."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str
    pages: int
    accepted: int
    duplicates: int
    outcome: str  # "caught up", "deadline", "platform error", "cursor conflict", "bad payload"
    detail: str = ""


class PollReport(BaseModel):
    """What a whole run did, source by source."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sources: list[SourceRun]

    @property
    def accepted(self) -> int:
        """New mentions stored across every source."""
        return sum(run.accepted for run in self.sources)


class Poller:
    """Runs each source from its cursor; receives its repositories and clocks."""

    def __init__(
        self,
        mentions: MentionRepository,
        cursors: CursorRepository,
        clock: Callable[[], datetime],
        timer: Callable[[], float],
        safety_margin_seconds: float = DEFAULT_SAFETY_MARGIN_SECONDS,
    ) -> None:
        self._mentions = mentions
        self._cursors = cursors
        self._clock = clock
        self._timer = timer
        self._margin = safety_margin_seconds

    def run(self, sources: Sequence[PollSource], remaining_ms: Callable[[], int]) -> PollReport:
        """Poll every source in turn until each is caught up or time runs short.

        `remaining_ms` is the Lambda context's `get_remaining_time_in_millis`. Before each page
        the time left (minus the safety margin) becomes a deadline on `timer`, the clock the
        HTTP clients compare deadlines with, so no retry sleeps past the Lambda timeout.
        """
        return PollReport(sources=[self._run_source(source, remaining_ms) for source in sources])

    def _seconds_left(self, remaining_ms: Callable[[], int]) -> float:
        return remaining_ms() / 1000 - self._margin

    def _run_source(self, source: PollSource, remaining_ms: Callable[[], int]) -> SourceRun:
        cursor = self._cursors.get(source.key)
        pages = accepted = duplicates = 0
        outcome, detail = "caught up", ""
        while True:
            left = self._seconds_left(remaining_ms)
            if left <= 0:
                outcome = "deadline"
                break
            try:
                page = source.fetch(cursor, deadline=self._timer() + left)
            except PlatformError as error:
                outcome, detail = "platform error", str(error)
                break
            except (KeyError, TypeError, ValueError) as error:
                # The platform answered something we cannot read (a changed API): stop this
                # source with its cursor kept, so nothing is skipped once the parser is fixed.
                outcome, detail = "bad payload", f"{type(error).__name__}: {error}"
                break
            pages += 1
            received_at = self._clock()
            for mention in page.mentions:
                if self._mentions.put_if_new(mention, received_at):
                    accepted += 1
                else:
                    duplicates += 1
            if page.cursor is not None and page.cursor != cursor:
                try:
                    self._cursors.put(source.key, page.cursor, previous=cursor)
                except CursorConflictError as error:
                    outcome, detail = "cursor conflict", str(error)
                    break
                cursor = page.cursor
            if page.done:
                break
        return SourceRun(
            source=source.key,
            pages=pages,
            accepted=accepted,
            duplicates=duplicates,
            outcome=outcome,
            detail=detail,
        )


# ------------------------------------------------------------------------------ composition

SOURCE_NAMES = (
    "reddit_search",
    "reddit_mentions",
    "mastodon_mentions",
    "mastodon_hashtag",
    "bluesky_search",
    "bluesky_mentions",
    "x_search",
)

HttpFactory = Callable[[str, dict[str, str]], JsonHttpClient]


def default_http(base_url: str, headers: dict[str, str]) -> JsonHttpClient:
    """A platform client with the standard retries and the real clock."""
    return JsonHttpClient(base_url, headers=headers)


def _need(credentials: PlatformCredentials, *names: str) -> list[str]:
    values = [getattr(credentials, name) for name in names]
    missing = [name for name, value in zip(names, values, strict=True) if not value]
    if missing:
        raise ConfigurationError(f"PlatformCredentials lacks {', '.join(missing)}")
    return [str(value) for value in values]


def build_sources(
    settings: PollerSettings, credentials: PlatformCredentials, http: HttpFactory = default_http
) -> tuple[list[PollSource], dict[str, str]]:
    """The configured sources, and for each one that cannot run, why (unknown name, missing
    credentials). One HTTP client (and one login) per platform is shared by its sources."""
    sources: list[PollSource] = []
    skipped: dict[str, str] = {}
    cache: dict[str, object] = {}

    def reddit() -> tuple[JsonHttpClient, RedditAuth]:
        if "reddit" not in cache:
            client_id, secret, user, password = _need(
                credentials,
                "reddit_client_id",
                "reddit_client_secret",
                "reddit_username",
                "reddit_password",
            )
            agent = {"User-Agent": settings.reddit_user_agent}
            auth = RedditAuth(
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
                sources.append(XSearchSource(client, f"{settings.poll_query} -is:retweet"))
            else:
                skipped[name] = f"unknown source (known: {', '.join(SOURCE_NAMES)})"
        except ConfigurationError as error:
            skipped[name] = str(error)
    return sources, skipped
