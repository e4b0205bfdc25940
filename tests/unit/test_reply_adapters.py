"""Each platform's reply adapter against the fake platform server on 127.0.0.1: request shape,
threading fields, id and URL returned, length limits enforced before any call, reach parsed."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from crowdcare.adapters.platforms.http import JsonHttpClient
from crowdcare.adapters.platforms.outbound import (
    ReplyPlatformSettings,
    ReplyTargetError,
    ReplyTooLongError,
    build_reply_adapters,
)
from crowdcare.adapters.platforms.outbound.base import (
    PostedReply,
    Reach,
    count_graphemes,
    count_x_weighted,
    mastodon_limit,
)
from crowdcare.adapters.platforms.outbound.bluesky import BlueskyReplyAdapter
from crowdcare.adapters.platforms.outbound.graph import (
    facebook_reply_adapter,
    instagram_reply_adapter,
)
from crowdcare.adapters.platforms.outbound.mastodon import MastodonReplyAdapter
from crowdcare.adapters.platforms.outbound.reddit import RedditReplyAdapter
from crowdcare.adapters.platforms.outbound.x import XReplyAdapter
from crowdcare.adapters.platforms.reddit import RedditPasswordGrant
from crowdcare.adapters.secrets import PlatformCredentials
from crowdcare.domain.errors import PlatformError
from crowdcare.domain.models import Author, Mention, Platform
from crowdcare_local.fake_platforms import outbound
from crowdcare_local.fake_platforms.server import FakePlatformServer

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467"  # one grapheme, five code points
SLEPT: list[float] = []


def clock() -> datetime:
    return NOW


@pytest.fixture(scope="module")
def running_server() -> Iterator[FakePlatformServer]:
    fake = FakePlatformServer().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def server(running_server: FakePlatformServer) -> FakePlatformServer:
    """The running fake with only the outbound routes, and no calls, state or faults yet."""
    running_server.routes.clear()
    running_server.calls.clear()
    running_server.state.clear()
    running_server._faults.clear()
    return outbound.register(running_server)


def http(server: FakePlatformServer, platform: str, token: str | None = "token") -> JsonHttpClient:  # noqa: S107
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return JsonHttpClient(
        base_url=outbound.base_urls(server)[platform],
        headers=headers,
        max_attempts=3,
        sleep=SLEPT.append,
        rng=random.Random(1),  # noqa: S311 - jitter, not cryptography
    )


def mention(platform: Platform, post_id: str, parent_id: str | None = None) -> Mention:
    return Mention(
        platform=platform,
        post_id=post_id,
        url=f"https://{platform.value}.example/{post_id}",
        author=Author(id="u1", handle="dana"),
        text="@brightwavehelp my thermostat stopped heating",
        created_at=NOW,
        parent_id=parent_id,
    )


# ---------------------------------------------------------------------------- X


def test_x_posts_a_threaded_reply_and_returns_its_id_and_url(server: FakePlatformServer) -> None:
    """X: POST /2/tweets with reply.in_reply_to_tweet_id; the tweet id and URL come back."""
    adapter = XReplyAdapter(http(server, "x"), clock)
    posted = adapter.post_reply(mention(Platform.X, "1790000000000000001"), "Sorry! DM us.")
    [sent] = outbound.posted(server, "x")
    assert sent["request"] == {
        "text": "Sorry! DM us.",
        "reply": {"in_reply_to_tweet_id": "1790000000000000001"},
    }
    assert posted == PostedReply(
        platform=Platform.X, post_id=sent["id"], url=sent["url"], posted_at=NOW
    )


def test_x_refuses_a_reply_over_280_before_any_call(server: FakePlatformServer) -> None:
    """X: 281 characters are refused with the limit named, and nothing is sent."""
    adapter = XReplyAdapter(http(server, "x"), clock)
    with pytest.raises(ReplyTooLongError) as caught:
        adapter.post_reply(mention(Platform.X, "1"), "a" * 281)
    assert caught.value.limit == 280
    assert "280" in str(caught.value)
    assert adapter.max_length == 280
    assert server.calls == []


def test_x_counts_urls_as_23_and_cjk_as_2() -> None:
    """X's weighting: a long URL counts 23, a CJK character 2, an emoji sequence 2."""
    long_url = "https://example.com/" + "x" * 200
    assert count_x_weighted(f"see {long_url}") == 4 + 23
    assert count_x_weighted("日本") == 4
    assert count_x_weighted(FAMILY) == 2
    # So a 250-character answer with a long link still fits.
    XReplyAdapter(JsonHttpClient("http://unused"), clock).check_length("a" * 250 + " " + long_url)


def test_x_rate_limit_is_waited_out_and_the_reply_posted(server: FakePlatformServer) -> None:
    """X: a 429 is retried after its Retry-After, and the reply is posted once."""
    SLEPT.clear()
    server.inject_faults("/x/", [429])
    posted = XReplyAdapter(http(server, "x"), clock).post_reply(mention(Platform.X, "5"), "Hi")
    assert [c.status for c in server.calls] == [429, 201]
    assert SLEPT and SLEPT[0] >= 1
    assert len(outbound.posted(server, "x")) == 1
    assert posted.post_id == outbound.posted(server, "x")[0]["id"]


def test_x_persistent_5xx_raises_a_retryable_error(server: FakePlatformServer) -> None:
    """X: 503 on every attempt ends in a retryable PlatformError, nothing posted."""
    server.inject_faults("/x/", [503, 503, 503])
    with pytest.raises(PlatformError) as caught:
        XReplyAdapter(http(server, "x"), clock).post_reply(mention(Platform.X, "5"), "Hi")
    assert caught.value.retryable
    assert outbound.posted(server) == []


def test_x_without_a_token_is_a_non_retryable_refusal(server: FakePlatformServer) -> None:
    """X: a 401 is not retried and is not retryable (an operator must fix the token)."""
    with pytest.raises(PlatformError) as caught:
        XReplyAdapter(http(server, "x", token=None), clock).post_reply(
            mention(Platform.X, "5"), "Hi"
        )
    assert caught.value.status == 401
    assert not caught.value.retryable


def test_x_reach_reads_public_metrics(server: FakePlatformServer) -> None:
    """X: likes, retweets and replies from public_metrics."""
    adapter = XReplyAdapter(http(server, "x"), clock)
    posted = adapter.post_reply(mention(Platform.X, "5"), "Hi")
    outbound.set_reach(server, "x", posted.post_id, likes=12, reposts=3, replies=2)
    assert adapter.reach(posted) == Reach(likes=12, reposts=3, replies=2)
    assert f"/x/2/tweets/{posted.post_id}" in [c.path for c in server.calls]


# ---------------------------------------------------------------------------- Facebook, Instagram


def test_facebook_comments_on_the_post_and_returns_a_permalink(server: FakePlatformServer) -> None:
    """Facebook: POST /{post-id}/comments {message}; comment id and ?comment_id URL."""
    adapter = facebook_reply_adapter(http(server, "facebook"), clock)
    posted = adapter.post_reply(mention(Platform.FACEBOOK, "1234_5678"), "We are on it.")
    [sent] = outbound.posted(server, "facebook")
    assert server.calls[0].path == "/facebook/v21.0/1234_5678/comments"
    assert sent["request"] == {"message": "We are on it."}
    assert posted.post_id == sent["id"]
    assert posted.url == f"https://www.facebook.com/1234?comment_id={sent['id']}"


def test_facebook_limit_is_8000_characters(server: FakePlatformServer) -> None:
    """Facebook: 8,000 characters fit, 8,001 do not (and nothing is sent)."""
    adapter = facebook_reply_adapter(http(server, "facebook"), clock)
    adapter.check_length("a" * 8000)
    with pytest.raises(ReplyTooLongError):
        adapter.post_reply(mention(Platform.FACEBOOK, "1_2"), "a" * 8001)
    assert server.calls == []


@pytest.mark.parametrize(
    ("platform", "make"),
    [
        pytest.param(Platform.FACEBOOK, facebook_reply_adapter, id="facebook-comment_count"),
        pytest.param(Platform.INSTAGRAM, instagram_reply_adapter, id="instagram-replies-edge"),
    ],
)
def test_graph_reach_reads_likes_and_replies(
    server: FakePlatformServer, platform: Platform, make: Any
) -> None:
    """Facebook and Instagram: like_count, and the replies (comment_count, or the replies
    edge counted); Graph comments cannot be shared, so no reposts."""
    adapter = make(http(server, platform.value), clock)
    posted = adapter.post_reply(mention(platform, "1_2"), "Thanks")
    outbound.set_reach(server, platform.value, posted.post_id, likes=4, replies=2)
    assert adapter.reach(posted) == Reach(likes=4, reposts=0, replies=2)


def test_instagram_replies_to_the_comment(server: FakePlatformServer) -> None:
    """Instagram: POST /{comment-id}/replies {message}; the media URL stands in for the URL."""
    adapter = instagram_reply_adapter(http(server, "instagram"), clock)
    target = mention(Platform.INSTAGRAM, "17890000000000001")
    posted = adapter.post_reply(target, "Happy to help!")
    [sent] = outbound.posted(server, "instagram")
    assert server.calls[0].path == "/instagram/v21.0/17890000000000001/replies"
    assert sent["request"] == {"message": "Happy to help!"}
    assert posted.post_id == sent["id"]
    assert posted.url == target.url
    with pytest.raises(ReplyTooLongError) as caught:
        adapter.post_reply(target, "a" * 2201)
    assert caught.value.limit == 2200


# ---------------------------------------------------------------------------- Reddit


def reddit(server: FakePlatformServer) -> RedditReplyAdapter:
    grant = RedditPasswordGrant(
        http(server, "reddit_auth", token=None), "client", "secret", "brightwavehelp", "pw"
    )
    return RedditReplyAdapter(http(server, "reddit", token=None), clock, grant)


@pytest.mark.parametrize(
    ("post_id", "parent_id", "thing"),
    [("abc12", None, "t3_abc12"), ("def34", "t3_abc12", "t1_def34"), ("t1_zz9", None, "t1_zz9")],
)
def test_reddit_comments_on_the_right_thing(
    server: FakePlatformServer, post_id: str, parent_id: str | None, thing: str
) -> None:
    """Reddit: a form post to /api/comment with thing_id t3_ (submission) or t1_ (comment)."""
    adapter = reddit(server)
    posted = adapter.post_reply(mention(Platform.REDDIT, post_id, parent_id), "**Thanks**")
    [sent] = outbound.posted(server, "reddit")
    assert [c.path for c in server.calls] == ["/reddit/api/v1/access_token", "/reddit/api/comment"]
    assert sent["request"] == {"api_type": "json", "thing_id": thing, "text": "**Thanks**"}
    assert posted.post_id == sent["id"]
    assert posted.post_id.startswith("t1_")
    assert posted.url == sent["url"]


def test_reddit_reply_url_is_the_comment_even_without_permalink(server: FakePlatformServer) -> None:
    """Reddit: when the answer has no permalink (formerly a bare https://www.reddit.com), the
    reply's URL is built from the new comment's subreddit, thread and id."""
    # GIVEN Reddit answering the comment without a permalink
    data = {"id": "mz9", "name": "t1_mz9", "link_id": "t3_abc", "subreddit": "smarthome"}
    answer = {"json": {"errors": [], "data": {"things": [{"kind": "t1", "data": data}]}}}
    server.route("POST", r"/reddit/api/comment", lambda r: (200, answer))
    server.routes.insert(0, server.routes.pop())  # ahead of the registered route
    # WHEN a reply is posted
    posted = reddit(server).post_reply(mention(Platform.REDDIT, "abc"), "Hi")
    # THEN its URL is the comment's own page
    assert posted.url == "https://www.reddit.com/r/smarthome/comments/abc/_/mz9/"


@pytest.mark.parametrize(("code", "retryable"), [("RATELIMIT", True), ("THREAD_LOCKED", False)])
def test_reddit_error_codes_in_a_200_are_refusals(
    server: FakePlatformServer, code: str, retryable: bool
) -> None:
    """Reddit: an error code inside a 200 raises; only RATELIMIT is worth retrying."""
    # GIVEN Reddit answering the comment with an error code in a 200
    answer = {"json": {"errors": [[code, "cannot comment now", "parent"]]}}
    server.route("POST", r"/reddit/api/comment", lambda r: (200, answer))
    server.routes.insert(0, server.routes.pop())  # ahead of the registered route
    # WHEN a reply is posted THEN a PlatformError says whether to retry
    with pytest.raises(PlatformError) as caught:
        reddit(server).post_reply(mention(Platform.REDDIT, "abc"), "Hi")
    assert caught.value.retryable is retryable
    assert code in str(caught.value)
    assert outbound.posted(server) == []


def test_reddit_fetches_a_new_token_when_the_old_one_expired(server: FakePlatformServer) -> None:
    """Reddit: a 401 (expired hourly token) gets a new token once, then the reply is posted."""
    adapter = reddit(server)
    adapter.post_reply(mention(Platform.REDDIT, "abc"), "first")
    server.inject_faults("/reddit/api/comment", [401])
    adapter.post_reply(mention(Platform.REDDIT, "abc"), "second")
    tokens = [c for c in server.calls if c.path == "/reddit/api/v1/access_token"]
    assert len(tokens) == 2
    assert [p["text"] for p in outbound.posted(server, "reddit")] == ["first", "second"]


def test_reddit_reach_reads_upvotes(server: FakePlatformServer) -> None:
    """Reddit: ups of the comment from /api/info."""
    adapter = reddit(server)
    posted = adapter.post_reply(mention(Platform.REDDIT, "abc"), "Hi")
    outbound.set_reach(server, "reddit", posted.post_id, likes=31)
    assert adapter.reach(posted) == Reach(likes=31)
    assert adapter.max_length == 10_000


# ---------------------------------------------------------------------------- Mastodon


def test_mastodon_posts_a_public_reply_once_per_idempotency_key(
    server: FakePlatformServer,
) -> None:
    """Mastodon: in_reply_to_id and public visibility; a repeat with the same key posts once."""
    adapter = MastodonReplyAdapter(http(server, "mastodon"), clock)
    target = mention(Platform.MASTODON, "112233")
    first = adapter.post_reply(target, "@dana we're sorry!", idempotency_key="r-1")
    again = adapter.post_reply(target, "@dana we're sorry!", idempotency_key="r-1")
    [sent] = outbound.posted(server, "mastodon")
    assert sent["request"] == {
        "status": "@dana we're sorry!",
        "in_reply_to_id": "112233",
        "visibility": "public",
    }
    assert first.post_id == again.post_id == sent["id"]
    assert first.url == sent["url"]


def test_mastodon_limit_is_configurable_and_counts_urls_as_23(server: FakePlatformServer) -> None:
    """Mastodon: 500 by default, the instance's own limit when configured; URLs count 23."""
    default = MastodonReplyAdapter(http(server, "mastodon"), clock)
    roomy = MastodonReplyAdapter(http(server, "mastodon"), clock, max_chars=1000)
    with pytest.raises(ReplyTooLongError) as caught:
        default.post_reply(mention(Platform.MASTODON, "1"), "a" * 501)
    assert caught.value.limit == 500
    roomy.check_length("a" * 1000)
    assert mastodon_limit().measure("see https://example.com/" + "x" * 100) == 4 + 23
    assert server.calls == []


def test_mastodon_reach_reads_favourites_boosts_replies(server: FakePlatformServer) -> None:
    """Mastodon: favourites_count, reblogs_count, replies_count."""
    adapter = MastodonReplyAdapter(http(server, "mastodon"), clock)
    posted = adapter.post_reply(mention(Platform.MASTODON, "1"), "Hi")
    outbound.set_reach(server, "mastodon", posted.post_id, likes=5, reposts=2, replies=1)
    assert adapter.reach(posted) == Reach(likes=5, reposts=2, replies=1)


# ---------------------------------------------------------------------------- Bluesky

PARENT = "at://did:plc:dana/app.bsky.feed.post/3kparent"
ROOT = "at://did:plc:sam/app.bsky.feed.post/3kroot"


def bluesky(server: FakePlatformServer) -> BlueskyReplyAdapter:
    return BlueskyReplyAdapter(
        http(server, "bluesky", token=None), clock, "brightwavehelp.bsky.social", "app-pass"
    )


def test_bluesky_reply_to_a_top_level_post_uses_it_as_root_and_parent(
    server: FakePlatformServer,
) -> None:
    """Bluesky: logs in, reads the parent's CID, creates a post whose root and parent are it."""
    posted = bluesky(server).post_reply(mention(Platform.BLUESKY, PARENT), "Hi Dana!")
    [sent] = outbound.posted(server, "bluesky")
    body = sent["request"]
    assert body["repo"] == outbound.BRAND_BLUESKY_DID
    assert body["collection"] == "app.bsky.feed.post"
    record = body["record"]
    assert record["text"] == "Hi Dana!"
    assert record["createdAt"] == "2025-06-01T12:00:00Z"
    assert record["reply"]["root"] == record["reply"]["parent"]
    assert record["reply"]["parent"]["uri"] == PARENT
    assert record["reply"]["parent"]["cid"].startswith("bafyrei")
    assert posted.post_id == sent["id"]
    assert posted.url == sent["url"]


def test_bluesky_reply_deep_in_a_thread_keeps_the_thread_root(server: FakePlatformServer) -> None:
    """Bluesky: replying to a reply names the thread's root as root and the reply as parent."""
    outbound.add_bluesky_post(server, PARENT, "me too", reply_root=ROOT)
    bluesky(server).post_reply(mention(Platform.BLUESKY, PARENT), "Hi!")
    record = outbound.posted(server, "bluesky")[0]["request"]["record"]
    assert record["reply"]["root"]["uri"] == ROOT
    assert record["reply"]["parent"]["uri"] == PARENT


def test_bluesky_counts_graphemes_not_code_points(server: FakePlatformServer) -> None:
    """Bluesky: 300 family emoji (1,500 code points, one grapheme each) fit; 301 do not."""
    adapter = bluesky(server)
    assert count_graphemes(FAMILY * 3 + "e\u0301" + "\U0001f1eb\U0001f1f7") == 5
    adapter.check_length("a" * 300)
    with pytest.raises(ReplyTooLongError) as caught:
        adapter.post_reply(mention(Platform.BLUESKY, PARENT), "a" * 301)
    assert caught.value.limit == 300
    assert "graphemes" in str(caught.value)
    # 300 family emoji are 300 graphemes but 5,400 bytes: over the 3,000-byte record limit.
    with pytest.raises(ReplyTooLongError) as too_big:
        adapter.check_length(FAMILY * 300)
    assert too_big.value.limit == 3000
    assert server.calls == []


def test_bluesky_needs_an_at_uri(server: FakePlatformServer) -> None:
    """Bluesky: a post id that is not an at:// URI cannot be replied to."""
    with pytest.raises(ReplyTargetError):
        bluesky(server).post_reply(mention(Platform.BLUESKY, "3kparent"), "Hi")


def test_bluesky_reach_reads_post_counts(server: FakePlatformServer) -> None:
    """Bluesky: likeCount, repostCount (+ quotes) and replyCount from getPosts."""
    adapter = bluesky(server)
    posted = adapter.post_reply(mention(Platform.BLUESKY, PARENT), "Hi")
    outbound.set_reach(server, "bluesky", posted.post_id, likes=8, reposts=1, replies=3)
    assert adapter.reach(posted) == Reach(likes=8, reposts=1, replies=3)


# ---------------------------------------------------------------------------- configuration


def test_adapters_are_built_only_for_configured_platforms(server: FakePlatformServer) -> None:
    """A platform gets an adapter when it has a base URL and credentials; others get none."""
    urls = outbound.base_urls(server)
    settings = ReplyPlatformSettings(
        platform_credentials_name="creds",
        x_api_base_url=urls["x"],
        mastodon_base_url=urls["mastodon"],
        mastodon_max_chars=700,
        bluesky_base_url=urls["bluesky"],
    )
    credentials = PlatformCredentials(
        x_user_access_token="x-token",
        mastodon_access_token="m-token",
        reddit_client_id="only-half-of-reddit",
        bluesky_handle="",
    )
    adapters = build_reply_adapters(settings, credentials, clock)
    assert set(adapters) == {Platform.X, Platform.MASTODON}
    assert adapters[Platform.MASTODON].max_length == 700
    adapters[Platform.X].post_reply(mention(Platform.X, "1"), "Hi")
    assert outbound.posted(server, "x")
    assert "x-token" not in repr(credentials)
