"""X recent search (``GET /2/tweets/search/recent``): the fallback for brands without Account
Activity access. App-only bearer token; the base URL is configuration (https://api.x.com).

Results are newest first; ``since_id`` bounds them below and ``next_token`` pages to older
results, so the poller walks backwards down to the newest id of its previous walk
(`WalkState`: ``mark`` is that since_id, ``top`` the newest id of the walk under way). Authors
come from ``includes.users`` (``expansions=author_id``). Recent search covers seven days.

A tweet whose author is missing from ``includes.users`` (X leaves suspended or protected
authors out) is skipped with that reason; the rest of the page is stored and the walk moves
past it. Retweets (``referenced_tweets`` type ``retweeted``, also excluded by the query's
``-is:retweet``) and the brand's own tweets, its quote-retweets included, are not mentions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from crowdcare.adapters.platforms.http import JsonHttpClient
from crowdcare.adapters.platforms.inbound.bounds import edge_mention
from crowdcare.adapters.platforms.inbound.sources import (
    Page,
    UnusableItemError,
    WalkState,
    convert_each,
    from_iso,
)
from crowdcare.domain.models import Mention, Platform

MAX_RESULTS = 100
TWEET_FIELDS = "created_at,lang,author_id,conversation_id,referenced_tweets,note_tweet"
USER_FIELDS = "username,name,public_metrics,verified"
_UNDETERMINED = "und"


def is_retweet(tweet: dict[str, Any]) -> bool:
    """Whether a v2 tweet is a plain retweet (someone else's words, not a mention)."""
    return any(
        isinstance(ref, dict) and ref.get("type") == "retweeted"
        for ref in tweet.get("referenced_tweets") or []
    )


def x_mention(
    tweet: dict[str, Any], users: dict[str, dict[str, Any]], brand_user_id: str | None = None
) -> Mention | None:
    """A v2 tweet with its expanded author as a mention; None for a retweet or the brand's
    own tweet; raises on a bad shape (`UnusableItemError` when the author expansion is
    missing)."""
    author_id = str(tweet["author_id"])
    if is_retweet(tweet) or (brand_user_id is not None and author_id == brand_user_id):
        return None
    if author_id not in users:
        raise UnusableItemError(f"author {author_id} missing from includes.users (expansion)")
    user = users[author_id]
    username = str(user["username"])
    replied_to = next(
        (
            ref["id"]
            for ref in tweet.get("referenced_tweets") or []
            if ref.get("type") == "replied_to"
        ),
        None,
    )
    text = str((tweet.get("note_tweet") or {}).get("text") or tweet["text"])
    lang = tweet.get("lang")
    return edge_mention(
        platform=Platform.X,
        post_id=str(tweet["id"]),
        url=f"https://x.com/{username}/status/{tweet['id']}",
        author_id=str(user["id"]),
        handle=username,
        display_name=str(user.get("name") or ""),
        followers=int((user.get("public_metrics") or {}).get("followers_count") or 0),
        verified=bool(user.get("verified")),
        text=text,
        lang_hint=None if lang in (None, _UNDETERMINED) else str(lang),
        created_at=from_iso(str(tweet["created_at"])),
        parent_id=str(replied_to) if replied_to else None,
        raw=json.dumps({"data": tweet, "author": user}, separators=(",", ":"), ensure_ascii=False),
    )


@dataclass
class XSearchSource:
    """Recent search for `query`, walked backwards to the previous newest id."""

    http: JsonHttpClient
    query: str
    brand_user_id: str | None = None
    key: str = "x:search"
    max_results: int = MAX_RESULTS

    def fetch(self, cursor: str | None, deadline: float | None) -> Page:
        """The next page of the walk under way, or the first page of a new walk."""
        state = WalkState.load(cursor)
        params: dict[str, Any] = {
            "query": self.query,
            "max_results": self.max_results,
            "tweet.fields": TWEET_FIELDS,
            "expansions": "author_id",
            "user.fields": USER_FIELDS,
        }
        if state.mark:
            params["since_id"] = state.mark
        if state.page:
            params["next_token"] = state.page
        response = self.http.get("/2/tweets/search/recent", params, deadline=deadline)
        body = response.body if isinstance(response.body, dict) else {}
        tweets: list[dict[str, Any]] = list(body.get("data") or [])
        users = {
            str(u["id"]): u
            for u in (body.get("includes") or {}).get("users") or []
            if isinstance(u, dict) and u.get("id")
        }
        meta = body.get("meta") or {}
        mentions, skipped, ignored = convert_each(
            tweets, lambda tweet: x_mention(tweet, users, self.brand_user_id), lambda t: t["id"]
        )
        # Skipped tweets count for the walk too: they were read and reported, and waiting for
        # them would re-read (and re-report) them on every run.
        ids = [int(t["id"]) for t in tweets if str(t.get("id") or "").isdigit()]
        ids += [int(state.top)] if state.top else []
        top = str(max(ids)) if ids else None
        next_token = meta.get("next_token")
        if next_token and state.mark is not None:
            cursor = WalkState(mark=state.mark, page=str(next_token), top=top).dump()
            return Page(mentions, cursor, False, skipped=skipped, ignored=ignored)
        cursor = WalkState(mark=top or state.mark).dump()
        return Page(mentions, cursor, done=True, skipped=skipped, ignored=ignored)
