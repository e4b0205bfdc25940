"""X recent search against the fake: v2 parsing with expansions, since_id/next_token walks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from crowdcare.adapters.platforms.inbound.sources import WalkState
from crowdcare.adapters.platforms.inbound.sources.x_search import XSearchSource
from crowdcare_local.fake_platforms import feeds
from crowdcare_local.fake_platforms.server import FakePlatformServer

from tests.events import load_event
from tests.fake_feeds import client, fake_platforms


@pytest.fixture
def server() -> Iterator[FakePlatformServer]:
    """The fake platforms on loopback."""
    with fake_platforms() as fake:
        yield fake


USER = feeds.x_user("42", "someone", "Some One", 10)


def _tweet(n: int) -> dict[str, object]:
    return feeds.x_tweet(
        str(1_900_000_000_000_000_000 + n), USER, f"brightwave {n}", "2025-03-14T10:00:00.000Z"
    )


def _drain(source: XSearchSource, cursor: str | None) -> tuple[list[int], str | None]:
    seen: list[int] = []
    for _ in range(20):
        page = source.fetch(cursor, deadline=None)
        seen += [int(m.post_id) - 1_900_000_000_000_000_000 for m in page.mentions]
        cursor = page.cursor
        if page.done:
            break
    return seen, cursor


def test_recent_search_becomes_mentions(server: FakePlatformServer) -> None:
    """The documented recent-search answer becomes mentions with authors from includes."""
    # GIVEN the sample tweets and users on the fake
    sample = load_event("x_recent_search")
    users = {u["id"]: u for u in sample["includes"]["users"]}
    for tweet in reversed(sample["data"]):
        feeds.add_x_tweet(server, tweet, users[tweet["author_id"]])
    # WHEN the first run fetches
    page = XSearchSource(client(server, "/x"), "brightwave -is:retweet").fetch(None, deadline=None)
    # THEN three mentions; the watermark is the newest id
    assert [m.post_id for m in page.mentions] == [t["id"] for t in sample["data"]]
    assert page.done
    assert WalkState.load(page.cursor).mark == "1900512874402828711"
    first, verified, reply = page.mentions
    assert first.url == "https://x.com/priya_r_home/status/1900512874402828711"
    assert first.created_at == datetime(2025, 3, 14, 13, 5, 11, tzinfo=UTC)
    assert (verified.author.verified, verified.author.followers) == (True, 48210)
    assert reply.parent_id == "1900480000000000001"
    assert reply.lang_hint == "es"


def test_walks_back_to_since_id_over_pages(server: FakePlatformServer) -> None:
    """New tweets are read page by page down to the previous newest id, each once."""
    # GIVEN a first run over two tweets, then seven newer ones, three per page
    for n in range(2):
        feeds.add_x_tweet(server, _tweet(n), USER)
    source = XSearchSource(client(server, "/x"), "brightwave", max_results=3)
    first, cursor = _drain(source, None)
    for n in range(2, 9):
        feeds.add_x_tweet(server, _tweet(n), USER)
    # WHEN the next run walks
    second, cursor = _drain(source, cursor)
    # THEN every new tweet once, and the watermark is the newest
    assert sorted(first) == [0, 1]
    assert sorted(second) == [2, 3, 4, 5, 6, 7, 8]
    assert WalkState.load(cursor).mark == str(1_900_000_000_000_000_008)
    assert _drain(source, cursor)[0] == []
