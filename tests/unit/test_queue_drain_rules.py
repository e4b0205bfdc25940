"""Who a freed slot can go to: the rules the queue drain shares with the workflow's pick."""

from __future__ import annotations

from datetime import UTC, datetime

from crowdcare.domain.models import (
    Author,
    Mention,
    Platform,
    QuietHours,
    QuietHoursPolicy,
    Responder,
    ResponderKind,
)
from crowdcare.domain.triage import RouteDecision, RouteKind
from crowdcare.services.queue_drain import free_slots, who_would_take

NOON = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
MENTION = Mention(
    platform=Platform.FACEBOOK,
    post_id="1",
    author=Author(id="u1", handle="@owen_private"),
    text="Where is my order?",
    created_at=NOON,
)


def person(rid: str, kind: ResponderKind, open_count: int, **fields: object) -> Responder:
    return Responder.model_validate(
        {"responder_id": rid, "kind": kind, "name": rid, "email": f"{rid}@example.com",
         "max_open": 2, "open_count": open_count, **fields}
    )


def decision(*candidates: str) -> RouteDecision:
    return RouteDecision(route=RouteKind.COMMUNITY, candidates=candidates, reasons=())


def test_free_slots_leave_out_the_full_paused_and_sleeping() -> None:
    """Only active responders below max_open, not skipping their quiet hours, have slots."""
    # GIVEN one free, one full, one paused and one in skip-quiet-hours
    responders = [
        person("free", ResponderKind.ADVOCATE, 1),
        person("full", ResponderKind.ADVOCATE, 2),
        person("paused", ResponderKind.ADVOCATE, 0, active=False),
        person("asleep", ResponderKind.ADVOCATE, 0, quiet_hours_policy=QuietHoursPolicy.SKIP,
               quiet_hours=QuietHours(start_hour=11, end_hour=13)),
    ]
    # WHEN slots are counted at noon
    # THEN only the free responder has one
    assert free_slots(responders, NOON) == {"free": 1}


def test_first_candidate_with_a_slot_takes_it() -> None:
    """The ranked candidates come first, in rank order."""
    # GIVEN two candidates, the best one full
    responders = [person("a", ResponderKind.ADVOCATE, 2), person("b", ResponderKind.ADVOCATE, 0)]
    # WHEN the taker is chosen
    # THEN it is the next candidate with a slot
    assert who_would_take(MENTION, decision("a", "b"), responders, {"b": 2}) == "b"


def test_an_employee_takes_it_when_no_candidate_can_but_never_the_author() -> None:
    """Like the pick's escalation: any employee with a slot, except one who wrote the post."""
    # GIVEN a full advocate, an employee who wrote the post, and another employee
    responders = [
        person("adv", ResponderKind.ADVOCATE, 2),
        person("owen", ResponderKind.EMPLOYEE, 0, handles=("@Owen_Private",)),
        person("emp", ResponderKind.EMPLOYEE, 0),
    ]
    # WHEN the taker is chosen
    # THEN it is the other employee
    assert who_would_take(MENTION, decision("adv"), responders, {"owen": 2, "emp": 2}) == "emp"


def test_nobody_takes_it_when_every_slot_is_gone() -> None:
    """With no free slot anywhere, the mention stays queued."""
    # GIVEN no free slots
    responders = [person("adv", ResponderKind.ADVOCATE, 2)]
    # WHEN the taker is chosen
    # THEN there is none
    assert who_would_take(MENTION, decision("adv"), responders, {}) is None
