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
    HEARTBEAT = "heartbeat"
    REPLIED = "replied"
    DECLINED = "declined"
    TIMED_OUT = "timed_out"
    ESCALATED = "escalated"
    QUEUED = "queued"
    ADMINS_ALERTED = "admins_alerted"
    EMAIL_SUPPRESSED = "email_suppressed"  # SES: permanent bounce or complaint
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
