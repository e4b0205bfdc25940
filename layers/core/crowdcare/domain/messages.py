"""The payloads the functions hand each other: the triage case and the assignment notice.

Data only, in a module of its own, so that the starter, the notifier and the lifecycle read
them without loading the triage engine (language and sentiment models) into their cold starts.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from crowdcare.adapters.dynamodb.assignments import Assignment
from crowdcare.domain.models import Frozen, Mention, MentionStatus
from crowdcare.rules.triage.models import Analysis, Priority, RouteDecision, RouteKind


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
