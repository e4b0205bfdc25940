"""Meta webhook deliveries (Facebook Pages, Instagram) as pydantic models and `Mention`s.

One delivery is ``{"object": "page" | "instagram", "entry": [{"id", "time", "changes":
[{"field", "value"}]}]}`` and may batch many entries. The envelope must be sound (else the
whole delivery is a 400); after that each change is judged on its own: a good one becomes a
mention, an uninteresting one (a reaction, a removal, the brand's own post) is ignored, and a
bad one becomes a `BadChange` to park, so one broken entry never costs the others.

Understood changes:

* Facebook Page ``feed``: ``item`` ``comment``, ``post``, ``status``, ``photo`` or ``video``
  with ``verb`` ``add`` or ``edited``; ``from {id, name}``, ``post_id``, ``comment_id``,
  ``parent_id``, ``message``, ``created_time`` (unix seconds or ISO 8601). A comment's
  post_id is its ``comment_id``; its parent is ``parent_id`` (the post or parent comment).
  Changes without a message (a sticker, a bare photo) are ignored.
* Instagram ``comments`` (and ``live_comments``): ``id``, ``text``, ``from {id, username}``,
  ``media {id}``, ``parent_id``; the time is the entry's ``time``.
* Instagram ``mentions``: Meta sends only ``media_id`` and ``comment_id``, no text or author;
  they need a Graph API lookup CrowdCare does not make yet, so they are parked (not lost).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from crowdcare.adapters.platforms.inbound.payloads import (
    ErrorDetail,
    InvalidPayloadError,
    error_details,
)
from crowdcare.domain.models import Author, Mention, Platform

_MAX_TEXT = 40_000
_MILLISECONDS_THRESHOLD = 100_000_000_000  # a unix time above this is in milliseconds
FEED_ITEMS = frozenset({"comment", "post", "status", "photo", "video"})
FEED_VERBS = frozenset({"add", "edited"})
INSTAGRAM_COMMENT_FIELDS = frozenset({"comments", "live_comments"})
UNRESOLVED_MENTION = "instagram mention needs a Graph API lookup"

_Id = Annotated[str, Field(min_length=1, max_length=256)]


class _Edge(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)


def _unix_or_iso(value: Any) -> Any:
    """Meta sends times as unix seconds (sometimes milliseconds) or ISO 8601 strings."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > _MILLISECONDS_THRESHOLD else value
        return datetime.fromtimestamp(seconds, UTC)
    if isinstance(value, str) and value.isdigit():
        return _unix_or_iso(int(value))
    if isinstance(value, str):
        # Graph API style "2025-03-14T09:26:53+0000" is accepted by fromisoformat on 3.11+.
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("must be unix seconds or an ISO 8601 date-time") from None
    return value


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must carry a time zone")
    return value


class MetaEnvelope(_Edge):
    """The delivery as a whole: which product, and its entries (validated one by one later)."""

    object: Literal["page", "instagram"]
    entry: Annotated[list[dict[str, Any]], Field(min_length=1)]


class MetaChange(_Edge):
    field: Annotated[str, Field(min_length=1)]
    value: dict[str, Any]


class MetaEntry(_Edge):
    """One entry: the Page or Instagram account it concerns, when, and what changed."""

    id: _Id
    time: datetime
    changes: list[dict[str, Any]] = Field(default_factory=list)

    _time = field_validator("time", mode="before")(_unix_or_iso)


class FacebookFrom(_Edge):
    id: _Id
    name: str = ""


class FacebookFeedValue(_Edge):
    """The ``value`` of a Page ``feed`` change (only what CrowdCare uses)."""

    item: str
    verb: str
    sender: FacebookFrom | None = Field(default=None, alias="from")
    post_id: _Id | None = None
    comment_id: _Id | None = None
    parent_id: str | None = None
    message: Annotated[str, Field(max_length=_MAX_TEXT)] | None = None
    created_time: datetime | None = None

    _created = field_validator("created_time", mode="before")(_unix_or_iso)

    @property
    def is_mention_candidate(self) -> bool:
        """A comment or post being added or edited; reactions, removals, hides are not."""
        return self.item in FEED_ITEMS and self.verb in FEED_VERBS


class FacebookFeedMention(_Edge):
    """A feed change that must become a mention: every field a mention needs is required."""

    item: str
    sender: FacebookFrom = Field(alias="from")
    post_id: _Id
    comment_id: _Id | None = None
    parent_id: str | None = None
    message: Annotated[str, Field(min_length=1, max_length=_MAX_TEXT)]
    created_time: datetime

    _created = field_validator("created_time", mode="before")(_unix_or_iso)
    _created_aware = field_validator("created_time")(_aware)

    def to_mention(self, raw: str) -> Mention:
        """The normalised mention; `raw` is the entry as received, kept for audit."""
        is_comment = self.item == "comment"
        post_id = self.comment_id if is_comment and self.comment_id else self.post_id
        if is_comment and self.comment_id:
            comment_part = self.comment_id.rsplit("_", 1)[-1]
            url = f"https://www.facebook.com/{self.post_id}?comment_id={comment_part}"
        else:
            url = f"https://www.facebook.com/{self.post_id}"
        return Mention(
            platform=Platform.FACEBOOK,
            post_id=post_id,
            url=url,
            author=Author(id=self.sender.id, handle=self.sender.id, display_name=self.sender.name),
            text=self.message,
            created_at=self.created_time,
            parent_id=(self.parent_id or self.post_id) if is_comment else None,
            raw=raw,
        )


class InstagramUser(_Edge):
    id: _Id
    username: Annotated[str, Field(min_length=1, max_length=128)]


class InstagramMedia(_Edge):
    id: _Id
    media_product_type: str | None = None


class InstagramCommentValue(_Edge):
    """The ``value`` of an Instagram ``comments`` change."""

    id: _Id
    text: Annotated[str, Field(min_length=1, max_length=_MAX_TEXT)]
    sender: InstagramUser = Field(alias="from")
    media: InstagramMedia
    parent_id: str | None = None

    def to_mention(self, created_at: datetime, raw: str) -> Mention:
        """The normalised mention; Instagram sends no time per comment, so the entry's."""
        return Mention(
            platform=Platform.INSTAGRAM,
            post_id=self.id,
            url="",  # the permalink needs a Graph API lookup of the media
            author=Author(
                id=self.sender.id, handle=self.sender.username, display_name=self.sender.username
            ),
            text=self.text,
            created_at=created_at,
            parent_id=self.parent_id or self.media.id,
            raw=raw,
        )


class InstagramMentionValue(_Edge):
    """The ``value`` of an Instagram ``mentions`` change: ids only."""

    media_id: _Id
    comment_id: _Id | None = None


@dataclass(frozen=True)
class BadChange:
    """A change that could not become a mention: where it was, why, and the change itself."""

    entry_index: int
    change_index: int | None
    reason: str
    details: list[ErrorDetail]
    platform: str
    payload: str

    def report(self) -> dict[str, Any]:
        """What the webhook answers about it: locations and messages, never the input."""
        return {
            "entry": self.entry_index,
            "change": self.change_index,
            "reason": self.reason,
            "details": list(self.details),
        }


@dataclass
class MetaBatch:
    """A delivery split into mentions to store, changes ignored, and bad changes to park."""

    platform: Platform
    mentions: list[Mention] = field(default_factory=list)
    ignored: int = 0
    bad: list[BadChange] = field(default_factory=list)


def parse_meta(body: bytes) -> MetaBatch:
    """Split a Meta delivery; `InvalidPayloadError` only when the envelope itself is unusable."""
    try:
        envelope = MetaEnvelope.model_validate_json(body)
    except ValidationError as exc:
        raise InvalidPayloadError(error_details(exc)) from None
    platform = Platform.FACEBOOK if envelope.object == "page" else Platform.INSTAGRAM
    batch = MetaBatch(platform=platform)
    for index, raw_entry in enumerate(envelope.entry):
        _parse_entry(batch, envelope.object, index, raw_entry)
    return batch


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _parse_entry(batch: MetaBatch, product: str, index: int, raw_entry: dict[str, Any]) -> None:
    try:
        entry = MetaEntry.model_validate(raw_entry)
    except ValidationError as exc:
        batch.bad.append(
            BadChange(
                index,
                None,
                "invalid entry",
                error_details(exc),
                batch.platform.value,
                _dump({"object": product, "entry": raw_entry}),
            )
        )
        return
    for change_index, raw_change in enumerate(entry.changes):
        # Each stored mention keeps just its own change (with the entry's id and time) as raw,
        # so a 50-entry delivery does not store 50 copies of the whole body.
        raw = _dump(
            {
                "object": product,
                "entry": {"id": entry.id, "time": raw_entry.get("time"), "changes": [raw_change]},
            }
        )
        try:
            mention = _change_to_mention(product, entry, raw_change, raw)
        except InvalidPayloadError as error:
            reason = "invalid change"
            if error.details and error.details[0]["msg"] == UNRESOLVED_MENTION:
                reason = UNRESOLVED_MENTION
            batch.bad.append(
                BadChange(index, change_index, reason, error.details, batch.platform.value, raw)
            )
            continue
        if mention is None:
            batch.ignored += 1
        else:
            batch.mentions.append(mention)


def _validate[ModelT: BaseModel](model: type[ModelT], value: Any, prefix: str) -> ModelT:
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        raise InvalidPayloadError(
            [ErrorDetail(loc=f"{prefix}.{d['loc']}", msg=d["msg"]) for d in error_details(exc)]
        ) from None


def _change_to_mention(product: str, entry: MetaEntry, raw_change: Any, raw: str) -> Mention | None:
    change = _validate(MetaChange, raw_change, "change")
    if product == "page":
        return _facebook_change(entry, change, raw)
    return _instagram_change(entry, change, raw)


def _facebook_change(entry: MetaEntry, change: MetaChange, raw: str) -> Mention | None:
    if change.field != "feed":
        return None
    feed = _validate(FacebookFeedValue, change.value, "value")
    if not feed.is_mention_candidate:
        return None
    if feed.sender is not None and feed.sender.id == entry.id:
        return None  # the Page's own post or reply
    if not (feed.message or "").strip():
        return None  # a sticker, photo or share without words: nothing to triage
    return _validate(FacebookFeedMention, change.value, "value").to_mention(raw)


def _instagram_change(entry: MetaEntry, change: MetaChange, raw: str) -> Mention | None:
    if change.field in INSTAGRAM_COMMENT_FIELDS:
        comment = _validate(InstagramCommentValue, change.value, "value")
        if comment.sender.id == entry.id:
            return None  # the brand's own reply
        return comment.to_mention(entry.time, raw)
    if change.field == "mentions":
        _validate(InstagramMentionValue, change.value, "value")
        raise InvalidPayloadError([ErrorDetail(loc="value", msg=UNRESOLVED_MENTION)])
    return None
