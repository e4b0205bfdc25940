"""A reply to a mention: one record, one life.

    submit ──▶ pending_approval ──approve──▶ approved ──▶ posting ──▶ posted
       │            └──reject/withdraw──▶ rejected         │   └─(platform refused, or still
       └─(trusted: no approval needed)──▶ approved ◀───────┘      failing on the last delivery)
                                             ▲   (a retryable error: back, for SQS to redeliver)
                                             └──── failed ◀─┘ (an operator's retry reopens it)

`approved` means "cleared to post" (by an employee, or by the responder's trust) and queued;
`posting` is one delivery holding a lease; `posted` is the platform's confirmation (or the
reply found on the platform after a lost answer: `attempted_at` remembers an attempt that may
have reached it, and the next one looks the reply up before posting again), the only
moment points are awarded and the assignment workflow is told "replied". A `failed` reply keeps
the platform's reason, costs no points and leaves the assignment open.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, Field

from crowdcare.domain.models import Frozen, Platform


class PostedReply(Frozen):
    """A reply as the platform published it."""

    platform: Platform
    post_id: Annotated[str, Field(min_length=1)]
    url: str
    posted_at: datetime


class ReactionKind(StrEnum):
    """How someone reacted to a posted reply."""

    LIKE = "like"
    REPLY = "reply"


class Reaction(Frozen):
    """One like of, or answer to, a posted reply: who (platform id and handle) and, for an
    answer, its text. The rewards service looks for the mention's author among them."""

    kind: ReactionKind
    author_id: Annotated[str, Field(max_length=256)] = ""
    handle: Annotated[str, Field(max_length=256)] = ""
    text: Annotated[str, Field(max_length=1000)] = ""


# Reactions read per reply and kind (one page of likers, one of answers): the author's own
# like or thanks comes early in a reply's life, while the tracker reads it every hour.
MAX_REACTIONS = 100


class Reach(Frozen):
    """How far a posted reply travelled: the figures reach points are computed from."""

    likes: Annotated[int, Field(ge=0)] = 0
    reposts: Annotated[int, Field(ge=0)] = 0
    replies: Annotated[int, Field(ge=0)] = 0
    # The mention's author liked the reply or answered it with thanks (set by an adapter that
    # can tell on its own; otherwise the rewards service finds it among `reactions`).
    author_thanked: bool = False
    # Who liked or answered (the first page of each), as read; never stored with the reply
    # nor shown (exclude): personal data the points need only at the moment of reading.
    reactions: tuple[Reaction, ...] = Field(default=(), exclude=True, max_length=2 * MAX_REACTIONS)


class ReplyStatus(StrEnum):
    """Where a reply is in its life (see the module docstring)."""

    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    POSTING = "posting"
    POSTED = "posted"
    FAILED = "failed"
    REJECTED = "rejected"


# A mention has at most one live reply: a second one is refused while one of these holds it.
LIVE_STATUSES = frozenset(
    {ReplyStatus.PENDING_APPROVAL, ReplyStatus.APPROVED, ReplyStatus.POSTING, ReplyStatus.POSTED}
)


class Reply(Frozen):
    """A reply as written, decided, posted and followed: the Replies table's item."""

    reply_id: str
    mention_id: str
    responder_id: str
    platform: Platform
    text: str
    status: ReplyStatus
    requested_at: datetime
    attempt: int | None = Field(
        default=None, description="the assignment attempt it answers (None: not via the dashboard)"
    )
    original_text: str | None = Field(default=None, description="the text before an edit")
    decided_by: str | None = None
    decided_at: datetime | None = None
    note: str = ""
    attempts: int = Field(default=0, description="posting attempts (deliveries that claimed it)")
    attempted_at: datetime | None = Field(
        default=None,
        description=(
            "when an attempt that may have reached the platform was claimed; cleared when the"
            " platform said it did not post. While set, no attempt posts before looking first."
        ),
    )
    last_error: str | None = Field(default=None, description="the platform's last refusal")
    failed_at: datetime | None = None
    lease_until: datetime | None = None
    posted: PostedReply | None = None
    reach: Reach | None = None
    reach_read_at: datetime | None = None

    @property
    def live(self) -> bool:
        """Whether this reply holds its mention (no second reply while it does)."""
        return self.status in LIVE_STATUSES


class ReplyRequest(Frozen):
    """A responder's answer to a mention, as submitted."""

    mention_id: Annotated[str, Field(min_length=1, max_length=300)]
    responder_id: Annotated[str, Field(min_length=1, max_length=64)]
    text: Annotated[str, Field(min_length=1, max_length=40_000)]
    requested_at: AwareDatetime

    @property
    def reply_id(self) -> str:
        """Stable per submission: the same request sent twice (a client retry) is one reply."""
        digest = hashlib.sha256(
            "\x00".join(
                (self.mention_id, self.responder_id, self.text, self.requested_at.isoformat())
            ).encode()
        ).hexdigest()
        return f"r-{digest[:32]}"


class ReplyTicket(Frozen):
    """The ReplyQueue message: which reply to post (the record holds the text to post)."""

    reply_id: Annotated[str, Field(min_length=1, max_length=64)]
    mention_id: Annotated[str, Field(min_length=1, max_length=300)]


class PostOutcome(StrEnum):
    """What one delivery of a ticket did."""

    POSTED = "posted"
    ADOPTED = "adopted"  # an earlier attempt's reply found on the platform, and recorded
    ALREADY_POSTED = "already_posted"
    NOT_POSTABLE = "not_postable"  # rejected, parked or unknown: nothing to post
    PARKED = "parked"
