"""Public replies in the local run: the fake platforms answer, the real functions post.

Use, with the fake platform server started before the stack:

    server = FakePlatformServer().start()
    stack = LocalStack(parameters={**reply_parameters(server), ...}).start()
    configure_reply_adapters(stack, server)
    ...replay mentions...
    summary = post_sample_replies(stack, server)

`reply_parameters` points every platform base URL parameter (shared with the poller) at the
fake; `configure_reply_adapters` registers the fake reply and metrics endpoints and writes fake
reply credentials into the PlatformCredentials secret; `post_sample_replies` answers a few
stored mentions per platform through ReplyService, the ReplyQueue and ReplyPosterFunction (one
platform answers 503 a few times and is retried, one keeps failing and is parked), then runs
ReachTrackerFunction once and returns what happened.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from crowdcare.adapters.dynamodb.repositories import MentionRepository
from crowdcare.config.clients import AwsClients
from crowdcare.config.reply_wiring import ReplyServiceSettings, build_reply_service
from crowdcare.config.settings import AwsSettings
from crowdcare.domain.models import Platform
from crowdcare.services.replies import ReplyRecord, ReplyRepository, ReplyRequest, ReplyStatus

from crowdcare_local.fake_platforms import outbound
from crowdcare_local.template import REGION

if TYPE_CHECKING:
    from crowdcare_local.fake_platforms.server import FakePlatformServer
    from crowdcare_local.stack import LocalStack

REPLY_PLATFORMS = (
    Platform.X,
    Platform.FACEBOOK,
    Platform.INSTAGRAM,
    Platform.REDDIT,
    Platform.MASTODON,
    Platform.BLUESKY,
)

# Fake values only: the fake server checks that a credential is sent, not what it is.
FAKE_REPLY_CREDENTIALS = {
    "x_user_access_token": "local-x-user-token",
    "facebook_page_access_token": "local-facebook-page-token",
    "instagram_access_token": "local-instagram-token",
    "reddit_client_id": "local-reddit-app",
    "reddit_client_secret": "local-reddit-secret",
    "reddit_username": "brightwavehelp",
    "reddit_password": "local-reddit-password",
    "mastodon_access_token": "local-mastodon-token",
    "bluesky_handle": outbound.BRAND_BLUESKY_HANDLE,
    "bluesky_app_password": "local-bluesky-app-password",
}

_PARAMETER_FOR_PLATFORM = {
    "XApiBaseUrl": "x",
    "FacebookGraphBaseUrl": "facebook",
    "InstagramGraphBaseUrl": "instagram",
    "RedditBaseUrl": "reddit",
    "RedditAuthUrl": "reddit_auth",
    "MastodonBaseUrl": "mastodon",
    "BlueskyBaseUrl": "bluesky",
}
_VARIABLE_FOR_PARAMETER = {
    "XApiBaseUrl": "X_API_BASE_URL",
    "FacebookGraphBaseUrl": "FACEBOOK_GRAPH_BASE_URL",
    "InstagramGraphBaseUrl": "INSTAGRAM_GRAPH_BASE_URL",
    "RedditBaseUrl": "REDDIT_BASE_URL",
    "RedditAuthUrl": "REDDIT_AUTH_URL",
    "MastodonBaseUrl": "MASTODON_BASE_URL",
    "BlueskyBaseUrl": "BLUESKY_BASE_URL",
}


def reply_parameters(server: FakePlatformServer) -> dict[str, str]:
    """Template parameters pointing every platform API at the fake server."""
    urls = outbound.base_urls(server)
    return {parameter: urls[key] for parameter, key in _PARAMETER_FOR_PLATFORM.items()}


def configure_reply_adapters(stack: LocalStack, server: FakePlatformServer) -> dict[str, str]:
    """Make the stack's reply functions post to the fake server; returns the base URLs.

    Registers the fake reply/metrics routes, merges fake reply credentials into the
    PlatformCredentials secret (the poller's keys are kept), and sets the base URL variables
    in this process for a stack started without `reply_parameters` (effective as long as no
    reply has been posted yet: functions read their settings on first use).
    """
    outbound.register(server)
    secret_id = stack.ref("PlatformCredentials")
    current = stack.secret_values("PlatformCredentials")
    # The poller's placeholders and values stay; only empty or missing reply keys are filled.
    merged = {**current, **{k: v for k, v in FAKE_REPLY_CREDENTIALS.items() if not current.get(k)}}
    stack.client("secretsmanager").put_secret_value(
        SecretId=secret_id, SecretString=json.dumps(merged)
    )
    parameters = reply_parameters(server)
    os.environ.update({_VARIABLE_FOR_PARAMETER[p]: url for p, url in parameters.items()})
    return parameters


@dataclass(frozen=True)
class ReplyDemoSummary:
    """What `post_sample_replies` did, for the demo's printout."""

    submitted: int
    posted: dict[str, int]
    parked: list[tuple[str, str]]  # (platform, error)
    retried: int
    reach: dict[str, int]
    urls: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The summary as the demo prints it."""
        posted = ", ".join(f"{p} {n}" for p, n in sorted(self.posted.items())) or "none"
        reach = ", ".join(f"{k} {v}" for k, v in self.reach.items())
        lines = [
            f"Replies     {self.submitted} submitted → posted {sum(self.posted.values())}"
            f" ({posted}), parked {len(self.parked)}, retried deliveries {self.retried}",
            f"Reach       {reach}",
        ]
        lines += [f"                parked on {p}: {error}" for p, error in self.parked[:3]]
        lines += [f"                {url}" for url in self.urls[:3]]
        return lines


def _clients(stack: LocalStack) -> AwsClients:
    return AwsClients(AwsSettings(aws_region=REGION, aws_endpoint_url=stack.endpoint_url))


def post_sample_replies(
    stack: LocalStack,
    server: FakePlatformServer,
    *,
    per_platform: int = 2,
    flaky_platform: Platform | None = Platform.MASTODON,
    failing_platform: Platform | None = Platform.FACEBOOK,
    responder_id: str = "adv.demo",
    timeout: float = 120.0,
) -> ReplyDemoSummary:
    """Answer up to `per_platform` stored mentions of each platform, and read their reach.

    `flaky_platform` answers 503 for one delivery's worth of attempts (then the redelivery
    posts); `failing_platform` answers 500 until its replies are parked.
    """
    clients = _clients(stack)
    mentions = MentionRepository(clients.dynamodb, stack.ref("MentionsTable"))
    replies = ReplyRepository(clients.dynamodb, stack.ref("RepliesTable"))
    service = build_reply_service(
        ReplyServiceSettings(
            mentions_table=stack.ref("MentionsTable"),
            replies_table=stack.ref("RepliesTable"),
            reply_queue_url=stack.ref("ReplyQueue"),
        ),
        clients,
    )
    chosen: dict[Platform, list[str]] = {p: [] for p in REPLY_PLATFORMS}
    for stored in sorted(mentions.scan(), key=lambda s: s.mention.mention_id):
        picked = chosen.get(stored.mention.platform)
        if picked is not None and len(picked) < per_platform:
            picked.append(stored.mention.mention_id)
    attempts = int(os.environ.get("PLATFORM_MAX_ATTEMPTS", "3"))
    max_receives = int(os.environ.get("REPLY_MAX_RECEIVE_COUNT", "5"))
    if flaky_platform is not None and chosen[flaky_platform]:
        server.inject_faults(f"/{flaky_platform.value}/", [503] * attempts)
    if failing_platform is not None and chosen[failing_platform]:
        count = attempts * max_receives * len(chosen[failing_platform])
        server.inject_faults(f"/{failing_platform.value}/", [500] * count)
    now = datetime.now(UTC)
    for platform, mention_ids in chosen.items():
        for mention_id in mention_ids:
            service.submit(
                ReplyRequest(
                    mention_id=mention_id,
                    responder_id=responder_id,
                    text=f"Thanks for reaching out! We're looking into it ({platform.value}).",
                    requested_at=now,
                )
            )
    # Assignments waiting for a responder stay open; only the replies need to be done.
    stack.settle(timeout=timeout, until_done=False)
    records: list[ReplyRecord] = [
        record for ids in chosen.values() for mid in ids for record in replies.for_mention(mid)
    ]
    for index, record in enumerate(r for r in records if r.posted is not None):
        assert record.posted is not None
        outbound.set_reach(
            server,
            record.platform.value,
            record.posted.post_id,
            likes=3 + index % 5,
            reposts=index % 3 if record.platform not in _NO_REPOSTS else 0,
            replies=index % 2 if record.platform is not Platform.REDDIT else 0,
        )
    stack.run_scheduled("ReachTrackerFunction")
    return _summarise(replies, records)


_NO_REPOSTS = frozenset({Platform.FACEBOOK, Platform.INSTAGRAM, Platform.REDDIT})


def _summarise(replies: ReplyRepository, records: list[ReplyRecord]) -> ReplyDemoSummary:
    fresh = [replies.get(r.reply_id) or r for r in records]
    posted = Counter(r.platform.value for r in fresh if r.status is ReplyStatus.POSTED)
    parked = [
        (r.platform.value, r.last_error or "") for r in fresh if r.status is ReplyStatus.FAILED
    ]
    reach: dict[str, Any] = {"likes": 0, "reposts": 0, "replies": 0}
    for record in fresh:
        if record.reach is not None:
            reach["likes"] += record.reach.likes
            reach["reposts"] += record.reach.reposts
            reach["replies"] += record.reach.replies
    return ReplyDemoSummary(
        submitted=len(fresh),
        posted=dict(posted),
        parked=parked,
        retried=sum(max(r.attempts - 1, 0) for r in fresh if r.status is ReplyStatus.POSTED),
        reach=reach,
        urls=[r.posted.url for r in fresh if r.posted is not None and r.posted.url],
    )
