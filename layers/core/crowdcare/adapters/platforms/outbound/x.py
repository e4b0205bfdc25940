"""X (API v2): a reply is a tweet with `reply.in_reply_to_tweet_id`.

POST /2/tweets {"text", "reply": {"in_reply_to_tweet_id"}} answers 201 {"data": {"id", "text"}};
GET /2/tweets/:id?tweet.fields=public_metrics gives like, retweet, quote and reply counts;
when there are likes or replies, GET /2/tweets/:id/liking_users and GET /2/tweets/search/recent
(query in_reply_to_tweet_id:<id>) name who liked and who answered (the first page of each).
The client carries a user-context OAuth 2.0 bearer token of the brand account.

X takes no idempotency key, so after a lost answer `find_posted` reads the brand's recent
tweets (GET /2/users/me once for the brand's id, then GET /2/users/:id/tweets with
referenced_tweets, replies included) for a reply to the mention's tweet with the same text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from crowdcare.adapters.platforms.http import JsonHttpClient
from crowdcare.adapters.platforms.outbound.base import (
    X_LIMIT,
    AdapterBase,
    PostedReply,
    Reach,
    as_int,
    likes_by,
    texts_match,
)
from crowdcare.domain.errors import PlatformError
from crowdcare.domain.models import Mention, Platform
from crowdcare.domain.replies import MAX_REACTIONS, Reaction, ReactionKind

# X answers 403 when the app's access tier does not include these reads: the counts still count.
_NOT_IN_TIER = 403


class XReplyAdapter(AdapterBase):
    """Replies on X as the brand account."""

    def __init__(self, client: JsonHttpClient, clock: Callable[[], datetime]) -> None:
        super().__init__(Platform.X, X_LIMIT, clock)
        self._client = client
        self._brand_id: str | None = None

    def post_reply(
        self, mention: Mention, text: str, idempotency_key: str | None = None
    ) -> PostedReply:
        """Tweet `text` in reply to the mention's tweet."""
        self.check_length(text)
        response = self._client.post(
            "/2/tweets", {"text": text, "reply": {"in_reply_to_tweet_id": mention.post_id}}
        )
        data = response.body.get("data") if isinstance(response.body, dict) else None
        if not isinstance(data, dict) or not data.get("id"):
            raise PlatformError(
                "X: no tweet id in the answer",
                status=response.status,
                retryable=False,
                outcome_unknown=True,  # a 2xx: the tweet may exist
            )
        tweet_id = str(data["id"])
        # /i/web/status/<id> resolves without knowing the account's handle.
        return self._posted(tweet_id, f"https://x.com/i/web/status/{tweet_id}")

    def find_posted(
        self, mention: Mention, text: str, idempotency_key: str | None = None
    ) -> PostedReply | None:
        """The brand's reply to the mention's tweet with this text, among its recent tweets."""
        response = self._client.get(
            f"/2/users/{quote(self._brand(), safe='')}/tweets",
            {
                "max_results": RECENT_TWEETS,
                "exclude": "retweets",
                "tweet.fields": "referenced_tweets,created_at",
            },
        )
        tweets = response.body.get("data") if isinstance(response.body, dict) else None
        for tweet in tweets if isinstance(tweets, list) else []:
            if _replies_to(tweet, mention.post_id) and texts_match(tweet.get("text"), text):
                tweet_id = str(tweet["id"])
                return self._posted(tweet_id, f"https://x.com/i/web/status/{tweet_id}")
        return None

    def _brand(self) -> str:
        if self._brand_id is None:
            response = self._client.get("/2/users/me")
            data = response.body.get("data") if isinstance(response.body, dict) else None
            if not isinstance(data, dict) or not data.get("id"):
                raise PlatformError(
                    "X: no user id from /2/users/me", status=response.status, retryable=True
                )
            self._brand_id = str(data["id"])
        return self._brand_id

    def reach(self, posted: PostedReply) -> Reach:
        """Likes, reposts (retweets and quotes) and replies of a posted tweet, and who liked
        and answered it."""
        tweet_id = quote(posted.post_id, safe="")
        response = self._client.get(f"/2/tweets/{tweet_id}", {"tweet.fields": "public_metrics"})
        data = response.body.get("data", {}) if isinstance(response.body, dict) else {}
        metrics = data.get("public_metrics", {}) if isinstance(data, dict) else {}
        likes, replies = as_int(metrics.get("like_count")), as_int(metrics.get("reply_count"))
        reactions: list[Reaction] = []
        try:
            if likes:
                reactions += self._likers(tweet_id)
            if replies:
                reactions += self._answers(posted.post_id)
        except PlatformError as error:
            if error.status != _NOT_IN_TIER:
                raise
        return Reach(
            likes=likes,
            reposts=as_int(metrics.get("retweet_count")) + as_int(metrics.get("quote_count")),
            replies=replies,
            reactions=tuple(reactions),
        )

    def _likers(self, tweet_id: str) -> list[Reaction]:
        response = self._client.get(
            f"/2/tweets/{tweet_id}/liking_users", {"max_results": MAX_REACTIONS}
        )
        users = response.body.get("data", []) if isinstance(response.body, dict) else []
        return likes_by(users, "id", "username")

    def _answers(self, tweet_id: str) -> list[Reaction]:
        response = self._client.get(
            "/2/tweets/search/recent",
            {
                "query": f"in_reply_to_tweet_id:{tweet_id}",
                "tweet.fields": "author_id",
                "expansions": "author_id",
                "user.fields": "username",
                "max_results": MAX_REACTIONS,
            },
        )
        body = response.body if isinstance(response.body, dict) else {}
        includes = body.get("includes", {})
        users = includes.get("users", []) if isinstance(includes, dict) else []
        handles = {
            str(u.get("id")): str(u.get("username", "")) for u in users if isinstance(u, dict)
        }
        return [
            Reaction(
                kind=ReactionKind.REPLY,
                author_id=str(t.get("author_id", "")),
                handle=handles.get(str(t.get("author_id")), ""),
                text=str(t.get("text", ""))[:1000],
            )
            for t in body.get("data", [])[:MAX_REACTIONS]
            if isinstance(t, dict)
        ]

# One page of the brand's timeline: a lookup follows a lost answer within minutes (the queue's
# redelivery), and a brand account does not post a hundred tweets in between.
RECENT_TWEETS = 100


def _replies_to(tweet: Any, tweet_id: str) -> bool:
    if not isinstance(tweet, dict) or not tweet.get("id"):
        return False
    refs = tweet.get("referenced_tweets")
    return any(
        isinstance(ref, dict) and ref.get("type") == "replied_to" and str(ref.get("id")) == tweet_id
        for ref in (refs if isinstance(refs, list) else [])
    )
