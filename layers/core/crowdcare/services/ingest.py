"""Ingestion: store each normalised mention once, whichever path delivered it.

`IngestService` stores; `DeliveryService` handles a batched delivery on top of it, split entry
by entry at the edge (Meta's changes, X's tweets): Graph API lookups for Meta, then storing, then
parking what could not become a mention.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict

from crowdcare.adapters.platforms.inbound.graph_lookup import LookupFailedError
from crowdcare.adapters.platforms.inbound.graph_shapes import GraphLookup
from crowdcare.adapters.platforms.inbound.meta import BadChange, InboundBatch, parse_meta
from crowdcare.domain.models import Mention
from crowdcare.ports import Clock, IngestParkingLot, MentionInbox


class IngestResult(BaseModel):
    """What one delivery did: new mentions stored, redeliveries ignored, and their ids."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    accepted: int
    duplicates: int
    mention_ids: list[str]


class IngestService:
    """Writes mentions to the Mentions table; its stream starts triage for the new ones."""

    def __init__(self, repository: MentionInbox, clock: Clock) -> None:
        self._repository = repository
        self._clock = clock

    def ingest(self, mentions: Sequence[Mention]) -> IngestResult:
        """Store each mention with one conditional write; a redelivery counts as a duplicate.

        `mention_ids` lists every mention of the delivery, in order, new or duplicate. A failed
        write raises after the earlier ones are stored; the platform's retry then finds those
        as duplicates, so a retry is always safe.
        """
        received_at = self._clock()
        accepted = 0
        for mention in mentions:
            if self._repository.put_if_new(mention, received_at):
                accepted += 1
        return IngestResult(
            accepted=accepted,
            duplicates=len(mentions) - accepted,
            mention_ids=[mention.mention_id for mention in mentions],
        )


DEFAULT_LOOKUP_BUDGET_SECONDS = 12.0


class DeliveryResult(BaseModel):
    """What one delivery did: stored, redelivered, ignored (not mentions) and parked."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    accepted: int
    duplicates: int
    ignored: int
    parked: int
    problems: list[dict[str, Any]]


class DeliveryService:
    """A split delivery (Meta or X): completes its Graph API lookups, stores, parks the rest.

    Lookups come first (a change they complete is stored like any other); a failed lookup is
    parked with its reason beside the changes that were bad from the start. Storing comes
    before parking: if parking fails the webhook answers 500, Meta redelivers, the stored
    mentions come back as duplicates and the bad changes get another chance to be parked. The
    same holds for an X delivery, whose batch has no lookups.

    Meta wants its answer within seconds and API Gateway gives up after 29: once
    `lookup_budget_seconds` (on `timer`) are spent, the delivery's remaining lookups are parked
    with that reason, to be replayed, rather than risk the whole delivery timing out.
    """

    def __init__(
        self,
        ingest: IngestService,
        parking: IngestParkingLot,
        lookup: Callable[[GraphLookup], Mention],
        timer: Callable[[], float],
        lookup_budget_seconds: float = DEFAULT_LOOKUP_BUDGET_SECONDS,
    ) -> None:
        self._ingest = ingest
        self._parking = parking
        self._lookup = lookup
        self._timer = timer
        self._budget = lookup_budget_seconds

    def handle(self, batch: InboundBatch) -> DeliveryResult:
        """Store every mention of `batch`, looked up or not, and park every bad change."""
        mentions = list(batch.mentions)
        bad = list(batch.bad)
        deadline = self._timer() + self._budget
        for lookup in batch.lookups:
            if self._timer() >= deadline:
                reason = f"lookup time budget ({self._budget:g} s) spent on this delivery"
                bad.append(BadChange.failed_lookup(lookup, reason))
                continue
            try:
                mentions.append(self._lookup(lookup))
            except LookupFailedError as error:
                bad.append(BadChange.failed_lookup(lookup, str(error)))
        result = self._ingest.ingest(mentions)
        for change in bad:
            self._parking.park(change)
        return DeliveryResult(
            accepted=result.accepted,
            duplicates=result.duplicates,
            ignored=batch.ignored,
            parked=len(bad),
            problems=[change.report() for change in bad],
        )

    def replay(self, parked_payload: str) -> DeliveryResult:
        """Handle a parked Meta change again (its `payload`, a one-change delivery), e.g. once the
        Graph API token is set: stored if it now becomes a mention, parked again if not."""
        return self.handle(parse_meta(parked_payload.encode()))
