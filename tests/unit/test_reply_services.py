"""A reply's life through the services, on the in-memory fakes of crowdcare.testing.replies:
one live reply per mention, approval that re-checks the assignment, and points and "replied"
only when the platform confirms the post."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from crowdcare.adapters.cognito_auth import Principal, Role
from crowdcare.adapters.dynamodb.assignments import Assignment, AssignmentStatus
from crowdcare.adapters.dynamodb.repositories import StoredMention
from crowdcare.adapters.platforms.outbound.base import default_limits
from crowdcare.domain.dashboard import DecisionRequest, DeclineRequest, ReplyDraft
from crowdcare.domain.errors import ConflictError, PlatformError, RetryableReplyError
from crowdcare.domain.models import (
    Author,
    Mention,
    MentionStatus,
    Platform,
    Responder,
    ResponderKind,
)
from crowdcare.domain.replies import PostOutcome, Reply, ReplyStatus
from crowdcare.domain.triage import RouteKind
from crowdcare.rules.points import PointsRules
from crowdcare.services.dashboard.approvals import ApprovalDesk
from crowdcare.services.dashboard.replies import ReplyDesk
from crowdcare.services.dashboard.trust import TrustPolicy
from crowdcare.services.replies.parking import retry_parked
from crowdcare.services.replies.posting import ReplyConfirmation, ReplyPoster
from crowdcare.services.replies.submission import ReplySubmissions
from crowdcare.services.rewards.awards import PointsAwarder
from crowdcare.testing.replies import (
    InMemoryAssignments,
    InMemoryLedger,
    InMemoryMentions,
    InMemoryParkingLot,
    InMemoryReplies,
    InMemoryResponders,
    RecordingAssignmentEvents,
    RecordingQueue,
    ScriptedReplyAdapter,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
MENTION_ID = "x#100"
ANA = Principal(subject="s-ana", username="adv.ana", roles=frozenset({Role.ADVOCATE}))
BEN = Principal(subject="s-ben", username="adv.ben", roles=frozenset({Role.ADVOCATE}))
OWEN = Principal(subject="s-owen", username="emp.owen", roles=frozenset({Role.EMPLOYEE}))
REFUSED = PlatformError("HTTP 403: you are blocked by this account", status=403, retryable=False)


class Clock:
    """Time that moves a second on every read, so replies sort as they were made."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@dataclass
class World:
    """The services wired to fakes, as config.dashboard_wiring and reply_wiring wire them."""

    mentions: InMemoryMentions
    assignments: InMemoryAssignments
    replies: InMemoryReplies
    queue: RecordingQueue
    parking: InMemoryParkingLot
    ledger: InMemoryLedger
    events: RecordingAssignmentEvents
    adapter: ScriptedReplyAdapter
    desk: ReplyDesk
    approvals: ApprovalDesk
    poster: ReplyPoster

    def assign(self, responder_id: str, attempt: int = 1) -> None:
        self.assignments.put(
            Assignment(
                mention_id=MENTION_ID,
                responder_id=responder_id,
                responder_kind=ResponderKind.ADVOCATE,
                route=RouteKind.COMMUNITY,
                priority=60,
                band="P2",
                assigned_at=NOW,
                attempt=attempt,
            )
        )

    def deliver(self, receive_count: int = 1) -> list[PostOutcome | str]:
        """One round of ReplyQueue deliveries into the poster."""
        outcomes: list[PostOutcome | str] = []
        for ticket in self.queue.take():
            try:
                outcomes.append(self.poster.post(ticket, receive_count=receive_count))
            except RetryableReplyError:
                outcomes.append("retry")
        return outcomes

    def status(self, reply_id: str) -> ReplyStatus:
        reply = self.replies.get(reply_id)
        assert reply is not None
        return reply.status


def world(trust_threshold: int = 3) -> World:
    clock = Clock()
    mentions = InMemoryMentions()
    mentions.add(
        StoredMention(
            mention=Mention(
                platform=Platform.X,
                post_id="100",
                author=Author(id="u1", handle="@dana"),
                text="My thermostat is stuck at 30 degrees",
                created_at=NOW,
            ),
            received_at=NOW,
            status=MentionStatus.ASSIGNED,
        )
    )
    responders = InMemoryResponders()
    for rid in ("adv.ana", "adv.ben"):
        responders.upsert(
            Responder(
                responder_id=rid,
                kind=ResponderKind.ADVOCATE,
                name=rid,
                email=f"{rid}@example.com",
            )
        )
    assignments, replies, queue = InMemoryAssignments(), InMemoryReplies(), RecordingQueue()
    ledger, events, parking = InMemoryLedger(), RecordingAssignmentEvents(), InMemoryParkingLot()
    limits = default_limits()
    submissions = ReplySubmissions(mentions, replies, queue, limits)
    adapter = ScriptedReplyAdapter(Platform.X, clock)
    desk = ReplyDesk(
        mentions=mentions,
        assignments=assignments,
        responders=responders,
        replies=replies,
        submissions=submissions,
        events=events,
        trust=TrustPolicy(ledger, clock, trust_threshold),
        limits=limits,
        clock=clock,
    )
    points = PointsAwarder(ledger, PointsRules.default, mentions, assignments, responders, clock)
    approvals = ApprovalDesk(
        mentions=mentions,
        assignments=assignments,
        responders=responders,
        replies=replies,
        submissions=submissions,
        points=points,
        limits=limits,
        clock=clock,
        history=mentions,
    )
    poster = ReplyPoster(
        mentions=mentions,
        replies=replies,
        adapters=lambda platform: adapter,
        parking=parking,
        clock=clock,
        max_receive_count=3,
        on_posted=ReplyConfirmation(points, events),
    )
    built = World(
        mentions,
        assignments,
        replies,
        queue,
        parking,
        ledger,
        events,
        adapter,
        desk,
        approvals,
        poster,
    )
    built.assign("adv.ana")
    return built


def replied_calls(w: World) -> list[tuple[str, ...]]:
    return [c for c in w.events.calls if c[0] == "replied"]


# ---------------------------------------------------------------------------- confirmation


def test_points_and_replied_come_with_the_platforms_confirmation_not_before() -> None:
    """A trusted advocate's reply is queued: no points, workflow not told; once posted, +10
    and "replied" once, even when the ticket is delivered again."""
    w = world(trust_threshold=0)
    # WHEN Ana replies
    reply = w.desk.submit_reply(ANA, MENTION_ID, ReplyDraft(text="Hold the dial for 10 s."))
    # THEN it is queued, and nothing is awarded or told yet
    assert reply.status is ReplyStatus.APPROVED
    assert w.ledger.all() == []
    assert replied_calls(w) == []
    ticket = w.queue.tickets[0]
    # WHEN the platform confirms the post, and the ticket is delivered again
    assert w.deliver() == [PostOutcome.POSTED]
    assert w.poster.post(ticket) is PostOutcome.ALREADY_POSTED
    # THEN +10 once, and the workflow was told with the post's URL
    assert [(e.responder_id, e.points) for e in w.ledger.all()] == [("adv.ana", 10)]
    assert replied_calls(w)[0] == ("replied", MENTION_ID, "adv.ana", "https://x.example/p1")
    assert w.adapter.posted == [(MENTION_ID, "Hold the dial for 10 s.")]


def test_a_failed_post_awards_no_points_and_leaves_the_assignment_open() -> None:
    """The platform refuses the reply: failed with its reason, parked, no points, the workflow
    is not told (its SLA still runs), and the responder may answer again."""
    w = world(trust_threshold=0)
    w.adapter.errors.append(REFUSED)
    reply = w.desk.submit_reply(ANA, MENTION_ID, ReplyDraft(text="Try a reset."))
    # WHEN the poster meets the refusal
    assert w.deliver() == [PostOutcome.PARKED]
    # THEN Ana sees it failed with the platform's reason, and nothing else moved
    [mine] = w.desk.my_replies(ANA)
    assert (mine.reply_id, mine.status) == (reply.reply_id, ReplyStatus.FAILED)
    assert "blocked by this account" in (mine.last_error or "")
    assert w.ledger.all() == []
    assert replied_calls(w) == []
    assert w.parking.entries[0].ticket.reply_id == reply.reply_id
    # AND a new reply is accepted (the failed one no longer holds the mention)
    again = w.desk.submit_reply(ANA, MENTION_ID, ReplyDraft(text="Try a reset, then call us."))
    assert again.status is ReplyStatus.APPROVED


def test_a_retryable_failure_is_retried_then_parked_on_the_last_delivery() -> None:
    """A 503 goes back to approved for SQS to redeliver; still failing on the queue's last
    delivery, it is parked, and no points are awarded."""
    w = world(trust_threshold=0)
    unavailable = PlatformError("HTTP 503", status=503, retryable=True)
    w.adapter.errors.extend([unavailable, unavailable])
    reply = w.desk.submit_reply(ANA, MENTION_ID, ReplyDraft(text="On it."))
    ticket = w.queue.take()[0]
    with pytest.raises(RetryableReplyError):
        w.poster.post(ticket, receive_count=1)
    assert w.status(reply.reply_id) is ReplyStatus.APPROVED
    assert w.poster.post(ticket, receive_count=3) is PostOutcome.PARKED
    assert w.status(reply.reply_id) is ReplyStatus.FAILED
    assert w.ledger.all() == []


def test_a_redelivery_does_not_post_beside_an_attempt_still_holding_the_lease() -> None:
    """Another delivery holds the posting lease: this one asks SQS to come back later instead
    of posting the reply a second time."""
    w = world(trust_threshold=0)
    reply = w.desk.submit_reply(ANA, MENTION_ID, ReplyDraft(text="On it."))
    ticket = w.queue.take()[0]
    assert w.replies.claim(reply.reply_id, NOW + timedelta(minutes=1), w.poster.lease)
    with pytest.raises(RetryableReplyError):
        w.poster.post(ticket, receive_count=2)
    assert w.adapter.posted == []


# ---------------------------------------------------------------------------- exactly once

LOST_LOOKUP = PlatformError("GET /2/users/me: HTTP 503", status=503, retryable=True)


def advance(w: World, by: timedelta) -> None:
    """Let time pass for the poster (a lease running out)."""
    clock = w.poster.clock
    assert isinstance(clock, Clock)
    clock.now += by


def test_a_lost_answer_is_looked_up_and_adopted_not_posted_again() -> None:
    """GIVEN the platform publishes a reply but its answer is lost, WHEN SQS delivers the ticket
    again, THEN the poster finds the reply on the platform and adopts it: one public post,
    +10 points and "replied" once."""
    w = world(trust_threshold=0)
    w.adapter.lose_answers = 1
    reply = w.desk.submit_reply(ANA, MENTION_ID, ReplyDraft(text="Hold the dial for 10 s."))
    ticket = w.queue.take()[0]
    # WHEN the first delivery posts and hears nothing back
    with pytest.raises(RetryableReplyError):
        w.poster.post(ticket, receive_count=1)
    held = w.replies.get(reply.reply_id)
    assert held is not None
    assert (held.status, held.attempted_at is not None) == (ReplyStatus.APPROVED, True)
    assert "answer was lost" in (held.last_error or "")
    # THEN the redelivery looks it up and adopts it instead of posting
    assert w.poster.post(ticket, receive_count=2) is PostOutcome.ADOPTED
    adopted = w.replies.get(reply.reply_id)
    assert adopted is not None
    assert adopted.status is ReplyStatus.POSTED
    assert adopted.posted is not None
    assert adopted.posted.url == "https://x.example/p1"
    assert (len(w.adapter.posted), w.adapter.lookups) == (1, 1)
    assert [(e.responder_id, e.points) for e in w.ledger.all()] == [("adv.ana", 10)]
    assert len(replied_calls(w)) == 1


def test_a_crash_after_posting_is_adopted_by_the_redelivery_once_the_lease_ran_out(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GIVEN a delivery that posted, then died before recording it, WHEN SQS redelivers while
    its lease holds, THEN nothing happens; once the lease ran out, the reply is found and
    adopted, never posted a second time."""
    w = world(trust_threshold=0)
    reply = w.desk.submit_reply(ANA, MENTION_ID, ReplyDraft(text="On it."))
    ticket = w.queue.take()[0]
    real_mark_posted = w.replies.mark_posted

    def crash(reply_id: str, posted: object) -> None:
        raise RuntimeError("Task timed out after 60.00 seconds")

    monkeypatch.setattr(w.replies, "mark_posted", crash)
    with pytest.raises(RuntimeError):
        w.poster.post(ticket, receive_count=1)
    monkeypatch.setattr(w.replies, "mark_posted", real_mark_posted)
    assert w.status(reply.reply_id) is ReplyStatus.POSTING
    # WHEN the queue's visibility timeout (shorter than the lease) brings it back
    with pytest.raises(RetryableReplyError):
        w.poster.post(ticket, receive_count=2)
    assert (len(w.adapter.posted), w.adapter.lookups) == (1, 0)
    # THEN after the lease, the next delivery adopts the reply the crashed one posted
    advance(w, w.poster.lease)
    assert w.poster.post(ticket, receive_count=3) is PostOutcome.ADOPTED
    assert w.status(reply.reply_id) is ReplyStatus.POSTED
    assert len(w.adapter.posted) == 1
    assert [(e.responder_id, e.points) for e in w.ledger.all()] == [("adv.ana", 10)]


def test_a_failing_lookup_is_retried_and_never_answered_by_posting_blind() -> None:
    """GIVEN a reply in doubt (its answer was lost) and a platform whose lookup fails, THEN
    the delivery asks SQS to come back, posts nothing and keeps the doubt; the next one, with
    the lookup working, adopts the reply."""
    w = world(trust_threshold=0)
    w.adapter.lose_answers = 1
    w.adapter.lookup_errors.append(LOST_LOOKUP)
    reply = w.desk.submit_reply(ANA, MENTION_ID, ReplyDraft(text="On it."))
    ticket = w.queue.take()[0]
    with pytest.raises(RetryableReplyError):
        w.poster.post(ticket, receive_count=1)
    # WHEN the lookup fails
    with pytest.raises(RetryableReplyError) as caught:
        w.poster.post(ticket, receive_count=2)
    # THEN nothing more was posted, and the reply is still in doubt
    assert "could not check" in str(caught.value)
    assert (len(w.adapter.posted), w.adapter.lookups) == (1, 1)
    doubtful = w.replies.get(reply.reply_id)
    assert doubtful is not None
    assert (doubtful.status, doubtful.attempted_at is not None) == (ReplyStatus.APPROVED, True)
    assert w.poster.post(ticket, receive_count=2) is PostOutcome.ADOPTED
    assert len(w.adapter.posted) == 1


def test_a_reply_parked_in_doubt_is_looked_up_when_an_operator_retries_it() -> None:
    """GIVEN a lost answer on the queue's last delivery, THEN the reply is parked saying its
    answer was lost and keeps its mention (no second reply may go out beside it); WHEN an
    operator retries it, THEN it is looked up and adopted, not posted again."""
    w = world(trust_threshold=0)
    w.adapter.lose_answers = 1
    reply = w.desk.submit_reply(ANA, MENTION_ID, ReplyDraft(text="On it."))
    ticket = w.queue.take()[0]
    assert w.poster.post(ticket, receive_count=3) is PostOutcome.PARKED
    [parked] = w.parking.entries
    assert "answer was lost" in parked.error
    with pytest.raises(ConflictError, match="may already be public"):
        w.desk.submit_reply(ANA, MENTION_ID, ReplyDraft(text="Trying again."))
    retried = retry_parked(w.parking, w.replies, w.desk.submissions)
    assert retried.requeued == (reply.reply_id,)
    assert w.deliver() == [PostOutcome.ADOPTED]
    assert (len(w.adapter.posted), w.adapter.lookups) == (1, 1)


def test_a_refusal_settles_the_attempt_so_the_retry_posts_without_a_lookup() -> None:
    """GIVEN a 429 (the platform refused before acting), THEN the retry posts straight away:
    a lookup is paid for only when an attempt may have published."""
    w = world(trust_threshold=0)
    w.adapter.errors.append(PlatformError("HTTP 429", status=429, retryable=True))
    reply = w.desk.submit_reply(ANA, MENTION_ID, ReplyDraft(text="On it."))
    ticket = w.queue.take()[0]
    with pytest.raises(RetryableReplyError):
        w.poster.post(ticket, receive_count=1)
    settled = w.replies.get(reply.reply_id)
    assert settled is not None
    assert settled.attempted_at is None
    assert w.poster.post(ticket, receive_count=2) is PostOutcome.POSTED
    assert (len(w.adapter.posted), w.adapter.lookups) == (1, 0)


# ---------------------------------------------------------------------------- one live reply


def test_a_second_submission_is_refused_while_one_is_pending_posting_or_posted() -> None:
    """One live reply per assignment: 409 in words that say what the first one is doing."""
    w = world()
    w.desk.submit_reply(ANA, MENTION_ID, ReplyDraft(text="First"))
    with pytest.raises(ConflictError, match="already waiting for approval"):
        w.desk.submit_reply(ANA, MENTION_ID, ReplyDraft(text="Second"))
    trusted = world(trust_threshold=0)
    trusted.desk.submit_reply(ANA, MENTION_ID, ReplyDraft(text="First"))
    with pytest.raises(ConflictError, match="being posted"):
        trusted.desk.submit_reply(ANA, MENTION_ID, ReplyDraft(text="Second"))
    trusted.deliver()
    with pytest.raises(ConflictError, match="already has a posted reply"):
        trusted.desk.submit_reply(ANA, MENTION_ID, ReplyDraft(text="Third"))
    assert len(trusted.adapter.posted) == 1


def test_a_rejected_reply_frees_the_mention_and_costs_five_points() -> None:
    """Rejected with a note: -5, and the advocate may answer again."""
    w = world()
    reply = w.desk.submit_reply(ANA, MENTION_ID, ReplyDraft(text="lol"))
    w.approvals.decide(OWEN, reply.reply_id, DecisionRequest(action="reject", note="Be kind."))
    assert [e.points for e in w.ledger.all()] == [-5]
    again = w.desk.submit_reply(ANA, MENTION_ID, ReplyDraft(text="Sorry! Try a reset."))
    assert again.status is ReplyStatus.PENDING_APPROVAL


def test_declining_is_refused_while_the_callers_reply_is_being_posted() -> None:
    """A reply on its way to the platform would answer a mention handed to someone else."""
    w = world(trust_threshold=0)
    w.desk.submit_reply(ANA, MENTION_ID, ReplyDraft(text="On it."))
    with pytest.raises(ConflictError, match="cannot be declined"):
        w.desk.decline(ANA, MENTION_ID, DeclineRequest(reason="not my product"))
    assert [c[0] for c in w.events.calls] == ["heartbeat"]


# ---------------------------------------------------------------------------- approvals


def test_approval_queues_the_edited_reply_and_points_follow_the_post() -> None:
    """Approved (edited): queued with the original kept; +10 only once posted."""
    w = world()
    reply = w.desk.submit_reply(ANA, MENTION_ID, ReplyDraft(text="Reset it"))
    assert w.queue.tickets == []
    approved = w.approvals.decide(
        OWEN, reply.reply_id, DecisionRequest(action="approve", text="Reset it (hold 10 s).")
    )
    assert (approved.status, approved.original_text) == (ReplyStatus.APPROVED, "Reset it")
    assert w.ledger.all() == []
    assert w.deliver() == [PostOutcome.POSTED]
    assert w.adapter.posted == [(MENTION_ID, "Reset it (hold 10 s).")]
    assert [e.points for e in w.ledger.all()] == [10]


def test_an_approval_card_shows_the_authors_earlier_mention_and_its_answer() -> None:
    """GIVEN Dana asked before and was answered WHEN an employee lists the approvals THEN the
    card of Ana's reply to Dana's new mention shows the earlier one with the posted answer."""
    w = world()
    earlier = Mention(
        platform=Platform.X,
        post_id="90",
        author=Author(id="u1", handle="@dana"),
        text="Thermostat app will not pair",
        created_at=NOW - timedelta(days=2),
    )
    w.mentions.add(StoredMention(earlier, earlier.created_at, MentionStatus.REPLIED))
    answer = Reply(
        reply_id="r-90",
        mention_id="x#90",
        responder_id="adv.ben",
        platform=Platform.X,
        text="Turn Bluetooth off and on",
        status=ReplyStatus.POSTED,
        requested_at=earlier.created_at,
    )
    w.replies.items[answer.reply_id] = answer
    w.desk.submit_reply(ANA, MENTION_ID, ReplyDraft(text="Reset it"))

    (card,) = w.approvals.approvals()

    assert [(e["text"], e["reply_text"]) for e in card["mention"]["earlier"]] == [
        ("Thermostat app will not pair", "Turn Bluetooth off and on")
    ]


def test_stale_approval_after_reassignment_is_refused_and_withdrawn_without_points() -> None:
    """The mention moved to Ben: approving Ana's old reply is refused, nothing is queued, the
    reply is withdrawn (no -5), and Ben can answer."""
    w = world()
    reply = w.desk.submit_reply(ANA, MENTION_ID, ReplyDraft(text="Reset it"))
    w.assign("adv.ben", attempt=2)
    with pytest.raises(ConflictError, match="reassigned"):
        w.approvals.decide(OWEN, reply.reply_id, DecisionRequest(action="approve"))
    assert w.queue.tickets == []
    assert w.status(reply.reply_id) is ReplyStatus.REJECTED
    assert w.ledger.all() == []
    ben = w.desk.submit_reply(BEN, MENTION_ID, ReplyDraft(text="Ben here: reset it."))
    assert ben.status is ReplyStatus.PENDING_APPROVAL


def test_the_new_holders_reply_withdraws_a_stale_pending_one() -> None:
    """Ana's reply still waits when the mention moves to Ben: Ben's reply is accepted, Ana's
    is withdrawn so it can never be approved."""
    w = world()
    stale = w.desk.submit_reply(ANA, MENTION_ID, ReplyDraft(text="Reset it"))
    w.assign("adv.ben", attempt=2)
    w.desk.submit_reply(BEN, MENTION_ID, ReplyDraft(text="Ben: reset it."))
    withdrawn = w.replies.get(stale.reply_id)
    assert withdrawn is not None
    assert withdrawn.status is ReplyStatus.REJECTED
    assert "reassigned" in withdrawn.note
    pending: list[Reply] = w.replies.with_status(ReplyStatus.PENDING_APPROVAL)
    assert [r.responder_id for r in pending] == ["adv.ben"]


def test_approval_of_a_closed_assignment_is_refused() -> None:
    """The assignment expired (nobody holds it now): the reply cannot be approved."""
    w = world()
    reply = w.desk.submit_reply(ANA, MENTION_ID, ReplyDraft(text="Reset it"))
    w.assignments.release(MENTION_ID, AssignmentStatus.EXPIRED)
    with pytest.raises(ConflictError, match="can no longer be approved"):
        w.approvals.decide(OWEN, reply.reply_id, DecisionRequest(action="approve"))
    assert w.queue.tickets == []
