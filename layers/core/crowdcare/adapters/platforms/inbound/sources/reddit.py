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

import json
from dataclasses import dataclass
from typing import Any

from crowdcare.adapters.platforms.http import JsonHttpClient
from crowdcare.adapters.platforms.inbound.bounds import edge_mention
from crowdcare.adapters.platforms.inbound.sources import Page, convert_each, from_unix
from crowdcare.adapters.platforms.reddit import RedditPasswordGrant, reddit_url
from crowdcare.domain.models import Mention, Platform

MAX_LIMIT = 100


def reddit_mention(thing: dict[str, Any]) -> Mention:
    """A listing child (t3 link or t1 comment/mention) as a mention; raises on a bad shape.

    The URL is the item's permalink (a mention's ``context`` link), or built from its
    subreddit and ids when Reddit left those out.
    """
    data = thing["data"]
    kind = str(thing["kind"])
    if kind == "t3":
        title = str(data.get("title") or "")
        selftext = str(data.get("selftext") or "")
        text = f"{title}\n\n{selftext}" if selftext else title
        parent_id = None
    else:
        text = str(data.get("body") or "")
        parent_id = data.get("parent_id")
    author = str(data["author"])
    return edge_mention(
        platform=Platform.REDDIT,
        post_id=str(data["name"]),
        url=reddit_url(kind, data),
        author_id=str(data.get("author_fullname") or author),
        handle=author,
        display_name=author,
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
    auth: RedditPasswordGrant
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
        mentions, skipped, _ = convert_each(
            children, reddit_mention, lambda child: child["data"]["name"]
        )
        # The newest fullname Reddit sent, even if that item itself was unusable: `before=`
        # only needs it to exist. A page where no item has one cannot move the cursor.
        newest = next((str(c["data"]["name"]) for c in children if _fullname(c)), None)
        if newest is None:
            raise ValueError("no item of the listing has a fullname")
        # On the first run only the newest page is read; later a short page means we are
        # at the top of the listing.
        done = cursor is None or len(children) < self.limit
        return Page(mentions, newest, done=done, skipped=skipped)


def _fullname(child: Any) -> bool:
    data = child.get("data") if isinstance(child, dict) else None
    return isinstance(data, dict) and bool(data.get("name"))


def reddit_search(http: JsonHttpClient, auth: RedditPasswordGrant, query: str) -> RedditSource:
    """Site-wide search for `query`, newest first."""
    return RedditSource(
        "reddit:search", http, auth, "/search", {"q": query, "sort": "new", "type": "link"}
    )


def reddit_mentions(http: JsonHttpClient, auth: RedditPasswordGrant) -> RedditSource:
    """The brand account's username mentions (u/brand in comments)."""
    return RedditSource("reddit:mentions", http, auth, "/message/mentions", {})
