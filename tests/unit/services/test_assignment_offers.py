"""An offer in two steps on in-memory fakes: Pick plans, Notify takes the slot with the task
token in the one write of the assignment item; a slot taken in between sends the workflow back
to Pick, which forgets the plan."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import pytest
from crowdcare.domain.assignments import Assignment
from crowdcare.domain.audit import AuditAction
from crowdcare.domain.messages import LifecycleCase, NextStep, Stage, WaitFailure
from crowdcare.domain.models import MentionStatus, Responder
from crowdcare.services.assignment_callbacks import SLOT_TAKEN_ERROR, SlotTakenError
from crowdcare.services.assignment_steps import LifecycleSteps
from crowdcare.testing import (
    FakeAssignments,
    FakeAuditLog,
    FakeMentions,
    FakeResponders,
    ManualClock,
    RecordingNoticePublisher,
)
from crowdcare.testing.builders import NOON, a_case, a_mention, a_responder, assignment_rules
from crowdcare.testing.lifecycle import lifecycle_steps

RULES = assignment_rules()


class CountingAssignments(FakeAssignments):
    """FakeAssignments that lists every write of an assignment item: (kind, responder,
    attempt, task token written)."""

    def __init__(self, responders: FakeResponders) -> None:
        super().__init__(responders)
        self.writes: list[tuple[str, str, int, str | None]] = []

    def try_assign(self, assignment: Assignment) -> bool:
        taken = super().try_assign(assignment)
        if taken:
            self.writes.append(
                ("put", assignment.responder_id, assignment.attempt, assignment.task_token)
            )
        return taken

    def store_token(
        self, mention_id: str, responder_id: str, attempt: int, token: str, deadline: datetime
    ) -> bool:
        stored = super().store_token(mention_id, responder_id, attempt, token, deadline)
        if stored:
            self.writes.append(("token", responder_id, attempt, token))
        return stored


class StaleResponders(FakeResponders):
    """Reads that never learn a slot was taken: everyone looks as they were at `freeze()`."""

    def __init__(self) -> None:
        super().__init__()
        self.snapshot: dict[str, Responder] | None = None

    def freeze(self) -> None:
        self.snapshot = dict(self.items)

    def get_many(self, responder_ids: Iterable[str]) -> list[Responder]:
        seen = self.snapshot if self.snapshot is not None else self.items
        return [seen[rid] for rid in dict.fromkeys(responder_ids) if rid in seen]


@dataclass
class World:
    steps: LifecycleSteps
    mentions: FakeMentions
    responders: StaleResponders
    assignments: CountingAssignments
    audit: FakeAuditLog
    published: RecordingNoticePublisher


@pytest.fixture
def world() -> World:
    """LifecycleSteps on fakes (assignment writes counted), one stored mention (x#1)."""
    mentions = FakeMentions()
    mentions.add(a_mention(), status=MentionStatus.TRIAGED)
    responders = StaleResponders()
    assignments = CountingAssignments(responders)
    audit = FakeAuditLog()
    published = RecordingNoticePublisher()
    steps = lifecycle_steps(
        mentions=mentions,
        responders=responders,
        assignments=assignments,
        audit=audit,
        publisher=published,
        clock=ManualClock(NOON),
    )
    return World(steps, mentions, responders, assignments, audit, published)


def _take_last_slot(world: World, responder_id: str) -> None:
    """Another mention takes the responder's last free slot."""
    other = Assignment(
        mention_id="x#other",
        responder_id=responder_id,
        responder_kind=world.responders.items[responder_id].kind,
        route=a_case().decision.route,
        priority=50,
        band="P2",
        assigned_at=NOON,
    )
    assert world.assignments.try_assign(other)


def _slot_taken(case: LifecycleCase) -> LifecycleCase:
    """What the wait state's SlotTakenError Catch hands back to Pick."""
    failure = WaitFailure(Error=SLOT_TAKEN_ERROR, Cause='{"errorMessage": "no free slot"}')
    return case.model_copy(update={"failure": failure})


def _until_offered(world: World, case: LifecycleCase) -> tuple[LifecycleCase, int]:
    """Pick and Notify as the workflow runs them, back to Pick on SlotTakenError; the case
    the wait keeps and how many plans lost their slot."""
    for lost in range(20):
        case = world.steps.pick(case)
        if case.next is not NextStep.WAIT:
            return case, lost
        try:
            world.steps.notify(case, f"token-{case.attempt}")
        except SlotTakenError:
            case = _slot_taken(case)
            continue
        return case, lost
    raise AssertionError("the workflow kept going back to Pick")


def test_the_assignment_item_is_written_once_per_offered_attempt(world: World) -> None:
    """Each offer writes its assignment item once, with the task token already on it."""
    # GIVEN two advocates
    world.responders.put(a_responder("ana"))
    world.responders.put(a_responder("ben"))
    # WHEN ana is offered the mention, declines, and ben is offered it
    case, _ = _until_offered(world, a_case(None, "ana", "ben"))
    released = world.steps.release(
        case.model_copy(update={"failure": WaitFailure(Error="Declined", Cause="busy")})
    )
    _until_offered(world, released)
    # THEN the items were written once per attempt (releases aside), each with its token
    assert world.assignments.writes == [
        ("put", "ana", 1, "token-1"),
        ("put", "ben", 2, "token-2"),
    ]
    assert world.assignments.items["x#1"].task_token == "token-2"
    assert world.assignments.items["x#1"].deadline is not None


def test_a_slot_taken_between_pick_and_notify_goes_back_to_pick_for_the_next_free(
    world: World,
) -> None:
    """Notify refuses a slot taken meanwhile (nothing written, nothing sent); Pick then plans
    the next free advocate as the same attempt, and the audit says why ana was passed over."""
    # GIVEN ana (one slot) is planned, then another mention takes her slot
    world.responders.put(a_responder("ana", max_open=1))
    world.responders.put(a_responder("ben"))
    planned = world.steps.pick(a_case(None, "ana", "ben"))
    _take_last_slot(world, "ana")
    # WHEN the workflow notifies her
    with pytest.raises(SlotTakenError):
        world.steps.notify(planned, "token-1")
    # THEN nothing was taken, written, audited or sent, and ana is not over max_open
    assert world.responders.items["ana"].open_count == 1
    assert "x#1" not in world.assignments.items
    assert (world.audit.actions("x#1"), world.published.notices) == ([], [])
    assert world.mentions.status("x#1") is MentionStatus.TRIAGED
    # WHEN the Catch sends the case back to Pick and ben is notified
    again = world.steps.pick(_slot_taken(planned))
    world.steps.notify(again, "token-1b")
    # THEN ben holds attempt 1, the only attempt counted, and ana's lost plan is explained
    assert again.assignment is not None
    assert (again.assignment.responder_id, again.attempt) == ("ben", 1)
    assert (again.tried, again.community_attempts, again.failure) == (("ben",), 1, None)
    assert world.assignments.items["x#1"].responder_id == "ben"
    assert world.responders.items["ana"].open_count == 1
    assert world.audit.actions("x#1") == [AuditAction.ASSIGNED]
    assert "ana: no free slot" in world.audit.entries[-1].reason
    assert [n.responder_id for n in world.published.notices] == ["ben"]


def test_a_lost_slot_does_not_count_toward_max_attempts(world: World) -> None:
    """With max_attempts 2, a decline then a plan that lost its slot still leaves a second
    advocate to ask before the mention escalates."""
    # GIVEN ana declined attempt 1, and ben (one slot) is planned next
    for rid in ("ana", "cem"):
        world.responders.put(a_responder(rid))
    world.responders.put(a_responder("ben", max_open=1))
    case, _ = _until_offered(world, a_case(None, "ana", "ben", "cem"))
    case = world.steps.release(
        case.model_copy(update={"failure": WaitFailure(Error="Declined", Cause="busy")})
    )
    planned = world.steps.pick(case)
    assert planned.assignment is not None
    assert (planned.assignment.responder_id, planned.community_attempts) == ("ben", 2)
    # WHEN ben's slot goes to another mention before the notice
    _take_last_slot(world, "ben")
    with pytest.raises(SlotTakenError):
        world.steps.notify(planned, "token-2")
    offered, _ = _until_offered(world, _slot_taken(planned))
    # THEN cem, an advocate, is asked as attempt 2: no escalation yet
    assert offered.assignment is not None
    assert offered.assignment.responder_id == "cem"
    assert (offered.stage, offered.attempt, offered.community_attempts) == (
        Stage.COMMUNITY,
        2,
        2,
    )
    assert offered.tried == ("ana", "cem")
    assert AuditAction.ESCALATED not in world.audit.actions("x#1")


def test_a_stale_read_cannot_loop_the_workflow(world: World) -> None:
    """GIVEN reads that always show ana with a free slot although she is full WHEN the
    workflow picks THEN her plan loses its slot once, ben is offered, ana stays at max_open."""
    world.responders.put(a_responder("ana", max_open=1))
    world.responders.put(a_responder("ben"))
    world.responders.freeze()
    _take_last_slot(world, "ana")

    offered, lost = _until_offered(world, a_case(None, "ana", "ben"))

    assert offered.assignment is not None
    assert (offered.assignment.responder_id, offered.attempt, lost) == ("ben", 1, 1)
    assert world.responders.items["ana"].open_count == 1


def test_a_stale_read_of_everyone_ends_in_the_queue(world: World) -> None:
    """GIVEN stale reads showing every (full) responder free WHEN the workflow picks THEN each
    plan loses its slot once and the mention is queued: never a loop, nobody over max_open."""
    world.responders.put(a_responder("ana", max_open=1))
    world.responders.put(a_responder("ben", max_open=1))
    world.responders.freeze()
    _take_last_slot(world, "ana")
    world.assignments.try_assign(
        world.assignments.items["x#other"].model_copy(
            update={"mention_id": "x#other2", "responder_id": "ben"}
        )
    )

    queued, lost = _until_offered(world, a_case(None, "ana", "ben"))

    assert (queued.next, queued.attempt, lost) == (NextStep.QUEUED, 0, 2)
    assert {r: world.responders.items[r].open_count for r in ("ana", "ben")} == {
        "ana": 1,
        "ben": 1,
    }


def test_a_retried_notify_takes_no_second_slot_and_audits_once(world: World) -> None:
    """A Notify retried after its write landed continues: one write, one slot, one entry."""
    # GIVEN ana's offer was taken by a Notify whose answer was lost
    world.responders.put(a_responder("ana"))
    planned = world.steps.pick(a_case(None, "ana"))
    first = world.steps.notify(planned, "token-1")
    # WHEN Step Functions runs the same Notify again
    again = world.steps.notify(planned, "token-1")
    # THEN nothing is written twice; the notice is the same (the notifier sends it once)
    assert world.assignments.writes == [("put", "ana", 1, "token-1")]
    assert world.responders.items["ana"].open_count == 1
    assert world.audit.actions("x#1") == [AuditAction.ASSIGNED]
    assert again == first
    assert world.mentions.status("x#1") is MentionStatus.ASSIGNED


def test_a_retried_notify_with_a_new_token_points_the_assignment_at_it(world: World) -> None:
    """A retried task may wait on a new token: the open assignment takes it, no second slot."""
    world.responders.put(a_responder("ana"))
    planned = world.steps.pick(a_case(None, "ana"))
    world.steps.notify(planned, "token-1")

    world.steps.notify(planned, "token-retry")

    assert world.assignments.items["x#1"].task_token == "token-retry"
    assert world.assignments.writes == [
        ("put", "ana", 1, "token-1"),
        ("token", "ana", 1, "token-retry"),
    ]
    assert world.responders.items["ana"].open_count == 1
    assert world.audit.actions("x#1") == [AuditAction.ASSIGNED]
