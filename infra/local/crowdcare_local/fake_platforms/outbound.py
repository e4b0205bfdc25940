"""Fake write and metrics endpoints of the six platforms, for reply posting and reach reading.

Each platform lives under its own prefix, and an adapter's base URL includes it
(`http://127.0.0.1:PORT/x`, `.../facebook/v21.0`, `.../mastodon`). The shapes are those the real
APIs answer, closely enough for the adapters. Every reply is recorded in
`server.state["posted"]` (platform, id, url, in_reply_to, text, and the raw request); reach
figures come from `set_reach(...)`, zero until set. Writes without an Authorization header are
answered 401, as the real APIs do. Bluesky's createSession and Reddit's access_token are also
registered by feeds.py; whichever registered first answers, and both work for replies.

The reads a reply adapter's `find_posted` makes after a lost answer are served from the same
record, in the platforms' shapes: X's user timeline (GET /2/users/me, /2/users/:id/tweets, text
HTML-escaped as X sends it), a Graph object's comments or replies with their author (and GET
/me), Reddit's /user/{name}/comments (every comment posted here is the brand's), Mastodon's
status context (statuses as HTML) and verify_credentials, Bluesky's getPostThread.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import threading
from datetime import UTC, datetime
from typing import Any

from crowdcare_local.fake_platforms import feeds, graph
from crowdcare_local.fake_platforms.server import FakePlatformServer, FakeRequest, Reply

BRAND_BLUESKY_DID = "did:plc:brightwavehelp000000000"
BRAND_BLUESKY_HANDLE = "brightwavehelp.bsky.social"
MASTODON_INSTANCE = "https://mastodon.example"
BRAND_X_ID = "1500000000000000001"
BRAND_X_USERNAME = "brightwave"
BRAND_PAGE_ID = "104000000000001"
BRAND_INSTAGRAM_ID = "17841400000000001"
BRAND_INSTAGRAM_USERNAME = "brightwave"
BRAND_MASTODON_ACCOUNT = {
    "id": "109000000000000001",
    "username": "brightwave",
    "acct": "brightwave",
}

_ids = itertools.count(1)
_ids_lock = threading.Lock()


def _next_id() -> int:
    with _ids_lock:
        return next(_ids)


def _posted(server: FakePlatformServer) -> list[dict[str, Any]]:
    return server.state.setdefault("posted", [])  # type: ignore[no-any-return]


def _reach(server: FakePlatformServer, platform: str, post_id: str) -> dict[str, int]:
    figures: dict[str, int] = server.state.get("reach", {}).get((platform, post_id), {})
    return {"likes": 0, "reposts": 0, "replies": 0, **figures}


def set_reach(
    server: FakePlatformServer,
    platform: str,
    post_id: str,
    *,
    likes: int = 0,
    reposts: int = 0,
    replies: int = 0,
) -> None:
    """Make the metrics endpoints report these figures for a posted reply."""
    server.state.setdefault("reach", {})[(platform, post_id)] = {
        "likes": likes,
        "reposts": reposts,
        "replies": replies,
    }


def set_reactions(
    server: FakePlatformServer,
    platform: str,
    post_id: str,
    *,
    likers: list[tuple[str, str]] | None = None,
    answers: list[tuple[str, str, str]] | None = None,
) -> None:
    """Make the likers and answers endpoints name these (id, handle) likers and
    (id, handle, text) answers of a posted reply (X finds answers by search: they become
    tweets in the feed store)."""
    server.state.setdefault("reactions", {})[(platform, post_id)] = {
        "likers": likers or [],
        "answers": answers or [],
    }
    if platform == "x":
        for n, (user_id, handle, text) in enumerate(answers or [], start=1):
            user = feeds.x_user(user_id, handle, handle, followers=0)
            answer = feeds.x_tweet(
                f"{post_id}{n}", user, text, "2025-01-01T00:00:00.000Z", replied_to=post_id
            )
            feeds.add_x_tweet(server, answer, user)


def _reactions(server: FakePlatformServer, platform: str, post_id: str) -> dict[str, Any]:
    found: dict[str, Any] = server.state.get("reactions", {}).get((platform, post_id), {})
    return {"likers": [], "answers": [], **found}


def posted(server: FakePlatformServer, platform: str | None = None) -> list[dict[str, Any]]:
    """Replies the fake accepted (of one platform, or all), oldest first."""
    return [p for p in _posted(server) if platform is None or p["platform"] == platform]


def _unauthorized(request: FakeRequest) -> Reply | None:
    if not request.headers.get("authorization"):
        return 401, {"error": "missing access token"}
    return None


def _record(server: FakePlatformServer, entry: dict[str, Any]) -> None:
    with server._lock:  # the server's own lock guards its shared state
        _posted(server).append(entry)


# ---------------------------------------------------------------------------- X


def _x_create(server: FakePlatformServer, request: FakeRequest) -> Reply:
    if (denied := _unauthorized(request)) is not None:
        return denied
    body = request.json() or {}
    text, reply = body.get("text"), body.get("reply") or {}
    if not isinstance(text, str) or not reply.get("in_reply_to_tweet_id"):
        return 400, {"title": "Invalid Request", "detail": "text and reply are required"}
    tweet_id = str(1_800_000_000_000_000_000 + _next_id())
    _record(
        server,
        {
            "platform": "x",
            "id": tweet_id,
            "url": f"https://x.com/i/web/status/{tweet_id}",
            "in_reply_to": reply["in_reply_to_tweet_id"],
            "text": text,
            "request": body,
        },
    )
    return 201, {"data": {"id": tweet_id, "edit_history_tweet_ids": [tweet_id], "text": text}}


def _x_me(server: FakePlatformServer, request: FakeRequest) -> Reply:
    if (denied := _unauthorized(request)) is not None:
        return denied
    return 200, {"data": {"id": BRAND_X_ID, "name": "Brightwave", "username": BRAND_X_USERNAME}}


def _x_user_tweets(server: FakePlatformServer, request: FakeRequest) -> Reply:
    """The user's newest tweets first, replies included (the brand's: every reply posted)."""
    if (denied := _unauthorized(request)) is not None:
        return denied
    user_id = request.path.split("/")[-2]
    limit = int((request.query.get("max_results") or ["10"])[0])
    mine = posted(server, "x") if user_id == BRAND_X_ID else []
    tweets = [
        {
            "id": p["id"],
            "text": html.escape(p["text"], quote=False),  # X sends &amp; &lt; &gt;
            "edit_history_tweet_ids": [p["id"]],
            "referenced_tweets": [{"type": "replied_to", "id": p["in_reply_to"]}],
        }
        for p in reversed(mine)
    ][:limit]
    if not tweets:
        return 200, {"meta": {"result_count": 0}}
    newest, oldest = tweets[0]["id"], tweets[-1]["id"]
    meta = {"result_count": len(tweets), "newest_id": newest, "oldest_id": oldest}
    return 200, {"data": tweets, "meta": meta}


def _x_read(server: FakePlatformServer, request: FakeRequest) -> Reply:
    tweet_id = request.path.rsplit("/", 1)[-1]
    reach = _reach(server, "x", tweet_id)
    metrics = {
        "like_count": reach["likes"],
        "retweet_count": reach["reposts"],
        "quote_count": 0,
        "reply_count": reach["replies"],
        "impression_count": 0,
    }
    return 200, {"data": {"id": tweet_id, "text": "", "public_metrics": metrics}}


def _x_liking_users(server: FakePlatformServer, request: FakeRequest) -> Reply:
    tweet_id = request.path.split("/")[-2]
    users = [{"id": i, "username": h} for i, h in _reactions(server, "x", tweet_id)["likers"]]
    return 200, ({"data": users} if users else {}) | {"meta": {"result_count": len(users)}}


# ---------------------------------------------------------------------------- Facebook


def _facebook_create(server: FakePlatformServer, request: FakeRequest, target: str) -> Reply:
    if (denied := _unauthorized(request)) is not None:
        return denied
    body = request.json() or {}
    if not isinstance(body.get("message"), str):
        return 400, {"error": {"message": "(#100) message is required", "code": 100}}
    post_part = target.split("_", 1)[0]
    comment_id = f"{post_part}_{9_000_000 + _next_id()}"
    _record(
        server,
        {
            "platform": "facebook",
            "id": comment_id,
            "url": f"https://www.facebook.com/{post_part}?comment_id={comment_id}",
            "in_reply_to": target,
            "text": body["message"],
            "request": body,
        },
    )
    return 200, {"id": comment_id}


def _instagram_create(server: FakePlatformServer, request: FakeRequest, target: str) -> Reply:
    if (denied := _unauthorized(request)) is not None:
        return denied
    body = request.json() or {}
    if not isinstance(body.get("message"), str):
        return 400, {"error": {"message": "(#100) message is required", "code": 100}}
    reply_id = str(17_800_000_000_000_000 + _next_id())
    _record(
        server,
        {
            "platform": "instagram",
            "id": reply_id,
            "url": "",
            "in_reply_to": target,
            "text": body["message"],
            "request": body,
        },
    )
    return 200, {"id": reply_id}


def _graph_me(platform: str, request: FakeRequest) -> Reply:
    if (denied := _unauthorized(request)) is not None:
        return denied
    if platform == "facebook":
        return 200, {"id": BRAND_PAGE_ID, "name": "Brightwave"}
    return 200, {"id": BRAND_INSTAGRAM_ID, "username": BRAND_INSTAGRAM_USERNAME}


def _graph_replies(server: FakePlatformServer, platform: str, request: FakeRequest) -> Reply:
    """The comments under a Graph object (Facebook's comments, Instagram's replies), each
    with its author: the brand's Page or Instagram account posted every one recorded here."""
    if (denied := _unauthorized(request)) is not None:
        return denied
    target = request.path.rstrip("/").split("/")[-2]
    under = [p for p in posted(server, platform) if p["in_reply_to"] == target]
    if (request.query.get("order") or [""])[0] == "reverse_chronological":
        under.reverse()
    under = under[: int((request.query.get("limit") or ["25"])[0])]
    if platform == "facebook":
        author = {"id": BRAND_PAGE_ID, "name": "Brightwave"}
        data = [{"id": p["id"], "message": p["text"], "from": author} for p in under]
    else:
        author = {"id": BRAND_INSTAGRAM_ID, "username": BRAND_INSTAGRAM_USERNAME}
        data = [{"id": p["id"], "text": p["text"], "from": author} for p in under]
    return 200, {"data": data, "paging": {"cursors": {"before": "b", "after": "a"}}}


def _graph_read(server: FakePlatformServer, platform: str, object_id: str) -> Reply:
    reach = _reach(server, platform, object_id)
    if platform == "facebook":
        return 200, {
            "id": object_id,
            "like_count": reach["likes"],
            "comment_count": reach["replies"],
        }
    return 200, {
        "id": object_id,
        "like_count": reach["likes"],
        "replies": {"data": [{"id": f"{object_id}-r{i}"} for i in range(reach["replies"])]},
    }


# ---------------------------------------------------------------------------- Reddit


def _reddit_token(request: FakeRequest) -> Reply:
    form = {k: v[0] for k, v in request.form().items()}
    if not request.headers.get("authorization", "").startswith("Basic ") or not form.get(
        "password"
    ):
        return 401, {"message": "Unauthorized", "error": 401}
    token = {"access_token": f"fake-reddit-{_next_id()}", "token_type": "bearer"}
    return 200, {**token, "expires_in": 3600, "scope": "*"}


def _reddit_comment(server: FakePlatformServer, request: FakeRequest) -> Reply:
    if (denied := _unauthorized(request)) is not None:
        return denied
    form = {k: v[0] for k, v in request.form().items()}
    thing = form.get("thing_id", "")
    if not thing.startswith(("t1_", "t3_")) or not form.get("text"):
        return 200, {"json": {"errors": [["BAD_THING", "invalid thing_id", "thing_id"]]}}
    comment = f"{_next_id():07x}"
    link = thing[3:] if thing.startswith("t3_") else "abc123"
    permalink = f"/r/brightwave/comments/{link}/comment/{comment}/"
    _record(
        server,
        {
            "platform": "reddit",
            "id": f"t1_{comment}",
            "url": f"https://www.reddit.com{permalink}",
            "in_reply_to": thing,
            "text": form["text"],
            "request": form,
        },
    )
    data = {
        "id": comment,
        "name": f"t1_{comment}",
        "parent_id": thing,
        "body": form["text"],
        "permalink": permalink,
    }
    return 200, {"json": {"errors": [], "data": {"things": [{"kind": "t1", "data": data}]}}}


def _reddit_user_comments(server: FakePlatformServer, request: FakeRequest) -> Reply:
    """A user's newest comments: every comment posted here is the brand account's."""
    if (denied := _unauthorized(request)) is not None:
        return denied
    user = request.path.split("/")[-2]
    limit = int((request.query.get("limit") or ["25"])[0])
    children = []
    for p in reversed(posted(server, "reddit")):
        data = {
            "id": p["id"][3:],
            "name": p["id"],
            "parent_id": p["in_reply_to"],
            "author": user,
            "body": p["text"],
            "permalink": p["url"].removeprefix("https://www.reddit.com"),
        }
        children.append({"kind": "t1", "data": data})
    return 200, {"kind": "Listing", "data": {"children": children[:limit], "after": None}}


def _reddit_info(server: FakePlatformServer, request: FakeRequest) -> Reply:
    names = ",".join(request.query.get("id", [])).split(",")
    children = []
    for name in filter(None, names):
        reach = _reach(server, "reddit", name)
        data = {"name": name, "ups": reach["likes"], "score": reach["likes"]}
        children.append({"kind": "t1", "data": data})
    return 200, {"kind": "Listing", "data": {"children": children}}


# ---------------------------------------------------------------------------- Mastodon


def _mastodon_create(server: FakePlatformServer, request: FakeRequest) -> Reply:
    if (denied := _unauthorized(request)) is not None:
        return denied
    body = request.json() or {}
    if not isinstance(body.get("status"), str):
        return 422, {"error": "Validation failed: Text can't be blank"}
    key = request.headers.get("idempotency-key")
    seen: dict[str, dict[str, Any]] = server.state.setdefault("mastodon_idempotency", {})
    if key and key in seen:
        return 200, seen[key]  # Mastodon answers a repeated key with the same status
    status_id = str(112_000_000_000_000_000 + _next_id())
    url = f"{MASTODON_INSTANCE}/@brightwave/{status_id}"
    status = {
        "id": status_id,
        "uri": f"{MASTODON_INSTANCE}/users/brightwave/statuses/{status_id}",
        "url": url,
        "in_reply_to_id": body.get("in_reply_to_id"),
        "visibility": body.get("visibility", "public"),
        "content": "<p>" + html.escape(body["status"]).replace("\n", "<br />") + "</p>",
        "account": BRAND_MASTODON_ACCOUNT,
        "created_at": datetime.now(UTC).isoformat(),
        "favourites_count": 0,
        "reblogs_count": 0,
        "replies_count": 0,
    }
    if key:
        seen[key] = status
    _record(
        server,
        {
            "platform": "mastodon",
            "id": status_id,
            "url": url,
            "in_reply_to": body.get("in_reply_to_id"),
            "text": body["status"],
            "request": body,
            "status": status,
        },
    )
    return 200, status


def _mastodon_search(server: FakePlatformServer, request: FakeRequest) -> Reply:
    """Resolving a status's address to its id here (the fake keeps one id per status)."""
    if (denied := _unauthorized(request)) is not None:
        return denied
    address = (request.query.get("q") or [""])[0]
    status_id = address.rstrip("/").rsplit("/", 1)[-1]
    if not status_id.isdigit():
        return 200, {"accounts": [], "statuses": [], "hashtags": []}
    return 200, {"accounts": [], "statuses": [{"id": status_id, "url": address}], "hashtags": []}


def _mastodon_me(server: FakePlatformServer, request: FakeRequest) -> Reply:
    if (denied := _unauthorized(request)) is not None:
        return denied
    return 200, BRAND_MASTODON_ACCOUNT


def _mastodon_context(server: FakePlatformServer, request: FakeRequest) -> Reply:
    """A status's thread: the replies posted here under it (and under those), oldest first,
    then answers by other people as a test set them (the reach tracker's author thanks)."""
    status_id = request.path.split("/")[-2]
    thread, parents = [], {status_id}
    for p in posted(server, "mastodon"):
        if p["in_reply_to"] in parents:
            thread.append(p["status"])
            parents.add(p["id"])
    answers = _reactions(server, "mastodon", status_id)["answers"]
    thread += [
        {
            "id": f"{status_id}{n}",
            "in_reply_to_id": status_id,
            "account": {"id": i, "acct": h},
            "content": f"<p>{text}</p>",
        }
        for n, (i, h, text) in enumerate(answers, start=1)
    ]
    return 200, {"ancestors": [], "descendants": thread}


def _mastodon_read(server: FakePlatformServer, request: FakeRequest) -> Reply:
    status_id = request.path.rsplit("/", 1)[-1]
    reach = _reach(server, "mastodon", status_id)
    return 200, {
        "id": status_id,
        "favourites_count": reach["likes"],
        "reblogs_count": reach["reposts"],
        "replies_count": reach["replies"],
    }


def _mastodon_favourited_by(server: FakePlatformServer, request: FakeRequest) -> Reply:
    status_id = request.path.split("/")[-2]
    likers = _reactions(server, "mastodon", status_id)["likers"]
    return 200, [{"id": i, "acct": h, "username": h} for i, h in likers]


# ---------------------------------------------------------------------------- Bluesky


def _cid(uri: str) -> str:
    return "bafyrei" + hashlib.sha256(uri.encode()).hexdigest()[:52]


def _bluesky_session(server: FakePlatformServer, request: FakeRequest) -> Reply:
    body = request.json() or {}
    if not body.get("identifier") or not body.get("password"):
        return 401, {"error": "AuthenticationRequired", "message": "Invalid identifier or password"}
    token = f"fake-jwt-{_next_id()}"
    return 200, {
        "accessJwt": token,
        "refreshJwt": f"{token}-refresh",
        "did": BRAND_BLUESKY_DID,
        "handle": BRAND_BLUESKY_HANDLE,
    }


def _bluesky_authorized(server: FakePlatformServer, request: FakeRequest) -> bool:
    # Any session token will do: feeds.py's createSession may be the one that answered.
    return request.headers.get("authorization", "").startswith("Bearer ")


def _bluesky_posts(server: FakePlatformServer) -> dict[str, dict[str, Any]]:
    return server.state.setdefault("bluesky_posts", {})  # type: ignore[no-any-return]


def add_bluesky_post(
    server: FakePlatformServer, uri: str, text: str = "", reply_root: str | None = None
) -> None:
    """Seed a post (optionally itself a reply in the thread rooted at `reply_root`)."""
    record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": text}
    if reply_root is not None:
        root = {"uri": reply_root, "cid": _cid(reply_root)}
        record["reply"] = {"root": root, "parent": root}
    _bluesky_posts(server)[uri] = {"uri": uri, "cid": _cid(uri), "record": record}


def _bluesky_get_posts(server: FakePlatformServer, request: FakeRequest) -> Reply:
    if not _bluesky_authorized(server, request):
        return 401, {"error": "AuthenticationRequired"}
    posts = []
    for uri in request.query.get("uris", []):
        # An unseeded at:// URI is a top-level post by someone else: it exists.
        post = dict(
            _bluesky_posts(server).get(uri)
            or {"uri": uri, "cid": _cid(uri), "record": {"$type": "app.bsky.feed.post"}}
        )
        reach = _reach(server, "bluesky", uri)
        post.update(
            likeCount=reach["likes"],
            repostCount=reach["reposts"],
            replyCount=reach["replies"],
            quoteCount=0,
        )
        posts.append(post)
    return 200, {"posts": posts}


def _bluesky_likes(server: FakePlatformServer, request: FakeRequest) -> Reply:
    if not _bluesky_authorized(server, request):
        return 401, {"error": "AuthenticationRequired"}
    uri = (request.query.get("uri") or [""])[0]
    likers = _reactions(server, "bluesky", uri)["likers"]
    return 200, {"uri": uri, "likes": [{"actor": {"did": i, "handle": h}} for i, h in likers]}


def _bluesky_view(uri: str, post: dict[str, Any]) -> dict[str, Any]:
    did = uri.removeprefix("at://").split("/", 1)[0]
    handle = BRAND_BLUESKY_HANDLE if did == BRAND_BLUESKY_DID else f"{did[-8:]}.bsky.social"
    return {**post, "author": {"did": did, "handle": handle}, "indexedAt": post.get("indexedAt")}


def _bluesky_thread(server: FakePlatformServer, request: FakeRequest) -> Reply:
    """The post and its direct replies, as app.bsky.feed.getPostThread answers (depth 1)."""
    if not _bluesky_authorized(server, request):
        return 401, {"error": "AuthenticationRequired"}
    uri = (request.query.get("uri") or [""])[0]
    posts = _bluesky_posts(server)
    root = posts.get(uri) or {"uri": uri, "cid": _cid(uri), "record": {"$type": _POST}}
    replies = [
        {"$type": "app.bsky.feed.defs#threadViewPost", "post": _bluesky_view(u, p), "replies": []}
        for u, p in list(posts.items())
        if (p["record"].get("reply") or {}).get("parent", {}).get("uri") == uri
    ]
    # Answers by other people, as a test set them (the reach tracker's author thanks).
    replies += [
        {"post": {"uri": f"{uri}-r{n}", "author": {"did": i, "handle": h}, "record": {"text": t}}}
        for n, (i, h, t) in enumerate(_reactions(server, "bluesky", uri)["answers"], start=1)
    ]
    thread = {
        "$type": "app.bsky.feed.defs#threadViewPost",
        "post": _bluesky_view(uri, root),
        "replies": replies,
    }
    return 200, {"thread": thread}


_POST = "app.bsky.feed.post"


def _bluesky_create(server: FakePlatformServer, request: FakeRequest) -> Reply:
    if not _bluesky_authorized(server, request):
        return 401, {"error": "AuthenticationRequired"}
    body = request.json() or {}
    record = body.get("record") or {}
    if body.get("collection") != "app.bsky.feed.post" or not isinstance(record.get("text"), str):
        return 400, {"error": "InvalidRequest", "message": "Input/record must be a post"}
    rkey = f"3l{_next_id():011d}"
    uri = f"at://{body.get('repo')}/app.bsky.feed.post/{rkey}"
    _bluesky_posts(server)[uri] = {"uri": uri, "cid": _cid(uri), "record": record}
    _record(
        server,
        {
            "platform": "bluesky",
            "id": uri,
            "url": f"https://bsky.app/profile/{BRAND_BLUESKY_HANDLE}/post/{rkey}",
            "in_reply_to": (record.get("reply") or {}).get("parent", {}).get("uri"),
            "text": record["text"],
            "request": body,
        },
    )
    return 200, {"uri": uri, "cid": _cid(uri), "validationStatus": "valid"}


# ---------------------------------------------------------------------------- registration

_GRAPH_VERSION = r"(?:v\d+\.\d+/)?"
_OBJECT_ID = r"[A-Za-z0-9_.:-]+"


def register(server: FakePlatformServer) -> FakePlatformServer:
    """Add every platform's reply and metrics routes to `server`."""
    s = server
    s.route("POST", r"/x/2/tweets", lambda r: _x_create(s, r))
    s.route("GET", r"/x/2/tweets/\d+", lambda r: _x_read(s, r))
    s.route("GET", r"/x/2/tweets/\d+/liking_users", lambda r: _x_liking_users(s, r))
    # The answers to a reply are a search (the poller's endpoint, the same handler whichever
    # module registered it first).
    s.route("GET", r"/x/2/tweets/search/recent", lambda r: feeds.x_search(r, s))
    s.route("GET", r"/x/2/users/me", lambda r: _x_me(s, r))
    s.route("GET", r"/x/2/users/\d+/tweets", lambda r: _x_user_tweets(s, r))
    for platform, create in (("facebook", _facebook_create), ("instagram", _instagram_create)):
        edge = "comments" if platform == "facebook" else "replies"

        def post(r: FakeRequest, create: Any = create) -> Reply:
            target = r.path.rstrip("/").split("/")[-2]
            return create(s, r, target)  # type: ignore[no-any-return]

        def read(r: FakeRequest, platform: str = platform) -> Reply:
            looked_up = graph.lookup(s, platform, r)  # the webhook's lookups, if it is one
            if looked_up is not None:
                return looked_up
            return _graph_read(s, platform, r.path.rstrip("/").split("/")[-1])

        def me(r: FakeRequest, platform: str = platform) -> Reply:
            return _graph_me(platform, r)

        def under(r: FakeRequest, platform: str = platform) -> Reply:
            return _graph_replies(s, platform, r)

        s.route("POST", rf"/{platform}/{_GRAPH_VERSION}{_OBJECT_ID}/{edge}", post)
        s.route("GET", rf"/{platform}/{_GRAPH_VERSION}{_OBJECT_ID}/{edge}", under)
        s.route("GET", rf"/{platform}/{_GRAPH_VERSION}me", me)  # before any object id
        s.route("GET", rf"/{platform}/{_GRAPH_VERSION}{_OBJECT_ID}", read)
    s.route("POST", r"/reddit/api/v1/access_token", _reddit_token)
    s.route("POST", r"/reddit/api/comment", lambda r: _reddit_comment(s, r))
    s.route("GET", r"/reddit/api/info", lambda r: _reddit_info(s, r))
    s.route("GET", r"/reddit/user/[^/]+/comments", lambda r: _reddit_user_comments(s, r))
    s.route("POST", r"/mastodon/api/v1/statuses", lambda r: _mastodon_create(s, r))
    s.route("GET", r"/mastodon/api/v1/statuses/\d+", lambda r: _mastodon_read(s, r))
    s.route(
        "GET",
        r"/mastodon/api/v1/statuses/\d+/favourited_by",
        lambda r: _mastodon_favourited_by(s, r),
    )
    s.route("GET", r"/mastodon/api/v1/statuses/[^/]+/context", lambda r: _mastodon_context(s, r))
    s.route("GET", r"/mastodon/api/v1/accounts/verify_credentials", lambda r: _mastodon_me(s, r))
    s.route("GET", r"/mastodon/api/v2/search", lambda r: _mastodon_search(s, r))
    xrpc = "/bluesky/xrpc"
    s.route(
        "POST", rf"{xrpc}/com\.atproto\.server\.createSession", lambda r: _bluesky_session(s, r)
    )
    s.route("GET", rf"{xrpc}/app\.bsky\.feed\.getPosts", lambda r: _bluesky_get_posts(s, r))
    s.route("POST", rf"{xrpc}/com\.atproto\.repo\.createRecord", lambda r: _bluesky_create(s, r))
    s.route("GET", rf"{xrpc}/app\.bsky\.feed\.getLikes", lambda r: _bluesky_likes(s, r))
    s.route("GET", rf"{xrpc}/app\.bsky\.feed\.getPostThread", lambda r: _bluesky_thread(s, r))
    return server


def base_urls(server: FakePlatformServer) -> dict[str, str]:
    """The base URL each reply adapter uses against this fake, by platform."""
    return {
        "x": f"{server.url}/x",
        "facebook": f"{server.url}/facebook/v21.0",
        "instagram": f"{server.url}/instagram/v21.0",
        "reddit": f"{server.url}/reddit",
        "reddit_auth": f"{server.url}/reddit",
        "mastodon": f"{server.url}/mastodon",
        "bluesky": f"{server.url}/bluesky",
    }
