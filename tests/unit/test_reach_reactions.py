"""Reply adapters (X, Mastodon, Bluesky) against the fake platforms: reach names who liked the
reply and who answered it (with the answer's text), and reads nobody when the counts are zero."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from crowdcare.adapters.platforms.http import JsonHttpClient
from crowdcare.adapters.platforms.outbound.bluesky import BlueskyReplyAdapter
from crowdcare.adapters.platforms.outbound.mastodon import MastodonReplyAdapter
from crowdcare.adapters.platforms.outbound.x import XReplyAdapter
from crowdcare.domain.models import Author, Mention, Platform
from crowdcare.domain.replies import Reach, Reaction, ReactionKind
from crowdcare_local.fake_platforms import outbound
from crowdcare_local.fake_platforms.server import FakePlatformServer

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def clock() -> datetime:
    return NOW


def http(server: FakePlatformServer, platform: str, token: str | None = "token") -> JsonHttpClient:  # noqa: S107
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return JsonHttpClient(
        base_url=outbound.base_urls(server)[platform],
        headers=headers,
        max_attempts=1,
        sleep=lambda _: None,
        rng=random.Random(1),  # noqa: S311 - jitter, not cryptography
    )


def mention(platform: Platform, post_id: str) -> Mention:
    return Mention(
        platform=platform,
        post_id=post_id,
        author=Author(id="u1", handle="dana"),
        text="@brightwavehelp my thermostat stopped heating",
        created_at=NOW,
    )


LIKE = Reaction(kind=ReactionKind.LIKE, author_id="u1", handle="dana")
THANKS = Reaction(kind=ReactionKind.REPLY, author_id="u1", handle="dana", text="thanks, works!")


def test_x_reach_names_likers_and_answers(server: FakePlatformServer) -> None:
    """GIVEN a tweet liked and answered by its mention's author WHEN reach is read THEN the
    like and the answer's text come back beside the counts."""
    adapter = XReplyAdapter(http(server, "x"), clock)
    posted = adapter.post_reply(mention(Platform.X, "5"), "Hi")
    outbound.set_reach(server, "x", posted.post_id, likes=1, replies=1)
    outbound.set_reactions(
        server, "x", posted.post_id, likers=[("u1", "dana")], answers=[("u1", "dana", THANKS.text)]
    )
    reach = adapter.reach(posted)
    assert (reach.likes, reach.replies) == (1, 1)
    assert reach.reactions == (LIKE, THANKS)


def test_x_reach_answers_are_only_those_to_this_reply(server: FakePlatformServer) -> None:
    """GIVEN answers to another tweet WHEN reach is read THEN none of them is counted as an
    answer to this one."""
    adapter = XReplyAdapter(http(server, "x"), clock)
    posted = adapter.post_reply(mention(Platform.X, "5"), "Hi")
    other = adapter.post_reply(mention(Platform.X, "6"), "Hello")
    outbound.set_reach(server, "x", posted.post_id, replies=1)
    outbound.set_reactions(server, "x", other.post_id, answers=[("u1", "dana", "thanks")])
    assert adapter.reach(posted).reactions == ()


def test_x_reach_reads_no_reactions_when_nobody_reacted(server: FakePlatformServer) -> None:
    """GIVEN no likes and no replies WHEN reach is read THEN only the tweet itself is read."""
    adapter = XReplyAdapter(http(server, "x"), clock)
    posted = adapter.post_reply(mention(Platform.X, "5"), "Hi")
    server.calls.clear()
    assert adapter.reach(posted).reactions == ()
    assert [c.path for c in server.calls] == [f"/x/2/tweets/{posted.post_id}"]


def test_x_reach_keeps_the_counts_when_the_tier_refuses_the_likers(
    server: FakePlatformServer,
) -> None:
    """GIVEN an access tier without liking_users (403) WHEN reach is read THEN the counts still
    come back, with no reactions."""
    adapter = XReplyAdapter(http(server, "x"), clock)
    posted = adapter.post_reply(mention(Platform.X, "5"), "Hi")
    outbound.set_reach(server, "x", posted.post_id, likes=4)
    server.inject_faults(f"/x/2/tweets/{posted.post_id}/liking_users", [403])
    reach = adapter.reach(posted)
    assert (reach.likes, reach.reactions) == (4, ())


def test_mastodon_reach_names_favouriters_and_answers_as_plain_text(
    server: FakePlatformServer,
) -> None:
    """GIVEN a status favourited and answered (HTML content) WHEN reach is read THEN the
    favouriter and the answer, as plain text, come back."""
    adapter = MastodonReplyAdapter(http(server, "mastodon"), clock)
    posted = adapter.post_reply(mention(Platform.MASTODON, "1"), "Hi")
    outbound.set_reach(server, "mastodon", posted.post_id, likes=1, replies=1)
    outbound.set_reactions(
        server,
        "mastodon",
        posted.post_id,
        likers=[("u1", "dana")],
        answers=[("u1", "dana", "thanks &amp; cheers")],
    )
    reach = adapter.reach(posted)
    assert reach.reactions[0] == LIKE
    assert reach.reactions[1].text.strip() == "thanks & cheers"


def test_bluesky_reach_names_likers_and_answers(server: FakePlatformServer) -> None:
    """GIVEN a Bluesky reply liked and answered WHEN reach is read THEN likers and answers
    (by DID and handle) come back."""
    adapter = BlueskyReplyAdapter(
        http(server, "bluesky", token=None), clock, "brightwavehelp.bsky.social", "app-pass"
    )
    parent = "at://did:plc:dana/app.bsky.feed.post/3kparent"
    posted = adapter.post_reply(mention(Platform.BLUESKY, parent), "Hi")
    outbound.set_reach(server, "bluesky", posted.post_id, likes=1, replies=1)
    outbound.set_reactions(
        server,
        "bluesky",
        posted.post_id,
        likers=[("did:plc:dana", "dana.bsky.social")],
        answers=[("did:plc:dana", "dana.bsky.social", "ty!")],
    )
    reach = adapter.reach(posted)
    assert [(r.kind, r.author_id, r.text) for r in reach.reactions] == [
        (ReactionKind.LIKE, "did:plc:dana", ""),
        (ReactionKind.REPLY, "did:plc:dana", "ty!"),
    ]


def test_reactions_are_never_stored_with_the_reach() -> None:
    """GIVEN a reach with reactions WHEN it is dumped for storage THEN the reactions are left
    out (who liked is personal data the points need only when read)."""
    dumped = Reach(likes=1, reactions=(LIKE,)).model_dump(mode="json")
    assert "reactions" not in dumped
