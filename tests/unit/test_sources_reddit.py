"""Reddit search and mentions against the fake Reddit: parsing, upward paging, cursors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from crowdcare.adapters.platforms.inbound.sources.reddit import (
    RedditAuth,
    RedditSource,
    reddit_mentions,
    reddit_search,
)
from crowdcare.domain.models import Platform
from crowdcare_local.fake_platforms import feeds
from crowdcare_local.fake_platforms.server import FakePlatformServer

from tests.events import load_event
from tests.fake_feeds import client, fake_platforms


@pytest.fixture
def server() -> Iterator[FakePlatformServer]:
    """The fake platforms on loopback."""
    with fake_platforms() as fake:
        yield fake


def _auth(server: FakePlatformServer) -> RedditAuth:
    return RedditAuth(client(server, "/reddit"), "cid", "csecret", "brightwave_care", "pw")


def _search(server: FakePlatformServer, limit: int = 100) -> RedditSource:
    source = reddit_search(client(server, "/reddit"), _auth(server), "brightwave")
    source.limit = limit
    return source


def test_search_listing_becomes_mentions(server: FakePlatformServer) -> None:
    """The documented search listing becomes three Reddit mentions, newest first, and the
    cursor is the newest fullname."""
    # GIVEN the fake serving the sample listing's posts
    for child in reversed(load_event("reddit_search")["data"]["children"]):
        feeds.add(server, "reddit_search", child)
    # WHEN the first run fetches
    page = _search(server).fetch(None, deadline=None)
    # THEN every post is a mention, the cursor is the newest, and the first run is done
    assert [m.post_id for m in page.mentions] == ["t3_1jb9x3c", "t3_1jb7k2p", "t3_1jb5q0w"]
    assert (page.cursor, page.done) == ("t3_1jb9x3c", True)
    first = page.mentions[0]
    assert first.platform is Platform.REDDIT
    assert first.author.handle == "nightowl_networks"
    assert first.author.id == "t2_8kq1zv3m"
    assert first.text.startswith("Brightwave Mesh nodes dropping every night after update\n\n")
    assert first.url.startswith("https://www.reddit.com/r/smarthome/comments/1jb9x3c/")
    assert first.created_at == datetime.fromtimestamp(1741950123, UTC)
    assert page.mentions[1].text == (
        "Brightwave Thermo vs the competition: six months in, it paid for itself"
    )


def test_walks_upwards_from_the_cursor_without_gaps(server: FakePlatformServer) -> None:
    """From a cursor, pages come in order just above it until the top: nothing skipped,
    nothing twice."""
    # GIVEN seven posts and a cursor at the second
    for n in range(7):
        feeds.add(
            server,
            "reddit_search",
            feeds.reddit_post(
                f"p{n}", "u", f"brightwave {n}", "", created_utc=1.7e9 + n, subreddit="s"
            ),
        )
    source = _search(server, limit=2)
    cursor: str | None = "t3_p1"
    seen: list[str] = []
    # WHEN pages are fetched until the source is done
    for _ in range(10):
        page = source.fetch(cursor, deadline=None)
        seen += [m.post_id for m in page.mentions]
        cursor = page.cursor
        if page.done:
            break
    # THEN exactly the five newer posts were read, and the cursor is the newest
    assert sorted(seen) == ["t3_p2", "t3_p3", "t3_p4", "t3_p5", "t3_p6"]
    assert cursor == "t3_p6"


def test_nothing_new_keeps_the_cursor(server: FakePlatformServer) -> None:
    """When nothing is newer than the cursor, the page is empty and the cursor unchanged."""
    # GIVEN one post, already read
    feeds.add(
        server,
        "reddit_search",
        feeds.reddit_post("a1", "u", "brightwave", "", created_utc=1.7e9, subreddit="s"),
    )
    # WHEN fetched from its cursor / THEN nothing and the same cursor
    page = _search(server).fetch("t3_a1", deadline=None)
    assert (page.mentions, page.cursor, page.done) == ([], "t3_a1", True)


def test_username_mentions_are_comments_with_parent_and_context(
    server: FakePlatformServer,
) -> None:
    """A /message/mentions item becomes a mention with its parent and context link."""
    # GIVEN a username mention in the brand's inbox
    feeds.add(
        server,
        "reddit_mentions",
        feeds.reddit_comment_mention(
            "kx1",
            "sunny_side",
            "u/brightwave_care my Thermo lost its schedule again",
            created_utc=1741950000,
            parent="t3_1jb9x3c",
            subreddit="smarthome",
        ),
    )
    # WHEN the mentions source fetches
    page = reddit_mentions(client(server, "/reddit"), _auth(server)).fetch(None, deadline=None)
    # THEN it is a comment mention pointing at its post
    (mention,) = page.mentions
    assert mention.post_id == "t1_kx1"
    assert mention.parent_id == "t3_1jb9x3c"
    assert mention.url == "https://www.reddit.com/r/smarthome/comments/1jb9x3c/_/kx1/?context=3"


def test_token_is_fetched_once_per_run(server: FakePlatformServer) -> None:
    """The password grant is called once, then its bearer token is reused."""
    # GIVEN a source / WHEN it fetches twice
    source = _search(server)
    source.fetch(None, deadline=None)
    source.fetch(None, deadline=None)
    # THEN one token request was made
    assert [c.path for c in server.calls].count("/reddit/api/v1/access_token") == 1
