"""Ports: the small protocols services depend on.

Services receive implementations of these as constructor arguments: the DynamoDB, SNS, SES,
Step Functions and platform adapters in the cloud and the local run, the in-memory fakes of
`crowdcare.testing` in unit tests. Nothing here does I/O or imports an adapter.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


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
