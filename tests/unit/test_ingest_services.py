"""The ingest services against in-memory fakes of their ports: storing once, Meta deliveries
with lookups and parking, and the poller's pages, skipped items and cursors (no moto)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from crowdcare.adapters.platforms.inbound.graph_lookup import LookupFailedError
from crowdcare.adapters.platforms.inbound.graph_shapes import GraphLookup
from crowdcare.adapters.platforms.inbound.meta import parse_meta
from crowdcare.adapters.platforms.inbound.sources import Page, SkippedItem
from crowdcare.domain.errors import PlatformError
from crowdcare.domain.models import Author, Mention, Platform
from crowdcare.services.ingest import DeliveryService, IngestService
from crowdcare.services.polling import Poller
from crowdcare.testing.platforms import (
    FakeCursors,
    FakeMentionInbox,
    RecordingParking,
    ScriptedSource,
)

from tests.events.contracts import load_contract

NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)


def _mention(post_id: str) -> Mention:
    return Mention(
        platform=Platform.MASTODON,
        post_id=post_id,
        url=f"https://mastodon.example/@a/{post_id}",
        author=Author(id="1", handle="a"),
        text=f"brightwave {post_id}",
        created_at=NOW,
    )


def _still() -> float:
    return 0.0


def _completed(lookup: GraphLookup) -> Mention:
    assert lookup.draft is not None
    return lookup.draft.model_copy(update={"url": "https://www.instagram.com/p/X/"})


def _failing(lookup: GraphLookup) -> Mention:
    raise LookupFailedError(f"instagram Graph API: GET /{lookup.object_id}: HTTP 400")


def test_ingest_stores_each_post_once() -> None:
    """GIVEN a mention already stored WHEN a delivery brings it again with a new one THEN one
    is accepted and one counted as a duplicate."""
    inbox = FakeMentionInbox()
    service = IngestService(inbox, clock=lambda: NOW)
    service.ingest([_mention("1")])
    result = service.ingest([_mention("1"), _mention("2")])
    assert (result.accepted, result.duplicates) == (1, 1)
    assert sorted(inbox.stored) == ["mastodon#1", "mastodon#2"]


def test_meta_delivery_stores_completed_lookups() -> None:
    """GIVEN an Instagram delivery whose comments need their permalink WHEN handled with a
    working lookup THEN both are stored with the URL and nothing is parked."""
    inbox, parking = FakeMentionInbox(), RecordingParking()
    service = DeliveryService(IngestService(inbox, lambda: NOW), parking, _completed, timer=_still)
    batch = parse_meta(json.dumps(load_contract("instagram_comments")["payload"]).encode())
    result = service.handle(batch)
    assert (result.accepted, result.parked) == (2, 0)
    assert {m.url for m, _ in inbox.stored.values()} == {"https://www.instagram.com/p/X/"}
    assert parking.parked == []


def test_meta_delivery_parks_failed_lookup_with_reason_and_stores_the_rest() -> None:
    """GIVEN a Page mention and an Instagram mention whose lookup fails WHEN handled THEN the
    Page mention is stored and the other is parked with the lookup's reason and its payload."""
    inbox, parking = FakeMentionInbox(), RecordingParking()
    service = DeliveryService(IngestService(inbox, lambda: NOW), parking, _failing, timer=_still)
    page = parse_meta(
        json.dumps(load_contract("facebook_mention_with_message")["payload"]).encode()
    )
    instagram = parse_meta(
        json.dumps(load_contract("instagram_mentions_comment")["payload"]).encode()
    )
    assert service.handle(page).accepted == 1
    result = service.handle(instagram)
    assert (result.accepted, result.parked) == (0, 1)
    [bad] = parking.parked
    assert bad.reason == "graph api lookup failed"
    assert "HTTP 400" in bad.details[0]["msg"]
    assert json.loads(bad.payload)["entry"][0]["changes"][0]["field"] == "mentions"
    assert result.problems[0]["reason"] == "graph api lookup failed"


def test_lookups_past_the_time_budget_are_parked_for_replay() -> None:
    """GIVEN two comments needing lookups and a first lookup that uses up the budget WHEN the
    delivery is handled THEN the first is stored and the second parked with the budget as
    its reason (the delivery answers in time)."""
    inbox, parking = FakeMentionInbox(), RecordingParking()
    clock = iter([0.0, 0.0, 20.0])  # deadline, before lookup 1, before lookup 2

    service = DeliveryService(
        IngestService(inbox, lambda: NOW),
        parking,
        _completed,
        timer=lambda: next(clock),
        lookup_budget_seconds=12,
    )
    batch = parse_meta(json.dumps(load_contract("instagram_comments")["payload"]).encode())
    result = service.handle(batch)
    assert (result.accepted, result.parked) == (1, 1)
    assert "budget (12 s)" in parking.parked[0].details[0]["msg"]


def test_parked_change_replays_once_the_lookup_works() -> None:
    """GIVEN an Instagram comment parked because its lookup failed WHEN its payload is replayed
    with a working lookup THEN it is stored and nothing more is parked."""
    inbox, parking = FakeMentionInbox(), RecordingParking()
    failing = DeliveryService(IngestService(inbox, lambda: NOW), parking, _failing, timer=_still)
    batch = parse_meta(json.dumps(load_contract("instagram_comments")["payload"]).encode())
    failing.handle(batch)
    first = parking.parked[0]
    working = DeliveryService(IngestService(inbox, lambda: NOW), parking, _completed, timer=_still)
    result = working.replay(first.payload)
    assert (result.accepted, result.parked) == (1, 0)
    assert "instagram#17865799348089039" in inbox.stored
    assert len(parking.parked) == 2  # the two first parked, nothing new


def test_poller_stores_a_page_with_a_skipped_item_and_moves_the_cursor() -> None:
    """GIVEN a page with two mentions and one skipped item WHEN polled THEN both are stored,
    the skipped item is reported with its id and reason, and the cursor is saved."""
    inbox, cursors = FakeMentionInbox(), FakeCursors({"m": "10"})
    page = Page(
        [_mention("11"), _mention("13")],
        "13",
        done=True,
        skipped=[SkippedItem("12", "missing field 'account'")],
        ignored=1,
    )
    source = ScriptedSource.of("m", [page])
    report = Poller(inbox, cursors, lambda: NOW, timer=lambda: 0.0).run([source], lambda: 60_000)
    [run] = report.sources
    assert (run.accepted, run.ignored, run.outcome) == (2, 1, "caught up")
    assert [(s.item_id, s.reason) for s in run.skipped] == [("12", "missing field 'account'")]
    assert cursors.values["m"] == "13"
    assert source.asked == ["10"]


def test_poller_keeps_the_cursor_when_the_platform_fails() -> None:
    """GIVEN a source whose second page fails WHEN polled THEN the first page is stored, the
    cursor stays after it, and the outcome says platform error."""
    inbox, cursors = FakeMentionInbox(), FakeCursors()
    source = ScriptedSource.of(
        "m",
        [
            Page([_mention("1")], "1", done=False),
            PlatformError("GET /x: HTTP 503", status=503, retryable=True),
        ],
    )
    report = Poller(inbox, cursors, lambda: NOW, timer=lambda: 0.0).run([source], lambda: 60_000)
    assert report.sources[0].outcome == "platform error"
    assert cursors.values == {"m": "1"}
    assert list(inbox.stored) == ["mastodon#1"]
