"""The queue people can take from: mentions nobody could take yet, most urgent first, in pages;
an employee (or an advocate of the configured rank) takes one with one click.

A take is the queue drain's move made by a person: the mention goes from `queued` to
`assigning` with a conditional write that records the taker (two people clicking at once: one
wins, the other is told who did),
then its assignment workflow starts with the taker as the only candidate, so the assignment is
the same conditional write routing makes (if the taker is full by then, the workflow queues the
mention again and nothing is lost).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crowdcare.domain.errors import ConflictError, ForbiddenError, NotFoundError
from crowdcare.domain.models import MentionStatus
from crowdcare.domain.triage import RouteDecision, RouteKind
from crowdcare.services.dashboard.trust import TrustPolicy

if TYPE_CHECKING:
    from crowdcare.adapters.cognito_auth import Principal
    from crowdcare.domain.stored import StoredMention
    from crowdcare.ports import AssignmentWorkflowStarter, QueueTakes

PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def _urgency(stored: StoredMention) -> tuple[int, str]:
    score = stored.triage.priority.score if stored.triage is not None else 0
    return (-score, stored.received_at.isoformat())


def _row(stored: StoredMention) -> dict[str, Any]:
    triage = stored.triage
    return {
        "mention_id": stored.mention.mention_id,
        "platform": stored.mention.platform.value,
        "text": stored.mention.text,
        "author": stored.mention.author.handle,
        "url": stored.mention.url,
        "priority": triage.priority.score if triage else 0,
        "band": triage.priority.band if triage else "",
        "reasons": list(triage.priority.reasons) if triage else [],
        "sentiment": triage.analysis.sentiment.label.value if triage else "",
        "topics": list(triage.analysis.topics) if triage else [],
        "language": triage.analysis.language if triage else (stored.mention.lang_hint or ""),
        "received_at": stored.received_at.isoformat(),
    }


@dataclass
class QueueDesk:
    """Reads the queue in pages and lets the right people take from it."""

    mentions: QueueTakes
    starter: AssignmentWorkflowStarter
    trust: TrustPolicy
    # Advocates of this rank (points rules' thresholds) or above may take too; None: employees.
    advocate_min_rank: str | None = None

    def page(self, principal: Principal, offset: int = 0, limit: int = PAGE_SIZE) -> dict[str, Any]:
        """{"items", "total", "next"}: one page of the queue, most urgent first, then oldest."""
        self._check(principal)
        offset, limit = max(0, offset), min(max(1, limit), MAX_PAGE_SIZE)
        waiting = sorted(self.mentions.with_status(MentionStatus.QUEUED), key=_urgency)
        items = [_row(s) for s in waiting[offset : offset + limit]]
        more = offset + limit < len(waiting)
        return {"items": items, "total": len(waiting), "next": offset + limit if more else None}

    def may_take(self, principal: Principal) -> bool:
        """Employees and admins; advocates of the configured rank or above."""
        return self._refusal(principal) is None

    def _refusal(self, principal: Principal) -> str | None:
        """Why the caller may not see or take from the queue (None: they may)."""
        if principal.is_staff:
            return None
        if self.advocate_min_rank is None:
            return "the queue is for employees"
        rank = self.trust.rank(principal.responder_id)
        if self.trust.reaches(self.advocate_min_rank, rank):
            return None
        return (
            f"the queue is for employees and advocates of rank {self.advocate_min_rank} or"
            f" above; your rank is {rank}"
        )

    def _check(self, principal: Principal) -> None:
        refusal = self._refusal(principal)
        if refusal is not None:
            raise ForbiddenError(refusal)

    def take(self, principal: Principal, mention_id: str) -> dict[str, Any]:
        """Take a queued mention: its assignment workflow starts with the caller as candidate.
        `ConflictError` names who took it first when someone did."""
        self._check(principal)
        stored = self.mentions.get(mention_id)
        if stored is None or stored.triage is None:
            raise NotFoundError("no such mention in the queue")
        offers = self.mentions.take_from_queue(mention_id, principal.responder_id)
        if offers is None:
            winner = self.mentions.taken_by(mention_id)
            if winner and winner != principal.responder_id:
                raise ConflictError(f"someone was quicker: {winner} took this mention first")
            raise ConflictError("this mention is no longer in the queue (it was assigned)")
        route = RouteKind.EMPLOYEE if principal.is_staff else RouteKind.COMMUNITY
        decision = RouteDecision(
            route=route,
            reasons=(f"taken from the queue by {principal.responder_id}",),
            candidates=(principal.responder_id,),
        )
        try:
            self.starter.start(stored.mention, stored.triage.priority, decision, f"take{offers}")
        except Exception:
            # Back in the queue for someone else (or the next drain); the caller sees the error.
            self.mentions.return_to_queue(mention_id, "the assignment workflow did not start")
            raise
        return {"mention_id": mention_id, "taken_by": principal.responder_id}
