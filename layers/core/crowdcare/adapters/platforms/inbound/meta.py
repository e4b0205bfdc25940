"""Meta webhook deliveries (Facebook Pages, Instagram): the envelope, split change by change.

One delivery is ``{"object": "page" | "instagram", "entry": [{"id", "time", "changes":
[{"field", "value"}]}]}`` and may batch many entries. The envelope must be sound (else the
whole delivery is a 400); after that each change is judged on its own (crowdcare.adapters.
platforms.inbound.facebook and .instagram say which shapes): a good one becomes a mention, or
a `GraphLookup` when the Graph API must fill in what the webhook leaves out; one that is not a
mention (a reaction, a removal, the brand's own post) is ignored and counted; a bad one becomes
a `BadChange` to park, so one broken entry never costs the others.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crowdcare.adapters.platforms.inbound.errors import (
    ErrorDetail,
    InvalidPayloadError,
    error_details,
)
from crowdcare.adapters.platforms.inbound.facebook import facebook_change
from crowdcare.adapters.platforms.inbound.graph_shapes import (
    ChangeContext,
    GraphId,
    GraphLookup,
    GraphTime,
    validate,
)
from crowdcare.adapters.platforms.inbound.instagram import instagram_change
from crowdcare.domain.models import Mention, Platform

INVALID_CHANGE = "invalid change"
INVALID_ENTRY = "invalid entry"
LOOKUP_FAILED = "graph api lookup failed"
# Meta batches at most 1,000 entries per delivery; changes per entry are few. The body limit
# bounds both anyway: these say so, and keep one entry from being a thousand parked changes.
MAX_ENTRIES = 1000
MAX_CHANGES = 100


class _Edge(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class MetaEnvelope(_Edge):
    """The delivery as a whole: which product, and its entries (validated one by one later)."""

    object: Literal["page", "instagram"]
    entry: Annotated[list[dict[str, Any]], Field(min_length=1, max_length=MAX_ENTRIES)]


class MetaChange(_Edge):
    field: Annotated[str, Field(min_length=1, max_length=100)]
    value: Any = None  # older deliveries sometimes carry a change without one


class MetaEntry(_Edge):
    """One entry: the Page or Instagram account it concerns, when, and what changed."""

    id: GraphId
    time: GraphTime
    changes: Annotated[list[Any], Field(max_length=MAX_CHANGES)] = Field(default_factory=list)


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

    @classmethod
    def failed_lookup(cls, lookup: GraphLookup, reason: str) -> BadChange:
        """A change whose Graph API lookup failed: parked with why, to replay later."""
        return cls(
            lookup.entry_index,
            lookup.change_index,
            LOOKUP_FAILED,
            [ErrorDetail(loc=lookup.kind, msg=reason)],
            lookup.platform.value,
            lookup.raw,
        )


@dataclass
class InboundBatch:
    """A delivery split into mentions to store, lookups to make, changes ignored, and bad
    changes to park."""

    platform: Platform
    mentions: list[Mention] = field(default_factory=list)
    lookups: list[GraphLookup] = field(default_factory=list)
    ignored: int = 0
    bad: list[BadChange] = field(default_factory=list)


def parse_meta(body: bytes) -> InboundBatch:
    """Split a Meta delivery; `InvalidPayloadError` only when the envelope itself is unusable."""
    try:
        envelope = MetaEnvelope.model_validate_json(body)
    except ValidationError as exc:
        raise InvalidPayloadError(error_details(exc)) from None
    platform = Platform.FACEBOOK if envelope.object == "page" else Platform.INSTAGRAM
    batch = InboundBatch(platform=platform)
    for index, raw_entry in enumerate(envelope.entry):
        _parse_entry(batch, envelope.object, index, raw_entry)
    return batch


def _dump(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _parse_entry(batch: InboundBatch, product: str, index: int, raw_entry: dict[str, Any]) -> None:
    try:
        entry = MetaEntry.model_validate(raw_entry)
    except ValidationError as exc:
        batch.bad.append(
            BadChange(
                index,
                None,
                INVALID_ENTRY,
                error_details(exc),
                batch.platform.value,
                _dump({"object": product, "entry": raw_entry}),
            )
        )
        return
    for change_index, raw_change in enumerate(entry.changes):
        # Each stored mention keeps just its own change (with the entry's id and time) as raw,
        # so a 50-entry delivery does not store 50 copies of the whole body; the same text is
        # what a parked change carries, a delivery of one change that can be replayed.
        raw = _dump(
            {
                "object": product,
                "entry": [{"id": entry.id, "time": raw_entry.get("time"), "changes": [raw_change]}],
            }
        )
        try:
            change = validate(MetaChange, raw_change, "change")
            convert = facebook_change if product == "page" else instagram_change
            context = ChangeContext(entry.id, entry.time, raw, index, change_index)
            result = convert(context, change.field, change.value)
        except InvalidPayloadError as error:
            batch.bad.append(
                BadChange(
                    index, change_index, INVALID_CHANGE, error.details, batch.platform.value, raw
                )
            )
            continue
        if result is None:
            batch.ignored += 1
        elif isinstance(result, GraphLookup):
            batch.lookups.append(result)
        else:
            batch.mentions.append(result)
