"""Reddit: search (``GET /search``) and username mentions (``GET /message/mentions``).

Both are Reddit listings: ``{"kind": "Listing", "data": {"children": [{"kind", "data"}],
"after", "before"}}``, newest first. ``before=<fullname>`` answers the `limit` items right
above (newer than) that item, so the poller walks upwards from its cursor, a page at a time,
with no gap; the cursor is the fullname of the newest item read. Calls go to the OAuth host
(``https://oauth.reddit.com``) with a bearer token from the password grant of a "script" app.

Known limitation (Reddit's): if the cursor's own post is deleted, ``before=`` answers an empty
listing from then on; the cursor then needs resetting (delete its item in the Cursors table).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from crowdcare.adapters.platforms.http import JsonHttpClient, PlatformError
from crowdcare.adapters.platforms.inbound.sources import Page, from_unix
from crowdcare.domain.models import Author, Mention, Platform

REDDIT_WEB = "https://www.reddit.com"
MAX_LIMIT = 100


@dataclass
class RedditAuth:
    """Bearer tokens from Reddit's password grant (``POST /api/v1/access_token``)."""

    http: JsonHttpClient  # the auth host, https://www.reddit.com
    client_id: str
    client_secret: str
    username: str
    password: str
    _token: str | None = field(default=None, repr=False)

    def headers(self, deadline: float | None) -> dict[str, str]:
        """The Authorization header, fetching a token on first use (tokens last an hour)."""
        if self._token is None:
            basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
            response = self.http.post(
                "/api/v1/access_token",
                {"grant_type": "password", "username": self.username, "password": self.password},
                form=True,
                headers={"Authorization": f"Basic {basic}"},
                deadline=deadline,
            )
            token = response.body.get("access_token") if isinstance(response.body, dict) else None
            if not isinstance(token, str) or not token:
                raise PlatformError(
                    "reddit: no access_token", status=response.status, retryable=False
                )
            self._token = token
        return {"Authorization": f"Bearer {self._token}"}


def reddit_mention(thing: dict[str, Any]) -> Mention:
    """A listing child (t3 link or t1 comment/mention) as a mention; raises on a bad shape."""
    data = thing["data"]
    kind = thing["kind"]
    if kind == "t3":
        title = str(data.get("title") or "")
        selftext = str(data.get("selftext") or "")
        text = f"{title}\n\n{selftext}" if selftext else title
        parent_id = None
        link = str(data.get("permalink") or "")
    else:
        text = str(data.get("body") or "")
        parent_id = data.get("parent_id")
        link = str(data.get("context") or data.get("permalink") or "")
    author = str(data["author"])
    return Mention(
        platform=Platform.REDDIT,
        post_id=str(data["name"]),
        url=REDDIT_WEB + link if link.startswith("/") else link,
        author=Author(
            id=str(data.get("author_fullname") or author), handle=author, display_name=author
        ),
        text=text,
        created_at=from_unix(float(data["created_utc"])),
        parent_id=str(parent_id) if parent_id else None,
        raw=_dump(thing),
    )


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


@dataclass
class RedditSource:
    """One Reddit listing read upwards from the newest fullname seen."""

    key: str
    http: JsonHttpClient
    auth: RedditAuth
    path: str
    params: dict[str, str]
    limit: int = MAX_LIMIT

    def fetch(self, cursor: str | None, deadline: float | None) -> Page:
        """The page just newer than `cursor` (the newest page on the first run)."""
        params: dict[str, Any] = {**self.params, "limit": self.limit, "raw_json": 1}
        if cursor is not None:
            params["before"] = cursor
        response = self.http.get(
            self.path, params, headers=self.auth.headers(deadline), deadline=deadline
        )
        listing = response.body.get("data", {}) if isinstance(response.body, dict) else {}
        children: list[dict[str, Any]] = list(listing.get("children") or [])
        if not children:
            return Page([], cursor, done=True)
        mentions = [reddit_mention(child) for child in children]
        newest = str(children[0]["data"]["name"])
        # On the first run only the newest page is read; later a short page means we are
        # at the top of the listing.
        done = cursor is None or len(children) < self.limit
        return Page(mentions, newest, done=done)


def reddit_search(http: JsonHttpClient, auth: RedditAuth, query: str) -> RedditSource:
    """Site-wide search for `query`, newest first."""
    return RedditSource(
        "reddit:search", http, auth, "/search", {"q": query, "sort": "new", "type": "link"}
    )


def reddit_mentions(http: JsonHttpClient, auth: RedditAuth) -> RedditSource:
    """The brand account's username mentions (u/brand in comments)."""
    return RedditSource("reddit:mentions", http, auth, "/message/mentions", {})
