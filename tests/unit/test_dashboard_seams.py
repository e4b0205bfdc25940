"""The replies' seam to the assignment lifecycle (crowdcare.services.replies.assignment_events)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import pytest
from crowdcare.domain.errors import (
    AssignmentClosedError,
    ConflictError,
    ForbiddenError,
    NotYourAssignmentError,
)
from crowdcare.services.assignment_callbacks import AssignmentLifecycle
from crowdcare.services.replies.assignment_events import LifecycleEvents


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
    """An SLA that ran out while the reply was being posted does not undo the posted reply;
    heartbeats on a closed or not-yet-waiting assignment are ignored."""
    closed = _events(FakeLifecycle(AssignmentClosedError("x#1")))
    closed.replied("x#1", "adv.ana", "reply:r1")
    closed.heartbeat("x#1", "adv.ana")
