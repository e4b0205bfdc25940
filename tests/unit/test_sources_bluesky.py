"""Bluesky searchPosts and notifications against the fake: parsing, backward walks, watermark."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from crowdcare.adapters.platforms.inbound.sources import WalkState
from crowdcare.adapters.platforms.inbound.sources.bluesky import (
    BlueskySession,
    bluesky_mentions,
    bluesky_search,
)
from crowdcare_local.fake_platforms import feeds
from crowdcare_local.fake_platforms.server import FakePlatformServer

from tests.events import load_event
from tests.fake_feeds import client, fake_platforms


@pytest.fixture
def server() -> Iterator[FakePlatformServer]:
    """The fake platforms on loopback."""
    with fake_platforms() as fake:
        yield fake


def _post(n: int, at: str) -> dict[str, object]:
    return feeds.bluesky_post("did:plc:u", "u.bsky.social", f"r{n}", f"brightwave {n}", at)


def _drain(source: object, cursor: str | None) -> tuple[list[str], str | None]:
    seen: list[str] = []
    for _ in range(20):
        page = source.fetch(cursor, deadline=None)  # type: ignore[attr-defined]
        seen += [m.post_id.rsplit("/", 1)[-1] for m in page.mentions]
        cursor = page.cursor
        if page.done:
            break
    return seen, cursor


def test_search_posts_become_mentions(server: FakePlatformServer) -> None:
    """The documented searchPosts answer becomes mentions with at:// ids, bsky.app links,
    language and parent."""
    # GIVEN the sample posts on the fake
    for post in load_event("bluesky_search_posts")["posts"]:
        feeds.add(server, "bluesky_posts", post)
    # WHEN the first run fetches
    page = bluesky_search(client(server, "/bluesky"), "brightwave").fetch(None, deadline=None)
    # THEN three mentions, newest first; the watermark is the newest indexedAt
    uris = [m.post_id for m in page.mentions]
    assert uris[0] == "at://did:plc:4xq2b7rmzyw3d5k6n8p0c1ab/app.bsky.feed.post/3lkd7ux2cq22z"
    assert len(uris) == 3
    assert page.done
    assert WalkState.load(page.cursor).mark == "2025-03-14T12:41:10.118Z"
    first, reply, plain = page.mentions
    assert first.url == "https://bsky.app/profile/maya.bsky.social/post/3lkd7ux2cq22z"
    assert first.author.id == "did:plc:4xq2b7rmzyw3d5k6n8p0c1ab"
    assert reply.lang_hint == "fr"
    assert reply.parent_id is not None and reply.parent_id.endswith("/3lkd2zz1aa22b")
    assert plain.lang_hint is None


def test_search_walks_back_to_the_watermark(server: FakePlatformServer) -> None:
    """After the first run, new posts are read over several pages down to the watermark:
    each once, and the watermark moves to the newest only when the walk ends."""
    # GIVEN a first run over two posts
    feeds.add(server, "bluesky_posts", _post(1, "2025-03-14T10:00:00.000Z"))
    feeds.add(server, "bluesky_posts", _post(2, "2025-03-14T10:01:00.000Z"))
    source = bluesky_search(client(server, "/bluesky"), "brightwave")
    source.limit = 2
    first, cursor = _drain(source, None)
    # AND five newer posts, one at the same instant as the watermark
    feeds.add(server, "bluesky_posts", _post(3, "2025-03-14T10:01:00.000Z"))
    for n in range(4, 8):
        feeds.add(server, "bluesky_posts", _post(n, f"2025-03-14T10:0{n}:00.000Z"))
    # WHEN the next run walks
    second, cursor = _drain(source, cursor)
    # THEN the first read the newest page, the second every new post once
    assert sorted(first) == ["r1", "r2"]
    assert sorted(second) == ["r3", "r4", "r5", "r6", "r7"]
    assert WalkState.load(cursor).mark == "2025-03-14T10:07:00.000Z"
    # AND a third run finds nothing
    assert _drain(source, cursor)[0] == []


def test_interrupted_walk_resumes_from_its_page(server: FakePlatformServer) -> None:
    """A walk stopped after one page resumes from the saved page, keeping the old watermark."""
    # GIVEN a watermark and three newer posts, two per page
    source = bluesky_search(client(server, "/bluesky"), "brightwave")
    source.limit = 2
    for n in range(1, 5):
        feeds.add(server, "bluesky_posts", _post(n, f"2025-03-14T10:0{n}:00.000Z"))
    cursor = WalkState(
        mark="2025-03-14T10:01:00.000Z", seen=["at://did:plc:u/app.bsky.feed.post/r1"]
    ).dump()
    # WHEN one page is read and the run stops
    page = source.fetch(cursor, deadline=None)
    saved = WalkState.load(page.cursor)
    # THEN the cursor still has the old watermark and where to go on
    assert not page.done
    assert saved.mark == "2025-03-14T10:01:00.000Z"
    assert saved.page is not None
    # AND the next run finishes the walk without repeats
    rest, _ = _drain(source, page.cursor)
    assert sorted([m.post_id[-2:] for m in page.mentions] + rest) == ["r2", "r3", "r4"]


def test_notifications_keep_mentions_replies_quotes_with_a_session(
    server: FakePlatformServer,
) -> None:
    """listNotifications is called with the session token; likes and follows are dropped."""
    # GIVEN a mention, a reply and a like in the brand's notifications
    post = _post(1, "2025-03-14T10:00:00.000Z")
    feeds.add(server, "bluesky_notifications", feeds.bluesky_notification(post, "mention"))
    feeds.add(
        server,
        "bluesky_notifications",
        feeds.bluesky_notification(_post(2, "2025-03-14T10:02:00.000Z"), "reply"),
    )
    feeds.add(
        server,
        "bluesky_notifications",
        feeds.bluesky_notification(_post(3, "2025-03-14T10:03:00.000Z"), "like"),
    )
    http = client(server, "/bluesky")
    source = bluesky_mentions(http, BlueskySession(http, "brightwave.bsky.social", "app-pass"))
    # WHEN fetched
    page = source.fetch(None, deadline=None)
    # THEN the mention and the reply are mentions, the like is not
    assert sorted(m.post_id[-2:] for m in page.mentions) == ["r1", "r2"]
    assert "/bluesky/xrpc/com.atproto.server.createSession" in [c.path for c in server.calls]
    assert json.loads(page.mentions[0].raw)["reason"] in {"mention", "reply"}
