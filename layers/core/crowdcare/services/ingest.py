"""Ingestion: store each normalised mention once, whichever path delivered it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from crowdcare.adapters.dynamodb.repositories import MentionRepository
from crowdcare.domain.models import Mention


class IngestResult(BaseModel):
    """What one delivery did: new mentions stored, redeliveries ignored, and their ids."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    accepted: int
    duplicates: int
    mention_ids: list[str]


class IngestService:
    """Writes mentions to the Mentions table; its stream starts triage for the new ones."""

    def __init__(self, repository: MentionRepository, clock: Callable[[], datetime]) -> None:
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
