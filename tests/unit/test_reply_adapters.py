"""Each platform's reply adapter against the fake platform server on 127.0.0.1: request shape,
threading fields, id and URL returned, length limits enforced before any call, reach parsed."""

from __future__ import annotations

import json
import random
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from crowdcare.adapters.platforms.http import HttpResponse, JsonHttpClient
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


def test_mastodon_replies_to_the_brand_instances_own_id_of_a_canonical_status(
    server: FakePlatformServer,
) -> None:
    """A `host:id` post id: the id after the colon on the brand's instance, else resolved."""
    # GIVEN the brand's instance mastodon.social, one status published there and one elsewhere
    adapter = MastodonReplyAdapter(http(server, "mastodon"), clock, instance_host="mastodon.social")
    home = mention(Platform.MASTODON, "mastodon.social:112233")
    remote = mention(Platform.MASTODON, "fosstodon.org:998877").model_copy(
        update={"url": "https://fosstodon.org/@kim/998877"}
    )
    # WHEN the brand replies to both
    adapter.post_reply(home, "Hi there", idempotency_key="r-1")
    adapter.post_reply(remote, "Hello", idempotency_key="r-2")
    # THEN the home status is answered by its own id, the remote one by the id search resolved
    sent = outbound.posted(server, "mastodon")
    assert [p["request"]["in_reply_to_id"] for p in sent] == ["112233", "998877"]


def test_mastodon_refuses_a_status_its_instance_cannot_resolve(
    server: FakePlatformServer,
) -> None:
    """A remote status the brand's instance cannot find is refused (not retried), nothing posted."""
    adapter = MastodonReplyAdapter(http(server, "mastodon"), clock, instance_host="mastodon.social")
    lost = mention(Platform.MASTODON, "gone.example:abc").model_copy(
        update={"url": "https://gone.example/@x/abc"}
    )
    with pytest.raises(PlatformError) as refused:
        adapter.post_reply(lost, "Hello", idempotency_key="r-3")
    assert not refused.value.retryable
    assert outbound.posted(server, "mastodon") == []


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


# ---------------------------------------------------------------------------- find_posted

ALL_CREDENTIALS = PlatformCredentials(
    x_user_access_token="x-token",
    facebook_page_access_token="fb-token",
    instagram_access_token="ig-token",
    reddit_client_id="reddit-app",
    reddit_client_secret="reddit-secret",
    reddit_username="brightwavehelp",
    reddit_password="reddit-password",
    mastodon_access_token="mastodon-token",
    bluesky_handle="brightwavehelp.bsky.social",
    bluesky_app_password="app-password",
)
# Each platform's mention, and the path prefix of the POST that publishes a reply to it.
TARGETS = {
    Platform.X: ("1790000000000000001", "/x/2/tweets"),
    Platform.FACEBOOK: ("1234_5678", "/facebook/"),
    Platform.INSTAGRAM: ("17890000000000001", "/instagram/"),
    Platform.REDDIT: ("t3_abc12", "/reddit/api/comment"),
    Platform.MASTODON: ("112233", "/mastodon/api/v1/statuses"),
    Platform.BLUESKY: (
        "at://did:plc:dana/app.bsky.feed.post/3kparent",
        "/bluesky/xrpc/com.atproto.repo.createRecord",
    ),
}
# An ampersand and a URL: X answers &amp; and a t.co link, Mastodon answers HTML.
REPLY_TEXT = "Sorry & thanks! Steps: https://help.example/reset?a=1&b=2"


def all_adapters(server: FakePlatformServer) -> dict[Platform, Any]:
    urls = outbound.base_urls(server)
    settings = ReplyPlatformSettings(
        platform_credentials_name="creds",
        x_api_base_url=urls["x"],
        facebook_graph_base_url=urls["facebook"],
        instagram_graph_base_url=urls["instagram"],
        reddit_base_url=urls["reddit"],
        reddit_auth_url=urls["reddit_auth"],
        mastodon_base_url=urls["mastodon"],
        bluesky_base_url=urls["bluesky"],
    )

    def make_client(base_url: str, headers: dict[str, str]) -> JsonHttpClient:
        return JsonHttpClient(
            base_url,
            headers=headers,
            max_attempts=3,
            sleep=SLEPT.append,
            rng=random.Random(2),  # noqa: S311
        )

    return dict(build_reply_adapters(settings, ALL_CREDENTIALS, clock, make_client))


@pytest.mark.parametrize("platform", list(TARGETS), ids=lambda p: p.value)
def test_find_posted_adopts_the_reply_whose_answer_was_lost(
    server: FakePlatformServer, platform: Platform
) -> None:
    """GIVEN nothing posted yet, find_posted finds nothing; WHEN a reply is published but its
    answer is lost, THEN the POST is not re-sent (outcome unknown; Mastodon's keyed retry gets
    the same status) and find_posted returns exactly the published reply, not one of
    another text."""
    post_id, post_path = TARGETS[platform]
    adapter = all_adapters(server)[platform]
    target = mention(platform, post_id)
    assert adapter.find_posted(target, REPLY_TEXT, "r-1") is None
    # WHEN the platform publishes the reply but the answer never comes back
    server.lose_answers(post_path)
    if platform is Platform.MASTODON:
        answered = adapter.post_reply(target, REPLY_TEXT, idempotency_key="r-1")
    else:
        with pytest.raises(PlatformError) as caught:
            adapter.post_reply(target, REPLY_TEXT, idempotency_key="r-1")
        assert caught.value.outcome_unknown
        answered = None
    # THEN it is on the platform once, and the lookup finds that one
    [published] = outbound.posted(server, platform.value)
    found = adapter.find_posted(target, REPLY_TEXT, "r-1")
    assert found is not None
    assert found.post_id == published["id"]
    assert found.url == (published["url"] or target.url)
    assert answered is None or answered.post_id == found.post_id
    assert adapter.find_posted(target, "A different answer", "r-2") is None


@dataclass
class CannedPlatform:
    """Answers each GET with the body canned for the first path fragment it contains."""

    bodies: dict[str, Any]
    paths: list[str] = field(default_factory=list)

    def __call__(self, request: urllib.request.Request, timeout: float) -> HttpResponse:
        self.paths.append(request.full_url)
        for fragment, body in self.bodies.items():
            if fragment in request.full_url:
                return HttpResponse(200, json.loads(json.dumps(body)), {})
        return HttpResponse(404, {"error": request.full_url}, {})


def canned(bodies: dict[str, Any]) -> JsonHttpClient:
    return JsonHttpClient("https://api.example", transport=CannedPlatform(bodies))


OURS = "Try holding the dial for 10 s & tell us: https://help.example/t"
X_BODIES = {
    "/2/users/me": {"data": {"id": "99", "username": "brightwave"}},
    "/2/users/99/tweets": {
        "data": [
            {"id": "1", "text": OURS, "referenced_tweets": [{"type": "replied_to", "id": "555"}]},
            {
                "id": "2",
                "text": "Thanks!",
                "referenced_tweets": [{"type": "replied_to", "id": "777"}],
            },
            {
                "id": "3",
                "text": "Try holding the dial for 10 s &amp; tell us: https://t.co/x1",
                "referenced_tweets": [{"type": "replied_to", "id": "777"}],
            },
        ]
    },
}
FACEBOOK_BODIES = {
    "/me": {"id": "104"},
    "/777/comments": {
        "data": [
            {"id": "777_1", "message": OURS, "from": {"id": "5", "name": "A copycat"}},
            {"id": "777_2", "message": OURS, "from": {"id": "104", "name": "Brightwave"}},
        ]
    },
}
INSTAGRAM_BODIES = {
    "/me": {"id": "178", "username": "brightwave"},
    "/777/replies": {
        "data": [
            {"id": "1", "text": OURS, "from": {"id": "9", "username": "copycat"}},
            {"id": "2", "text": OURS, "from": {"id": "178", "username": "brightwave"}},
        ]
    },
}
REDDIT_BODIES = {
    "/user/brightwavehelp/comments": {
        "kind": "Listing",
        "data": {
            "children": [
                {
                    "kind": "t1",
                    "data": {"id": "a1", "name": "t1_a1", "parent_id": "t3_other", "body": OURS},
                },
                {
                    "kind": "t1",
                    "data": {
                        "id": "a2",
                        "name": "t1_a2",
                        "parent_id": "t3_777",
                        "body": OURS,
                        "permalink": "/r/b/comments/777/c/a2/",
                    },
                },
            ]
        },
    },
}
MASTODON_BODIES = {
    "/verify_credentials": {"id": "42"},
    "/statuses/777/context": {
        "ancestors": [],
        "descendants": [
            {
                "id": "8",
                "in_reply_to_id": "777",
                "account": {"id": "13"},
                "content": f"<p>{OURS}</p>",
            },
            {
                "id": "9",
                "in_reply_to_id": "777",
                "account": {"id": "42"},
                "url": "https://m.example/@b/9",
                # As Mastodon renders a link: the scheme in an invisible span.
                "content": "<p>Try holding the dial for 10 s &amp; tell us: "
                '<a href="https://help.example/t" rel="nofollow noopener" target="_blank">'
                '<span class="invisible">https://</span><span class="">help.example/t</span>'
                '<span class="invisible"></span></a></p>',
            },
        ],
    },
}
BLUESKY_BODIES = {
    "createSession": {"accessJwt": "jwt", "did": "did:plc:brand", "handle": "brand.bsky.social"},
    "getPostThread": {
        "thread": {
            "post": {"uri": "at://did:plc:dana/app.bsky.feed.post/777"},
            "replies": [
                {
                    "post": {
                        "uri": "at://did:plc:copy/app.bsky.feed.post/1",
                        "author": {"did": "did:plc:copy"},
                        "record": {"text": OURS},
                    }
                },
                {
                    "post": {
                        "uri": "at://did:plc:brand/app.bsky.feed.post/2",
                        "author": {"did": "did:plc:brand", "handle": "brand.bsky.social"},
                        "record": {"text": OURS},
                    }
                },
            ],
        }
    },
}


def _grant() -> RedditPasswordGrant:
    auth = JsonHttpClient(
        "https://auth.example", transport=CannedPlatform({"access_token": {"access_token": "t"}})
    )
    return RedditPasswordGrant(
        auth, client_id="c", client_secret="s", username="brightwavehelp", password="p"
    )


FIND_CASES: list[tuple[Platform, str, Callable[[], Any], str]] = [
    (Platform.X, "777", lambda: XReplyAdapter(canned(X_BODIES), clock), "3"),
    (
        Platform.FACEBOOK,
        "777",
        lambda: facebook_reply_adapter(canned(FACEBOOK_BODIES), clock),
        "777_2",
    ),
    (
        Platform.INSTAGRAM,
        "777",
        lambda: instagram_reply_adapter(canned(INSTAGRAM_BODIES), clock),
        "2",
    ),
    (
        Platform.REDDIT,
        "t3_777",
        lambda: RedditReplyAdapter(canned(REDDIT_BODIES), clock, _grant()),
        "t1_a2",
    ),
    (Platform.MASTODON, "777", lambda: MastodonReplyAdapter(canned(MASTODON_BODIES), clock), "9"),
    (
        Platform.BLUESKY,
        "at://did:plc:dana/app.bsky.feed.post/777",
        lambda: BlueskyReplyAdapter(canned(BLUESKY_BODIES), clock, "brand.bsky.social", "pw"),
        "at://did:plc:brand/app.bsky.feed.post/2",
    ),
]


@pytest.mark.parametrize(
    ("platform", "post_id", "build", "expected"),
    FIND_CASES,
    ids=lambda c: getattr(c, "value", None),
)
def test_find_posted_picks_the_brands_reply_to_this_mention_among_decoys(
    platform: Platform, post_id: str, build: Callable[[], Any], expected: str
) -> None:
    """GIVEN a platform answering in its documented shape with decoys first (the same text by
    someone else or under another post, another text), THEN find_posted adopts only the brand's
    reply to this mention, with the platform's rewriting (&amp;, t.co, HTML) seen through."""
    found = build().find_posted(mention(platform, post_id), OURS, "r-1")
    assert found is not None
    assert (found.platform, found.post_id) == (platform, expected)


def test_a_lookup_that_cannot_answer_raises_rather_than_saying_not_posted() -> None:
    """GIVEN X failing the lookup (5xx on every attempt), THEN find_posted raises a
    PlatformError instead of answering "not there" (which would let the reply post twice)."""
    failing = JsonHttpClient(
        "https://api.example",
        max_attempts=2,
        sleep=SLEPT.append,
        transport=lambda request, timeout: HttpResponse(503, {}, {}),
    )
    with pytest.raises(PlatformError) as caught:
        XReplyAdapter(failing, clock).find_posted(mention(Platform.X, "777"), OURS, "r-1")
    assert caught.value.retryable
