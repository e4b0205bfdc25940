"""Ports of the platforms' ingest and polling."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from crowdcare.adapters.platforms.inbound.meta import BadChange

from crowdcare.domain.models import Mention


class MentionInbox(Protocol):
    """Where ingestion stores mentions: once per platform post, whichever path brings it."""

    def put_if_new(self, mention: Mention, received_at: datetime) -> bool:
        """Store `mention` unless the same post is stored; True when it was new."""
        ...


class CursorStore(Protocol):
    """Each poll source's saved position, moved only from the value it was read at."""

    def get(self, source: str) -> str | None: ...

    def put(self, source: str, cursor: str, previous: str | None) -> None:
        """Save `cursor` if the stored one is still `previous`; else `CursorConflictError`."""
        ...


class IngestParkingLot(Protocol):
    """Where a change that could not become a mention waits for an operator, with why."""

    def park(self, bad: BadChange) -> None: ...
