"""In-memory fakes of the ingest and polling ports, and a scripted poll source."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from crowdcare.adapters.platforms.inbound.meta import BadChange
from crowdcare.adapters.platforms.inbound.sources import Page
from crowdcare.domain.errors import CursorConflictError
from crowdcare.domain.models import Mention


@dataclass
class FakeMentionInbox:
    """MentionInbox: the first copy of each post, with when it was received."""

    stored: dict[str, tuple[Mention, datetime]] = field(default_factory=dict)

    def put_if_new(self, mention: Mention, received_at: datetime) -> bool:
        if mention.mention_id in self.stored:
            return False
        self.stored[mention.mention_id] = (mention, received_at)
        return True


@dataclass
class FakeCursors:
    """CursorStore: cursors by source, moved only from the value they were read at."""

    values: dict[str, str] = field(default_factory=dict)

    def get(self, source: str) -> str | None:
        return self.values.get(source)

    def put(self, source: str, cursor: str, previous: str | None) -> None:
        if self.values.get(source) != previous:
            raise CursorConflictError(f"{source} moved since it was read")
        self.values[source] = cursor


@dataclass
class RecordingParking:
    """IngestParkingLot: every parked change, in order."""

    parked: list[BadChange] = field(default_factory=list)

    def park(self, bad: BadChange) -> None:
        self.parked.append(bad)


@dataclass
class ScriptedSource:
    """A PollSource answering the pages (or raising the errors) it was given, in order, and
    recording the cursor each fetch was asked for."""

    key: str
    script: list[Page | Exception]
    asked: list[str | None] = field(default_factory=list)

    @classmethod
    def of(cls, key: str, steps: Iterable[Page | Exception]) -> ScriptedSource:
        """A source under `key` that plays `steps`."""
        return cls(key, list(steps))

    def fetch(self, cursor: str | None, deadline: float | None) -> Page:
        self.asked.append(cursor)
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        return step
