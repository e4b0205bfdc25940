"""Mastodon mentions and hashtag timeline against the fake instance: HTML, min_id paging."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from crowdcare.adapters.platforms.inbound.sources.mastodon import (
    mastodon_hashtag,
    mastodon_mentions,
    strip_html,
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


def test_strip_html_keeps_visible_text_and_breaks() -> None:
    """Tags go, entities are decoded, <br> and paragraphs become newlines, hidden link
    parts are dropped."""
    # GIVEN typical status HTML / WHEN stripped / THEN readable text
    html = (
        '<p>Hi &amp; thanks<br />see <a href="https://x.org/a"><span class="invisible">'
        'https://</span><span class="">x.org/a</span></a></p><p>Bye</p>'
    )
    assert strip_html(html) == "Hi & thanks\nsee x.org/a\n\nBye"


def test_mention_notifications_become_mentions(server: FakePlatformServer) -> None:
    """The documented notifications become mentions with plain text, language and parent."""
    # GIVEN the sample notifications on the fake instance
    # The API answers a bare JSON array; load_event is typed for the usual object.
    notifications = cast("list[dict[str, Any]]", load_event("mastodon_notifications"))
    for notification in notifications:
        feeds.add(server, "mastodon_notifications", notification)
    # WHEN the first run fetches
    page = mastodon_mentions(client(server, "/mastodon")).fetch(None, deadline=None)
    # THEN both are mentions, newest first, each keyed by where it was published (canonical
    # across paths); the cursor is the newest notification id
    assert [m.post_id for m in page.mentions] == [
        "chaos.social:114158415830012734",
        "fosstodon.org:114158347201938472",
    ]
    assert (page.cursor, page.done) == ("34975902", True)
    reply, first = page.mentions
    assert first.text == (
        '@brightwave the Thermo app says "offline" but the thermostat itself is fine & heating.'
        "\nIs there a status page? status.example.com/brightwave"
    )
    assert first.author.handle == "ruth@fosstodon.org"
    assert first.author.followers == 812
    assert first.lang_hint == "en"
    assert first.created_at == datetime(2025, 3, 14, 11, 2, 40, 512000, tzinfo=UTC)
    assert reply.parent_id == "114158347201938472"
    assert reply.lang_hint == "de"


def test_hashtag_timeline_walks_upwards_with_min_id(server: FakePlatformServer) -> None:
    """From a cursor, min_id pages read every newer tagged status once, in order."""
    # GIVEN six tagged statuses and one untagged
    account = feeds.mastodon_account("1", "ana@mastodon.social", "Ana", 10)
    for n in range(6):
        feeds.add(
            server,
            "mastodon_statuses",
            feeds.mastodon_status(
                str(100 + n),
                account,
                f"<p>#Brightwave {n}</p>",
                "2025-03-14T10:00:00.000Z",
                tags=("brightwave",),
            ),
        )
    feeds.add(
        server,
        "mastodon_statuses",
        feeds.mastodon_status("200", account, "<p>other</p>", "2025-03-14T10:00:00.000Z"),
    )
    source = mastodon_hashtag(client(server, "/mastodon"), "#Brightwave")
    source.limit = 2
    cursor: str | None = "101"
    seen: list[str] = []
    # WHEN pages are fetched until done
    for _ in range(10):
        page = source.fetch(cursor, deadline=None)
        seen += [m.post_id for m in page.mentions]
        cursor = page.cursor
        if page.done:
            break
    # THEN the four newer tagged statuses, each once; the cursor is the newest
    assert sorted(seen) == [f"mastodon.social:{n}" for n in (102, 103, 104, 105)]
    assert cursor == "105"
    assert source.key == "mastodon:tag:brightwave"
