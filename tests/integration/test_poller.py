"""The Poller on moto with the fake platforms: cursors across runs, back-off, deadlines."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from crowdcare.adapters.dynamodb.cursors import CursorRepository
from crowdcare.adapters.dynamodb.repositories import MentionRepository
from crowdcare.adapters.platforms.inbound.sources.reddit import RedditAuth, reddit_search
from crowdcare.adapters.platforms.inbound.sources.x_search import XSearchSource
from crowdcare.services.polling import Poller
from crowdcare_local.fake_platforms import feeds
from crowdcare_local.fake_platforms.server import FakePlatformServer

from tests.fake_feeds import client, fake_platforms
from tests.integration.conftest import CoreAws, create_cursors_table

NOW = datetime(2025, 3, 14, 14, 0, tzinfo=UTC)
USER = feeds.x_user("42", "someone", "Some One", 10)
BASE_ID = 1_900_000_000_000_000_000


@dataclass
class Rig:
    """The fake platforms, moto tables and a poller over them."""

    server: FakePlatformServer
    aws: CoreAws
    cursors: CursorRepository
    poller: Poller
    sleeps: list[float]

    def stored(self) -> list[str]:
        items = self.aws.dynamodb.scan(TableName=self.aws.mentions_table)["Items"]
        return sorted(item["mention_id"]["S"] for item in items)

    def x_source(self, max_results: int = 3) -> XSearchSource:
        return XSearchSource(
            client(self.server, "/x", self.sleeps), "brightwave", max_results=max_results
        )


@pytest.fixture
def rig(core_aws: CoreAws) -> Iterator[Rig]:
    """Everything a poller test needs, with sleeps recorded rather than slept."""
    create_cursors_table(core_aws.dynamodb)
    cursors = CursorRepository(core_aws.dynamodb, "crowdcare-test-cursors", clock=lambda: NOW)
    poller = Poller(
        MentionRepository(core_aws.dynamodb, core_aws.mentions_table),
        cursors,
        clock=lambda: NOW,
        timer=time.time,
        safety_margin_seconds=10,
    )
    with fake_platforms() as server:
        yield Rig(server, core_aws, cursors, poller, [])


def _tweets(rig: Rig, numbers: range) -> None:
    for n in numbers:
        tweet = feeds.x_tweet(str(BASE_ID + n), USER, f"brightwave {n}", "2025-03-14T10:00:00.000Z")
        feeds.add_x_tweet(rig.server, tweet, USER)


def _plenty() -> int:
    return 60_000


def test_second_run_reads_nothing_twice_and_skips_nothing(rig: Rig) -> None:
    """Run 1 stores the newest page; run 2 stores exactly the posts added since, in pages."""
    # GIVEN two tweets and a first run
    _tweets(rig, range(2))
    first = rig.poller.run([rig.x_source()], _plenty)
    # AND seven more tweets
    _tweets(rig, range(2, 9))
    # WHEN the scheduled run comes again
    second = rig.poller.run([rig.x_source()], _plenty)
    # THEN the second run stored the seven new ones, with no duplicates, over several pages
    assert (first.accepted, second.accepted) == (2, 7)
    assert second.sources[0].duplicates == 0
    assert second.sources[0].pages == 3
    assert second.sources[0].outcome == "caught up"
    assert len(rig.stored()) == 9


def test_rate_limit_is_waited_out_then_read(rig: Rig) -> None:
    """A 429 with Retry-After and x-rate-limit-reset is slept out (injected sleep), then read."""
    # GIVEN tweets and a rate-limited first call
    _tweets(rig, range(3))
    rig.server.inject_faults("/x/", [429])
    # WHEN the poller runs
    report = rig.poller.run([rig.x_source()], _plenty)
    # THEN it waited at least the second the platform asked for, and stored everything
    assert rig.sleeps and rig.sleeps[0] >= 1.0
    assert report.accepted == 3
    assert [c.status for c in rig.server.calls if c.path.startswith("/x/")][:2] == [429, 200]


def test_persistent_5xx_stops_that_source_keeps_its_cursor_and_others_run(rig: Rig) -> None:
    """After retries, a failing platform stops its source with the cursor unchanged; the
    other source still runs; the next run catches up."""
    # GIVEN a first run, then new tweets and Reddit posts, and X failing every attempt
    _tweets(rig, range(2))
    rig.poller.run([rig.x_source()], _plenty)
    cursor_before = rig.cursors.get("x:search")
    _tweets(rig, range(2, 5))
    feeds.add(
        rig.server,
        "reddit_search",
        feeds.reddit_post("r1", "u", "brightwave r", "", created_utc=1.7e9, subreddit="s"),
    )
    rig.server.inject_faults("/x/", [503, 503, 503, 503])
    reddit = reddit_search(
        client(rig.server, "/reddit"),
        RedditAuth(client(rig.server, "/reddit"), "id", "secret", "user", "pw"),
        "brightwave",
    )
    # WHEN the poller runs both
    report = rig.poller.run([rig.x_source(), reddit], _plenty)
    # THEN X stopped with a platform error and its cursor kept; Reddit was read
    outcomes = {run.source: run.outcome for run in report.sources}
    assert outcomes == {"x:search": "platform error", "reddit:search": "caught up"}
    assert rig.cursors.get("x:search") == cursor_before
    assert "reddit#t3_r1" in rig.stored()
    # AND the next run stores the three tweets it missed
    assert rig.poller.run([rig.x_source()], _plenty).accepted == 3


def test_deadline_stops_between_pages_and_the_next_run_resumes(rig: Rig) -> None:
    """When the Lambda's remaining time runs short the run stops after a page; the next run
    resumes the walk and every tweet is stored exactly once."""
    # GIVEN a first run, then eight new tweets (three pages of three)
    _tweets(rig, range(1))
    rig.poller.run([rig.x_source()], _plenty)
    _tweets(rig, range(1, 9))
    # AND a Lambda with 20 s left before the first page and 9 s (under the 10 s margin) after
    remaining = iter([20_000, 9_000])
    # WHEN it runs
    first = rig.poller.run([rig.x_source()], lambda: next(remaining))
    # THEN it stopped on the deadline after one page, mid-walk
    assert (first.sources[0].outcome, first.sources[0].pages) == ("deadline", 1)
    assert json.loads(rig.cursors.get("x:search") or "{}").get("page")
    # AND the next run finishes the walk: nine tweets in all, none twice
    second = rig.poller.run([rig.x_source()], _plenty)
    assert second.sources[0].duplicates == 0
    assert len(rig.stored()) == 9


def test_poller_handler_reads_sources_from_settings_and_secret(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """functions/poller/app.py builds the configured sources from env vars and the
    PlatformCredentials secret and stores what they find."""
    # GIVEN the poller's environment pointing at the fake platforms and a credentials secret
    import boto3

    secret = {"x_bearer_token": "fake-token", "mastodon_access_token": "", "reddit_client_id": ""}
    boto3.client("secretsmanager", region_name="us-east-1").create_secret(
        Name="crowdcare/test/platforms", SecretString=json.dumps(secret)
    )
    env = {
        "MENTIONS_TABLE": rig.aws.mentions_table,
        "CURSORS_TABLE": "crowdcare-test-cursors",
        "PLATFORM_CREDENTIALS_NAME": "crowdcare/test/platforms",
        "POLL_SOURCES": "x_search,mastodon_hashtag,reddit_search",
        "POWERTOOLS_METRICS_NAMESPACE": "CrowdCare",
        **feeds.base_urls(rig.server),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    _tweets(rig, range(2))
    from functions.poller import app as poller_app

    for accessor in (poller_app.settings, poller_app.poller, poller_app.secrets_provider):
        accessor.cache_clear()
    from crowdcare.config.clients import default_clients

    default_clients.cache_clear()

    class Context:
        function_name = "poller"
        memory_limit_in_mb = 256
        invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:poller"
        aws_request_id = "req-1"

        @staticmethod
        def get_remaining_time_in_millis() -> int:
            return 60_000

    # WHEN the scheduled event arrives
    result: dict[str, Any] = poller_app.lambda_handler({"source": "aws.events"}, Context())
    # THEN X and the Mastodon hashtag ran, Reddit was skipped for want of credentials
    assert [s["source"] for s in result["sources"]] == ["x:search", "mastodon:tag:brightwave"]
    assert "reddit_client_id" in result["skipped"]["reddit_search"]
    assert len(rig.stored()) == 2
    for accessor in (poller_app.settings, poller_app.poller, poller_app.secrets_provider):
        accessor.cache_clear()
    default_clients.cache_clear()
