"""The payloads the functions and topics carry: the triage case, the assignment workflow's case,
the assignment notice (and its rendered texts), the suppression alert.

Data only, in a module of its own, so that the starter, the notifier and the lifecycle read
them without loading the triage engine (language and sentiment models) into their cold starts.
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from crowdcare.domain.assignments import Assignment
from crowdcare.domain.models import Frozen, Mention, MentionStatus
from crowdcare.domain.triage import Analysis, Priority, RouteDecision, RouteKind


class AssignmentNotice(Frozen):
    """What the assignments topic carries to the notifier (and any other subscriber)."""

    mention_id: str
    responder_id: str
    route: RouteKind
    priority: int
    band: str
    reasons: tuple[str, ...]
    platform: str
    url: str
    author_handle: str
    author_followers: int
    text: str
    assigned_at: datetime
    attempt: int = 1
    deadline: datetime | None = None
    link: str | None = Field(
        default=None, description="signed deep link to the assignment, for its responder only"
    )

    @classmethod
    def build(
        cls, mention: Mention, assignment: Assignment, priority: Priority, decision: RouteDecision
    ) -> AssignmentNotice:
        """The notice for a mention just assigned."""
        return cls(
            mention_id=assignment.mention_id,
            responder_id=assignment.responder_id,
            route=decision.route,
            priority=priority.score,
            band=priority.band,
            reasons=priority.reasons + decision.reasons,
            platform=mention.platform.value,
            url=mention.url,
            author_handle=mention.author.handle,
            author_followers=mention.author.followers,
            text=mention.text,
            assigned_at=assignment.assigned_at,
        )


class TriageCase(Frozen):
    """The workflow's state: the mention and what each step has concluded so far."""

    mention: Mention
    analysis: Analysis | None = None
    priority: Priority | None = None
    decision: RouteDecision | None = None
    assignment: Assignment | None = None
    notice: AssignmentNotice | None = Field(
        default=None, description="published to the assignments topic by the workflow"
    )
    status: MentionStatus = MentionStatus.RECEIVED


class Message(Frozen):
    """One assignment notice rendered for its channels: the email's subject and bodies, the SMS."""

    subject: str
    text: str
    html: str
    sms: str


class SuppressionAlert(Frozen):
    """What the admin alerts topic carries when a responder's email is suppressed."""

    kind: str = "email_suppressed"
    responder_id: str
    email: str
    reason: str
    mention_id: str | None = None
    at: datetime


# ------------------------------------------------------------------ the assignment workflow
class ReplyOutcome(Frozen):
    """What a posted reply tells the waiting assignment workflow (its task-success output)."""

    responder_id: str
    attempt: int
    reply_url: str


class Stage(StrEnum):
    """Who is being asked: community advocates first, then employees."""

    COMMUNITY = "community"
    EMPLOYEE = "employee"


class NextStep(StrEnum):
    """What the state machine does after a step (its Choice states read this)."""

    WAIT = "wait"
    PICK = "pick"
    ALERT_ADMINS = "alert_admins"
    QUEUED = "queued"
    DONE = "done"
    RETRY_LATER = "retry_later"  # the notification providers are down: wait, then pick again


class AdminAlert(Frozen):
    """What the admin alerts topic carries."""

    mention_id: str
    reason: str
    url: str
    responder_id: str | None = None
    at: datetime


class WaitFailure(Frozen):
    """What a Catch puts on the case: the error of the wait (decline, timeout, failed send)."""

    Error: str
    Cause: str | None = None


class LifecycleCase(Frozen):
    """The assignment workflow's state."""

    mention: Mention
    priority: Priority
    decision: RouteDecision
    analysis: Analysis | None = Field(
        default=None,
        description=(
            "triage's analysis, carried from triage until the first pick records the triage "
            "with the status it leads to (one write of the mention); None once recorded, and "
            "for a start from the stored triage (queue drain, sweeper, replay)"
        ),
    )
    stage: Stage = Stage.COMMUNITY
    attempt: int = Field(default=0, description="attempts made so far, all stages")
    community_attempts: int = 0
    tried: tuple[str, ...] = ()
    assignment: Assignment | None = None
    sla_seconds: int = Field(default=0, description="HeartbeatSecondsPath of the wait")
    hold_seconds: int = Field(default=0, description="TimeoutSecondsPath of the wait")
    next: NextStep = NextStep.PICK
    first_assigned_at: datetime | None = None
    escalated_at: datetime | None = None
    alert: AdminAlert | None = None
    deferrals: int = Field(default=0, description="notices deferred by provider outages")
    retry_in_seconds: int = Field(default=0, description="SecondsPath of the outage wait")
    failure: WaitFailure | None = None
    reply: ReplyOutcome | None = None
    outcome: str = ""
    passed_over: tuple[str, ...] = Field(
        default=(),
        description=(
            "why Pick passed over the candidates ranked before the planned responder; Notify "
            "audits them when it takes the slot"
        ),
    )
    refused: tuple[str, ...] = Field(
        default=(),
        description=(
            "responders whose last slot was taken between Pick and Notify since the last "
            "offer: not planned again until a slot is taken (a stale read cannot loop)"
        ),
    )

    @property
    def mention_id(self) -> str:
        return self.mention.mention_id


def case_from_event(event: dict[str, Any]) -> LifecycleCase:
    """The workflow's state as a model (Payload of each lambda:invoke)."""
    return LifecycleCase.model_validate(event)


def to_json(case: LifecycleCase) -> dict[str, Any]:
    """The case as the workflow's next state."""
    result: dict[str, Any] = json.loads(case.model_dump_json())
    return result
