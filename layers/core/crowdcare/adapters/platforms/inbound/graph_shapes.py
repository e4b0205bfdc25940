"""What Meta's Graph webhooks share: id and time coercions, and the change that needs a lookup.

Meta has sent ids as strings and as numbers, and times as unix seconds, unix milliseconds or
ISO 8601 ("2025-03-14T09:26:53+0000"); older deliveries of the same field differ in which of
those they use, so the models accept each form and keep one: string ids, aware datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, BeforeValidator, Field, ValidationError

from crowdcare.adapters.platforms.inbound.bounds import unix_time
from crowdcare.adapters.platforms.inbound.errors import (
    ErrorDetail,
    InvalidPayloadError,
    error_details,
)
from crowdcare.domain.models import Mention, Platform

_MILLISECONDS_THRESHOLD = 100_000_000_000  # a unix time above this is in milliseconds
MAX_TEXT = 40_000


def _id_text(value: Any) -> Any:
    """Numeric ids (older deliveries) become the strings newer deliveries send."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _unix_or_iso(value: Any) -> Any:
    """Unix seconds (or milliseconds), as numbers or digit strings, or an ISO 8601 string.

    A number no calendar can hold (10**30 seconds) is a validation error, so its change is
    parked with the reason; it must never escape as the OverflowError `fromtimestamp` raises.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = value / 1000 if value > _MILLISECONDS_THRESHOLD else value
        return unix_time(seconds)
    if isinstance(value, str) and value.isdigit() and len(value) <= 20:
        return _unix_or_iso(int(value))
    return value  # an ISO string: pydantic parses it, and AwareDatetime wants its zone


def validate[ModelT: BaseModel](model: type[ModelT], value: Any, prefix: str) -> ModelT:
    """`value` as `model`, or `InvalidPayloadError` with locations under `prefix`."""
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        raise InvalidPayloadError(
            [ErrorDetail(loc=f"{prefix}.{d['loc']}", msg=d["msg"]) for d in error_details(exc)]
        ) from None


GraphId = Annotated[str, BeforeValidator(_id_text), Field(min_length=1, max_length=256)]
# A name is only shown: long ones are cut when the mention is built (bounds.edge_mention).
GraphName = Annotated[str, Field(max_length=10_000)]
GraphTime = Annotated[AwareDatetime, BeforeValidator(_unix_or_iso)]
GraphText = Annotated[str, Field(max_length=MAX_TEXT)]


@dataclass(frozen=True)
class GraphLookup:
    """A change that becomes a mention only once the Graph API has filled in what Meta left
    out of the webhook (a permalink, the text, the author).

    `kind` names the lookup: "instagram_permalink" (a complete comment but for its URL, the
    `draft`, whose media `object_id` has the permalink), "instagram_comment" (an older comment
    shape: everything from the comment `object_id`), "instagram_mentioned_comment" and
    "instagram_mentioned_media" (a `mentions` change: through the account `account_id`),
    "facebook_object" (a Page mention without its message: the post or comment `object_id`).
    `parent_id` and `created_at` are what the webhook itself said, used when the answer does
    not say better; `raw` is the change as received (kept with the mention, or parked).
    """

    platform: Platform
    kind: str
    account_id: str
    object_id: str
    created_at: datetime
    raw: str
    entry_index: int
    change_index: int
    parent_id: str | None = None
    draft: Mention | None = None


@dataclass(frozen=True)
class ChangeContext:
    """Where a change sits: its entry's account (Page or Instagram account) and time, the
    change as received (`raw`, one-change delivery) and its (entry, change) position."""

    account_id: str
    entry_time: datetime
    raw: str
    entry_index: int
    change_index: int

    def lookup(self, platform: Platform, kind: str, object_id: str, **extra: Any) -> GraphLookup:
        """A `GraphLookup` of `object_id` for this change (`extra`: parent_id, draft)."""
        return GraphLookup(
            platform=platform,
            kind=kind,
            account_id=self.account_id,
            object_id=object_id,
            created_at=extra.pop("created_at", self.entry_time),
            raw=self.raw,
            entry_index=self.entry_index,
            change_index=self.change_index,
            **extra,
        )
