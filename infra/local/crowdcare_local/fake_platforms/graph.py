"""Fake Graph API reads that complete Meta webhook changes (the webhook's lookups).

* ``GET /{media-id}?fields=permalink``: every media has a permalink here, derived from its id
  (``https://www.instagram.com/p/<id>/``), so webhook comments on any media become mentions;
* ``GET /{object-id}?fields=...``: an object put with `put_object` (an Instagram comment, a
  Facebook post or comment), answered as stored; 400 (Graph error 100) for an unknown object;
* ``GET /{ig-user-id}?fields=mentioned_comment.comment_id(<id>){...}`` and
  ``mentioned_media.media_id(<id>){...}``: the object put under that id, wrapped as the real
  API wraps it; 400 when unknown (as the real API answers a comment it cannot see).

Reach reads (``fields`` of like counts) are left to outbound.py.
"""

from __future__ import annotations

import re
from typing import Any

from crowdcare_local.fake_platforms.server import FakePlatformServer, FakeRequest, Reply

_MENTIONED = re.compile(r"mentioned_(comment|media)\.(?:comment|media)_id\(([^)]+)\)")
_REACH_FIELDS = frozenset({"like_count,comment_count", "like_count,replies"})


def put_object(server: FakePlatformServer, platform: str, object_id: str, **fields: Any) -> None:
    """Make the fake Graph API answer `fields` (plus the id) for `object_id`."""
    with server._lock:  # the server's own lock guards its shared state
        store = server.state.setdefault("graph", {}).setdefault(platform, {})
        store[object_id] = {"id": object_id, **fields}


def _unknown(object_id: str) -> Reply:
    return 400, {
        "error": {
            "message": f"Unsupported get request. Object with ID '{object_id}' does not exist",
            "type": "GraphMethodException",
            "code": 100,
        }
    }


def lookup(server: FakePlatformServer, platform: str, request: FakeRequest) -> Reply | None:
    """The answer to a lookup read, or None when the request is a reach read."""
    fields = (request.query.get("fields") or [""])[0]
    if fields in _REACH_FIELDS or not fields:
        return None
    object_id = request.path.rstrip("/").split("/")[-1]
    store: dict[str, dict[str, Any]] = server.state.get("graph", {}).get(platform, {})
    if match := _MENTIONED.match(fields):
        kind, wanted = match.groups()
        if wanted not in store:
            return _unknown(wanted)
        return 200, {"id": object_id, f"mentioned_{kind}": store[wanted]}
    if object_id in store:
        return 200, store[object_id]
    if fields == "permalink" and platform == "instagram":
        return 200, {"id": object_id, "permalink": f"https://www.instagram.com/p/{object_id}/"}
    return _unknown(object_id)
