"""Accepting a reply: it must fit its platform, it is stored, and queued once cleared to post."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from crowdcare.adapters.platforms.outbound.base import LengthLimit, ReplyTooLongError
from crowdcare.domain.errors import RequestError, UnknownMentionError, UnsupportedPlatformError
from crowdcare.domain.models import Platform
from crowdcare.domain.replies import Reply, ReplyRequest, ReplyStatus, ReplyTicket
from crowdcare.ports import MentionReader, ReplyQueue, ReplyStore

# What the composer allows on a platform CrowdCare cannot post to (a generic webhook's source):
# the reply is refused at submission, but the page still shows a sensible counter.
GENERIC_REPLY_LIMIT = 5_000


def reply_limit(limits: Mapping[Platform, LengthLimit], platform: Platform) -> int:
    """The most a reply on `platform` may hold (in the platform's own unit)."""
    limit = limits.get(platform)
    return limit.max_length if limit is not None else GENERIC_REPLY_LIMIT


def fitted_text(limits: Mapping[Platform, LengthLimit], platform: Platform, text: str) -> str:
    """The reply as it will be posted (trimmed), or a plain `RequestError` saying what is wrong."""
    clean = text.strip()
    if not clean:
        raise RequestError("the reply is empty")
    limit = limits.get(platform)
    if limit is not None:
        try:
            limit.check(platform, clean)
        except ReplyTooLongError as error:
            raise RequestError(f"the {error}") from error
    elif len(clean) > GENERIC_REPLY_LIMIT:
        raise RequestError(
            f"the reply is {len(clean)} characters long; {platform.value} allows at most"
            f" {GENERIC_REPLY_LIMIT} characters"
        )
    return clean


@dataclass
class ReplySubmissions:
    """Stores replies and queues those cleared to post; the one place tickets are sent."""

    mentions: MentionReader
    replies: ReplyStore
    queue: ReplyQueue
    limits: Mapping[Platform, LengthLimit]

    def submit(
        self, request: ReplyRequest, *, needs_approval: bool = False, attempt: int | None = None
    ) -> Reply:
        """Store a reply (pending approval, or approved and queued); the same request sent
        again is one reply.

        Raises `UnknownMentionError`, `UnsupportedPlatformError` or `ReplyTooLongError` (which
        names the platform's limit) before anything is stored, and `MentionHeldError` when
        another live reply holds the mention.
        """
        stored = self.mentions.get(request.mention_id)
        if stored is None:
            raise UnknownMentionError(f"no mention {request.mention_id}")
        platform = stored.mention.platform
        limit = self.limits.get(platform)
        if limit is None:
            raise UnsupportedPlatformError(f"replies on {platform.value} are not supported")
        limit.check(platform, request.text)
        reply = Reply(
            reply_id=request.reply_id,
            mention_id=request.mention_id,
            responder_id=request.responder_id,
            platform=platform,
            text=request.text,
            status=ReplyStatus.PENDING_APPROVAL if needs_approval else ReplyStatus.APPROVED,
            requested_at=request.requested_at,
            attempt=attempt,
        )
        if not self.replies.create(reply):
            existing = self.replies.get(reply.reply_id)
            if existing is None:  # pragma: no cover - created and gone between two reads
                raise RuntimeError(f"reply {reply.reply_id} vanished")
            reply = existing  # the same submission again: enqueue again if it is still waiting
        if reply.status is ReplyStatus.APPROVED:
            self.enqueue(reply)
        return reply

    def enqueue(self, reply: Reply) -> None:
        """Hand a reply cleared to post to the poster (a duplicate ticket is harmless)."""
        self.queue.send(ReplyTicket(reply_id=reply.reply_id, mention_id=reply.mention_id))
