"""The first pick records the triage with the mention's status: one write of the mention item
between triage and the first offer (not `triaged` then `assigned`), on in-memory fakes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from crowdcare.domain.audit import AuditAction
from crowdcare.domain.messages import LifecycleCase, NextStep, TriageCase, WaitFailure
from crowdcare.domain.models import MentionStatus, ResponderKind
from crowdcare.domain.triage import Analysis, RouteKind, Triage
from crowdcare.services.assignment_callbacks import SLOT_TAKEN_ERROR, SlotTakenError
from crowdcare.services.assignment_steps import LifecycleSteps
from crowdcare.services.triage_steps import TriageSteps
from crowdcare.testing import (
    FakeAssignments,
    FakeAuditLog,
    FakeMentions,
    FakeResponders,
    FixedSentiment,
    ManualClock,
    RecordingNoticePublisher,
)
from crowdcare.testing.builders import (
    NOON,
    a_case,
    a_mention,
    a_priority,
    a_responder,
    an_analysis,
    assignment_rules,
)
from crowdcare.testing.lifecycle import lifecycle_steps, offer

RULES = assignment_rules()


class CountingMentions(FakeMentions):
    """FakeMentions that lists every write of a mention item after its arrival: (id, status,
    whether the triage was written with it)."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[tuple[str, MentionStatus, bool]] = []

    def record_triage(
        self, mention_id: str, triage: Triage, status: MentionStatus, detail: str = ""
    ) -> None:
        self.writes.append((mention_id, status, True))
        super().record_triage(mention_id, triage, status, detail)

    def set_status(self, mention_id: str, status: MentionStatus, detail: str = "") -> None:
        self.writes.append((mention_id, status, False))
        super().set_status(mention_id, status, detail)


@dataclass
class World:
    triage: TriageSteps
    steps: LifecycleSteps
    mentions: CountingMentions
    responders: FakeResponders
    assignments: FakeAssignments
    audit: FakeAuditLog


@pytest.fixture
def world() -> World:
    """Triage and assignment steps on the same fakes; x#1 stored as ingest left it."""
    mentions = CountingMentions()
    mentions.add(a_mention(lang_hint="en"))
    responders = FakeResponders()
    assignments = FakeAssignments(responders)
    audit = FakeAuditLog()
    clock = ManualClock(NOON + timedelta(minutes=1))
    triage = TriageSteps(
        mentions=mentions,
        responders=responders,
        sentiment=FixedSentiment(compound=-0.4),
        rules=lambda: RULES,
        clock=clock,
    )
    steps = lifecycle_steps(
        mentions=mentions,
        responders=responders,
        assignments=assignments,
        audit=audit,
        publisher=RecordingNoticePublisher(),
        clock=clock,
    )
    return World(triage, steps, mentions, responders, assignments, audit)


def _handed_over(world: World) -> LifecycleCase:
    """Triage's steps, then the assignment workflow's input as triage.asl.json builds it."""
    case = world.triage.analyze(TriageCase(mention=world.mentions.items["x#1"].mention))
    case = world.triage.route(world.triage.prioritize(case))
    assert case.analysis is not None
    assert case.priority is not None
    assert case.decision is not None
    return LifecycleCase(
        mention=case.mention,
        priority=case.priority,
        decision=case.decision,
        analysis=case.analysis,
    )


def _offer(world: World, case: LifecycleCase) -> LifecycleCase:
    return offer(world.steps, case)


def _first_pick_case(analysis: Analysis, *candidates: str) -> LifecycleCase:
    return a_case(None, *candidates, priority=a_priority(70, "P1")).model_copy(
        update={"analysis": analysis}
    )


def test_the_mention_is_written_once_between_triage_and_the_first_offer(world: World) -> None:
    """Triage writes nothing for a complaint; Pick nothing either; the first offer (Notify)
    stores triage and `assigned`."""
    # GIVEN an employee who can answer (triage sends this unsure complaint to employees)
    world.responders.put(a_responder("erin", ResponderKind.EMPLOYEE))
    # WHEN triage routes the complaint and the assignment workflow picks
    handed = _handed_over(world)
    assert world.mentions.writes == []
    picked = world.steps.pick(handed)
    assert world.mentions.writes == []
    # AND notifies erin
    world.steps.notify(picked, "token-1")
    # THEN the mention item was written once, with the triage, and now says assigned
    assert world.mentions.writes == [("x#1", MentionStatus.ASSIGNED, True)]
    stored = world.mentions.items["x#1"]
    assert stored.status is MentionStatus.ASSIGNED
    assert stored.triage is not None
    assert stored.triage.analysis == handed.analysis
    assert (stored.triage.priority, stored.triage.decision) == (handed.priority, handed.decision)
    assert stored.triage.decision.route is RouteKind.EMPLOYEE
    assert world.mentions.details["x#1"] == "to erin"
    # AND the wait keeps Pick's case, analysis included (Notify's answer is discarded)
    assert picked.next is NextStep.WAIT
    assert picked.analysis == handed.analysis


def test_a_first_pick_that_queues_stores_the_triage_with_the_queued_status(world: World) -> None:
    """Nobody free: the one write stores the triage (the queue order needs its priority)."""
    # GIVEN only full responders
    world.responders.put(a_responder("ana", max_open=1, open_count=1))
    world.responders.put(a_responder("erin", ResponderKind.EMPLOYEE, max_open=1, open_count=1))
    # WHEN the first pick finds nobody
    case = world.steps.pick(_first_pick_case(an_analysis(), "ana"))
    # THEN the mention is queued with its triage, in one write, and the reason as its detail
    assert case.next is NextStep.QUEUED
    assert world.mentions.writes == [("x#1", MentionStatus.QUEUED, True)]
    stored = world.mentions.items["x#1"]
    assert stored.triage is not None
    assert stored.triage.priority.score == 70
    assert world.mentions.details["x#1"].startswith("no employee with a free slot")


def test_an_escalated_first_pick_writes_the_mention_once(world: World) -> None:
    """No advocate free, an employee is: escalated and assigned, the mention written once."""
    # GIVEN a full advocate and a free employee
    world.responders.put(a_responder("ana", max_open=1, open_count=1))
    world.responders.put(a_responder("erin", ResponderKind.EMPLOYEE))
    # WHEN the first pick runs and erin is notified
    case = _offer(world, _first_pick_case(an_analysis(), "ana"))
    # THEN erin holds it, the escalation is audited, and the mention was written once
    assert case.assignment is not None
    assert case.assignment.responder_id == "erin"
    assert world.audit.actions("x#1") == [AuditAction.ESCALATED, AuditAction.ASSIGNED]
    assert world.mentions.writes == [("x#1", MentionStatus.ASSIGNED, True)]
    assert world.mentions.items["x#1"].triage is not None


def test_a_retried_first_notify_writes_the_same_mention_again_and_assigns_nobody_else(
    world: World,
) -> None:
    """A Notify retried after its writes stores the same triage and status, nothing more."""
    # GIVEN a first offer to ana (Notify's answer lost: Step Functions runs it again)
    world.responders.put(a_responder("ana"))
    world.responders.put(a_responder("ben"))
    first = world.steps.pick(_first_pick_case(an_analysis(), "ana", "ben"))
    world.steps.notify(first, "token-1")
    stored = world.mentions.items["x#1"]
    # WHEN the same Notify runs again
    world.steps.notify(first, "token-1")
    # THEN ana still holds attempt 1 with one slot, ben was not asked, nothing audited twice
    assert world.assignments.items["x#1"].responder_id == "ana"
    assert world.responders.items["ana"].open_count == 1
    assert world.responders.items["ben"].open_count == 0
    assert world.audit.actions("x#1") == [AuditAction.ASSIGNED]
    # AND the mention holds the same triage and status (the write is idempotent)
    assert world.mentions.items["x#1"] == stored


def test_later_picks_write_the_status_alone(world: World) -> None:
    """After a decline, the next pick moves the status only: the triage was stored once."""
    # GIVEN ana assigned by the first pick, who then declines
    world.responders.put(a_responder("ana"))
    world.responders.put(a_responder("ben"))
    case = _offer(world, _first_pick_case(an_analysis(), "ana", "ben"))
    declined = case.model_copy(update={"failure": WaitFailure(Error="Declined", Cause="busy")})
    # WHEN the slot is released and the workflow offers it again
    nxt = _offer(world, world.steps.release(declined))
    # THEN ben is asked and the second write of the mention is its status alone
    assert nxt.assignment is not None
    assert nxt.assignment.responder_id == "ben"
    assert world.mentions.writes == [
        ("x#1", MentionStatus.ASSIGNED, True),
        ("x#1", MentionStatus.ASSIGNED, False),
    ]


def test_a_start_from_the_stored_triage_writes_the_status_alone(world: World) -> None:
    """Queue drain, sweeper and replay start without an analysis: the stored triage stays."""
    # GIVEN a queued mention with its triage stored, and a free advocate now
    triage = Triage(
        analysis=an_analysis(), priority=a_priority(70, "P1"), decision=a_case().decision
    )
    world.mentions.record_triage("x#1", triage, MentionStatus.QUEUED)
    world.mentions.writes.clear()
    world.responders.put(a_responder("ana"))
    # WHEN the assignment workflow starts again from the stored triage and picks
    _offer(world, a_case(None, "ana", priority=a_priority(70, "P1")))
    # THEN only the status moved; the triage is the one stored before
    assert world.mentions.writes == [("x#1", MentionStatus.ASSIGNED, False)]
    assert world.mentions.items["x#1"].triage == triage
    assert world.mentions.items["x#1"].triage.decision.route is RouteKind.COMMUNITY


def test_a_first_plan_that_lost_its_slot_still_writes_the_mention_once(world: World) -> None:
    """The triage rides on through a plan that lost its slot; the offer that lands stores it."""
    # GIVEN ana (one slot) is planned first, then her slot goes to another mention
    world.responders.put(a_responder("ana", max_open=1))
    world.responders.put(a_responder("ben"))
    planned = world.steps.pick(_first_pick_case(an_analysis(), "ana", "ben"))
    world.responders.put(a_responder("ana", max_open=1, open_count=1))
    with pytest.raises(SlotTakenError):
        world.steps.notify(planned, "token-1")
    # WHEN the workflow goes back to Pick and ben is notified
    lost = WaitFailure(Error=SLOT_TAKEN_ERROR)
    _offer(world, planned.model_copy(update={"failure": lost}))
    # THEN the mention was written once, with its triage, assigned to ben
    assert world.mentions.writes == [("x#1", MentionStatus.ASSIGNED, True)]
    assert world.mentions.details["x#1"] == "to ben"
