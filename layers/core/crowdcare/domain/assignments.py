"""An assignment: one mention in one responder's hands, and how it ended."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from crowdcare.domain.models import Frozen, ResponderKind
from crowdcare.domain.triage import RouteKind


class AssignmentStatus(StrEnum):
    OPEN = "open"
    REPLIED = "replied"
    DECLINED = "declined"
    EXPIRED = "expired"
    UNDELIVERED = "undelivered"  # the notification could not be sent


class Assignment(Frozen):
    """One mention in one responder's hands."""

    mention_id: str
    responder_id: str
    responder_kind: ResponderKind
    route: RouteKind
    priority: int
    band: str
    status: AssignmentStatus = AssignmentStatus.OPEN
    assigned_at: datetime
    attempt: int = Field(default=1, ge=1, description="1 for the first responder asked, then 2…")
    deadline: datetime | None = Field(default=None, description="assigned_at + the band's SLA")
    task_token: str | None = Field(
        default=None, description="the waiting workflow's callback token (never shown to users)"
    )
