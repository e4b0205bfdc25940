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

from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from crowdcare.adapters.platforms.inbound.bounds import edge_mention
from crowdcare.adapters.platforms.inbound.errors import ErrorDetail, InvalidPayloadError
from crowdcare.adapters.platforms.inbound.graph_shapes import (
    ChangeContext,
    GraphId,
    GraphLookup,
    GraphText,
    validate,
)
from crowdcare.domain.models import Platform

COMMENT_FIELDS = frozenset({"comments", "live_comments"})


class _Edge(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


class InstagramUser(_Edge):
    id: GraphId
    username: Annotated[str, Field(min_length=1, max_length=128)]


class InstagramMedia(_Edge):
    id: GraphId
    media_product_type: Annotated[str | None, Field(max_length=100)] = None


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


def instagram_change(context: ChangeContext, field: str, raw_value: Any) -> GraphLookup | None:
    """One Instagram change as the lookup that completes it, or None (not a mention).

    Every Instagram mention needs the Graph API (at least for its URL), so the answer is
    always a `GraphLookup`; `InvalidPayloadError` when even the ids are missing.
    """
    if raw_value is None:
        return None
    if field in COMMENT_FIELDS:
        comment = validate(InstagramCommentValue, raw_value, "value")
        if comment.sender is not None and comment.sender.id == context.account_id:
            return None  # the brand's own reply
        return _comment(comment, context)
    if field == "mentions":
        return _mention(validate(InstagramMentionValue, raw_value, "value"), context)
    return None


def _comment(comment: InstagramCommentValue, context: ChangeContext) -> GraphLookup:
    if comment.sender is None or comment.media is None or not (comment.text or "").strip():
        return context.lookup(
            Platform.INSTAGRAM, "instagram_comment", comment.id, parent_id=comment.parent_id
        )
    draft = edge_mention(
        platform=Platform.INSTAGRAM,
        post_id=comment.id,
        url="",  # filled in from the media's permalink
        author_id=comment.sender.id,
        handle=comment.sender.username,
        display_name=comment.sender.username,
        text=str(comment.text).strip(),
        created_at=context.entry_time,
        parent_id=comment.parent_id or comment.media.id,
        raw=context.raw,
    )
    return context.lookup(Platform.INSTAGRAM, "instagram_permalink", comment.media.id, draft=draft)


def _mention(mention: InstagramMentionValue, context: ChangeContext) -> GraphLookup:
    kind, object_id, parent = (
        ("instagram_mentioned_comment", mention.comment_id, mention.media_id)
        if mention.comment_id
        else ("instagram_mentioned_media", mention.media_id, None)
    )
    if object_id:
        return context.lookup(Platform.INSTAGRAM, kind, object_id, parent_id=parent)
    raise InvalidPayloadError(
        [ErrorDetail(loc="value.media_id", msg="Field required (or comment_id)")]
    )
