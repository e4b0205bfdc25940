"""A mention as the Mentions table holds it: with when it arrived and what triage concluded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from crowdcare.domain.models import Mention, MentionStatus
from crowdcare.domain.triage import Triage


@dataclass(frozen=True)
class StoredMention:
    """A mention as stored, with what the pipeline has learnt about it."""

    mention: Mention
    received_at: datetime
    status: MentionStatus
    triage: Triage | None = None


@dataclass(frozen=True)
class StuckMention:
    """A mention found by the sweeper: in `status` since `since` (as the index stores it)."""

    mention_id: str
    status: MentionStatus
    since: str


def queue_urgency(stored: StoredMention) -> tuple[int, datetime, str]:
    """The queue's order, most urgent first: higher priority, then older, then the id."""
    score = stored.triage.priority.score if stored.triage is not None else 0
    return (-score, stored.received_at, stored.mention.mention_id)
