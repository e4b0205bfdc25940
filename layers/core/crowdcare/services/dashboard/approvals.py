"""Approvals: an employee approves an advocate's reply (perhaps edited) or rejects it with a note.

Approval re-checks that the mention is still that advocate's open assignment: after a
reassignment (or once the assignment closed) the reply is refused and withdrawn, without
costing points, so two people never answer one mention in public.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crowdcare.adapters.platforms.outbound.base import LengthLimit
from crowdcare.domain.dashboard import DecisionRequest
from crowdcare.domain.errors import ConflictError, NotFoundError, RequestError
from crowdcare.domain.models import Platform
from crowdcare.domain.replies import Reply, ReplyStatus
from crowdcare.ports import (
    AssignmentReader,
    AuthorHistory,
    Clock,
    MentionReader,
    ReplyStore,
    ResponderDirectory,
)
from crowdcare.services.dashboard.access import (
    card_reasons,
    earlier_mentions,
    stored_mention,
    thread_of,
)
from crowdcare.services.dashboard.replies import REASSIGNED_NOTE, is_stale
from crowdcare.services.replies.submission import ReplySubmissions, fitted_text, reply_limit
from crowdcare.services.rewards.awards import PointsAwarder

if TYPE_CHECKING:
    from crowdcare.adapters.cognito_auth import Principal
    from crowdcare.domain.stored import StoredMention

ALREADY_HANDLED = "this reply was already handled"


@dataclass
class ApprovalDesk:
    """Replies waiting for an employee, and the employee's decision."""

    mentions: MentionReader
    assignments: AssignmentReader
    responders: ResponderDirectory
    replies: ReplyStore
    submissions: ReplySubmissions
    points: PointsAwarder
    limits: Mapping[Platform, LengthLimit]
    clock: Clock
    history: AuthorHistory

    def approvals(self) -> list[dict[str, Any]]:
        """Replies waiting for an employee, oldest first, with the mention they answer."""
        result = []
        pending = self.replies.with_status(ReplyStatus.PENDING_APPROVAL)
        # The names of the responders who wrote them, by key: never a scan of every responder.
        names = {
            r.responder_id: r.name
            for rid in {reply.responder_id for reply in pending}
            if (r := self.responders.get(rid)) is not None
        }
        for reply in sorted(pending, key=lambda r: r.requested_at):
            stored = self.mentions.get(reply.mention_id)
            if stored is None:
                continue
            result.append(
                {
                    "reply": reply.model_dump(mode="json"),
                    "responder_name": names.get(reply.responder_id, reply.responder_id),
                    "mention": self._context(stored),
                    "reply_limit": reply_limit(self.limits, stored.mention.platform),
                }
            )
        return result

    def _context(self, stored: StoredMention) -> dict[str, Any]:
        """What the approver needs to judge the reply: the post, its thread, its urgency."""
        mention, triage = stored.mention, stored.triage
        assignment = self.assignments.get(mention.mention_id)
        deadline = assignment.deadline if assignment is not None else None
        return {
            "platform": mention.platform.value,
            "text": mention.text,
            "author": mention.author.handle,
            "url": mention.url,
            "thread": list(thread_of(self.mentions, mention)),
            "priority": triage.priority.score if triage else None,
            "band": triage.priority.band if triage else "",
            "reasons": list(card_reasons(stored)),
            "sentiment": triage.analysis.sentiment.label.value if triage else "",
            "topics": list(triage.analysis.topics) if triage else [],
            "due_at": deadline.isoformat() if deadline else None,
            "seconds_left": int((deadline - self.clock()).total_seconds()) if deadline else None,
            "earlier": [
                e.model_dump(mode="json")
                for e in earlier_mentions(self.history, self.replies, mention)
            ],
        }

    def decide(self, principal: Principal, reply_id: str, request: DecisionRequest) -> Reply:
        """Approve (perhaps edited) and queue for posting, or reject with a note the advocate
        reads (-5 points)."""
        reply = self.replies.get(reply_id)
        if reply is None:
            raise NotFoundError("there is no such reply")
        if reply.status is not ReplyStatus.PENDING_APPROVAL:
            raise ConflictError(ALREADY_HANDLED)
        if request.action == "reject":
            return self._reject(principal, reply, request.note.strip())
        if is_stale(reply, self.assignments.get(reply.mention_id)):
            self._withdraw(principal, reply)
            raise ConflictError(
                "this mention was reassigned (or its assignment closed) after the reply was"
                " written, so it can no longer be approved; it was withdrawn without costing"
                " the advocate points"
            )
        mention = stored_mention(self.mentions, reply.mention_id).mention
        text = fitted_text(self.limits, mention.platform, request.text or reply.text)
        approved = reply.model_copy(
            update={
                "status": ReplyStatus.APPROVED,
                "text": text,
                "original_text": reply.text if text != reply.text else None,
                "decided_by": principal.responder_id,
                "decided_at": self.clock(),
                "note": request.note.strip(),
            }
        )
        if not self.replies.decide(approved):
            raise ConflictError(ALREADY_HANDLED)
        self.submissions.enqueue(approved)
        return approved

    def _reject(self, principal: Principal, reply: Reply, note: str) -> Reply:
        if not note:
            raise RequestError("say why the reply is rejected: the advocate reads the note")
        now = self.clock()
        rejected = reply.model_copy(
            update={
                "status": ReplyStatus.REJECTED,
                "decided_by": principal.responder_id,
                "decided_at": now,
                "note": note,
            }
        )
        if not self.replies.decide(rejected):
            raise ConflictError(ALREADY_HANDLED)
        self.points.rejected(rejected)
        return rejected

    def _withdraw(self, principal: Principal, reply: Reply) -> None:
        withdrawn = reply.model_copy(
            update={
                "status": ReplyStatus.REJECTED,
                "decided_by": principal.responder_id,
                "decided_at": self.clock(),
                "note": REASSIGNED_NOTE,
            }
        )
        self.replies.decide(withdrawn)
