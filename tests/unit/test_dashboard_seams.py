"""The dashboard's seams to the assignment lifecycle and the reply pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from crowdcare.domain.models import Author, Mention, Platform
from crowdcare.services.assignment_steps import (
    AssignmentClosedError,
    AssignmentLifecycle,
    NotYourAssignmentError,
)
from crowdcare.services.dashboard import (
    ConflictError,
    DashboardError,
    ForbiddenError,
    LifecycleEvents,
    QueuedReplyPublisher,
    Reply,
    ReplyStatus,
)
from crowdcare.services.replies import ReplyService, UnsupportedPlatformError

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
MENTION = Mention(
    platform=Platform.X,
    post_id="1",
    author=Author(id="u1", handle="@u1"),
    text="help",
    created_at=NOW,
)
REPLY = Reply(
    reply_id="d1",
    mention_id="x#1",
    responder_id="adv.ana",
    text="Try this",
    status=ReplyStatus.POSTING,
    created_at=NOW,
)


@dataclass
class FakeLifecycle:
    """Raises `error` from every call; records the calls."""

    error: Exception | None = None
    calls: list[tuple[str, ...]] = field(default_factory=list)

    def _do(self, *call: str) -> None:
        self.calls.append(call)
        if self.error is not None:
            raise self.error

    def replied(self, mention_id: str, responder_id: str, reply_url: str) -> None:
        self._do("replied", mention_id, responder_id, reply_url)

    def declined(self, mention_id: str, responder_id: str, reason: str) -> None:
        self._do("declined", mention_id, responder_id, reason)

    def heartbeat(self, mention_id: str, responder_id: str) -> None:
        self._do("heartbeat", mention_id, responder_id)


def _events(fake: FakeLifecycle) -> LifecycleEvents:
    return LifecycleEvents(cast(AssignmentLifecycle, fake))


def test_lifecycle_calls_are_passed_through() -> None:
    """replied, declined and heartbeat reach the lifecycle with their arguments."""
    fake = FakeLifecycle()
    events = _events(fake)
    events.replied("x#1", "adv.ana", "reply:r1")
    events.declined("x#1", "adv.ana", "not my product")
    events.heartbeat("x#1", "adv.ana")
    assert [c[0] for c in fake.calls] == ["replied", "declined", "heartbeat"]
    assert fake.calls[0][3] == "reply:r1"


def test_declining_anothers_or_a_closed_assignment_is_refused() -> None:
    """Not yours: 403; not waiting: 409 in plain words."""
    with pytest.raises(ForbiddenError):
        _events(FakeLifecycle(NotYourAssignmentError("x#1"))).declined("x#1", "adv.ana", "no")
    with pytest.raises(ConflictError, match="not waiting for an answer"):
        _events(FakeLifecycle(AssignmentClosedError("x#1"))).declined("x#1", "adv.ana", "no")


def test_a_reply_posted_after_the_assignment_closed_is_not_an_error() -> None:
    """An SLA that ran out during approval does not undo the posted reply; heartbeats on a
    closed or not-yet-waiting assignment are ignored."""
    closed = _events(FakeLifecycle(AssignmentClosedError("x#1")))
    closed.replied("x#1", "adv.ana", "reply:r1")
    closed.heartbeat("x#1", "adv.ana")


@dataclass
class FakeService:
    error: Exception | None = None
    requests: list[Any] = field(default_factory=list)

    def submit(self, request: Any) -> Any:
        self.requests.append(request)
        if self.error is not None:
            raise self.error
        return type("Record", (), {"reply_id": request.reply_id})()


def test_queued_publisher_submits_to_the_reply_pipeline() -> None:
    """The reply goes to ReplyService with the responder and the injected time."""
    service = FakeService()
    publisher = QueuedReplyPublisher(cast(ReplyService, service), clock=lambda: NOW)
    reference = publisher.publish(MENTION, REPLY)
    (request,) = service.requests
    assert (request.mention_id, request.responder_id, request.text) == (
        "x#1",
        "adv.ana",
        "Try this",
    )
    assert request.requested_at == NOW
    assert reference == f"reply:{request.reply_id}"


def test_queued_publisher_turns_an_unsupported_platform_into_a_plain_error() -> None:
    """A platform the pipeline cannot post on is a 400, not a crash."""
    service = FakeService(error=UnsupportedPlatformError("replies on generic are not supported"))
    publisher = QueuedReplyPublisher(cast(ReplyService, service), clock=lambda: NOW)
    with pytest.raises(DashboardError, match="not supported"):
        publisher.publish(MENTION, REPLY)
