"""Meta Graph API replies, for Facebook Pages and Instagram business accounts alike.

Both answer a mention with a comment posted under it and read its figures back with a GET of
the comment; they differ only in the edge, the figures' fields and the reply's URL:

* Facebook: POST /{post-or-comment-id}/comments {"message"} answers {"id"}; GET
  /{comment-id}?fields=like_count,comment_count. Comment ids are "<post>_<comment>", so the
  post's URL with ``?comment_id=`` opens the reply.
* Instagram: POST /{ig-comment-id}/replies {"message"} answers {"id"}; GET
  /{id}?fields=like_count,replies. Instagram has no public URL per comment, so the reply's
  URL is the URL of the media the thread is on (the mention's own URL).

The base URL includes the Graph version (https://graph.facebook.com/v21.0) and the client
carries the Page (or Instagram) access token.

Graph takes no idempotency key, so after a lost answer `find_posted` reads the thread's
replies (Facebook: GET /{id}/comments?order=reverse_chronological; Instagram: GET
/{id}/replies), each with its author (`from`), and adopts the one by the brand's account
(GET /me, once) with the same text. A comment whose author the token may not see is judged by
its text alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote

from crowdcare.adapters.platforms.http import JsonHttpClient
from crowdcare.adapters.platforms.outbound.base import (
    FACEBOOK_LIMIT,
    INSTAGRAM_LIMIT,
    AdapterBase,
    LengthLimit,
    PostedReply,
    Reach,
    as_int,
    texts_match,
)
from crowdcare.domain.errors import PlatformError
from crowdcare.domain.models import Mention, Platform


@dataclass(frozen=True)
class GraphProduct:
    """What differs between the Graph API products CrowdCare replies on."""

    platform: Platform
    limit: LengthLimit
    reply_edge: str
    text_field: str  # the comment's text as Graph reads it back
    me_fields: str  # who the token is: the Page (id), the Instagram account (id, username)
    reach_fields: str
    reply_url: Callable[[Mention, str], str]
    reach: Callable[[dict[str, Any]], Reach]


class GraphReplyAdapter(AdapterBase):
    """Replies as the brand's Page or Instagram account, as `product` describes."""

    def __init__(
        self, product: GraphProduct, client: JsonHttpClient, clock: Callable[[], datetime]
    ) -> None:
        super().__init__(product.platform, product.limit, clock)
        self._product = product
        self._client = client
        self._me: dict[str, str] | None = None

    def post_reply(
        self, mention: Mention, text: str, idempotency_key: str | None = None
    ) -> PostedReply:
        """Comment `text` under the mention (a post, or a comment, whose thread it joins)."""
        self.check_length(text)
        response = self._client.post(
            f"/{quote(mention.post_id, safe='')}/{self._product.reply_edge}", {"message": text}
        )
        reply_id = response.body.get("id") if isinstance(response.body, dict) else None
        if not reply_id:
            raise PlatformError(
                f"{self._product.platform.value}: no comment id in the answer",
                status=response.status,
                retryable=False,
                outcome_unknown=True,  # a 2xx: the comment may exist
            )
        return self._posted(str(reply_id), self._product.reply_url(mention, str(reply_id)))

    def find_posted(
        self, mention: Mention, text: str, idempotency_key: str | None = None
    ) -> PostedReply | None:
        """The brand's comment under the mention with this text, among the newest replies."""
        product = self._product
        response = self._client.get(
            f"/{quote(mention.post_id, safe='')}/{product.reply_edge}",
            {
                "fields": f"id,{product.text_field},from",
                "order": "reverse_chronological",
                "limit": RECENT_COMMENTS,
            },
        )
        data = response.body.get("data") if isinstance(response.body, dict) else None
        for comment in data if isinstance(data, list) else []:
            if (
                isinstance(comment, dict)
                and comment.get("id")
                and texts_match(comment.get(product.text_field), text)
                and self._by_brand(comment.get("from"))
            ):
                reply_id = str(comment["id"])
                return self._posted(reply_id, product.reply_url(mention, reply_id))
        return None

    def _by_brand(self, author: object) -> bool:
        if not isinstance(author, dict):
            return True  # the token may not see authors: the exact text decides
        me = self._whoami()
        return str(author.get("id")) == me["id"] or (
            bool(me["username"]) and author.get("username") == me["username"]
        )

    def _whoami(self) -> dict[str, str]:
        if self._me is None:
            response = self._client.get("/me", {"fields": self._product.me_fields})
            body = response.body if isinstance(response.body, dict) else {}
            if not body.get("id"):
                raise PlatformError(
                    f"{self._product.platform.value}: no account id from /me",
                    status=response.status,
                    retryable=True,
                )
            self._me = {"id": str(body["id"]), "username": str(body.get("username") or "")}
        return self._me

    def reach(self, posted: PostedReply) -> Reach:
        """Likes and replies of a posted comment (Graph comments cannot be shared)."""
        response = self._client.get(
            f"/{quote(posted.post_id, safe='')}", {"fields": self._product.reach_fields}
        )
        return self._product.reach(response.body if isinstance(response.body, dict) else {})


# One page of the newest replies: the lookup follows a lost answer within minutes.
RECENT_COMMENTS = 100


def _facebook_comment_url(_mention: Mention, comment_id: str) -> str:
    post_part = comment_id.split("_", 1)[0]
    return f"https://www.facebook.com/{post_part}?comment_id={comment_id}"


def _facebook_reach(body: dict[str, Any]) -> Reach:
    return Reach(likes=as_int(body.get("like_count")), replies=as_int(body.get("comment_count")))


def _instagram_reach(body: dict[str, Any]) -> Reach:
    replies = body.get("replies", {})
    data = replies.get("data", []) if isinstance(replies, dict) else []
    return Reach(
        likes=as_int(body.get("like_count")), replies=len(data) if isinstance(data, list) else 0
    )


FACEBOOK = GraphProduct(
    Platform.FACEBOOK,
    FACEBOOK_LIMIT,
    reply_edge="comments",
    text_field="message",
    me_fields="id",
    reach_fields="like_count,comment_count",
    reply_url=_facebook_comment_url,
    reach=_facebook_reach,
)
INSTAGRAM = GraphProduct(
    Platform.INSTAGRAM,
    INSTAGRAM_LIMIT,
    reply_edge="replies",
    text_field="text",
    me_fields="id,username",
    reach_fields="like_count,replies",
    reply_url=lambda mention, _reply_id: mention.url,
    reach=_instagram_reach,
)


def facebook_reply_adapter(
    client: JsonHttpClient, clock: Callable[[], datetime]
) -> GraphReplyAdapter:
    """Replies as the brand's Facebook Page."""
    return GraphReplyAdapter(FACEBOOK, client, clock)


def instagram_reply_adapter(
    client: JsonHttpClient, clock: Callable[[], datetime]
) -> GraphReplyAdapter:
    """Replies as the brand's Instagram business account."""
    return GraphReplyAdapter(INSTAGRAM, client, clock)
