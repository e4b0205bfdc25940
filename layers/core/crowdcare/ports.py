"""Ports: the small protocols services depend on.

Services receive implementations of these as constructor arguments: the DynamoDB, SNS, SES,
Step Functions and platform adapters in the cloud and the local run, the in-memory fakes of
`crowdcare.testing` in unit tests. Nothing here does I/O or imports an adapter.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from crowdcare.domain.models import Mention

if TYPE_CHECKING:  # data shapes only: the parked change is what the Meta parser produces
    from crowdcare.adapters.platforms.inbound.meta import BadChange


class Clock(Protocol):
    """Tells the time; injected so no logic reads the real clock itself."""

    def __call__(self) -> datetime: ...


# --- Mentions, responders, assignments, audit, notices and workflows -----------------------
# (services: triage_steps, assignment_steps, assignment_callbacks, queue_drain, notifier,
#  ses_feedback, starter)


# --- Replies, approvals, points ledger and the dashboard -----------------------------------
# (services: replies, dashboard)


# --- Platforms: ingest and polling -----------------------------------------------------------
# (services: ingest, polling)


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
