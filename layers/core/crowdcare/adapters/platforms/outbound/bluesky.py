"""Bluesky (AT Protocol, through the account's PDS): a reply is an app.bsky.feed.post record
whose `reply` names the thread's root and the parent post, each by URI and CID.

The adapter logs in with an app password (com.atproto.server.createSession), reads the parent
post (app.bsky.feed.getPosts) for its CID and its thread root, then creates the record
(com.atproto.repo.createRecord, answering {"uri", "cid"}). getPosts also gives like, repost,
quote and reply counts; when there are likes or replies, app.bsky.feed.getLikes and
app.bsky.feed.getPostThread (depth 1) name who liked and who answered (the first page of each).
Mentions from Bluesky carry the post's at:// URI as their post_id.

createRecord takes no idempotency key, so after a lost answer `find_posted` reads the thread
(app.bsky.feed.getPostThread, depth 1) for a reply by the brand's DID with the same text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from crowdcare.adapters.platforms.http import HttpResponse, JsonHttpClient
from crowdcare.adapters.platforms.outbound.base import (
    BLUESKY_LIMIT,
    AdapterBase,
    PostedReply,
    Reach,
    ReplyTargetError,
    as_int,
    likes_by,
    texts_match,
)
from crowdcare.domain.errors import PlatformError
from crowdcare.domain.models import Mention, Platform
from crowdcare.domain.replies import MAX_REACTIONS, Reaction, ReactionKind

_POST_COLLECTION = "app.bsky.feed.post"
_EXPIRED_SESSION = frozenset({400, 401})  # the PDS answers 400 ExpiredToken, some proxies 401


def _strong_ref(post: dict[str, Any]) -> dict[str, str]:
    return {"uri": str(post["uri"]), "cid": str(post["cid"])}


class BlueskyReplyAdapter(AdapterBase):
    """Replies as the brand's Bluesky account (identifier plus app password)."""

    def __init__(
        self,
        client: JsonHttpClient,
        clock: Callable[[], datetime],
        identifier: str,
        app_password: str,
    ) -> None:
        super().__init__(Platform.BLUESKY, BLUESKY_LIMIT, clock)
        self._client = client
        self._identifier = identifier
        self._password = app_password
        self._session: dict[str, str] | None = None

    def __repr__(self) -> str:
        return f"BlueskyReplyAdapter(identifier={self._identifier!r})"

    # ------------------------------------------------------------------ session
    def _login(self) -> dict[str, str]:
        response = self._client.post(
            "/xrpc/com.atproto.server.createSession",
            {"identifier": self._identifier, "password": self._password},
            idempotent=True,  # a second session is harmless
        )
        body = response.body if isinstance(response.body, dict) else {}
        if not body.get("accessJwt") or not body.get("did"):
            raise PlatformError(
                "Bluesky: no session in the answer", status=response.status, retryable=False
            )
        self._session = {
            "jwt": str(body["accessJwt"]),
            "did": str(body["did"]),
            "handle": str(body.get("handle") or body["did"]),
        }
        return self._session

    def _call(self, send: Callable[[dict[str, str]], HttpResponse]) -> HttpResponse:
        """Send with the cached session; log in again once if it has expired."""
        fresh = self._session is None
        session = self._session or self._login()
        try:
            return send({"Authorization": f"Bearer {session['jwt']}"})
        except PlatformError as error:
            if fresh or error.status not in _EXPIRED_SESSION:
                raise
        session = self._login()
        return send({"Authorization": f"Bearer {session['jwt']}"})

    def _get_posts(self, uris: list[str]) -> list[dict[str, Any]]:
        response = self._call(
            lambda auth: self._client.get(
                "/xrpc/app.bsky.feed.getPosts", {"uris": uris}, headers=auth
            )
        )
        posts = response.body.get("posts", []) if isinstance(response.body, dict) else []
        return [p for p in posts if isinstance(p, dict)]

    # ------------------------------------------------------------------ replies
    def post_reply(
        self, mention: Mention, text: str, idempotency_key: str | None = None
    ) -> PostedReply:
        """Post `text` as a reply in the mention's thread."""
        self.check_length(text)
        if not mention.post_id.startswith("at://"):
            raise ReplyTargetError(f"Bluesky post id must be an at:// URI: {mention.post_id!r}")
        found = self._get_posts([mention.post_id])
        if not found:
            raise ReplyTargetError(f"Bluesky post {mention.post_id} no longer exists")
        parent = _strong_ref(found[0])
        record_reply = found[0].get("record", {}).get("reply", {})
        root = _strong_ref(record_reply["root"]) if "root" in record_reply else parent
        record = {
            "$type": _POST_COLLECTION,
            "text": text,
            "createdAt": self._clock().isoformat().replace("+00:00", "Z"),
            "reply": {"root": root, "parent": parent},
        }
        response = self._call(
            lambda auth: self._client.post(
                "/xrpc/com.atproto.repo.createRecord",
                {"repo": self._did(), "collection": _POST_COLLECTION, "record": record},
                headers=auth,
            )
        )
        body = response.body if isinstance(response.body, dict) else {}
        uri = str(body.get("uri", ""))
        if not uri.startswith("at://"):
            raise PlatformError(
                "Bluesky: no record URI in the answer",
                status=response.status,
                retryable=False,
                outcome_unknown=True,  # a 2xx: the record may exist
            )
        rkey = uri.rsplit("/", 1)[-1]
        handle = self._session["handle"] if self._session else uri.split("/")[2]
        return self._posted(uri, f"https://bsky.app/profile/{handle}/post/{rkey}")

    def find_posted(
        self, mention: Mention, text: str, idempotency_key: str | None = None
    ) -> PostedReply | None:
        """The brand's reply with this text among the direct replies in the mention's thread."""
        if not mention.post_id.startswith("at://"):
            raise ReplyTargetError(f"Bluesky post id must be an at:// URI: {mention.post_id!r}")
        response = self._call(
            lambda auth: self._client.get(
                "/xrpc/app.bsky.feed.getPostThread",
                {"uri": mention.post_id, "depth": 1, "parentHeight": 0},
                headers=auth,
            )
        )
        body = response.body if isinstance(response.body, dict) else {}
        thread = body.get("thread")
        replies = thread.get("replies") if isinstance(thread, dict) else None
        did = self._did()
        for node in replies if isinstance(replies, list) else []:
            post = node.get("post") if isinstance(node, dict) else None
            if not isinstance(post, dict) or not str(post.get("uri", "")).startswith("at://"):
                continue
            author, record = post.get("author"), post.get("record")
            if not isinstance(author, dict) or not isinstance(record, dict):
                continue
            if author.get("did") == did and texts_match(record.get("text"), text):
                uri = str(post["uri"])
                handle = str(author.get("handle") or did)
                return self._posted(
                    uri, f"https://bsky.app/profile/{handle}/post/{uri.rsplit('/', 1)[-1]}"
                )
        return None

    def _did(self) -> str:
        return (self._session or self._login())["did"]

    def reach(self, posted: PostedReply) -> Reach:
        """Likes, reposts (and quotes) and replies of a posted reply, and who liked and
        answered it."""
        found = self._get_posts([posted.post_id])
        post = found[0] if found else {}
        likes, replies = as_int(post.get("likeCount")), as_int(post.get("replyCount"))
        reactions: list[Reaction] = []
        if likes:
            reactions += self._likers(posted.post_id)
        if replies:
            reactions += self._answers(posted.post_id)
        return Reach(
            likes=likes,
            reposts=as_int(post.get("repostCount")) + as_int(post.get("quoteCount")),
            replies=replies,
            reactions=tuple(reactions),
        )

    def _read(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        response = self._call(
            lambda auth: self._client.get(f"/xrpc/{method}", params, headers=auth)
        )
        return response.body if isinstance(response.body, dict) else {}

    def _likers(self, uri: str) -> list[Reaction]:
        likes = self._read("app.bsky.feed.getLikes", {"uri": uri, "limit": MAX_REACTIONS})
        actors = [like.get("actor") for like in likes.get("likes", []) if isinstance(like, dict)]
        return likes_by(actors, "did", "handle")

    def _answers(self, uri: str) -> list[Reaction]:
        body = self._read("app.bsky.feed.getPostThread", {"uri": uri, "depth": 1})
        thread = body.get("thread", {})
        children = thread.get("replies", []) if isinstance(thread, dict) else []
        posts = [c.get("post") for c in children if isinstance(c, dict)]
        return [
            Reaction(
                kind=ReactionKind.REPLY,
                author_id=str((p.get("author") or {}).get("did", "")),
                handle=str((p.get("author") or {}).get("handle", "")),
                text=str((p.get("record") or {}).get("text", ""))[:1000],
            )
            for p in posts[:MAX_REACTIONS]
            if isinstance(p, dict)
        ]
