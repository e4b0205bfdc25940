"""Posting a queued reply (one ReplyQueue delivery), and what the platform's confirmation sets off.

A delivery claims the reply with a lease (longer than the queue's visibility timeout, so a
redelivery never takes over an attempt still running), posts it through the platform's
adapter, and records the outcome.

Exactly once in public: the claim also records `attempted_at`, which stays set until the
platform answers that it did not post. So an attempt whose outcome nobody learned (the answer
was lost, the Lambda crashed between posting and `mark_posted`, the lease ran out and SQS
delivered again) leaves the reply in doubt, and the next attempt first asks the platform
(`find_posted`): a reply found there is adopted (recorded as posted, `on_posted` runs) and
nothing is posted; only "not there" lets it post. A lookup that fails is retried later, never
answered by posting blind. The lookup always runs on a later delivery (after the queue's
visibility timeout), never straight after the lost answer, so the platform has had minutes to
show the post in its timelines and threads.

* posted: the record says so, then `on_posted` runs (`ReplyConfirmation`: points, the
  assignment workflow told "replied"); a redelivered ticket of a posted reply runs it again,
  which is a no-op (ledger entries are keyed by the event, the workflow refuses a second answer);
* a retryable failure (429, 5xx, timeout, a lost answer): back to approved, `RetryableReplyError`
  for SQS to deliver again, unless this was the queue's last delivery (a lost answer keeps
  the reply in doubt, also when parked, where it keeps holding its mention: an operator's
  retry looks it up first);
* refused, or still failing on the last delivery: failed with the platform's reason, ticket
  parked. No points, the workflow is not told: the assignment stays open, its SLA runs on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from crowdcare.domain.errors import PlatformError, RetryableReplyError
from crowdcare.domain.models import Mention
from crowdcare.domain.replies import PostedReply, PostOutcome, Reply, ReplyStatus, ReplyTicket
from crowdcare.ports import (
    AssignmentEvents,
    Clock,
    MentionReader,
    ParkingLot,
    ReplyAdapterSource,
    ReplyStore,
)
from crowdcare.services.rewards.awards import PointsAwarder

ERROR_MAX_CHARS = 1000
# Must exceed the ReplyQueue's VisibilityTimeout (360 s; a template test checks the setting).
DEFAULT_LEASE = timedelta(seconds=420)

OnPosted = Callable[[Reply], None]


def ignore_posted(reply: Reply) -> None:
    """The default `on_posted` hook: nothing else needs to know."""


def error_text(error: BaseException) -> str:
    """An error as the record and the parked message keep it (bounded)."""
    return f"{type(error).__name__}: {error}"[:ERROR_MAX_CHARS]


@dataclass
class ReplyConfirmation:
    """What the platform's confirmation of a reply sets off, each part at most once."""

    points: PointsAwarder
    events: AssignmentEvents

    def __call__(self, reply: Reply) -> None:
        """The reply's points (by the points rules), then the assignment workflow is told."""
        url = reply.posted.url if reply.posted is not None and reply.posted.url else ""
        self.points.posted(reply)
        self.events.replied(reply.mention_id, reply.responder_id, url or f"reply:{reply.reply_id}")


@dataclass
class ReplyPoster:
    """Posts one queued reply through its platform's adapter (one SQS delivery)."""

    mentions: MentionReader
    replies: ReplyStore
    adapters: ReplyAdapterSource
    parking: ParkingLot
    clock: Clock
    max_receive_count: int
    on_posted: OnPosted = ignore_posted
    lease: timedelta = DEFAULT_LEASE

    def post(self, ticket: ReplyTicket, receive_count: int = 1) -> PostOutcome:
        """Post the reply, or park it; raise `RetryableReplyError` for SQS to redeliver.

        `receive_count` is the message's ApproximateReceiveCount: on the last delivery the
        queue allows, a still-failing reply is parked rather than retried.
        """
        reply = self.replies.get(ticket.reply_id)
        if reply is None:
            return self._park(ticket, f"no reply {ticket.reply_id}", has_record=False)
        if reply.status is ReplyStatus.POSTED:
            self.on_posted(reply)
            return PostOutcome.ALREADY_POSTED
        if reply.status not in {ReplyStatus.APPROVED, ReplyStatus.POSTING}:
            return PostOutcome.NOT_POSTABLE  # pending, rejected, or already parked
        stored = self.mentions.get(reply.mention_id)
        if stored is None:
            return self._park(ticket, f"no mention {reply.mention_id}")
        before = self.replies.claim(reply.reply_id, self.clock(), self.lease)
        if before is None:
            return self._claimed_elsewhere(ticket, receive_count)
        return self._attempt(ticket, before, stored.mention, receive_count)

    def _claimed_elsewhere(self, ticket: ReplyTicket, receive_count: int) -> PostOutcome:
        current = self.replies.get(ticket.reply_id)
        if current is not None and current.status is ReplyStatus.POSTED:
            self.on_posted(current)
            return PostOutcome.ALREADY_POSTED
        if current is None or current.status is not ReplyStatus.POSTING:
            return PostOutcome.NOT_POSTABLE
        if receive_count >= self.max_receive_count:
            return self._park(ticket, "still held by another delivery at the queue's last one")
        # Another delivery holds the lease: look again once it has run out.
        raise RetryableReplyError("another delivery is posting this reply")

    def _attempt(
        self, ticket: ReplyTicket, reply: Reply, mention: Mention, receive_count: int
    ) -> PostOutcome:
        """Post `reply` (the record as it was before this delivery claimed it), looking it up
        on the platform first when an earlier attempt may have posted it."""
        adapter = self.adapters(mention.platform)
        if adapter is None:
            return self._park(ticket, f"no reply adapter configured for {mention.platform.value}")
        # Until the lookup says "not there", a failure leaves the earlier attempt in doubt.
        checking = reply.attempted_at is not None
        try:
            found = (
                adapter.find_posted(mention, reply.text, idempotency_key=reply.reply_id)
                if checking
                else None
            )
            checking = False
            if found is None:
                posted, outcome = (
                    adapter.post_reply(mention, reply.text, idempotency_key=reply.reply_id),
                    PostOutcome.POSTED,
                )
            else:
                posted, outcome = found, PostOutcome.ADOPTED
        except PlatformError as exc:
            if checking:
                doubt: str | None = "could not check whether an earlier attempt posted it"
            elif exc.outcome_unknown:
                doubt = "the platform may have posted it (a retry looks it up first)"
            else:
                doubt = None
            return self._retry_or_park(ticket, receive_count, exc, doubt)
        except ValueError as exc:  # too long, a bad target id, a malformed answer
            return self._park(ticket, error_text(exc))
        self._record_posted(reply, posted)
        return outcome

    def _record_posted(self, reply: Reply, posted: PostedReply) -> None:
        self.replies.mark_posted(reply.reply_id, posted)
        self.on_posted(reply.model_copy(update={"status": ReplyStatus.POSTED, "posted": posted}))

    def _retry_or_park(
        self, ticket: ReplyTicket, receive_count: int, exc: PlatformError, doubt: str | None
    ) -> PostOutcome:
        """A retryable failure goes back for SQS to deliver again; a refusal, or any failure on
        the queue's last delivery, is parked. `doubt` (why the reply may be on the platform)
        keeps `attempted_at`, so whoever tries next looks first."""
        reason = error_text(exc) + (f"; {doubt}" if doubt else "")
        if exc.retryable and receive_count < self.max_receive_count:
            self.replies.release(ticket.reply_id, reason, settled=doubt is None)
            raise RetryableReplyError(reason, exc.retry_after) from exc
        suffix = f" (still failing after {receive_count} deliveries)" if exc.retryable else ""
        return self._park(ticket, reason + suffix, in_doubt=doubt is not None)

    def _park(
        self, ticket: ReplyTicket, error: str, has_record: bool = True, *, in_doubt: bool = False
    ) -> PostOutcome:
        """Failed and parked; a reply `in_doubt` keeps its mention, so nothing is posted beside
        it until an operator's retry has looked it up."""
        if has_record:
            self.replies.mark_failed(ticket.reply_id, error, self.clock(), in_doubt=in_doubt)
        self.parking.park(ticket, error)
        return PostOutcome.PARKED
