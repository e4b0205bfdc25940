"""Meta contracts: each documented Facebook Page and Instagram shape becomes the mentions its
contract file pins down, field by field, through the parser and the Graph API lookups."""

from __future__ import annotations

import json
from typing import Any

import pytest
from crowdcare.adapters.platforms.http import JsonHttpClient
from crowdcare.adapters.platforms.inbound.graph_lookup import LookupFailedError, MetaGraphLookup
from crowdcare.adapters.platforms.inbound.meta import parse_meta
from crowdcare.domain.models import Mention

from tests.contracts.recorded import RecordedTransport, observed
from tests.events.contracts import contract_names, load_contract

GRAPH = "https://graph.facebook.test/v21.0"


def _lookup(contract: dict[str, Any]) -> tuple[MetaGraphLookup, dict[str, RecordedTransport]]:
    answers: dict[str, dict[str, Any]] = {"instagram": {}, "facebook": {}}
    for key, body in contract.get("graph_api", {}).items():
        product, path = key.split(" ", 1)
        answers[product][path] = body
    transports = {product: RecordedTransport(recorded) for product, recorded in answers.items()}
    instagram = JsonHttpClient(GRAPH, transport=transports["instagram"], max_attempts=1)
    facebook = JsonHttpClient(GRAPH, transport=transports["facebook"], max_attempts=1)
    return MetaGraphLookup(instagram, facebook), transports


def _run(contract: dict[str, Any]) -> tuple[list[Mention], int, int]:
    batch = parse_meta(json.dumps(contract["payload"]).encode())
    lookup, _ = _lookup(contract)
    mentions = list(batch.mentions)
    parked = len(batch.bad)
    for pending in batch.lookups:
        try:
            mentions.append(lookup.resolve(pending))
        except LookupFailedError:
            parked += 1
    return mentions, batch.ignored, parked


@pytest.mark.parametrize("name", contract_names("facebook_") + contract_names("instagram_"))
def test_meta_shape_becomes_its_mentions(name: str) -> None:
    """GIVEN a documented Meta shape WHEN delivered THEN exactly its contract's mentions, with
    text, author, URL, parent and time as pinned, and the rest ignored, none parked."""
    contract = load_contract(name)
    mentions, ignored, parked = _run(contract)
    assert [observed(m) for m in mentions] == contract["expect"]["mentions"]
    assert (ignored, parked) == (contract["expect"]["ignored"], contract["expect"]["parked"])


def test_page_mention_field_is_stored_not_dropped() -> None:
    """GIVEN a Page `mention` change (formerly answered 200 and dropped) WHEN parsed THEN it
    is a mention of its post."""
    batch = parse_meta(
        json.dumps(load_contract("facebook_mention_with_message")["payload"]).encode()
    )
    assert [m.post_id for m in batch.mentions] == ["5005_880"]
    assert batch.ignored == 0


@pytest.mark.parametrize(
    "older",
    [
        pytest.param({"created_time": None}, id="no-created_time-uses-entry-time"),
        pytest.param({"from": None, "sender_id": "5548120399871234"}, id="sender_id"),
        pytest.param({"from": {"id": 5548120399871234, "name": "T"}}, id="numeric-from-id"),
    ],
)
def test_older_feed_shapes_are_stored_not_parked(older: dict[str, Any]) -> None:
    """GIVEN a feed status in an older shape (no created_time, sender_id, numeric id) WHEN
    parsed THEN it is a mention by the same author, and nothing is parked."""
    payload = load_contract("facebook_feed_status_and_comment")["payload"]
    value = payload["entry"][0]["changes"][0]["value"]
    for key, replacement in older.items():
        if replacement is None:
            del value[key]
        else:
            value[key] = replacement
    batch = parse_meta(json.dumps(payload).encode())
    assert batch.bad == []
    status = batch.mentions[0]
    assert status.author.id == "5548120399871234"
    if "created_time" in older:
        assert status.created_at.isoformat() == "2025-03-14T09:35:00+00:00"  # the entry's time


def test_non_mention_changes_are_ignored_and_counted_not_parked() -> None:
    """GIVEN reactions, likes, removals, the Page's own post, a bare photo and another field
    WHEN parsed THEN each is counted as ignored and none is parked."""
    batch = parse_meta(json.dumps(load_contract("facebook_feed_not_mentions")["payload"]).encode())
    assert (batch.mentions, batch.lookups, batch.bad, batch.ignored) == ([], [], [], 7)


def test_instagram_lookup_is_cached_per_media() -> None:
    """GIVEN two comments on one media WHEN both are completed THEN the permalink is read once."""
    contract = load_contract("instagram_comments")
    batch = parse_meta(json.dumps(contract["payload"]).encode())
    lookup, transports = _lookup(contract)
    urls = {lookup.resolve(pending).url for pending in batch.lookups}
    assert urls == {"https://www.instagram.com/p/DHbW3xKtQ9a/"}
    assert transports["instagram"].calls == ["/v21.0/18023456789012345?fields=permalink"]


@pytest.mark.parametrize(
    "name", ["instagram_comments", "instagram_mentions_comment", "instagram_comment_older_shape"]
)
def test_failed_instagram_lookup_says_why(name: str) -> None:
    """GIVEN an Instagram change whose Graph API read fails (nothing recorded: HTTP 400) WHEN
    completed THEN LookupFailedError names the product and the HTTP status, for parking."""
    contract = load_contract(name) | {"graph_api": {}}
    batch = parse_meta(json.dumps(contract["payload"]).encode())
    lookup, _ = _lookup(contract)
    with pytest.raises(LookupFailedError, match=r"instagram Graph API: GET .* HTTP 400"):
        lookup.resolve(batch.lookups[0])


def test_lookup_without_instagram_access_fails_with_reason() -> None:
    """GIVEN no Instagram client (no token or base URL) WHEN a comment is completed THEN the
    failure says Graph API access is not configured."""
    batch = parse_meta(json.dumps(load_contract("instagram_comments")["payload"]).encode())
    with pytest.raises(LookupFailedError, match="no instagram Graph API access configured"):
        MetaGraphLookup(None, None).resolve(batch.lookups[0])
