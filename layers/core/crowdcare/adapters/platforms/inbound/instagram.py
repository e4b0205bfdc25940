"""Instagram webhook changes (``object: "instagram"``): ``comments``/``live_comments`` and
``mentions``.

Shapes understood (Graph API Webhooks reference, Instagram object):

* ``comments`` (and ``live_comments``): ``id``, ``text``, ``from {id, username}``, ``media {id,
  media_product_type}``, ``parent_id``; no time (the entry's ``time`` is used). Instagram has
  no URL per comment, so the mention's URL is the media's permalink, looked up on the Graph
  API. Deliveries from before October 2021 carry no ``from``/``media``: the whole comment is
  looked up by its id.
* ``mentions``: ``{media_id, comment_id}`` only (the brand @mentioned in a comment, or with
  ``media_id`` alone in a caption): the comment or media is read through the account's
  ``mentioned_comment`` / ``mentioned_media`` fields.

Other fields (``story_insights``, messaging, ...) are not mentions: ignored and counted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from crowdcare.adapters.platforms.inbound.graph_shapes import (
    GraphId,
    GraphLookup,
    GraphText,
    validate,
)
from crowdcare.adapters.platforms.inbound.payloads import ErrorDetail, InvalidPayloadError
from crowdcare.domain.models import Author, Mention, Platform

COMMENT_FIELDS = frozenset({"comments", "live_comments"})


class _Edge(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


class InstagramUser(_Edge):
    id: GraphId
    username: Annotated[str, Field(min_length=1, max_length=128)]


class InstagramMedia(_Edge):
    id: GraphId
    media_product_type: str | None = None


class InstagramCommentValue(_Edge):
    """The ``value`` of a ``comments`` change (``from`` and ``media`` since October 2021)."""

    id: GraphId
    text: GraphText | None = None
    sender: InstagramUser | None = Field(default=None, alias="from")
    media: InstagramMedia | None = None
    parent_id: GraphId | None = None


class InstagramMentionValue(_Edge):
    """The ``value`` of a ``mentions`` change: ids only."""

    media_id: GraphId | None = Field(
        default=None, validation_alias=AliasChoices("media_id", "mentioned_media_id")
    )
    comment_id: GraphId | None = Field(
        default=None, validation_alias=AliasChoices("comment_id", "mentioned_comment_id")
    )


def instagram_change(  # noqa: PLR0917 - one change in its entry's context
    account_id: str,
    entry_time: datetime,
    field: str,
    raw_value: Any,
    raw: str,
    where: tuple[int, int],
) -> GraphLookup | None:
    """One Instagram change as the lookup that completes it, or None (not a mention).

    Every Instagram mention needs the Graph API (at least for its URL), so the answer is
    always a `GraphLookup`; `InvalidPayloadError` when even the ids are missing.
    """
    if raw_value is None:
        return None

    def lookup(kind: str, object_id: str, **extra: Any) -> GraphLookup:
        return GraphLookup(
            platform=Platform.INSTAGRAM,
            kind=kind,
            account_id=account_id,
            object_id=object_id,
            created_at=entry_time,
            raw=raw,
            entry_index=where[0],
            change_index=where[1],
            **extra,
        )

    if field in COMMENT_FIELDS:
        comment = validate(InstagramCommentValue, raw_value, "value")
        if comment.sender is not None and comment.sender.id == account_id:
            return None  # the brand's own reply
        return _comment(comment, entry_time, raw, lookup)
    if field == "mentions":
        return _mention(validate(InstagramMentionValue, raw_value, "value"), lookup)
    return None


def _comment(
    comment: InstagramCommentValue,
    entry_time: datetime,
    raw: str,
    lookup: Callable[..., GraphLookup],
) -> GraphLookup:
    if comment.sender is None or comment.media is None or not (comment.text or "").strip():
        return lookup("instagram_comment", comment.id, parent_id=comment.parent_id)
    draft = Mention(
        platform=Platform.INSTAGRAM,
        post_id=comment.id,
        url="",  # filled in from the media's permalink
        author=Author(
            id=comment.sender.id,
            handle=comment.sender.username,
            display_name=comment.sender.username,
        ),
        text=str(comment.text).strip(),
        created_at=entry_time,
        parent_id=comment.parent_id or comment.media.id,
        raw=raw,
    )
    return lookup("instagram_permalink", comment.media.id, draft=draft)


def _mention(mention: InstagramMentionValue, lookup: Callable[..., GraphLookup]) -> GraphLookup:
    if mention.comment_id:
        return lookup("instagram_mentioned_comment", mention.comment_id, parent_id=mention.media_id)
    if mention.media_id:
        return lookup("instagram_mentioned_media", mention.media_id)
    raise InvalidPayloadError(
        [ErrorDetail(loc="value.media_id", msg="Field required (or comment_id)")]
    )
