"""Bluesky (AT Protocol, XRPC over HTTP; the base URL is configuration).

* ``app.bsky.feed.searchPosts?q=&sort=latest&since=`` : posts matching the brand's query;
* ``app.bsky.notification.listNotifications``: mentions, replies and quotes of the brand
  account (needs a session: ``com.atproto.server.createSession`` with an app password).

Both answer newest first with an opaque ``cursor`` for the next older page, so the poller walks
backwards down to the watermark of its previous walk (`WalkState`, by ``indexedAt``), and only
moves the watermark when the walk reaches it. A walk cut short by the deadline resumes from its
saved page. Post ids are ``at://`` URIs (what the reply adapter needs).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crowdcare.adapters.platforms.http import JsonHttpClient
from crowdcare.adapters.platforms.inbound.bounds import edge_mention
from crowdcare.adapters.platforms.inbound.sources import (
    Page,
    SkippedItem,
    WalkState,
    convert_each,
    from_iso,
)
from crowdcare.domain.errors import PlatformError
from crowdcare.domain.models import Mention, Platform

MAX_SEARCH_LIMIT = 100
MAX_NOTIFICATION_LIMIT = 100
NOTIFICATION_REASONS = frozenset({"mention", "reply", "quote"})


@dataclass
class BlueskySession:
    """An access token from ``com.atproto.server.createSession`` (one per invocation)."""

    http: JsonHttpClient
    handle: str
    app_password: str
    _token: str | None = field(default=None, repr=False)

    def headers(self, deadline: float | None) -> dict[str, str]:
        """The Authorization header, creating the session on first use."""
        if self._token is None:
            response = self.http.post(
                "/xrpc/com.atproto.server.createSession",
                {"identifier": self.handle, "password": self.app_password},
                deadline=deadline,
                idempotent=True,  # a second session is harmless: retry it like a GET
            )
            body = response.body if isinstance(response.body, dict) else {}
            token = body.get("accessJwt")
            if not isinstance(token, str) or not token:
                raise PlatformError(
                    "bluesky: no accessJwt", status=response.status, retryable=False
                )
            self._token = token
        return {"Authorization": f"Bearer {self._token}"}


def bluesky_mention(post: dict[str, Any], raw: Any) -> Mention:
    """A post view or notification (both carry uri, author, record, indexedAt) as a mention."""
    uri = str(post["uri"])
    author = post["author"]
    record = post["record"]
    handle = str(author["handle"])
    langs = record.get("langs") or []
    parent = ((record.get("reply") or {}).get("parent") or {}).get("uri")
    return edge_mention(
        platform=Platform.BLUESKY,
        post_id=uri,
        url=f"https://bsky.app/profile/{handle}/post/{uri.rsplit('/', 1)[-1]}",
        author_id=str(author["did"]),
        handle=handle,
        display_name=str(author.get("displayName") or ""),
        followers=int(author.get("followersCount") or 0),
        text=str(record["text"]),
        lang_hint=str(langs[0]) if langs else None,
        created_at=from_iso(str(record["createdAt"])),
        parent_id=str(parent) if parent else None,
        raw=json.dumps(raw, separators=(",", ":"), ensure_ascii=False),
    )


def advance(
    state: WalkState, items: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], WalkState, bool]:
    """Keep the items newer than the watermark; move `top`; say if the watermark was reached."""
    mark = from_iso(state.mark) if state.mark else None
    top, top_seen = (
        (state.top, list(state.top_seen)) if state.top else (state.mark, list(state.seen))
    )
    fresh: list[dict[str, Any]] = []
    reached = False
    for item in items:
        at: datetime = from_iso(str(item["indexedAt"]))
        uri = str(item["uri"])
        if mark is not None and (at < mark or (at == mark and uri in state.seen)):
            reached = True
            continue
        fresh.append(item)
        if top is None or at > from_iso(top):
            top, top_seen = str(item["indexedAt"]), [uri]
        elif at == from_iso(top) and uri not in top_seen:
            top_seen.append(uri)
    return fresh, state.model_copy(update={"top": top, "top_seen": top_seen}), reached


def finish(state: WalkState) -> WalkState:
    """The walk is over: its newest item becomes the watermark."""
    if state.top is None:
        return WalkState(mark=state.mark, seen=state.seen)
    return WalkState(mark=state.top, seen=state.top_seen)


@dataclass
class BlueskySource:
    """A Bluesky feed walked backwards from the newest item to the previous watermark."""

    key: str
    http: JsonHttpClient
    path: str
    params: dict[str, Any]
    items_key: str
    keep: Callable[[dict[str, Any]], bool]
    session: BlueskySession | None = None
    use_since: bool = False
    limit: int = MAX_SEARCH_LIMIT

    def fetch(self, cursor: str | None, deadline: float | None) -> Page:
        """The next page of the walk under way, or the first page of a new walk."""
        state = WalkState.load(cursor)
        params: dict[str, Any] = {**self.params, "limit": self.limit}
        if self.use_since and state.mark:
            params["since"] = state.mark
        if state.page:
            params["cursor"] = state.page
        headers = self.session.headers(deadline) if self.session else None
        response = self.http.get(self.path, params, headers=headers, deadline=deadline)
        body = response.body if isinstance(response.body, dict) else {}
        listed: list[dict[str, Any]] = list(body.get(self.items_key) or [])
        # An item without its uri or time cannot be placed on the walk: skipped up front.
        items = [item for item in listed if _placeable(item)]
        unplaceable = [
            SkippedItem(str(item.get("uri") or "?"), "missing uri or indexedAt")
            for item in listed
            if not _placeable(item)
        ]
        fresh, state, reached = advance(state, items)
        mentions, skipped, ignored = convert_each(
            fresh,
            lambda item: bluesky_mention(item, item) if self.keep(item) else None,
            lambda item: item["uri"],
        )
        skipped = unplaceable + skipped
        next_page = body.get("cursor")
        # A first run reads one page; otherwise walk on until the watermark or the end.
        more = bool(next_page) and bool(listed) and not reached and state.mark is not None
        if more:
            cursor = state.model_copy(update={"page": str(next_page)}).dump()
            return Page(mentions, cursor, False, skipped=skipped, ignored=ignored)
        return Page(mentions, finish(state).dump(), done=True, skipped=skipped, ignored=ignored)


def _placeable(item: Any) -> bool:
    if not isinstance(item, dict) or not item.get("uri"):
        return False
    try:
        from_iso(str(item.get("indexedAt")))
    except ValueError:
        return False
    return True


def bluesky_search(
    http: JsonHttpClient, query: str, session: BlueskySession | None = None
) -> BlueskySource:
    """Posts matching `query`, latest first."""
    return BlueskySource(
        "bluesky:search",
        http,
        "/xrpc/app.bsky.feed.searchPosts",
        {"q": query, "sort": "latest"},
        "posts",
        keep=lambda _post: True,
        session=session,
        use_since=True,
    )


def bluesky_mentions(http: JsonHttpClient, session: BlueskySession) -> BlueskySource:
    """Mentions, replies and quotes of the session's account."""
    return BlueskySource(
        "bluesky:mentions",
        http,
        "/xrpc/app.bsky.notification.listNotifications",
        {},
        "notifications",
        keep=lambda item: item.get("reason") in NOTIFICATION_REASONS,
        session=session,
        limit=MAX_NOTIFICATION_LIMIT,
    )
