"""Ports of replies, approvals, the points ledger and the dashboard."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from crowdcare.adapters.platforms.outbound.base import ReplyAdapter
    from crowdcare.domain.dashboard import AuthorPost
    from crowdcare.domain.models import Platform
    from crowdcare.domain.points import LedgerEntry
    from crowdcare.domain.replies import PostedReply, Reach, Reply, ReplyStatus, ReplyTicket
    from crowdcare.rules.points import PointsRules
    from crowdcare.rules.ranks import ResponderStats
    from crowdcare.rules.standings import BoardLine

from crowdcare.domain.assignments import Assignment, AssignmentStatus
from crowdcare.domain.models import Mention, MentionStatus, Responder
from crowdcare.domain.stored import StoredMention


class MentionReader(Protocol):
    """Reads stored mentions (the Mentions table)."""

    def get(self, mention_id: str) -> StoredMention | None: ...

    def with_status(self, status: MentionStatus) -> list[StoredMention]: ...

    def queued(self, limit: int) -> list[StoredMention]:
        """The `limit` most urgent queued mentions (the queue index)."""
        ...


class AuthorHistory(Protocol):
    """An author's earlier mentions (the Mentions table's by_author index)."""

    def earlier_by_author(self, mention: Mention, limit: int) -> list[AuthorPost]:
        """At most `limit` posts of the mention's author (same platform) posted before it,
        newest first: one bounded Query, whatever the number of stored mentions."""
        ...


class SessionRevoker(Protocol):
    """Ends every session of a person (Cognito's global sign-out, and the ID tokens issued
    until `at` refused)."""

    def sign_out_everywhere(self, username: str, at: datetime) -> None: ...


class MentionRequeue(Protocol):
    """Puts a declined mention back in the queue (only without the assignment workflow)."""

    def set_status(self, mention_id: str, status: MentionStatus, detail: str = "") -> None: ...


class AssignmentReader(Protocol):
    """Reads assignments: one mention's, and one responder's (the by_responder index)."""

    def get(self, mention_id: str) -> Assignment | None: ...

    def for_responder(self, responder_id: str) -> list[Assignment]: ...

    def open_for_responder(self, responder_id: str) -> list[Assignment]:
        """The responder's open assignments only (an index on responder and status)."""
        ...


class AssignmentRelease(Protocol):
    """Closes an assignment and frees the slot (only without the assignment workflow)."""

    def release(
        self, mention_id: str, status: AssignmentStatus, attempt: int | None = None
    ) -> Assignment | None: ...


class AssignmentEvents(Protocol):
    """What the assignment workflow hears about a reply: posted, declined, still working."""

    def replied(self, mention_id: str, responder_id: str, reply_url: str) -> None: ...

    def declined(self, mention_id: str, responder_id: str, reason: str) -> None: ...

    def heartbeat(self, mention_id: str, responder_id: str) -> None: ...


class ReplyStore(Protocol):
    """The Replies table: one record per reply, and at most one live reply per mention."""

    def create(self, reply: Reply) -> bool:
        """Store a new reply; False when a reply with its id exists. Raises
        `MentionHeldError` when it is live and another live reply holds the mention."""
        ...

    def get(self, reply_id: str) -> Reply | None: ...

    def live_for(self, mention_id: str) -> Reply | None:
        """The reply that holds the mention, if any (strongly consistent)."""
        ...

    def for_mention(self, mention_id: str) -> list[Reply]: ...

    def by_responder(self, responder_id: str) -> list[Reply]: ...

    def with_status(self, status: ReplyStatus) -> list[Reply]: ...

    def decide(self, reply: Reply) -> bool:
        """Store an employee's decision on a pending reply (approved, or rejected: which
        frees the mention); False when it was no longer pending."""
        ...

    def claim(self, reply_id: str, now: datetime, lease: timedelta) -> Reply | None:
        """Take the reply for one attempt (posting, leased, `attempted_at` = now, attempts + 1,
        in one write); the record as it was before, or None when it is not cleared to post or
        another delivery holds an unexpired lease."""
        ...

    def release(self, reply_id: str, error: str, *, settled: bool) -> None:
        """Back to approved after a retryable failure; `settled`: the platform surely holds
        nothing of it (a refusal), so `attempted_at` is cleared, else it stays in doubt."""
        ...

    def mark_posted(self, reply_id: str, posted: PostedReply) -> None: ...

    def mark_failed(
        self, reply_id: str, error: str, now: datetime, *, in_doubt: bool = False
    ) -> bool:
        """Failed with `error`, the mention freed; `in_doubt` (it may be public) keeps the
        mention held and `attempted_at`. False when already posted or unknown."""
        ...

    def reopen(self, reply_id: str) -> bool: ...

    def posted_since(self, since: datetime) -> list[Reply]: ...

    def record_reach(self, reply_id: str, reach: Reach, read_at: datetime) -> None: ...


class ReplyQueue(Protocol):
    """The ReplyQueue: tickets of replies cleared to post."""

    def send(self, ticket: ReplyTicket) -> None: ...


class ParkedTicket(Protocol):
    """One parked message: its ticket, and the handle that removes or releases it."""

    @property
    def ticket(self) -> ReplyTicket: ...

    @property
    def handle(self) -> str: ...


class ParkingLot(Protocol):
    """The ReplyDeadLetterQueue: tickets that could not be posted, each with its error."""

    def park(self, ticket: ReplyTicket, error: str) -> None: ...

    def parked(self) -> Iterator[ParkedTicket]: ...

    def remove(self, handle: str) -> None: ...

    def release(self, handles: Sequence[str]) -> None: ...


class ReplyAdapterSource(Protocol):
    """The reply adapter of a platform, or None when it is not configured."""

    def __call__(self, platform: Platform) -> ReplyAdapter | None: ...


class Ledger(Protocol):
    """The append-only points ledger."""

    def append(self, entry: LedgerEntry) -> bool: ...

    def for_responder(self, responder_id: str) -> list[LedgerEntry]: ...

    def board(self, key: str) -> list[BoardLine]:
        """Every responder's running totals on one board (crowdcare.rules.standings)."""

    def board_page(
        self, key: str, limit: int, after: str | None = None
    ) -> tuple[list[BoardLine], str | None]:
        """At most `limit` lines of one board, most points first, from the opaque cursor
        `after`, and the next page's cursor (None after the last); ValueError for a cursor
        this board never gave."""

    def stats(self, responder_ids: list[str]) -> dict[str, ResponderStats]:
        """Each responder's kept figures (rules.ranks.ResponderStats), read without their
        history."""


class PointsRulesSource(Protocol):
    """The points rules in force (read on every use, so an admin's change applies at once)."""

    def __call__(self) -> PointsRules: ...


class ResponderDirectory(Protocol):
    """Responders' profiles; writes never touch the workflow's open_count."""

    def get(self, responder_id: str) -> Responder | None: ...

    def list_all(self) -> list[Responder]: ...

    def update(self, responder_id: str, values: dict[str, Any]) -> None: ...

    def upsert(self, responder: Responder) -> bool: ...


class RulesStore(Protocol):
    """Where the routing rules document lives (the SSM parameter in a deployment)."""

    def read(self) -> str: ...

    def write(self, document: str) -> None: ...


class SignInInvitations(Protocol):
    """Gives a new responder a sign-in (an invitation with a temporary password)."""

    def invite(self, responder: Responder) -> bool: ...
