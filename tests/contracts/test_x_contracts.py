"""X contracts: Account Activity deliveries and recent search pages become the mentions their
contract files pin down; retweets and the brand's own tweets never do."""

from __future__ import annotations

import json

from crowdcare.adapters.platforms.inbound.payloads import parse_x_activity
from crowdcare.adapters.platforms.inbound.sources import WalkState
from crowdcare.adapters.platforms.inbound.sources.x_search import XSearchSource

from tests.contracts.recorded import observed, recorded_client
from tests.events.contracts import load_contract


def _activity(name: str) -> tuple[list[dict[str, object]], int, dict[str, object]]:
    contract = load_contract(name)
    payload = parse_x_activity(json.dumps(contract["payload"]).encode())
    return [observed(m) for m in payload.mentions("raw")], payload.ignored, contract["expect"]


def test_account_activity_tweets_become_mentions() -> None:
    """GIVEN tweet_create_events (a reply, an extended tweet) WHEN parsed THEN each mention's
    text, author, URL and parent are as the contract pins."""
    mentions, ignored, expect = _activity("x_account_activity_tweets")
    assert mentions == expect["mentions"]
    assert ignored == expect["ignored"]


def test_account_activity_retweets_and_own_quotes_are_not_mentions() -> None:
    """GIVEN a retweet of the brand and the brand's own quote-retweet by webhook (the retweet
    was formerly stored) WHEN parsed THEN only the real mention remains, two ignored."""
    mentions, ignored, expect = _activity("x_account_activity_retweets")
    assert mentions == expect["mentions"]
    assert ignored == 2


def test_search_page_skips_tweet_without_expansion_and_keeps_the_rest() -> None:
    """GIVEN a search page where one author is missing from includes.users (formerly the whole
    page failed) WHEN fetched THEN that tweet is skipped with its reason, the retweet and the
    brand's quote are ignored, the others are mentions, and the walk moves past the page."""
    contract = load_contract("x_recent_search_page")
    client = recorded_client("https://api.x.test", {"/2/tweets/search/recent": contract["payload"]})
    source = XSearchSource(client, "brightwave -is:retweet", contract["brand_user_id"])
    page = source.fetch(WalkState(mark="1900000000000000050").dump(), deadline=None)
    assert [observed(m) for m in page.mentions] == contract["expect"]["mentions"]
    assert [s.item_id for s in page.skipped] == contract["expect"]["skipped"]
    assert "includes.users" in page.skipped[0].reason
    assert page.ignored == contract["expect"]["ignored"]
    assert WalkState.load(page.cursor).mark == "1900000000000000104"
