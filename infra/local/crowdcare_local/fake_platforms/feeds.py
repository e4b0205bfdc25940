"""Fake read endpoints of Reddit, Mastodon, Bluesky and X search, with real pagination.

`register(server)` adds the routes; the posts they serve live in `server.state["feeds"]`, one
list per feed, oldest first, each item in the platform's own JSON shape (`add(server, feed,
item)` appends; the `*_item` builders make realistic ones). Point each platform's base URL at
``server.url + prefix``:

* Reddit, ``/reddit``: POST /api/v1/access_token; GET /search and /message/mentions
  (listings, newest first, ``before``/``after`` fullnames);
* Mastodon, ``/mastodon``: GET /api/v1/notifications?types[]=mention and
  /api/v1/timelines/tag/:tag (newest first; ``max_id``, ``since_id``, ``min_id``);
* Bluesky, ``/bluesky``: POST /xrpc/com.atproto.server.createSession; GET
  /xrpc/app.bsky.feed.searchPosts (``q``, ``since``, ``cursor``) and
  /xrpc/app.bsky.notification.listNotifications (``cursor``; needs the session token);
* X, ``/x``: GET /2/tweets/search/recent (``query``, ``since_id``, ``next_token``,
  ``expansions=author_id``).

Feeds: ``reddit_search``, ``reddit_mentions``, ``mastodon_notifications``, ``mastodon_statuses``
(the tag timeline filters them by tag), ``bluesky_posts``, ``bluesky_notifications``,
``x_tweets`` and the dict ``x_users`` (id -> user). Fault injection works per prefix:
``server.inject_faults("/x/", [429])``.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from crowdcare_local.fake_platforms.server import FakePlatformServer, FakeRequest, Reply

FEEDS = (
    "reddit_search",
    "reddit_mentions",
    "mastodon_notifications",
    "mastodon_statuses",
    "bluesky_posts",
    "bluesky_notifications",
    "x_tweets",
)


def feeds(server: FakePlatformServer) -> dict[str, Any]:
    """The feed store, created on first use."""
    store: dict[str, Any] = server.state.setdefault("feeds", {})
    for name in FEEDS:
        store.setdefault(name, [])
    store.setdefault("x_users", {})
    return store


def add(server: FakePlatformServer, feed: str, item: dict[str, Any]) -> None:
    """Append `item` (newest so far) to `feed`."""
    feeds(server)[feed].append(item)


def _one(request: FakeRequest, name: str, default: str | None = None) -> str | None:
    values = request.query.get(name)
    return values[0] if values else default


def _limit(request: FakeRequest, name: str, default: int, maximum: int) -> int:
    return max(1, min(int(_one(request, name) or default), maximum))


def _matches(text: str, query: str) -> bool:
    # Words only: operators such as "-is:retweet" or "lang:en" are accepted and ignored.
    words = [w for w in query.lower().split() if not w.startswith("-") and ":" not in w]
    return all(w in text.lower() for w in words)


# ------------------------------------------------------------------------------ Reddit


def _reddit_listing(request: FakeRequest, items: list[dict[str, Any]]) -> Reply:
    newest_first = list(reversed(items))
    names = [t["data"]["name"] for t in newest_first]
    limit = _limit(request, "limit", 25, 100)
    before, after = _one(request, "before"), _one(request, "after")
    if before is not None:
        if before not in names:
            page, start = [], 0
        else:
            end = names.index(before)
            start = max(0, end - limit)
            page = newest_first[start:end]
    elif after is not None:
        if after not in names:
            page, start = [], 0
        else:
            start = names.index(after) + 1
            page = newest_first[start : start + limit]
    else:
        start, page = 0, newest_first[:limit]
    has_newer = start > 0 and bool(page)
    has_older = bool(page) and start + len(page) < len(newest_first)
    data = {
        "after": page[-1]["data"]["name"] if has_older else None,
        "before": page[0]["data"]["name"] if has_newer else None,
        "dist": len(page),
        "children": page,
    }
    headers = {"x-ratelimit-remaining": "99.0", "x-ratelimit-used": "1", "x-ratelimit-reset": "60"}
    return 200, {"kind": "Listing", "data": data}, headers


def _reddit_search(request: FakeRequest, server: FakePlatformServer) -> Reply:
    query = _one(request, "q") or ""
    items = [
        t
        for t in feeds(server)["reddit_search"]
        if _matches(f"{t['data'].get('title', '')} {t['data'].get('selftext', '')}", query)
    ]
    return _reddit_listing(request, items)


# ------------------------------------------------------------------------------ Mastodon


def _mastodon_page(request: FakeRequest, items: list[dict[str, Any]]) -> Reply:
    ordered = sorted(items, key=lambda item: int(item["id"]))  # oldest first
    limit = _limit(request, "limit", 20, 40)
    max_id, since_id, min_id = (_one(request, n) for n in ("max_id", "since_id", "min_id"))
    if max_id is not None:
        ordered = [i for i in ordered if int(i["id"]) < int(max_id)]
    if since_id is not None:
        ordered = [i for i in ordered if int(i["id"]) > int(since_id)]
    if min_id is not None:
        # "immediately newer than": the oldest `limit` results above min_id
        page = [i for i in ordered if int(i["id"]) > int(min_id)][:limit]
    else:
        page = ordered[-limit:]
    page = list(reversed(page))  # always answered newest first
    headers = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "299"}
    if page:
        headers["Link"] = (
            f'<{request.path}?max_id={page[-1]["id"]}>; rel="next", '
            f'<{request.path}?min_id={page[0]["id"]}>; rel="prev"'
        )
    return 200, page, headers


def _mastodon_notifications(request: FakeRequest, server: FakePlatformServer) -> Reply:
    types = request.query.get("types[]") or request.query.get("types")
    items = [n for n in feeds(server)["mastodon_notifications"] if not types or n["type"] in types]
    return _mastodon_page(request, items)


def _mastodon_tag(request: FakeRequest, server: FakePlatformServer) -> Reply:
    tag = request.path.rsplit("/", 1)[-1].lower()
    items = [
        s
        for s in feeds(server)["mastodon_statuses"]
        if tag in {t["name"].lower() for t in s.get("tags", [])}
    ]
    return _mastodon_page(request, items)


# ------------------------------------------------------------------------------ Bluesky


def _offset_page(
    request: FakeRequest, newest_first: list[dict[str, Any]], key: str, limit: int
) -> Reply:
    offset = int(_one(request, "cursor") or 0)
    page = newest_first[offset : offset + limit]
    body: dict[str, Any] = {key: page}
    if offset + limit < len(newest_first):
        body["cursor"] = str(offset + limit)
    headers = {"ratelimit-limit": "3000", "ratelimit-remaining": "2999"}
    return 200, body, headers


def _bluesky_search(request: FakeRequest, server: FakePlatformServer) -> Reply:
    query = _one(request, "q") or ""
    since = _one(request, "since")
    items = [p for p in feeds(server)["bluesky_posts"] if _matches(p["record"]["text"], query)]
    if since:
        floor = datetime.fromisoformat(since)
        items = [p for p in items if datetime.fromisoformat(p["indexedAt"]) >= floor]
    items.sort(key=lambda p: p["indexedAt"], reverse=True)
    return _offset_page(request, items, "posts", _limit(request, "limit", 25, 100))


def _bluesky_notifications(request: FakeRequest, server: FakePlatformServer) -> Reply:
    if not request.headers.get("authorization", "").startswith("Bearer "):
        return 401, {"error": "AuthMissing", "message": "Authentication Required"}
    items = sorted(
        feeds(server)["bluesky_notifications"], key=lambda n: n["indexedAt"], reverse=True
    )
    return _offset_page(request, items, "notifications", _limit(request, "limit", 50, 100))


def _bluesky_session(request: FakeRequest, server: FakePlatformServer) -> Reply:
    body = request.json() or {}
    handle = str(body.get("identifier") or "brightwave.bsky.social")
    return 200, {
        "did": "did:plc:brightwave000000000000000",
        "handle": handle,
        "accessJwt": "fake-bluesky-access-jwt",
        "refreshJwt": "fake-bluesky-refresh-jwt",
        "active": True,
    }


# ------------------------------------------------------------------------------ X


def _x_search(request: FakeRequest, server: FakePlatformServer) -> Reply:
    store = feeds(server)
    query = _one(request, "query") or ""
    since_id, until_id = _one(request, "since_id"), _one(request, "until_id")
    items = [t for t in store["x_tweets"] if _matches(t["text"], query)]
    # The one operator honoured: the reach tracker asks for the answers to one reply.
    replied_to = re.search(r"in_reply_to_tweet_id:(\S+)", query)
    if replied_to:
        answer = {"type": "replied_to", "id": replied_to.group(1)}
        items = [t for t in items if answer in t.get("referenced_tweets", [])]
    if since_id:
        items = [t for t in items if int(t["id"]) > int(since_id)]
    if until_id:
        items = [t for t in items if int(t["id"]) < int(until_id)]
    items.sort(key=lambda t: int(t["id"]), reverse=True)
    limit = _limit(request, "max_results", 10, 100)
    offset = int(_one(request, "next_token") or 0)
    page = items[offset : offset + limit]
    meta: dict[str, Any] = {"result_count": len(page)}
    if page:
        meta.update(newest_id=page[0]["id"], oldest_id=page[-1]["id"])
    if offset + limit < len(items):
        meta["next_token"] = str(offset + limit)
    body: dict[str, Any] = {"meta": meta}
    if page:
        body["data"] = page
        author_ids = dict.fromkeys(t["author_id"] for t in page)
        # X leaves out authors it will not show (suspended, protected): so does the fake.
        known = [a for a in author_ids if a in store["x_users"]]
        body["includes"] = {"users": [store["x_users"][a] for a in known]}
    headers = {"x-rate-limit-limit": "450", "x-rate-limit-remaining": "449"}
    return 200, body, headers


# outbound.py answers the reach tracker's search for a reply's answers with the same handler.
x_search = _x_search


# ------------------------------------------------------------------------------ routes


def register(server: FakePlatformServer) -> None:
    """Add the fake read endpoints of every polled platform to `server`."""
    feeds(server)

    def bind(handler: Any) -> Any:
        return lambda request: handler(request, server)

    server.route(
        "POST",
        "/reddit/api/v1/access_token",
        lambda _r: (
            200,
            {
                "access_token": "fake-reddit-token",
                "token_type": "bearer",
                "expires_in": 3600,
                "scope": "*",
            },
        ),
    )
    server.route("GET", "/reddit/search", bind(_reddit_search))
    server.route(
        "GET",
        "/reddit/message/mentions",
        bind(lambda r, s: _reddit_listing(r, feeds(s)["reddit_mentions"])),
    )
    server.route("GET", "/mastodon/api/v1/notifications", bind(_mastodon_notifications))
    server.route("GET", "/mastodon/api/v1/timelines/tag/[^/]+", bind(_mastodon_tag))
    server.route("POST", "/bluesky/xrpc/com.atproto.server.createSession", bind(_bluesky_session))
    server.route("GET", "/bluesky/xrpc/app.bsky.feed.searchPosts", bind(_bluesky_search))
    server.route(
        "GET",
        "/bluesky/xrpc/app.bsky.notification.listNotifications",
        bind(_bluesky_notifications),
    )
    server.route("GET", "/x/2/tweets/search/recent", bind(_x_search))


def base_urls(server: FakePlatformServer) -> dict[str, str]:
    """The poller's base URL settings (environment variable names) for this fake server."""
    return {
        "REDDIT_BASE_URL": f"{server.url}/reddit",
        "REDDIT_AUTH_URL": f"{server.url}/reddit",
        "MASTODON_BASE_URL": f"{server.url}/mastodon",
        "BLUESKY_BASE_URL": f"{server.url}/bluesky",
        "X_API_BASE_URL": f"{server.url}/x",
    }


# ------------------------------------------------------------------------------ item builders
# Small, realistic items in each platform's shape, for seeding (tests and the demo).


def reddit_post(
    post_id: str, author: str, title: str, selftext: str, *, created_utc: float, subreddit: str
) -> dict[str, Any]:
    """A t3 link as a listing child (``post_id`` is the base-36 id without "t3_")."""
    slug = "_".join(title.lower().split()[:6])
    permalink = f"/r/{subreddit}/comments/{post_id}/{slug}/"
    return {
        "kind": "t3",
        "data": {
            "id": post_id,
            "name": f"t3_{post_id}",
            "author": author,
            "author_fullname": f"t2_{author[:8]}",
            "title": title,
            "selftext": selftext,
            "subreddit": subreddit,
            "permalink": permalink,
            "url": "https://www.reddit.com" + permalink,
            "created_utc": created_utc,
            "is_self": bool(selftext),
        },
    }


def reddit_comment_mention(
    comment_id: str, author: str, body: str, *, created_utc: float, parent: str, subreddit: str
) -> dict[str, Any]:
    """A username mention as /message/mentions lists it (a t1 with ``context``)."""
    link = parent.removeprefix("t3_")
    return {
        "kind": "t1",
        "data": {
            "id": comment_id,
            "name": f"t1_{comment_id}",
            "author": author,
            "body": body,
            "subject": "username mention",
            "was_comment": True,
            "type": "username_mention",
            "parent_id": parent,
            "subreddit": subreddit,
            "context": f"/r/{subreddit}/comments/{link}/_/{comment_id}/?context=3",
            "created_utc": created_utc,
            "new": True,
        },
    }


def mastodon_account(
    account_id: str, acct: str, display_name: str, followers: int
) -> dict[str, Any]:
    """A Mastodon account (the fields CrowdCare reads, plus a few for realism)."""
    return {
        "id": account_id,
        "username": acct.split("@", 1)[0],
        "acct": acct,
        "display_name": display_name,
        "followers_count": followers,
        "bot": False,
    }


def mastodon_status(
    status_id: str,
    account: dict[str, Any],
    html: str,
    created_at: str,
    *,
    language: str | None = "en",
    tags: tuple[str, ...] = (),
    in_reply_to_id: str | None = None,
) -> dict[str, Any]:
    """A status with HTML content, as the REST API renders it."""
    host = account["acct"].split("@", 1)[1] if "@" in account["acct"] else "mastodon.social"
    user = account["username"]
    return {
        "id": status_id,
        "created_at": created_at,
        "in_reply_to_id": in_reply_to_id,
        "spoiler_text": "",
        "visibility": "public",
        "language": language,
        "uri": f"https://{host}/users/{user}/statuses/{status_id}",
        "url": f"https://{host}/@{user}/{status_id}",
        "content": html,
        "account": account,
        "tags": [{"name": tag, "url": f"https://{host}/tags/{tag}"} for tag in tags],
    }


def mastodon_notification(notification_id: str, status: dict[str, Any]) -> dict[str, Any]:
    """A mention notification carrying `status`."""
    return {
        "id": notification_id,
        "type": "mention",
        "created_at": status["created_at"],
        "account": status["account"],
        "status": status,
    }


def bluesky_post(
    did: str,
    handle: str,
    rkey: str,
    text: str,
    indexed_at: str,
    *,
    display_name: str = "",
    lang: str | None = "en",
    reply_to: str | None = None,
) -> dict[str, Any]:
    """A post view as searchPosts returns it."""
    record: dict[str, Any] = {"$type": "app.bsky.feed.post", "createdAt": indexed_at, "text": text}
    if lang:
        record["langs"] = [lang]
    if reply_to:
        record["reply"] = {
            "root": {"uri": reply_to, "cid": "bafyroot"},
            "parent": {"uri": reply_to, "cid": "bafyparent"},
        }
    return {
        "uri": f"at://{did}/app.bsky.feed.post/{rkey}",
        "cid": f"bafyrei{rkey}",
        "author": {"did": did, "handle": handle, "displayName": display_name, "labels": []},
        "record": record,
        "replyCount": 0,
        "repostCount": 0,
        "likeCount": 0,
        "quoteCount": 0,
        "indexedAt": indexed_at,
        "labels": [],
    }


def bluesky_notification(post: dict[str, Any], reason: str = "mention") -> dict[str, Any]:
    """A notification (listNotifications) for `post`."""
    return {
        "uri": post["uri"],
        "cid": post["cid"],
        "author": post["author"],
        "reason": reason,
        "record": post["record"],
        "isRead": False,
        "indexedAt": post["indexedAt"],
        "labels": [],
    }


def x_user(
    user_id: str, username: str, name: str, followers: int, verified: bool = False
) -> dict[str, Any]:
    """A v2 user object with public_metrics."""
    return {
        "id": user_id,
        "username": username,
        "name": name,
        "verified": verified,
        "public_metrics": {
            "followers_count": followers,
            "following_count": 100,
            "tweet_count": 1000,
        },
    }


def x_tweet(
    tweet_id: str,
    user: dict[str, Any],
    text: str,
    created_at: str,
    *,
    lang: str = "en",
    replied_to: str | None = None,
) -> dict[str, Any]:
    """A v2 tweet (author in includes.users: pass the user to `add_x_tweet`)."""
    tweet: dict[str, Any] = {
        "id": tweet_id,
        "text": text,
        "author_id": user["id"],
        "created_at": created_at,
        "lang": lang,
        "conversation_id": replied_to or tweet_id,
        "edit_history_tweet_ids": [tweet_id],
    }
    if replied_to:
        tweet["referenced_tweets"] = [{"type": "replied_to", "id": replied_to}]
    return tweet


def add_x_tweet(server: FakePlatformServer, tweet: dict[str, Any], user: dict[str, Any]) -> None:
    """Add a tweet and its author."""
    store = feeds(server)
    store["x_users"][user["id"]] = user
    store["x_tweets"].append(tweet)
