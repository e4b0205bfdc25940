"""One post id per platform whatever the path (issue 10): Mastodon statuses are keyed by the
instance that published them, so a webhook and the poller store the same status once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from crowdcare.adapters.platforms.inbound.canonical import canonical_post_id
from crowdcare.adapters.platforms.inbound.payloads import parse_generic
from crowdcare.adapters.platforms.inbound.sources.mastodon import mastodon_mention
from crowdcare.domain.models import Platform
from crowdcare.services.ingest import IngestService
from crowdcare.testing.platforms import FakeMentionInbox

URI = "https://fosstodon.org/users/ruth/statuses/114158347201938472"
URL = "https://fosstodon.org/@ruth/114158347201938472"
KEY = "fosstodon.org:114158347201938472"


@pytest.mark.parametrize(
    ("post_id", "url", "uri"),
    [
        ("999", URL, URI),  # the poller: a local id on the brand's instance, plus the addresses
        (URI, "", ""),  # a sender quoting the ActivityPub id
        (URL, "", ""),  # a sender quoting the web address
        ("114158347201938472", URL, ""),  # a bare id with the web address
        (KEY, "", ""),  # already canonical (a replay)
    ],
)
def test_every_mastodon_address_of_a_status_gives_one_key(post_id: str, url: str, uri: str) -> None:
    """GIVEN one status named by a local id, its URI, its URL or its key, WHEN canonicalised,
    THEN every form gives host:id of the instance that published it."""
    assert canonical_post_id(Platform.MASTODON, post_id, url, uri) == KEY


def test_a_local_view_of_a_remote_status_is_not_taken_for_its_origin() -> None:
    """GIVEN the brand instance's page of a remote status (/@name@other/<local id>), WHEN
    canonicalised, THEN its local id is not mistaken for the origin's: the URI decides."""
    local_view = "https://mastodon.social/@ruth@fosstodon.org/999"
    assert canonical_post_id(Platform.MASTODON, "999", local_view, URI) == KEY
    assert canonical_post_id(Platform.MASTODON, "999", local_view, "") == "999"


def test_other_platforms_keep_their_ids() -> None:
    """GIVEN a tweet id and a Bluesky at:// URI, WHEN canonicalised, THEN they are unchanged."""
    assert canonical_post_id(Platform.X, "1899", "https://x.com/a/status/1899") == "1899"
    uri = "at://did:plc:abc/app.bsky.feed.post/3k"
    assert canonical_post_id(Platform.BLUESKY, uri) == uri


def test_the_same_status_by_webhook_and_by_poller_is_stored_once() -> None:
    """GIVEN one status delivered by a generic webhook (quoting its URL) and read by the
    Mastodon poller (a local id, its URI), WHEN both are ingested, THEN it is stored once and
    the second is a duplicate."""
    webhook = parse_generic(
        b'{"platform": "mastodon", "post_id": "'
        + URL.encode()
        + b'", "url": "'
        + URL.encode()
        + b'", "author": {"id": "109348214792846591", "handle": "ruth@fosstodon.org"},'
        b' "text": "help?", "created_at": "2025-03-14T11:02:40Z"}'
    ).to_mention("{}")
    status = {
        "id": "114158347201938999",  # the brand instance's own id for the same status
        "uri": URI,
        "url": URL,
        "created_at": "2025-03-14T11:02:40.512Z",
        "content": "<p>help?</p>",
        "account": {"id": "109348214792846591", "acct": "ruth@fosstodon.org"},
    }
    polled = mastodon_mention(status, status)
    store = FakeMentionInbox()
    service = IngestService(store, clock=lambda: datetime(2025, 3, 14, 12, tzinfo=UTC))
    first = service.ingest([webhook])
    second = service.ingest([polled])
    assert (first.accepted, second.accepted, second.duplicates) == (1, 0, 1)
    assert list(store.stored) == [f"mastodon#{KEY}"]
