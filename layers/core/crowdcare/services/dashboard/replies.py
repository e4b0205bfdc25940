"""A responder's side of replying: reply, decline, and what became of their replies.

One live reply per mention: while a reply waits for approval, is being posted or was posted,
a second submission is refused (409) in plain words. A reply still waiting for approval from a
responder who no longer holds the mention (it was reassigned) is withdrawn, without costing
points, when the new holder replies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crowdcare.adapters.platforms.outbound.base import LengthLimit
from crowdcare.domain.assignments import Assignment, AssignmentStatus
from crowdcare.domain.dashboard import DeclineRequest, ReplyDraft
from crowdcare.domain.errors import ConflictError, MentionHeldError
from crowdcare.domain.models import Platform
from crowdcare.domain.replies import Reply, ReplyRequest, ReplyStatus
from crowdcare.ports import (
    AssignmentEvents,
    AssignmentReader,
    Clock,
    MentionReader,
    ReplyStore,
    ResponderDirectory,
)
from crowdcare.services.dashboard.access import own_assignment, stored_mention
from crowdcare.services.dashboard.trust import TrustPolicy
from crowdcare.services.replies.submission import ReplySubmissions, fitted_text

if TYPE_CHECKING:
    from crowdcare.adapters.cognito_auth import Principal

REASSIGNED_NOTE = "not posted: the mention was reassigned before approval"


def held_message(holder: Reply) -> str:
    """Why a second reply to a mention is refused, by what the live one is doing."""
    if holder.status is ReplyStatus.PENDING_APPROVAL:
        return "a reply to this mention is already waiting for approval"
    if holder.status is ReplyStatus.POSTED:
        return "this mention already has a posted reply"
    if holder.status is ReplyStatus.FAILED:  # parked in doubt: it may be public already
        return (
            "a reply to this mention may already be public (the platform's answer was lost);"
            " an operator is checking it"
        )
    return "a reply to this mention is being posted; it shows under My replies"


def is_stale(reply: Reply, assignment: Assignment | None) -> bool:
    """Whether `reply` no longer answers the mention's current, open assignment."""
    return (
        assignment is None
        or assignment.status is not AssignmentStatus.OPEN
        or assignment.responder_id != reply.responder_id
        or (reply.attempt is not None and assignment.attempt != reply.attempt)
    )


@dataclass
class ReplyDesk:
    """Reply to an assigned mention, decline it, list one's replies."""

    mentions: MentionReader
    assignments: AssignmentReader
    responders: ResponderDirectory
    replies: ReplyStore
    submissions: ReplySubmissions
    events: AssignmentEvents
    trust: TrustPolicy
    limits: Mapping[Platform, LengthLimit]
    clock: Clock

    def submit_reply(self, principal: Principal, mention_id: str, draft: ReplyDraft) -> Reply:
        """Queue the caller's reply for posting, or hold it for approval while their trust is
        low; either way the workflow hears they are on it (the SLA window starts again)."""
        assignment = own_assignment(self.assignments, principal, mention_id)
        if assignment.status is not AssignmentStatus.OPEN:
            raise ConflictError("this mention is no longer open")
        mention = stored_mention(self.mentions, mention_id).mention
        text = fitted_text(self.limits, mention.platform, draft.text)
        self._refuse_a_second_reply(mention_id, assignment)
        pending = self.trust.needs_approval(principal, self.responders.get(principal.responder_id))
        request = ReplyRequest(
            mention_id=mention_id,
            responder_id=principal.responder_id,
            text=text,
            requested_at=self.clock(),
        )
        try:
            reply = self.submissions.submit(
                request, needs_approval=pending, attempt=assignment.attempt
            )
        except MentionHeldError as error:
            raise ConflictError("another reply to this mention was just submitted") from error
        self.events.heartbeat(mention_id, principal.responder_id)
        return reply

    def _refuse_a_second_reply(self, mention_id: str, assignment: Assignment) -> None:
        holder = self.replies.live_for(mention_id)
        if holder is None:
            return
        if holder.status is ReplyStatus.PENDING_APPROVAL and is_stale(holder, assignment):
            withdrawn = holder.model_copy(
                update={
                    "status": ReplyStatus.REJECTED,
                    "decided_at": self.clock(),
                    "note": REASSIGNED_NOTE,
                }
            )
            if self.replies.decide(withdrawn):
                return
        raise ConflictError(held_message(holder))

    def decline(self, principal: Principal, mention_id: str, request: DeclineRequest) -> None:
        """Hand the mention back for re-routing, with the reason."""
        assignment = own_assignment(self.assignments, principal, mention_id)
        if assignment.status is not AssignmentStatus.OPEN:
            raise ConflictError("this mention is no longer open")
        # A reply on its way to the platform would answer a mention handed to someone else;
        # one still waiting for approval is not posted once the mention moved on.
        live = self.replies.live_for(mention_id)
        if live is not None and live.status is not ReplyStatus.PENDING_APPROVAL:
            raise ConflictError(f"{held_message(live)}, so it cannot be declined")
        self.events.declined(mention_id, principal.responder_id, request.reason.strip())

    def still_on_it(self, principal: Principal, mention_id: str) -> None:
        """The caller's "still on it": a heartbeat to the workflow waiting on their answer."""
        assignment = own_assignment(self.assignments, principal, mention_id)
        if assignment.status is not AssignmentStatus.OPEN:
            raise ConflictError("this mention is no longer open")
        self.events.heartbeat(mention_id, principal.responder_id)

    def my_replies(self, principal: Principal) -> list[Reply]:
        """The caller's replies, newest first, with employees' notes and platforms' reasons."""
        return sorted(
            self.replies.by_responder(principal.responder_id),
            key=lambda r: r.requested_at,
            reverse=True,
        )
