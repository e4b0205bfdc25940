"""Checks every dashboard service makes: the mention exists, the assignment is the caller's."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crowdcare.domain.errors import ForbiddenError, NotFoundError
from crowdcare.ports import AssignmentReader, MentionReader

if TYPE_CHECKING:
    from crowdcare.adapters.cognito_auth import Principal
    from crowdcare.domain.assignments import Assignment
    from crowdcare.domain.stored import StoredMention


def stored_mention(mentions: MentionReader, mention_id: str) -> StoredMention:
    """The mention, or `NotFoundError`."""
    stored = mentions.get(mention_id)
    if stored is None:
        raise NotFoundError("there is no such mention")
    return stored


def own_assignment(
    assignments: AssignmentReader, principal: Principal, mention_id: str
) -> Assignment:
    """The caller's assignment of the mention: `NotFoundError` or `ForbiddenError` otherwise."""
    assignment = assignments.get(mention_id)
    if assignment is None:
        raise NotFoundError("this mention is not assigned to anyone")
    if assignment.responder_id != principal.responder_id:
        raise ForbiddenError("this mention is assigned to someone else")
    return assignment
