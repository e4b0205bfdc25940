"""Meta deliveries split into mentions, ignored changes and bad changes, entry by entry."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from crowdcare.adapters.platforms.inbound.meta import UNRESOLVED_MENTION, parse_meta
from crowdcare.adapters.platforms.inbound.payloads import InvalidPayloadError
from crowdcare.domain.models import Platform

from tests.events import load_event


def _body(event: dict[str, Any]) -> bytes:
    return json.dumps(event).encode()


def test_page_feed_comment_and_post_become_mentions() -> None:
    """A comment and a status post become Facebook mentions; the reaction and the Page's own
    reply are ignored."""
    # GIVEN the documented Page feed delivery with three entries
    body = _body(load_event("meta_page_feed"))
    # WHEN it is parsed
    batch = parse_meta(body)
    # THEN two mentions, two ignored changes, nothing bad
    assert batch.platform is Platform.FACEBOOK
    assert [m.post_id for m in batch.mentions] == [
        "998877665544332_1203948576",
        "104729385012345_998877665599001",
    ]
    assert batch.ignored == 2
    assert batch.bad == []
    comment, post = batch.mentions
    assert comment.author.id == "7712938475610293"
    assert comment.author.display_name == "Grace Okafor"
    assert comment.parent_id == "104729385012345_998877665544332"
    assert comment.created_at == datetime.fromtimestamp(1741944413, UTC)
    assert comment.url == (
        "https://www.facebook.com/104729385012345_998877665544332?comment_id=1203948576"
    )
    assert comment.text.startswith("My Brightwave Thermo")
    assert post.parent_id is None
    assert post.url == "https://www.facebook.com/104729385012345_998877665599001"


def test_each_mention_keeps_only_its_own_change_as_raw() -> None:
    """The raw kept for audit is the mention's own change with its entry id and time."""
    # GIVEN the Page feed delivery / WHEN parsed
    batch = parse_meta(_body(load_event("meta_page_feed")))
    # THEN each raw holds exactly one change, the one the mention came from
    raw = json.loads(batch.mentions[1].raw)
    assert raw["object"] == "page"
    assert raw["entry"]["time"] == 1741944900
    assert [c["value"]["item"] for c in raw["entry"]["changes"]] == ["status"]


def test_iso_created_time_is_accepted() -> None:
    """A Graph-API style created_time ("2025-03-14T09:26:53+0000") parses to an aware time."""
    # GIVEN a feed comment whose created_time is an ISO string
    event = load_event("meta_page_feed")
    event["entry"][0]["changes"][0]["value"]["created_time"] = "2025-03-14T09:26:53+0000"
    # WHEN parsed
    batch = parse_meta(_body(event))
    # THEN the time is kept with its zone
    assert batch.mentions[0].created_at == datetime(2025, 3, 14, 9, 26, 53, tzinfo=UTC)


def test_instagram_comments_become_mentions_and_own_replies_are_ignored() -> None:
    """Instagram comments become mentions timed by their entry; the brand's reply is ignored."""
    # GIVEN the documented Instagram comments delivery
    batch = parse_meta(_body(load_event("meta_instagram_comments")))
    # THEN two mentions, one ignored
    assert batch.platform is Platform.INSTAGRAM
    assert [m.post_id for m in batch.mentions] == ["17865799348089039", "17865799348089123"]
    assert batch.ignored == 1
    first, reply = batch.mentions
    assert first.author.handle == "lena.builds"
    assert first.parent_id == "18023456789012345"  # the media it was left on
    assert first.created_at == datetime.fromtimestamp(1741946100, UTC)
    assert reply.parent_id == "17865799348089039"


def test_one_bad_entry_does_not_cost_the_others() -> None:
    """A change missing its author is reported as bad with its location; the rest still
    become mentions."""
    # GIVEN a Page delivery whose first comment lost its "from"
    event = load_event("meta_page_feed")
    del event["entry"][0]["changes"][0]["value"]["from"]
    # WHEN parsed
    batch = parse_meta(_body(event))
    # THEN the status post is still a mention and the comment is one bad change
    assert [m.post_id for m in batch.mentions] == ["104729385012345_998877665599001"]
    assert len(batch.bad) == 1
    bad = batch.bad[0]
    assert (bad.entry_index, bad.change_index, bad.reason) == (0, 0, "invalid change")
    assert [d["loc"] for d in bad.details] == ["value.from"]
    assert json.loads(bad.payload)["entry"]["changes"][0]["value"]["item"] == "comment"


def test_an_entry_without_id_is_bad_whole() -> None:
    """An entry that is not an entry (no id) is reported bad as a whole, change None."""
    # GIVEN an Instagram delivery whose second entry has no id
    event = load_event("meta_instagram_comments")
    del event["entry"][1]["id"]
    # WHEN parsed
    batch = parse_meta(_body(event))
    # THEN the other entries are processed and the broken one is reported
    assert [m.post_id for m in batch.mentions] == ["17865799348089039"]
    assert [(b.entry_index, b.change_index, b.reason) for b in batch.bad] == [
        (1, None, "invalid entry")
    ]


def test_instagram_mention_is_parked_as_unresolved() -> None:
    """An Instagram mention carries only ids, so it is set aside for a Graph API lookup."""
    # GIVEN a documented "mentions" change
    event = {
        "object": "instagram",
        "entry": [
            {
                "id": "17841405822304914",
                "time": 1741947000,
                "changes": [
                    {
                        "field": "mentions",
                        "value": {"media_id": "17887498072083520", "comment_id": "17887498072083"},
                    }
                ],
            }
        ],
    }
    # WHEN parsed
    batch = parse_meta(_body(event))
    # THEN nothing is a mention and the change is bad for that documented reason
    assert batch.mentions == []
    assert [b.reason for b in batch.bad] == [UNRESOLVED_MENTION]


def test_feed_change_without_message_is_ignored() -> None:
    """A photo or sticker comment with no words is ignored, not reported."""
    # GIVEN a feed comment without a message
    event = load_event("meta_page_feed")
    del event["entry"][0]["changes"][0]["value"]["message"]
    # WHEN parsed / THEN it is counted as ignored
    batch = parse_meta(_body(event))
    assert batch.ignored == 3
    assert batch.bad == []


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"object": "page", "entry": [', id="not-json"),
        pytest.param(b'{"object": "whatsapp_business_account", "entry": [{}]}', id="object"),
        pytest.param(b'{"object": "page", "entry": []}', id="no-entries"),
    ],
)
def test_unusable_envelope_is_invalid_payload(body: bytes) -> None:
    """Only an unusable envelope fails the whole delivery."""
    # GIVEN a delivery whose envelope is broken / WHEN parsed / THEN InvalidPayloadError
    with pytest.raises(InvalidPayloadError):
        parse_meta(body)
