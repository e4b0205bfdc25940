"""Ports: the small protocols services depend on.

Services receive implementations of these as constructor arguments: the DynamoDB, SNS, SES,
Step Functions and platform adapters in the cloud and the local run, the in-memory fakes of
`crowdcare.testing` in unit tests. Nothing here does I/O or imports an adapter.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from crowdcare.domain.models import ResponderKind
    from crowdcare.rules.analytics import Counters
    from crowdcare.rules.analytics_facts import Increments, MentionCard


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


# --- Analytics ---------------------------------------------------------------------------------
# (services: analytics)


class AnalyticsStore(Protocol):
    """Per-mention analytics cards and the counter items they add to (AggregatesTable)."""

    def load_card(self, mention_id: str) -> MentionCard | None: ...

    def commit(self, card: MentionCard, expected_version: int, increments: Increments) -> bool:
        """Store `card` (as version expected_version + 1) and add `increments`, atomically;
        False, with nothing written, when the stored card is no longer at expected_version."""
        ...


class AggregateReader(Protocol):
    """Counter items of one dimension over a range of buckets (one query)."""

    def buckets(self, dimension: str, first: str, last: str) -> list[tuple[str, Counters]]:
        """(bucket, counters) of every item with first <= bucket <= last, in bucket order."""
        ...


class ResponderKindLookup(Protocol):
    """Whether a responder is an advocate or an employee (None when unknown)."""

    def __call__(self, responder_id: str) -> ResponderKind | None: ...
