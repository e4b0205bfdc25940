"""Facebook Pages (Graph API): a reply is a comment on the post or comment that mentioned us.

POST /{object-id}/comments {"message"} answers {"id"}; GET /{comment-id}?fields=like_count,
comment_count,permalink_url gives the figures. The base URL includes the Graph version
(https://graph.facebook.com/v21.0) and the client carries the Page access token.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import quote

from crowdcare.adapters.platforms.http import JsonHttpClient, PlatformError
from crowdcare.adapters.platforms.outbound.base import (
    FACEBOOK_LIMIT,
    AdapterBase,
    PostedReply,
    Reach,
    as_int,
)
from crowdcare.domain.models import Mention, Platform


class FacebookReplyAdapter(AdapterBase):
    """Replies as the brand's Page."""

    def __init__(self, client: JsonHttpClient, clock: Callable[[], datetime]) -> None:
        super().__init__(Platform.FACEBOOK, FACEBOOK_LIMIT, clock)
        self._client = client

    def post_reply(
        self, mention: Mention, text: str, idempotency_key: str | None = None
    ) -> PostedReply:
        """Comment `text` under the mention (a post, or a comment, whose thread it joins)."""
        self.check_length(text)
        response = self._client.post(
            f"/{quote(mention.post_id, safe='')}/comments", {"message": text}
        )
        comment_id = response.body.get("id") if isinstance(response.body, dict) else None
        if not comment_id:
            raise PlatformError(
                "Facebook: no comment id in the answer", status=response.status, retryable=False
            )
        # Comment ids are "<post id>_<comment id>"; the post URL with ?comment_id opens it.
        post_part = str(comment_id).split("_", 1)[0]
        url = f"https://www.facebook.com/{post_part}?comment_id={comment_id}"
        return self._posted(str(comment_id), url)

    def reach(self, posted: PostedReply) -> Reach:
        """Likes and replies of a posted comment (comments cannot be shared)."""
        response = self._client.get(
            f"/{quote(posted.post_id, safe='')}", {"fields": "like_count,comment_count"}
        )
        body = response.body if isinstance(response.body, dict) else {}
        return Reach(
            likes=as_int(body.get("like_count")), replies=as_int(body.get("comment_count"))
        )
