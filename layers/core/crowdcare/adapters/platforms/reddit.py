"""What reading and replying on Reddit share: the OAuth password grant and the web URLs.

The grant is a "script" app's, one per brand account, used by the poller and the replies.

``POST /api/v1/access_token`` on www.reddit.com (form ``grant_type=password``, the app's id and
secret as HTTP Basic) answers ``{"access_token", "token_type": "bearer", "expires_in": 3600}``.
The token is fetched on first use and kept; a caller that gets a 401 calls `forget` and asks
again. Both read (oauth.reddit.com listings) and write (``/api/comment``) calls carry it.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from crowdcare.adapters.platforms.http import JsonHttpClient
from crowdcare.domain.errors import PlatformError

REDDIT_WEB = "https://www.reddit.com"


@dataclass
class RedditPasswordGrant:
    """Bearer tokens of the brand's Reddit account from a "script" app's password grant."""

    http: JsonHttpClient  # the auth host, https://www.reddit.com
    client_id: str
    client_secret: str = field(repr=False)
    username: str
    password: str = field(repr=False)
    _token: str | None = field(default=None, repr=False)

    def token(self, deadline: float | None = None) -> str:
        """The current token, fetched on first use (tokens last an hour)."""
        if self._token is None:
            basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
            response = self.http.post(
                "/api/v1/access_token",
                {"grant_type": "password", "username": self.username, "password": self.password},
                form=True,
                headers={"Authorization": f"Basic {basic}"},
                deadline=deadline,
                idempotent=True,  # a second token is harmless
            )
            token = response.body.get("access_token") if isinstance(response.body, dict) else None
            if not isinstance(token, str) or not token:
                raise PlatformError(
                    "Reddit: no access_token in the answer", status=response.status, retryable=False
                )
            self._token = token
        return self._token

    def headers(self, deadline: float | None = None) -> dict[str, str]:
        """The Authorization header with the current token."""
        return {"Authorization": f"Bearer {self.token(deadline)}"}

    def forget(self) -> None:
        """Drop an expired token so the next call fetches a new one."""
        self._token = None


def _bare(fullname: object) -> str:
    """An id without its kind prefix: "t3_abc" -> "abc"."""
    text = str(fullname or "")
    return text.split("_", 1)[1] if text[:1] == "t" and "_" in text[:3] else text


def reddit_url(kind: str, data: Mapping[str, Any]) -> str:
    """The web URL of a link (`kind` "t3") or comment ("t1") from its listing or API `data`.

    The ``permalink`` (for a username mention the ``context`` link, which opens the comment in
    its thread) when Reddit sent one; otherwise built from the subreddit and ids, which is the
    same page (Reddit ignores the title slug, so "_" stands in). Empty only when the ids
    needed are missing too.
    """
    link = str(data.get("context") or data.get("permalink") or "")
    if link.startswith("/"):
        return REDDIT_WEB + link
    if link.startswith("https://"):
        return link
    subreddit = str(data.get("subreddit") or "")
    own_id = _bare(data.get("id") or data.get("name"))
    if not subreddit or not own_id:
        return ""
    if kind == "t3":
        return f"{REDDIT_WEB}/r/{subreddit}/comments/{own_id}/"
    parent = str(data.get("parent_id") or "")
    thread = _bare(data.get("link_id") or (parent if parent.startswith("t3_") else ""))
    return f"{REDDIT_WEB}/r/{subreddit}/comments/{thread}/_/{own_id}/" if thread else ""
