"""Facebook Page webhook changes (``object: "page"``): the ``feed`` and ``mention`` fields.

Shapes understood (Graph API Webhooks reference, Page object):

* ``feed``: ``item`` is one of the documented feed item types and ``verb`` one of add, edit,
  edited, remove, delete, hide, unhide, block, unblock, follow, mute, update. Items that carry
  someone's words (see `WORDED_ITEMS`: posts, statuses, photos, videos, shares, links,
  comments, ratings with ``review_text``, ...) added or edited become mentions; every other
  item (likes, reactions, page or profile changes, ...) and every other verb is ignored and
  counted, as is the Page's own activity and a change without words (a sticker, a bare photo).
* ``ratings``: a review of the Page (``review_text``, ``reviewer_id``/``reviewer_name``,
  ``open_graph_story_id``), answered like a post.
* ``mention``: the Page @mentioned in a post or comment (``item`` post or comment); ``message``
  is sometimes left out, and then the post or comment is looked up on the Graph API.

Both fields have been delivered in older shapes, accepted when the information is there:
``sender_id``/``sender_name`` (or a rating's ``reviewer_id``/``reviewer_name``) instead of
``from``, numeric ids, no ``created_time`` (the entry's ``time`` then), a change with no
``value`` (ignored: there is nothing in it).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from crowdcare.adapters.platforms.inbound.bounds import edge_mention
from crowdcare.adapters.platforms.inbound.errors import ErrorDetail, InvalidPayloadError
from crowdcare.adapters.platforms.inbound.graph_shapes import (
    ChangeContext,
    GraphId,
    GraphLookup,
    GraphName,
    GraphText,
    GraphTime,
    validate,
)
from crowdcare.domain.models import Mention, Platform

WORDED_ITEMS = frozenset(
    {
        "album",
        "comment",
        "event",
        "link",
        "mention",
        "note",
        "photo",
        "post",
        "question",
        "rating",
        "share",
        "status",
        "story",
        "tag",
        "video",
    }
)
# The documented items that are not someone writing (kept for the reader and the tests).
SILENT_ITEMS = frozenset(
    {
        "address",
        "connection",
        "coupon",
        "experience",
        "group_message",
        "interest",
        "like",
        "milestone",
        "page",
        "picture",
        "platform-story",
        "photo-album",
        "profile",
        "reaction",
        "relationship-status",
        "timeline cover",
    }
)
MENTION_VERBS = frozenset({"add", "edit", "edited"})
PAGE_FIELDS = frozenset({"feed", "mention", "ratings"})


class _Edge(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


class FacebookSender(_Edge):
    id: GraphId
    name: GraphName = ""


class FacebookValue(_Edge):
    """The ``value`` of a ``feed`` or ``mention`` change: only what CrowdCare uses."""

    item: Annotated[str, Field(max_length=100)] = ""
    verb: Annotated[str, Field(max_length=100)] = ""
    sender: FacebookSender | None = Field(default=None, alias="from")
    sender_id: GraphId | None = None
    sender_name: GraphName | None = None
    reviewer_id: GraphId | None = None
    reviewer_name: GraphName | None = None
    post_id: GraphId | None = None
    open_graph_story_id: GraphId | None = None
    comment_id: GraphId | None = None
    parent_id: GraphId | None = None
    message: GraphText | None = None
    review_text: GraphText | None = None
    created_time: GraphTime | None = None

    @property
    def author(self) -> FacebookSender | None:
        """Who wrote it: ``from``, or the older ``sender_*`` (a rating's ``reviewer_*``)."""
        if self.sender is not None:
            return self.sender
        if self.sender_id:
            return FacebookSender(id=self.sender_id, name=self.sender_name or "")
        if self.reviewer_id:
            return FacebookSender(id=self.reviewer_id, name=self.reviewer_name or "")
        return None

    @property
    def words(self) -> str:
        """The text: the message, or a rating's review."""
        return (self.message or self.review_text or "").strip()

    @property
    def target_post(self) -> str | None:
        return self.post_id or self.open_graph_story_id


def facebook_post_url(post_id: str, comment_id: str | None = None) -> str:
    """The web URL of a post ("<page>_<post>" ids resolve), or of a comment on it."""
    if comment_id:
        return f"https://www.facebook.com/{post_id}?comment_id={comment_id.rsplit('_', 1)[-1]}"
    return f"https://www.facebook.com/{post_id}"


def _may_be_mention(field: str, value: FacebookValue, page_id: str) -> bool:
    """Someone's words being added or edited: not a reaction, a removal or the Page itself."""
    if field != "mention" and value.item not in WORDED_ITEMS:
        return False
    author = value.author
    return value.verb in MENTION_VERBS and (author is None or author.id != page_id)


def _missing(loc: str, what: str) -> InvalidPayloadError:
    return InvalidPayloadError([ErrorDetail(loc=loc, msg=f"Field required ({what})")])


def facebook_change(
    context: ChangeContext, field: str, raw_value: Any
) -> Mention | GraphLookup | None:
    """One Page change as a mention, a lookup to make, or None (not a mention: ignored).

    Raises `InvalidPayloadError` when it should be a mention but what makes one is missing.
    """
    if field not in PAGE_FIELDS or raw_value is None:
        return None  # another field, or a change with nothing in it
    value = validate(FacebookValue, raw_value, "value")
    if not _may_be_mention(field, value, context.account_id):
        return None
    author = value.author
    is_comment = value.item == "comment"
    post_id = value.target_post
    created_at = value.created_time or context.entry_time
    if not value.words:
        if field == "mention" and (value.comment_id or post_id):
            # Meta often sends a Page mention without its message: read it from the Graph API.
            object_id = str(value.comment_id if is_comment and value.comment_id else post_id)
            return context.lookup(
                Platform.FACEBOOK,
                "facebook_object",
                object_id,
                created_at=created_at,
                parent_id=(value.parent_id or post_id) if is_comment else None,
            )
        return None  # a sticker, photo or share without words: nothing to triage
    if author is None:
        raise _missing("value.from", "or sender_id")
    if post_id is None:
        raise _missing("value.post_id", "the post the words are on")
    own_id = value.comment_id if is_comment and value.comment_id else post_id
    return edge_mention(
        platform=Platform.FACEBOOK,
        post_id=own_id,
        url=facebook_post_url(post_id, value.comment_id if is_comment else None),
        author_id=author.id,
        handle=author.id,
        display_name=author.name,
        text=value.words,
        created_at=created_at,
        parent_id=(value.parent_id or post_id) if is_comment else None,
        raw=context.raw,
    )
