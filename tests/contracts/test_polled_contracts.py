"""Reddit, Mastodon and Bluesky contracts: listings, notifications and post views become the
mentions their contract files pin down; one bad item is skipped with its id, never its page."""

from __future__ import annotations

from typing import Any

import pytest
from crowdcare.adapters.platforms.inbound.sources import Page
from crowdcare.adapters.platforms.inbound.sources.bluesky import BlueskySource, bluesky_search
from crowdcare.adapters.platforms.inbound.sources.mastodon import (
    mastodon_hashtag,
    mastodon_mentions,
)
from crowdcare.adapters.platforms.inbound.sources.reddit import reddit_mentions, reddit_search
from crowdcare.adapters.platforms.reddit import RedditPasswordGrant

from tests.contracts.recorded import observed, recorded_client
from tests.events.contracts import load_contract

TOKEN = {"/api/v1/access_token": {"access_token": "t", "token_type": "bearer"}}


def _reddit(contract: dict[str, Any]) -> Page:
    client = recorded_client("https://oauth.reddit.test", {contract["path"]: contract["payload"]})
    grant = RedditPasswordGrant(
        recorded_client("https://www.reddit.test", TOKEN), "i", "s", "u", "p"
    )
    source = reddit_search(client, grant, "brightwave")
    if contract["path"] == "/message/mentions":
        source = reddit_mentions(client, grant)
    return source.fetch("t3_older", deadline=None)


def _mastodon(contract: dict[str, Any]) -> Page:
    client = recorded_client("https://mastodon.test", {contract["path"]: contract["payload"]})
    if "/timelines/tag/" in contract["path"]:
        return mastodon_hashtag(client, "brightwave").fetch("114159000000000000", deadline=None)
    return mastodon_mentions(client).fetch("34975800", deadline=None)


def _bluesky(contract: dict[str, Any]) -> Page:
    client = recorded_client("https://bsky.test", {contract["path"]: contract["payload"]})
    source = bluesky_search(client, "brightwave")
    if "listNotifications" in contract["path"]:
        source = BlueskySource(
            "bluesky:mentions",
            client,
            contract["path"],
            {},
            "notifications",
            keep=lambda item: item.get("reason") in {"mention", "reply", "quote"},
        )
    return source.fetch(None, deadline=None)


@pytest.mark.parametrize(
    ("name", "fetch"),
    [
        pytest.param("reddit_search_listing", _reddit, id="reddit-search"),
        pytest.param("reddit_mentions_listing", _reddit, id="reddit-mentions"),
        pytest.param("mastodon_notifications", _mastodon, id="mastodon-notifications"),
        pytest.param("mastodon_tag_timeline", _mastodon, id="mastodon-hashtag"),
        pytest.param("bluesky_search_posts", _bluesky, id="bluesky-search"),
        pytest.param("bluesky_notifications", _bluesky, id="bluesky-notifications"),
    ],
)
def test_polled_shape_becomes_its_mentions(name: str, fetch: Any) -> None:
    """GIVEN a documented page of a polled platform, with a bad item where the contract says
    WHEN fetched THEN the mentions are as pinned field by field, the bad item is skipped by id
    (its page is not lost), and the rest is counted as ignored."""
    contract = load_contract(name)
    page = fetch(contract)
    assert [observed(m) for m in page.mentions] == contract["expect"]["mentions"]
    assert [s.item_id for s in page.skipped] == contract["expect"]["skipped"]
    assert page.ignored == contract["expect"]["ignored"]
    assert page.cursor is not None


def test_reddit_item_without_permalink_gets_a_real_url() -> None:
    """GIVEN a Reddit link without permalink (formerly an empty URL) WHEN fetched THEN its URL
    is built from its subreddit and id."""
    page = _reddit(load_contract("reddit_search_listing"))
    assert page.mentions[1].url == "https://www.reddit.com/r/homeautomation/comments/1jb7k2p/"
