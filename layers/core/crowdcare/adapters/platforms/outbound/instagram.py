"""Instagram (Graph API, business account): a reply is a reply to the comment that mentioned us.

POST /{ig-comment-id}/replies {"message"} answers {"id"}; GET /{id}?fields=like_count,replies
gives the figures. Instagram has no public URL per comment, so the reply's URL is the URL of
the media the thread is on (the mention's own URL).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote

from crowdcare.adapters.platforms.http import JsonHttpClient, PlatformError
from crowdcare.adapters.platforms.outbound.base import (
    INSTAGRAM_LIMIT,
    AdapterBase,
    PostedReply,
    Reach,
    as_int,
)
from crowdcare.domain.models import Mention, Platform


class InstagramReplyAdapter(AdapterBase):
    """Replies as the brand's Instagram business account."""

    def __init__(self, client: JsonHttpClient, clock: Callable[[], datetime]) -> None:
        super().__init__(Platform.INSTAGRAM, INSTAGRAM_LIMIT, clock)
        self._client = client

    def post_reply(
        self, mention: Mention, text: str, idempotency_key: str | None = None
    ) -> PostedReply:
        """Reply `text` to the mention's comment."""
        self.check_length(text)
        response = self._client.post(
            f"/{quote(mention.post_id, safe='')}/replies", {"message": text}
        )
        reply_id = response.body.get("id") if isinstance(response.body, dict) else None
        if not reply_id:
            raise PlatformError(
                "Instagram: no reply id in the answer", status=response.status, retryable=False
            )
        return self._posted(str(reply_id), mention.url)

    def reach(self, posted: PostedReply) -> Reach:
        """Likes and replies of a posted reply (Instagram comments cannot be shared)."""
        response = self._client.get(
            f"/{quote(posted.post_id, safe='')}", {"fields": "like_count,replies"}
        )
        body = response.body if isinstance(response.body, dict) else {}
        replies = body.get("replies", {})
        data = replies.get("data", []) if isinstance(replies, dict) else []
        return Reach(
            likes=as_int(body.get("like_count")),
            replies=len(data) if isinstance(data, list) else 0,
        )
