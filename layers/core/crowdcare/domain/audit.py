"""The audit trail's entries: every step of a mention's assignment lifecycle, append-only."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from crowdcare.domain.models import Frozen


class AuditAction(StrEnum):
    """What happened to a mention's assignment."""

    ASSIGNED = "assigned"
    SKIPPED = "skipped"  # a candidate passed over (quiet hours, paused, full)
    NOTIFIED = "notified"
    NOTIFICATION_FAILED = "notification_failed"
    NOTIFICATION_DEFERRED = "notification_deferred"  # SES/SMS down: asked again later
    HEARTBEAT = "heartbeat"
    REPLIED = "replied"
    DECLINED = "declined"
    TIMED_OUT = "timed_out"
    ESCALATED = "escalated"
    QUEUED = "queued"
    ADMINS_ALERTED = "admins_alerted"
    EMAIL_SUPPRESSED = "email_suppressed"  # SES: permanent bounce or complaint
    REDRIVEN = "redriven"  # the sweeper restarted a stuck mention's workflow
    PARKED = "parked"  # the sweeper gave up on a stuck mention: an operator looks at it
    SPIKE_ALERTED = "spike_alerted"  # the spike watch (mention_id is `spike#<series>`)


SYSTEM = "system"


class AuditEntry(Frozen):
    """One transition: who did what, when, and why."""

    mention_id: str
    at: datetime
    action: AuditAction
    actor: str = Field(description="a responder id, or 'system' for the workflow itself")
    reason: str = ""
    responder_id: str | None = None
    attempt: int | None = None
    seq: str = Field(
        default="", description="disambiguates entries written in the same microsecond"
    )

    @property
    def sort_key(self) -> str:
        return f"{self.at.isoformat()}#{self.action.value}#{self.attempt or 0}#{self.seq}"
