"""Mastodon (any instance; the base URL is configuration): mentions and a hashtag timeline.

* ``GET /api/v1/notifications?types[]=mention`` (needs the brand account's token): each
  notification carries the mentioning ``status``;
* ``GET /api/v1/timelines/tag/:hashtag`` (public): statuses with the brand's hashtag.

Both are newest first and take ``min_id``: "results immediately newer than this id", so the
poller walks upwards from its cursor (the newest id read, compared as a number) with no gap.
Status ``content`` is HTML; it is reduced to text (paragraphs and line breaks kept as newlines).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

from crowdcare.adapters.platforms.http import JsonHttpClient
from crowdcare.adapters.platforms.inbound.bounds import edge_mention
from crowdcare.adapters.platforms.inbound.sources import Page, convert_each, from_iso
from crowdcare.domain.models import Mention, Platform

MAX_LIMIT = 40


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p" and self.parts:
            self.parts.append("\n\n")
        # Mastodon hides the "https://" and the tail of long links in invisible spans; the
        # visible text is what people read, so the invisible parts are dropped.
        classes = dict(attrs).get("class") or ""
        if tag == "span" and (self._hidden or "invisible" in classes.split()):
            self._hidden += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def strip_html(content: str) -> str:
    """Mastodon status HTML as plain text: tags dropped, entities decoded, breaks kept."""
    parser = _TextExtractor()
    parser.feed(content)
    parser.close()
    return "".join(parser.parts).strip()


def mastodon_mention(status: dict[str, Any], raw: Any) -> Mention:
    """A status as a mention; `raw` is what the API answered for it (kept for audit)."""
    account = status["account"]
    text = strip_html(str(status.get("content") or ""))
    spoiler = str(status.get("spoiler_text") or "")
    if spoiler:
        text = f"{spoiler}\n\n{text}" if text else spoiler
    return edge_mention(
        platform=Platform.MASTODON,
        post_id=str(status["id"]),
        url=str(status.get("url") or status.get("uri") or ""),
        uri=str(status.get("uri") or ""),
        author_id=str(account["id"]),
        handle=str(account["acct"]),
        display_name=str(account.get("display_name") or ""),
        followers=int(account.get("followers_count") or 0),
        text=text,
        lang_hint=status.get("language") or None,
        created_at=from_iso(str(status["created_at"])),
        parent_id=str(status["in_reply_to_id"]) if status.get("in_reply_to_id") else None,
        raw=json.dumps(raw, separators=(",", ":"), ensure_ascii=False),
    )


@dataclass
class MastodonSource:
    """One Mastodon timeline read upwards with ``min_id``."""

    key: str
    http: JsonHttpClient
    path: str
    params: dict[str, Any]
    notifications: bool
    limit: int = MAX_LIMIT

    def fetch(self, cursor: str | None, deadline: float | None) -> Page:
        """The page just newer than `cursor` (the newest page on the first run)."""
        params: dict[str, Any] = {**self.params, "limit": self.limit}
        if cursor is not None:
            params["min_id"] = cursor
        response = self.http.get(self.path, params, deadline=deadline)
        items: list[dict[str, Any]] = response.body if isinstance(response.body, list) else []
        if not items:
            return Page([], cursor, done=True)
        mentions, skipped, ignored = convert_each(items, self._mention, lambda item: item["id"])
        ids = [str(item["id"]) for item in items if str(item.get("id") or "").isdigit()]
        if not ids:
            raise ValueError("no item of the page has a numeric id")
        newest = max(ids, key=int)
        done = cursor is None or len(items) < self.limit
        return Page(mentions, newest, done=done, skipped=skipped, ignored=ignored)

    def _mention(self, item: dict[str, Any]) -> Mention | None:
        if not self.notifications:
            return mastodon_mention(item, item)
        if item.get("type") != "mention" or not item.get("status"):
            return None
        return mastodon_mention(item["status"], item)


def mastodon_mentions(http: JsonHttpClient) -> MastodonSource:
    """Notifications of type mention for the account whose token the client sends."""
    return MastodonSource(
        "mastodon:mentions", http, "/api/v1/notifications", {"types[]": "mention"}, True
    )


def mastodon_hashtag(http: JsonHttpClient, hashtag: str) -> MastodonSource:
    """The public timeline of `hashtag` (without "#") on the configured instance."""
    tag = hashtag.lstrip("#")
    return MastodonSource(
        f"mastodon:tag:{tag.lower()}",
        http,
        f"/api/v1/timelines/tag/{quote(tag, safe='')}",
        {},
        False,
    )
