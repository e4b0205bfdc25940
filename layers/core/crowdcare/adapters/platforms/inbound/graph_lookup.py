"""Graph API lookups that complete the Meta changes a webhook leaves incomplete.

Through the platform HTTP client (`JsonHttpClient`, one per product with its access token):

* Instagram media permalink: ``GET /{media-id}?fields=permalink``;
* Instagram comment (older webhook shape): ``GET /{comment-id}?fields=id,text,timestamp,
  username,from,parent_id,media{id,permalink}``;
* Instagram @mention in a comment: ``GET /{ig-user-id}?fields=mentioned_comment.comment_id(
  {comment-id}){id,text,timestamp,username,media{id,permalink}}``;
* Instagram @mention in a caption: ``GET /{ig-user-id}?fields=mentioned_media.media_id(
  {media-id}){id,caption,timestamp,username,permalink}``;
* Facebook post or comment (a Page mention without its message): ``GET /{object-id}?fields=
  message,created_time,from,permalink_url``.

Answers are cached by request for the life of the container (bounded), so a media's permalink
is read once however many comments arrive on it, and a redelivery costs no second call. Any
failure raises `LookupFailedError` with a reason safe to park (never a token).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Annotated, Any
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crowdcare.adapters.platforms.http import JsonHttpClient
from crowdcare.adapters.platforms.inbound.bounds import edge_mention, safe_url
from crowdcare.adapters.platforms.inbound.errors import InvalidPayloadError
from crowdcare.adapters.platforms.inbound.facebook import facebook_post_url
from crowdcare.adapters.platforms.inbound.graph_shapes import (
    GraphId,
    GraphLookup,
    GraphName,
    GraphText,
    GraphTime,
)
from crowdcare.domain.errors import PlatformError
from crowdcare.domain.models import Mention, Platform

CACHE_SIZE = 512
_COMMENT_FIELDS = "id,text,timestamp,username,from,parent_id,media{id,permalink}"
_MENTIONED_COMMENT_FIELDS = "id,text,timestamp,username,media{id,permalink}"
_MENTIONED_MEDIA_FIELDS = "id,caption,timestamp,username,permalink"
_FACEBOOK_FIELDS = "message,created_time,from,permalink_url"


class LookupFailedError(Exception):
    """A Graph API lookup could not complete a change; `str()` is the reason to park."""


class _Answer(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


class _From(_Answer):
    id: GraphId
    username: Annotated[str | None, Field(max_length=128)] = None
    name: GraphName | None = None


class _Media(_Answer):
    id: GraphId
    permalink: str | None = None


class _InstagramObject(_Answer):
    """A comment or a media as the Graph API answers it (the fields asked for)."""

    id: GraphId
    text: GraphText | None = None
    caption: GraphText | None = None
    timestamp: GraphTime | None = None
    username: Annotated[str | None, Field(max_length=128)] = None
    sender: _From | None = Field(default=None, alias="from")
    parent_id: GraphId | None = None
    media: _Media | None = None
    permalink: str | None = None


class _FacebookObject(_Answer):
    message: Annotated[str, Field(min_length=1)]
    created_time: GraphTime | None = None
    sender: _From | None = Field(default=None, alias="from")
    permalink_url: str | None = None


class MetaGraphLookup:
    """Completes `GraphLookup`s through the Graph API; a product without a client fails them."""

    def __init__(
        self,
        instagram: JsonHttpClient | None,
        facebook: JsonHttpClient | None,
        cache_size: int = CACHE_SIZE,
    ) -> None:
        self._clients = {Platform.INSTAGRAM: instagram, Platform.FACEBOOK: facebook}
        self._cache: OrderedDict[tuple[Platform, str, str], dict[str, Any]] = OrderedDict()
        self._cache_size = cache_size

    def resolve(self, lookup: GraphLookup) -> Mention:
        """The complete mention, or `LookupFailedError` saying why not."""
        try:
            return self._resolve(lookup)
        except PlatformError as error:
            raise LookupFailedError(f"{lookup.platform.value} Graph API: {error}") from None
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                for e in error.errors(include_url=False, include_input=False)
            )
            raise LookupFailedError(f"unusable Graph API answer: {problems}") from None
        except InvalidPayloadError as error:
            raise LookupFailedError(f"unusable Graph API answer: {error}") from None

    def _resolve(self, lookup: GraphLookup) -> Mention:
        if lookup.kind == "instagram_permalink":
            assert lookup.draft is not None  # the parser sets it for this kind
            return lookup.draft.model_copy(update={"url": self._permalink(lookup.object_id)})
        if lookup.kind == "facebook_object":
            return self._facebook(lookup)
        node = quote(lookup.account_id, safe="")
        if lookup.kind == "instagram_mentioned_comment":
            fields = (
                f"mentioned_comment.comment_id({lookup.object_id}){{{_MENTIONED_COMMENT_FIELDS}}}"
            )
            body = self._get(Platform.INSTAGRAM, f"/{node}", fields)
            return self._instagram(lookup, body.get("mentioned_comment"), body)
        if lookup.kind == "instagram_mentioned_media":
            fields = f"mentioned_media.media_id({lookup.object_id}){{{_MENTIONED_MEDIA_FIELDS}}}"
            body = self._get(Platform.INSTAGRAM, f"/{node}", fields)
            return self._instagram(lookup, body.get("mentioned_media"), body)
        if lookup.kind == "instagram_comment":
            path = f"/{quote(lookup.object_id, safe='')}"
            body = self._get(Platform.INSTAGRAM, path, _COMMENT_FIELDS)
            return self._instagram(lookup, body, body)
        raise LookupFailedError(f"unknown lookup {lookup.kind}")

    def _get(self, platform: Platform, path: str, fields: str) -> dict[str, Any]:
        key = (platform, path, fields)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        client = self._clients[platform]
        if client is None:
            raise LookupFailedError(
                f"no {platform.value} Graph API access configured (base URL and access token)"
            )
        response = client.get(path, {"fields": fields})
        body = response.body if isinstance(response.body, dict) else {}
        self._cache[key] = body
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return body

    def _permalink(self, media_id: str) -> str:
        body = self._get(Platform.INSTAGRAM, f"/{quote(media_id, safe='')}", "permalink")
        permalink = body.get("permalink")
        if not isinstance(permalink, str) or not safe_url(permalink).startswith("https://"):
            raise LookupFailedError(f"media {media_id} has no permalink")
        return permalink

    def _instagram(self, lookup: GraphLookup, node: Any, answer: dict[str, Any]) -> Mention:
        found = _InstagramObject.model_validate(node)
        sender = found.sender
        username = (sender.username if sender else None) or found.username
        if not username:
            raise LookupFailedError(f"{lookup.kind} {lookup.object_id}: no author in the answer")
        text = (found.text or found.caption or "").strip()
        if not text:
            raise LookupFailedError(f"{lookup.kind} {lookup.object_id}: no text in the answer")
        media = found.media
        if found.permalink:  # a captioned media: it is the mention itself
            url, parent = found.permalink, None
        elif media is not None:
            url = media.permalink or self._permalink(media.id)
            parent = found.parent_id or lookup.parent_id or media.id
        else:
            raise LookupFailedError(f"{lookup.kind} {lookup.object_id}: no media in the answer")
        return edge_mention(
            platform=Platform.INSTAGRAM,
            post_id=found.id,
            url=url,
            # Mentioned comments name their author by username only; it is stable enough to
            # route on, and the reply goes to the comment id, not to the author.
            author_id=sender.id if sender else username,
            handle=username,
            display_name=username,
            text=text,
            created_at=found.timestamp or lookup.created_at,
            parent_id=parent,
            raw=_with_answer(lookup.raw, answer),
        )

    def _facebook(self, lookup: GraphLookup) -> Mention:
        path = f"/{quote(lookup.object_id, safe='')}"
        answer = self._get(Platform.FACEBOOK, path, _FACEBOOK_FIELDS)
        found = _FacebookObject.model_validate(answer)
        if found.sender is None:
            raise LookupFailedError(f"{lookup.object_id}: no author in the answer")
        is_comment = lookup.parent_id is not None
        post_id = lookup.parent_id if is_comment else lookup.object_id
        return edge_mention(
            platform=Platform.FACEBOOK,
            post_id=lookup.object_id,
            url=safe_url(found.permalink_url)
            or facebook_post_url(str(post_id), lookup.object_id if is_comment else None),
            author_id=found.sender.id,
            handle=found.sender.id,
            display_name=found.sender.name,
            text=found.message.strip(),
            created_at=found.created_time or lookup.created_at,
            parent_id=lookup.parent_id,
            raw=_with_answer(lookup.raw, answer),
        )


def _with_answer(raw: str, answer: dict[str, Any]) -> str:
    """The change as received plus what the lookup answered, kept together for audit."""
    return json.dumps(
        {"delivery": json.loads(raw), "graph_api": answer},
        separators=(",", ":"),
        ensure_ascii=False,
    )
