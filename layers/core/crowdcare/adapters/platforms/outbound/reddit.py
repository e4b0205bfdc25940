"""Reddit (OAuth API at oauth.reddit.com): a reply is a comment on the submission or comment.

POST /api/comment (form: api_type=json, thing_id=t3_… or t1_…, text) answers 200 with
{"json": {"errors": [...], "data": {"things": [{"kind": "t1", "data": {...}}]}}}; Reddit
reports refusals (rate limit, locked thread) as error codes inside that 200.
GET /api/info?id=t1_… gives the comment's score and votes. The client carries the
descriptive User-Agent Reddit requires; the bearer token comes from the password grant of a
"script" app (POST /api/v1/access_token on www.reddit.com), fetched on first use and again
when Reddit answers 401 (tokens last an hour); the poller uses the same grant
(crowdcare.adapters.platforms.reddit). The reply's URL is the new comment's permalink, or
built from its subreddit and ids when Reddit leaves the permalink out.

Reddit takes no idempotency key, so after a lost answer `find_posted` reads the brand
account's newest comments (GET /user/{name}/comments?sort=new&raw_json=1) for one under the
mention's thing with the same body.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import quote

from crowdcare.adapters.platforms.http import HttpResponse, JsonHttpClient
from crowdcare.adapters.platforms.outbound.base import (
    REDDIT_LIMIT,
    AdapterBase,
    PostedReply,
    Reach,
    as_int,
    texts_match,
)
from crowdcare.adapters.platforms.reddit import RedditPasswordGrant, reddit_url
from crowdcare.domain.errors import PlatformError
from crowdcare.domain.models import Mention, Platform

# Error codes inside a 200 that mean "later": everything else is a refusal to park.
_RETRYABLE_CODES = frozenset({"RATELIMIT"})
_THING_PREFIXES = ("t1_", "t3_")


# One page of the account's newest comments: the lookup follows a lost answer within minutes.
RECENT_COMMENTS = 100


def thing_id(mention: Mention) -> str:
    """Reddit's fullname of the mention: as stored, or t3_ for a submission, t1_ for a comment."""
    if mention.post_id.startswith(_THING_PREFIXES):
        return mention.post_id
    return ("t1_" if mention.parent_id else "t3_") + mention.post_id


class RedditReplyAdapter(AdapterBase):
    """Replies as the brand's Reddit account."""

    def __init__(
        self, client: JsonHttpClient, clock: Callable[[], datetime], auth: RedditPasswordGrant
    ) -> None:
        super().__init__(Platform.REDDIT, REDDIT_LIMIT, clock)
        self._client = client
        self._auth = auth

    def _call(self, send: Callable[[dict[str, str]], HttpResponse]) -> HttpResponse:
        """Send with the current token; fetch a new one once if Reddit says it expired."""
        try:
            return send({"Authorization": f"Bearer {self._auth.token()}"})
        except PlatformError as error:
            if error.status != 401:
                raise
        self._auth.forget()
        return send({"Authorization": f"Bearer {self._auth.token()}"})

    def post_reply(
        self, mention: Mention, text: str, idempotency_key: str | None = None
    ) -> PostedReply:
        """Comment `text` (markdown) in reply to the mention."""
        self.check_length(text)
        form = {"api_type": "json", "thing_id": thing_id(mention), "text": text}
        response = self._call(
            lambda auth: self._client.post("/api/comment", form, form=True, headers=auth)
        )
        body: dict[str, Any] = response.body if isinstance(response.body, dict) else {}
        result = body.get("json", {})
        errors = result.get("errors") or []
        if errors:
            codes = [str(e[0]) for e in errors if isinstance(e, list) and e]
            raise PlatformError(
                f"Reddit refused the comment: {', '.join(codes) or 'unknown error'}",
                status=response.status,
                retryable=bool(codes) and all(code in _RETRYABLE_CODES for code in codes),
            )
        things = result.get("data", {}).get("things", [])
        data = things[0].get("data", {}) if things and isinstance(things[0], dict) else {}
        name = data.get("name") or (f"t1_{data['id']}" if data.get("id") else None)
        if not name:
            raise PlatformError(
                "Reddit: no comment in the answer",
                status=response.status,
                retryable=False,
                outcome_unknown=True,  # a 2xx without errors: the comment may exist
            )
        # The comment's own page; the thread (the mention's URL) only if Reddit gave no ids.
        return self._posted(str(name), reddit_url("t1", data) or mention.url)

    def find_posted(
        self, mention: Mention, text: str, idempotency_key: str | None = None
    ) -> PostedReply | None:
        """The brand's comment under the mention with this body, among its newest comments."""
        parent = thing_id(mention)
        user = quote(self._auth.username, safe="")
        params = {"sort": "new", "limit": RECENT_COMMENTS, "raw_json": 1}
        response = self._call(
            lambda auth: self._client.get(f"/user/{user}/comments", params, headers=auth)
        )
        body = response.body if isinstance(response.body, dict) else {}
        children = body.get("data", {}).get("children", [])
        for child in children if isinstance(children, list) else []:
            data = child.get("data", {}) if isinstance(child, dict) else {}
            name = data.get("name") or (f"t1_{data['id']}" if data.get("id") else None)
            if name and data.get("parent_id") == parent and texts_match(data.get("body"), text):
                return self._posted(str(name), reddit_url("t1", data) or mention.url)
        return None

    def reach(self, posted: PostedReply) -> Reach:
        """Upvotes of a posted comment; Reddit has no reposts, and /api/info has no reply
        count for comments, so replies stay 0."""
        response = self._call(
            lambda auth: self._client.get("/api/info", {"id": posted.post_id}, headers=auth)
        )
        body = response.body if isinstance(response.body, dict) else {}
        children = body.get("data", {}).get("children", [])
        data = children[0].get("data", {}) if children and isinstance(children[0], dict) else {}
        return Reach(likes=as_int(data.get("ups", data.get("score"))))
