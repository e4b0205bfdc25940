"""What every dashboard service needs: the mention exists, the assignment is the caller's, the
context a card shows (the thread above a mention, the reasons that apply to it)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from crowdcare.domain.dashboard import EarlierMention
from crowdcare.domain.errors import ForbiddenError, NotFoundError
from crowdcare.domain.replies import ReplyStatus
from crowdcare.ports import AssignmentReader, AuthorHistory, MentionReader, ReplyStore

if TYPE_CHECKING:
    from crowdcare.adapters.cognito_auth import Principal
    from crowdcare.domain.assignments import Assignment
    from crowdcare.domain.models import Mention
    from crowdcare.domain.stored import StoredMention

# How many earlier posts of a thread a card shows above a mention.
THREAD_DEPTH = 3
# How many of the author's earlier mentions a card shows (newest first).
HISTORY_DEPTH = 5
# Triage's waiting reason names the global SLA target ("waiting 5 min of a 60 min SLA"); the
# card shows the one deadline that applies (the band's, or the workflow's), so it is left out.
_GLOBAL_SLA_REASON = re.compile(r"^waiting \d+ min of a \d+ min SLA$")


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


def thread_of(mentions: MentionReader, mention: Mention) -> tuple[dict[str, str], ...]:
    """Up to THREAD_DEPTH earlier posts of the mention's thread, oldest first."""
    thread: list[dict[str, str]] = []
    parent_id = mention.parent_id
    while parent_id and len(thread) < THREAD_DEPTH:
        parent = mentions.get(f"{mention.platform.value}#{parent_id}")
        if parent is None:
            thread.append({"handle": "", "text": "(an earlier post we have not stored)"})
            break
        thread.append({"handle": parent.mention.author.handle, "text": parent.mention.text})
        parent_id = parent.mention.parent_id
    return tuple(reversed(thread))


def earlier_mentions(
    history: AuthorHistory, replies: ReplyStore, mention: Mention
) -> tuple[EarlierMention, ...]:
    """The author's last HISTORY_DEPTH mentions before this one, newest first, each with the
    reply that was posted (or the latest reply's status): one index Query and one Replies
    Query per earlier mention, bounded whatever the author's history."""
    earlier = []
    for post in history.earlier_by_author(mention, HISTORY_DEPTH):
        answers = sorted(replies.for_mention(post.mention_id), key=lambda r: r.requested_at)
        posted = next((r for r in reversed(answers) if r.status is ReplyStatus.POSTED), None)
        latest = posted or (answers[-1] if answers else None)
        earlier.append(
            EarlierMention(
                mention_id=post.mention_id,
                text=post.text,
                posted_at=post.posted_at,
                url=post.url,
                reply_text=posted.text if posted else None,
                reply_status=latest.status.value if latest else "",
            )
        )
    return tuple(earlier)


def card_reasons(stored: StoredMention) -> tuple[str, ...]:
    """Why the mention is urgent and where it went, without a second (global) deadline."""
    if stored.triage is None:
        return ()
    reasons = stored.triage.priority.reasons + stored.triage.decision.reasons
    return tuple(r for r in reasons if not _GLOBAL_SLA_REASON.match(r))
