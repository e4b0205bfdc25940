"""Mastodon (REST API v1 of the brand's instance): a reply is a status with `in_reply_to_id`.

POST /api/v1/statuses {"status", "in_reply_to_id", "visibility": "public"} answers the status
({"id", "url", ...}); GET /api/v1/statuses/:id has favourites, reblogs and replies counts;
when there are favourites or replies, GET /api/v1/statuses/:id/favourited_by and
GET /api/v1/statuses/:id/context name who liked and who answered (the first page of each).
The post carries an `Idempotency-Key` (the reply's id): Mastodon answers a repeated post with
the status it already created, so a retry after a lost answer never posts twice. Mastodon
keeps keys for an hour only, so a retry later than that (an operator's, of a parked reply)
relies on `find_posted`: the mention's thread (GET /api/v1/statuses/:id/context) holds the
brand's status (GET /api/v1/accounts/verify_credentials, once) in reply to it, same text.

A mention's post id is `<origin host>:<status id>` (inbound/canonical.py), while the API wants
the status's id on the brand's own instance: the part after the colon for a status published
there, otherwise what GET /api/v2/search?q=<url>&resolve=true&type=statuses answers.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from crowdcare.adapters.platforms.http import JsonHttpClient
from crowdcare.adapters.platforms.outbound.base import (
    MASTODON_DEFAULT_MAX,
    AdapterBase,
    PostedReply,
    Reach,
    as_int,
    likes_by,
    mastodon_limit,
    texts_match,
)
from crowdcare.domain.errors import PlatformError
from crowdcare.domain.models import Mention, Platform
from crowdcare.domain.replies import MAX_REACTIONS, Reaction, ReactionKind

_TAG = re.compile(r"<[^>]*>")


def _plain(content: object) -> str:
    """A status's HTML content as plain text (tags dropped, entities decoded)."""
    return html.unescape(_TAG.sub(" ", str(content or "")))[:1000]


class MastodonReplyAdapter(AdapterBase):
    """Replies as the brand's account on its Mastodon instance."""

    def __init__(
        self,
        client: JsonHttpClient,
        clock: Callable[[], datetime],
        max_chars: int = MASTODON_DEFAULT_MAX,
        instance_host: str | None = None,
    ) -> None:
        super().__init__(Platform.MASTODON, mastodon_limit(max_chars), clock)
        self._client = client
        self._account_id: str | None = None
        self._instance_host = (instance_host or urlsplit(client.base_url).netloc or "").lower()
        self._local_ids: dict[str, str] = {}

    def local_status_id(self, mention: Mention) -> str:
        """The mention's status id on the brand's instance (see the module's docstring)."""
        host, colon, status_id = mention.post_id.rpartition(":")
        if not colon:
            return mention.post_id  # an id as the brand's instance gave it
        if host == self._instance_host:
            return status_id
        if mention.post_id not in self._local_ids:
            self._local_ids[mention.post_id] = self._resolve(mention)
        return self._local_ids[mention.post_id]

    def _resolve(self, mention: Mention) -> str:
        host, _, status_id = mention.post_id.rpartition(":")
        address = mention.url or f"https://{host}/@/{status_id}"
        response = self._client.get(
            "/api/v2/search", {"q": address, "resolve": "true", "type": "statuses", "limit": 1}
        )
        body = response.body if isinstance(response.body, dict) else {}
        statuses = body.get("statuses")
        found = statuses[0] if isinstance(statuses, list) and statuses else None
        if not isinstance(found, dict) or not found.get("id"):
            raise PlatformError(
                f"Mastodon: the brand's instance cannot resolve {address}",
                status=response.status,
                retryable=False,
            )
        return str(found["id"])

    def post_reply(
        self, mention: Mention, text: str, idempotency_key: str | None = None
    ) -> PostedReply:
        """Post `text` publicly in reply to the mention's status."""
        self.check_length(text)
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        response = self._client.post(
            "/api/v1/statuses",
            {
                "status": text,
                "in_reply_to_id": self.local_status_id(mention),
                "visibility": "public",
            },
            headers=headers,
        )
        body = response.body if isinstance(response.body, dict) else {}
        if not body.get("id"):
            raise PlatformError(
                "Mastodon: no status id in the answer",
                status=response.status,
                retryable=False,
                outcome_unknown=True,  # a 2xx: the status may exist
            )
        return self._posted(str(body["id"]), str(body.get("url") or body.get("uri") or ""))

    def find_posted(
        self, mention: Mention, text: str, idempotency_key: str | None = None
    ) -> PostedReply | None:
        """The brand's status in reply to the mention with this text, from its thread."""
        parent_id = self.local_status_id(mention)
        response = self._client.get(f"/api/v1/statuses/{quote(parent_id, safe='')}/context")
        body = response.body if isinstance(response.body, dict) else {}
        descendants = body.get("descendants")
        for status in descendants if isinstance(descendants, list) else []:
            if self._is_our_reply(status, parent_id, text):
                return self._posted(
                    str(status["id"]), str(status.get("url") or status.get("uri") or "")
                )
        return None

    def _is_our_reply(self, status: Any, parent_id: str, text: str) -> bool:
        if not isinstance(status, dict) or not status.get("id"):
            return False
        account = status.get("account")
        return (
            str(status.get("in_reply_to_id")) == parent_id
            and isinstance(account, dict)
            and str(account.get("id")) == self._account()
            and texts_match(status.get("content"), text, markup=True)
        )

    def _account(self) -> str:
        if self._account_id is None:
            response = self._client.get("/api/v1/accounts/verify_credentials")
            body = response.body if isinstance(response.body, dict) else {}
            if not body.get("id"):
                raise PlatformError(
                    "Mastodon: no account id from verify_credentials",
                    status=response.status,
                    retryable=True,
                )
            self._account_id = str(body["id"])
        return self._account_id

    def reach(self, posted: PostedReply) -> Reach:
        """Favourites, boosts and replies of a posted status, and who liked and answered it."""
        status_id = quote(posted.post_id, safe="")
        response = self._client.get(f"/api/v1/statuses/{status_id}")
        body = response.body if isinstance(response.body, dict) else {}
        likes, replies = as_int(body.get("favourites_count")), as_int(body.get("replies_count"))
        reactions: list[Reaction] = []
        if likes:
            favourited = self._client.get(
                f"/api/v1/statuses/{status_id}/favourited_by", {"limit": MAX_REACTIONS}
            ).body
            reactions += likes_by(favourited, "id", "acct")
        if replies:
            context = self._client.get(f"/api/v1/statuses/{status_id}/context").body
            descendants = context.get("descendants", []) if isinstance(context, dict) else []
            answers = [
                d
                for d in descendants
                if isinstance(d, dict) and str(d.get("in_reply_to_id")) == posted.post_id
            ]
            reactions += [
                Reaction(
                    kind=ReactionKind.REPLY,
                    author_id=str((d.get("account") or {}).get("id", "")),
                    handle=str((d.get("account") or {}).get("acct", "")),
                    text=_plain(d.get("content")),
                )
                for d in answers[:MAX_REACTIONS]
            ]
        return Reach(
            likes=likes,
            reposts=as_int(body.get("reblogs_count")),
            replies=replies,
            reactions=tuple(reactions),
        )
