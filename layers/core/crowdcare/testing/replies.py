"""In-memory fakes of the reply and dashboard ports (crowdcare.ports, replies section)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from crowdcare.adapters.dynamodb.assignments import Assignment, AssignmentStatus
from crowdcare.adapters.platforms.outbound.base import default_limits
from crowdcare.domain.dashboard import AuthorPost
from crowdcare.domain.errors import MentionHeldError, PlatformError
from crowdcare.domain.models import MentionStatus, Platform, Responder
from crowdcare.domain.points import LedgerEntry
from crowdcare.domain.replies import PostedReply, Reach, Reply, ReplyStatus, ReplyTicket
from crowdcare.domain.stored import queue_urgency
from crowdcare.rules.ranks import ResponderStats, stats_with
from crowdcare.rules.standings import BoardLine, boards_for, counts_as_reply

if TYPE_CHECKING:
    from crowdcare.adapters.dynamodb.repositories import StoredMention
    from crowdcare.domain.models import Mention


@dataclass
class InMemoryReplies:
    """The Replies table, with its one-live-reply-per-mention guard."""

    items: dict[str, Reply] = field(default_factory=dict)
    holders: dict[str, str] = field(default_factory=dict)  # mention_id -> live reply_id

    def _free(self, reply: Reply) -> None:
        if self.holders.get(reply.mention_id) == reply.reply_id:
            del self.holders[reply.mention_id]

    def create(self, reply: Reply) -> bool:
        if reply.reply_id in self.items:
            return False
        if reply.live:
            holder = self.holders.get(reply.mention_id)
            if holder is not None:
                raise MentionHeldError("another reply to this mention is live", holder)
            self.holders[reply.mention_id] = reply.reply_id
        self.items[reply.reply_id] = reply
        return True

    def get(self, reply_id: str) -> Reply | None:
        return self.items.get(reply_id)

    def live_for(self, mention_id: str) -> Reply | None:
        holder = self.holders.get(mention_id)
        return None if holder is None else self.items.get(holder)

    def _sorted(self, keep: Any) -> list[Reply]:
        return sorted((r for r in self.items.values() if keep(r)), key=lambda r: r.requested_at)

    def for_mention(self, mention_id: str) -> list[Reply]:
        return self._sorted(lambda r: r.mention_id == mention_id)

    def by_responder(self, responder_id: str) -> list[Reply]:
        return self._sorted(lambda r: r.responder_id == responder_id)

    def with_status(self, status: ReplyStatus) -> list[Reply]:
        return self._sorted(lambda r: r.status is status)

    def decide(self, reply: Reply) -> bool:
        current = self.items.get(reply.reply_id)
        if current is None or current.status is not ReplyStatus.PENDING_APPROVAL:
            return False
        self.items[reply.reply_id] = reply
        if not reply.live:
            self._free(reply)
        return True

    def _update(self, reply_id: str, **changes: Any) -> None:
        self.items[reply_id] = self.items[reply_id].model_copy(update=changes)

    def claim(self, reply_id: str, now: datetime, lease: timedelta) -> Reply | None:
        reply = self.items.get(reply_id)
        if reply is None:
            return None
        expired = reply.lease_until is not None and reply.lease_until < now
        if reply.status is ReplyStatus.APPROVED or (
            reply.status is ReplyStatus.POSTING and expired
        ):
            self._update(
                reply_id,
                status=ReplyStatus.POSTING,
                lease_until=now + lease,
                attempted_at=now,
                attempts=reply.attempts + 1,
            )
            return reply
        return None

    def release(self, reply_id: str, error: str, *, settled: bool) -> None:
        current = self.items[reply_id]
        if current.status is ReplyStatus.POSTING:
            self._update(
                reply_id,
                status=ReplyStatus.APPROVED,
                last_error=error,
                lease_until=None,
                attempted_at=None if settled else current.attempted_at,
            )

    def mark_posted(self, reply_id: str, posted: PostedReply) -> None:
        self._update(
            reply_id, status=ReplyStatus.POSTED, posted=posted, lease_until=None, failed_at=None
        )

    def mark_failed(
        self, reply_id: str, error: str, now: datetime, *, in_doubt: bool = False
    ) -> bool:
        reply = self.items.get(reply_id)
        if reply is None or reply.status is ReplyStatus.POSTED:
            return False
        if not in_doubt:
            self._free(reply)
        self._update(
            reply_id,
            status=ReplyStatus.FAILED,
            last_error=error,
            failed_at=now,
            lease_until=None,
            attempted_at=reply.attempted_at if in_doubt else None,
        )
        return True

    def reopen(self, reply_id: str) -> bool:
        reply = self.items.get(reply_id)
        if reply is None or reply.status is not ReplyStatus.FAILED:
            return False
        if self.holders.get(reply.mention_id, reply_id) != reply_id:
            return False
        self.holders[reply.mention_id] = reply_id
        self._update(reply_id, status=ReplyStatus.APPROVED, failed_at=None)
        return True

    def posted_since(self, since: datetime) -> list[Reply]:
        return self._sorted(
            lambda r: (
                r.status is ReplyStatus.POSTED
                and r.posted is not None
                and r.posted.posted_at >= since
            )
        )

    def record_reach(self, reply_id: str, reach: Reach, read_at: datetime) -> None:
        self._update(reply_id, reach=reach, reach_read_at=read_at)


@dataclass
class RecordingQueue:
    """The ReplyQueue: tickets in order."""

    tickets: list[ReplyTicket] = field(default_factory=list)

    def send(self, ticket: ReplyTicket) -> None:
        self.tickets.append(ticket)

    def take(self) -> list[ReplyTicket]:
        """Every ticket sent so far, removed (one round of deliveries)."""
        taken, self.tickets = self.tickets, []
        return taken


@dataclass(frozen=True)
class ParkedEntry:
    ticket: ReplyTicket
    handle: str
    error: str


@dataclass
class InMemoryParkingLot:
    """The reply dead-letter queue."""

    entries: list[ParkedEntry] = field(default_factory=list)

    def park(self, ticket: ReplyTicket, error: str) -> None:
        self.entries.append(ParkedEntry(ticket, f"h{len(self.entries)}-{ticket.reply_id}", error))

    def parked(self) -> Iterator[ParkedEntry]:
        yield from list(self.entries)

    def remove(self, handle: str) -> None:
        self.entries = [e for e in self.entries if e.handle != handle]

    def release(self, handles: Sequence[str]) -> None:
        """Nothing was hidden in memory."""


@dataclass
class InMemoryLedger:
    """The points ledger: append-only, one entry per event, boards kept beside it like the
    table's board lines (added to in the same step as the entry)."""

    entries: dict[tuple[str, str], LedgerEntry] = field(default_factory=dict)
    boards: dict[str, dict[str, BoardLine]] = field(default_factory=dict)
    kept: dict[str, ResponderStats] = field(default_factory=dict)

    def append(self, entry: LedgerEntry) -> bool:
        key = (entry.responder_id, entry.entry_id)
        if key in self.entries:
            return False
        self.entries[key] = entry
        self.kept[entry.responder_id] = stats_with(
            self.kept.get(entry.responder_id, ResponderStats()), entry
        )
        for board in boards_for(entry):
            lines = self.boards.setdefault(board, {})
            line = lines.get(entry.responder_id) or BoardLine(
                responder_id=entry.responder_id, points=0, replies=0
            )
            lines[entry.responder_id] = BoardLine(
                responder_id=entry.responder_id,
                points=line.points + entry.points,
                replies=line.replies + counts_as_reply(entry),
            )
        return True

    def for_responder(self, responder_id: str) -> list[LedgerEntry]:
        return [e for e in self.entries.values() if e.responder_id == responder_id]

    def board(self, key: str) -> list[BoardLine]:
        return list(self.boards.get(key, {}).values())

    def board_page(
        self, key: str, limit: int, after: str | None = None
    ) -> tuple[list[BoardLine], str | None]:
        """Like the board index: most points first; the cursor is the next line's offset."""
        ordered = sorted(self.board(key), key=lambda line: (-line.points, line.responder_id))
        if after is not None and not after.isdigit():
            raise ValueError("not a board cursor")
        start = int(after or 0)
        end = start + limit
        return ordered[start:end], str(end) if end < len(ordered) else None

    def stats(self, responder_ids: list[str]) -> dict[str, ResponderStats]:
        return {r: self.kept.get(r, ResponderStats()) for r in responder_ids}

    def all(self) -> list[LedgerEntry]:
        """Every entry (tests only: the service reads boards)."""
        return list(self.entries.values())


@dataclass
class RecordingAssignmentEvents:
    """What the assignment workflow was told, in order."""

    calls: list[tuple[str, ...]] = field(default_factory=list)

    def replied(self, mention_id: str, responder_id: str, reply_url: str) -> None:
        self.calls.append(("replied", mention_id, responder_id, reply_url))

    def declined(self, mention_id: str, responder_id: str, reason: str) -> None:
        self.calls.append(("declined", mention_id, responder_id, reason))

    def heartbeat(self, mention_id: str, responder_id: str) -> None:
        self.calls.append(("heartbeat", mention_id, responder_id))


@dataclass
class InMemoryMentions:
    """Stored mentions by id."""

    stored: dict[str, StoredMention] = field(default_factory=dict)

    def add(self, stored: StoredMention) -> None:
        self.stored[stored.mention.mention_id] = stored

    def get(self, mention_id: str) -> StoredMention | None:
        return self.stored.get(mention_id)

    def with_status(self, status: MentionStatus) -> list[StoredMention]:
        return [s for s in self.stored.values() if s.status is status]

    def queued(self, limit: int) -> list[StoredMention]:
        """Most urgent first, as the queue index orders them."""
        return sorted(self.with_status(MentionStatus.QUEUED), key=queue_urgency)[:limit]

    def earlier_by_author(self, mention: Mention, limit: int) -> list[AuthorPost]:
        """AuthorHistory: the author's posts on the platform before `mention`, newest first."""
        earlier = sorted(
            (
                s.mention
                for s in self.stored.values()
                if s.mention.platform is mention.platform
                and s.mention.author.id == mention.author.id
                and (s.mention.created_at, s.mention.mention_id)
                < (mention.created_at, mention.mention_id)
            ),
            key=lambda m: (m.created_at, m.mention_id),
            reverse=True,
        )
        return [
            AuthorPost(mention_id=m.mention_id, text=m.text, posted_at=m.created_at, url=m.url)
            for m in earlier[:limit]
        ]


@dataclass
class InMemoryAssignments:
    """Assignments by mention."""

    items: dict[str, Assignment] = field(default_factory=dict)

    def put(self, assignment: Assignment) -> None:
        self.items[assignment.mention_id] = assignment

    def get(self, mention_id: str) -> Assignment | None:
        return self.items.get(mention_id)

    def for_responder(self, responder_id: str) -> list[Assignment]:
        return [a for a in self.items.values() if a.responder_id == responder_id]

    def open_for_responder(self, responder_id: str) -> list[Assignment]:
        return [a for a in self.for_responder(responder_id) if a.status is AssignmentStatus.OPEN]

    def release(
        self, mention_id: str, status: AssignmentStatus, attempt: int | None = None
    ) -> Assignment | None:
        current = self.items.get(mention_id)
        if current is None or current.status is not AssignmentStatus.OPEN:
            return None
        self.items[mention_id] = current.model_copy(update={"status": status})
        return self.items[mention_id]


@dataclass
class InMemoryResponders:
    """Responders' profiles by id."""

    items: dict[str, Responder] = field(default_factory=dict)

    def get(self, responder_id: str) -> Responder | None:
        return self.items.get(responder_id)

    def list_all(self) -> list[Responder]:
        return list(self.items.values())

    def update(self, responder_id: str, values: dict[str, Any]) -> None:
        current = self.items[responder_id].model_dump()
        self.items[responder_id] = Responder.model_validate(current | values)

    def upsert(self, responder: Responder) -> bool:
        created = responder.responder_id not in self.items
        self.items[responder.responder_id] = responder
        return created


@dataclass
class InMemoryRulesStore:
    """The routing rules document."""

    document: str = "{}"

    def read(self) -> str:
        return self.document

    def write(self, document: str) -> None:
        self.document = document


@dataclass
class ScriptedReplyAdapter:
    """A platform's reply adapter whose answers a test scripts: each queued error is raised
    by one post, then posts succeed (recorded in `posted`, the platform's public record).

    `lose_answers` posts that many replies but raises a lost answer (outcome unknown) instead
    of returning them; `lookup_errors` are raised by `find_posted`, one per call, before it
    answers from `posted`; `lookups` counts its calls."""

    platform: Platform
    clock: Any
    errors: list[PlatformError | ValueError] = field(default_factory=list)
    posted: list[tuple[str, str]] = field(default_factory=list)  # (mention_id, text)
    lose_answers: int = 0
    lookup_errors: list[PlatformError] = field(default_factory=list)
    lookups: int = 0

    @property
    def limit(self) -> Any:
        return default_limits()[self.platform]

    @property
    def max_length(self) -> int:
        return int(self.limit.max_length)

    def _published(self, index: int) -> PostedReply:
        post_id = f"p{index + 1}"
        return PostedReply(
            platform=self.platform,
            post_id=post_id,
            url=f"https://{self.platform.value}.example/{post_id}",
            posted_at=self.clock(),
        )

    def post_reply(
        self, mention: Mention, text: str, idempotency_key: str | None = None
    ) -> PostedReply:
        if self.errors:
            raise self.errors.pop(0)
        self.posted.append((mention.mention_id, text))
        if self.lose_answers:
            self.lose_answers -= 1
            raise PlatformError(
                "POST: connection reset (the answer was lost)",
                status=None,
                retryable=True,
                outcome_unknown=True,
            )
        return self._published(len(self.posted) - 1)

    def find_posted(
        self, mention: Mention, text: str, idempotency_key: str | None = None
    ) -> PostedReply | None:
        self.lookups += 1
        if self.lookup_errors:
            raise self.lookup_errors.pop(0)
        for index, entry in enumerate(self.posted):
            if entry == (mention.mention_id, text):
                return self._published(index)
        return None

    def reach(self, posted: PostedReply) -> Reach:
        return Reach(likes=1)
