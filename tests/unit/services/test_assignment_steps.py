"""The assignment workflow's steps (pick, notify, release, record the reply) on in-memory fakes."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from crowdcare.domain.assignments import AssignmentStatus
from crowdcare.domain.audit import SYSTEM, AuditAction
from crowdcare.domain.errors import AssignmentError
from crowdcare.domain.messages import LifecycleCase, NextStep, ReplyOutcome, Stage, WaitFailure
from crowdcare.domain.models import MentionStatus, QuietHours, QuietHoursPolicy, ResponderKind
from crowdcare.domain.triage import RouteKind
from crowdcare.services.assignment_steps import LifecycleSteps
from crowdcare.testing import (
    FakeAssignments,
    FakeAuditLog,
    FakeMentions,
    FakeResponders,
    ManualClock,
    RecordingNoticePublisher,
)
from crowdcare.testing.builders import (
    NOON,
    a_case,
    a_mention,
    a_priority,
    a_responder,
    assignment_rules,
)
from crowdcare.testing.lifecycle import lifecycle_steps, offer

RULES = assignment_rules()
EMPLOYEE = ResponderKind.EMPLOYEE


@dataclass
class World:
    steps: LifecycleSteps
    mentions: FakeMentions
    responders: FakeResponders
    assignments: FakeAssignments
    audit: FakeAuditLog
    published: RecordingNoticePublisher
    clock: ManualClock


@pytest.fixture
def world() -> World:
    """LifecycleSteps on fakes, one stored mention (x#1) and no responders yet."""
    mentions = FakeMentions()
    mentions.add(a_mention(), status=MentionStatus.TRIAGED)
    responders = FakeResponders()
    assignments = FakeAssignments(responders)
    audit = FakeAuditLog()
    published = RecordingNoticePublisher()
    clock = ManualClock(NOON)
    steps = lifecycle_steps(
        mentions=mentions,
        responders=responders,
        assignments=assignments,
        audit=audit,
        publisher=published,
        clock=clock,
    )
    return World(steps, mentions, responders, assignments, audit, published, clock)


def _offer(world: World, case: LifecycleCase) -> LifecycleCase:
    return offer(world.steps, case)


def _declined(case: LifecycleCase) -> LifecycleCase:
    return case.model_copy(update={"failure": WaitFailure(Error="Declined", Cause="on holiday")})


def _timed_out(case: LifecycleCase) -> LifecycleCase:
    return case.model_copy(update={"failure": WaitFailure(Error="States.Timeout")})


def test_pick_assigns_the_first_ranked_advocate_and_takes_a_slot(world: World) -> None:
    """The best-ranked advocate with a free slot gets the mention; the wait is the band's SLA."""
    # GIVEN two advocates ranked ana, ben
    world.responders.put(a_responder("ana"))
    world.responders.put(a_responder("ben"))
    # WHEN the workflow picks and notifies
    case = _offer(world, a_case(None, "ana", "ben", priority=a_priority(70, "P1")))
    # THEN ana holds attempt 1, one of her slots is taken, and the workflow waits 600 s
    assert case.next is NextStep.WAIT
    assert case.assignment is not None
    assert (case.assignment.responder_id, case.assignment.attempt) == ("ana", 1)
    assert (case.sla_seconds, case.hold_seconds) == (600, 2400)
    assert world.responders.items["ana"].open_count == 1
    assert world.mentions.status("x#1") is MentionStatus.ASSIGNED
    assert world.audit.actions("x#1") == [AuditAction.ASSIGNED]


def test_pick_passes_over_paused_full_and_quiet_advocates_and_says_why(world: World) -> None:
    """Paused, full and quiet-hours-skipping advocates are passed over, with reasons audited."""
    # GIVEN three unavailable advocates ranked before an available one
    world.responders.put(a_responder("paused", active=False))
    world.responders.put(a_responder("full", max_open=1, open_count=1))
    world.responders.put(
        a_responder(
            "asleep",
            quiet_hours=QuietHours(start_hour=11, end_hour=13),
            quiet_hours_policy=QuietHoursPolicy.SKIP,
        )
    )
    world.responders.put(a_responder("dana"))
    # WHEN the workflow picks and notifies
    case = _offer(world, a_case(None, "paused", "full", "asleep", "dana"))
    # THEN dana is asked and each skip is explained
    assert case.assignment is not None
    assert case.assignment.responder_id == "dana"
    reason = world.audit.entries[-1].reason
    assert "paused: paused" in reason
    assert "full: no free slot" in reason
    assert "asleep: quiet hours" in reason


def test_decline_releases_the_slot_and_the_next_pick_asks_the_next_advocate(world: World) -> None:
    """A decline closes the attempt, gives the slot back, and the next pick skips the decliner."""
    # GIVEN ana holds the mention
    world.responders.put(a_responder("ana"))
    world.responders.put(a_responder("ben"))
    case = _offer(world, a_case(None, "ana", "ben"))
    # WHEN she declines and the workflow picks again
    released = world.steps.release(_declined(case))
    again = _offer(world, released)
    # THEN her slot is back, the decline is audited as hers, and ben holds attempt 2
    assert released.next is NextStep.PICK
    assert world.responders.items["ana"].open_count == 0
    declined = world.audit.entries[1]
    assert (declined.action, declined.actor, declined.reason) == (
        AuditAction.DECLINED,
        "ana",
        "on holiday",
    )
    assert again.assignment is not None
    assert (again.assignment.responder_id, again.assignment.attempt) == ("ben", 2)
    assert again.tried == ("ana", "ben")


def test_timeout_expires_the_attempt_as_the_system(world: World) -> None:
    """An SLA timeout closes the attempt as expired, audited by the system."""
    # GIVEN ana holds the mention
    world.responders.put(a_responder("ana"))
    case = _offer(world, a_case(None, "ana"))
    # WHEN the wait times out
    released = world.steps.release(_timed_out(case))
    # THEN the attempt is expired and the slot free
    assert world.assignments.items["x#1"].status is AssignmentStatus.EXPIRED
    assert world.responders.items["ana"].open_count == 0
    assert world.audit.entries[-1].action is AuditAction.TIMED_OUT
    assert world.audit.entries[-1].actor == SYSTEM
    assert released.next is NextStep.PICK


def test_undelivered_notice_closes_the_attempt_as_undelivered(world: World) -> None:
    """A failed notification closes the attempt as undelivered, with the error's cause."""
    # GIVEN ana holds the mention
    world.responders.put(a_responder("ana"))
    case = _offer(world, a_case(None, "ana"))
    # WHEN the notifier reports the notice undeliverable
    failure = WaitFailure(Error="NotificationFailed", Cause="email suppressed")
    world.steps.release(case.model_copy(update={"failure": failure}))
    # THEN the attempt is undelivered and the reason kept
    assert world.assignments.items["x#1"].status is AssignmentStatus.UNDELIVERED
    assert world.audit.entries[-1].reason == "NotificationFailed: email suppressed"


def test_after_max_attempts_the_mention_escalates_to_an_employee(world: World) -> None:
    """Once max_attempts advocates did not answer, an employee is asked (never the author)."""
    # GIVEN three advocates, an idle employee who wrote the mention and a busier one who did not
    for rid in ("ana", "ben", "cem"):
        world.responders.put(a_responder(rid))
    world.responders.put(a_responder("owen", EMPLOYEE, handles=("@Owen",)))
    world.responders.put(a_responder("erin", EMPLOYEE, open_count=1))
    case = a_case(None, "ana", "ben", "cem")
    # WHEN two advocates in turn let the SLA pass
    for _ in range(2):
        case = world.steps.release(_timed_out(_offer(world, case)))
    case = world.steps.pick(case)
    # THEN the third pick escalates to erin, not to cem nor to the author
    assert case.stage is Stage.EMPLOYEE
    assert case.escalated_at == NOON
    assert case.assignment is not None
    assert case.assignment.responder_id == "erin"
    assert case.sla_seconds == 900
    assert AuditAction.ESCALATED in world.audit.actions("x#1")


def test_employee_route_skips_the_advocates(world: World) -> None:
    """A mention triage routed to employees is never offered to an advocate."""
    # GIVEN an advocate and an employee
    world.responders.put(a_responder("ana"))
    world.responders.put(a_responder("erin", EMPLOYEE))
    # WHEN an employee-routed mention is picked with the advocate ranked first
    case = world.steps.pick(a_case(None, "ana", route=RouteKind.EMPLOYEE))
    # THEN the employee holds it
    assert case.assignment is not None
    assert case.assignment.responder_id == "erin"


def test_least_loaded_employee_is_asked_first(world: World) -> None:
    """Among unranked employees, the one with the lowest share of open slots is asked."""
    # GIVEN a busy and an idle employee
    world.responders.put(a_responder("busy", EMPLOYEE, open_count=3))
    world.responders.put(a_responder("idle", EMPLOYEE))
    # WHEN an employee-routed mention is picked
    case = world.steps.pick(a_case(None, route=RouteKind.EMPLOYEE))
    # THEN the idle one holds it
    assert case.assignment is not None
    assert case.assignment.responder_id == "idle"


def test_nobody_free_before_any_attempt_queues_the_mention(world: World) -> None:
    """With no free advocate or employee at the first pick, the mention waits in the queue."""
    # GIVEN a full advocate and a full employee
    world.responders.put(a_responder("ana", max_open=1, open_count=1))
    world.responders.put(a_responder("erin", EMPLOYEE, max_open=1, open_count=1))
    # WHEN the workflow picks
    case = world.steps.pick(a_case(None, "ana"))
    # THEN the mention is queued, nobody is overloaded, and no admin is alerted
    assert (case.next, case.outcome) == (NextStep.QUEUED, "queued")
    assert world.mentions.status("x#1") is MentionStatus.QUEUED
    assert world.assignments.items == {}
    assert world.audit.actions("x#1") == [AuditAction.ESCALATED, AuditAction.QUEUED]


def test_escalated_with_no_free_employee_alerts_the_admins(world: World) -> None:
    """A mention that already missed an advocate's SLA and finds no employee alerts the admins."""
    # GIVEN ana let the SLA pass and the only employee is full
    world.responders.put(a_responder("ana"))
    world.responders.put(a_responder("erin", EMPLOYEE, max_open=1, open_count=1))
    case = world.steps.release(_timed_out(_offer(world, a_case(None, "ana"))))
    # WHEN the workflow picks again
    case = world.steps.pick(case)
    # THEN the admins are alerted and the mention is overdue
    assert case.next is NextStep.ALERT_ADMINS
    assert case.alert is not None
    assert case.alert.url == "https://x.com/owen/status/1"
    assert world.mentions.status("x#1") is MentionStatus.OVERDUE
    assert world.audit.actions("x#1")[-1] is AuditAction.ADMINS_ALERTED


def test_employee_timeout_alerts_the_admins(world: World) -> None:
    """When an employee lets the SLA pass too, the admins are alerted about that employee."""
    # GIVEN an employee holds an employee-routed mention
    world.responders.put(a_responder("erin", EMPLOYEE))
    case = _offer(world, a_case(None, route=RouteKind.EMPLOYEE))
    # WHEN the wait times out
    case = world.steps.release(_timed_out(case))
    # THEN the admins are alerted, naming her, and her slot is back
    assert case.next is NextStep.ALERT_ADMINS
    assert case.alert is not None
    assert case.alert.responder_id == "erin"
    assert world.responders.items["erin"].open_count == 0


def test_pick_plans_the_offer_and_writes_nothing(world: World) -> None:
    """Pick only plans: no slot taken, no assignment item, no status, no audit entry."""
    # GIVEN two advocates ranked ana, ben
    world.responders.put(a_responder("ana"))
    world.responders.put(a_responder("ben"))
    # WHEN the workflow picks
    case = world.steps.pick(a_case(None, "ana", "ben"))
    # THEN ana is planned for attempt 1, and nothing is written yet
    assert case.next is NextStep.WAIT
    assert case.assignment is not None
    assert (case.assignment.responder_id, case.attempt, case.tried) == ("ana", 1, ("ana",))
    assert world.responders.items["ana"].open_count == 0
    assert world.assignments.items == {}
    assert world.mentions.status("x#1") is MentionStatus.TRIAGED
    assert world.audit.actions("x#1") == []


def test_notify_keeps_the_token_and_publishes_a_signed_notice(world: World) -> None:
    """Notify stores the task token on the open attempt and publishes its notice with a link."""
    # GIVEN ana holds the mention
    world.responders.put(a_responder("ana"))
    case = world.steps.pick(a_case(None, "ana"))
    # WHEN the workflow notifies her
    notice = world.steps.notify(case, "token-1")
    # THEN the token is on the assignment and the notice, with deadline and link, is published
    assert world.assignments.items["x#1"].task_token == "token-1"
    assert world.published.notices == [notice]
    assert (notice.responder_id, notice.attempt) == ("ana", 1)
    assert notice.deadline is not None
    assert notice.deadline > NOON
    assert notice.link is not None
    assert notice.link.startswith("https://care.example.com")


def test_notify_when_another_attempt_is_open_publishes_nothing(world: World) -> None:
    """A mention whose table holds another open attempt is not offered twice: a person looks."""
    # GIVEN ben holds attempt 1 of the mention, and the workflow planned ana for attempt 1
    world.responders.put(a_responder("ana"))
    world.responders.put(a_responder("ben"))
    case = world.steps.pick(a_case(None, "ana"))
    assert case.assignment is not None
    world.assignments.try_assign(case.assignment.model_copy(update={"responder_id": "ben"}))
    # WHEN the workflow notifies
    # THEN it fails, takes nothing from ana, and nothing is published or audited
    with pytest.raises(AssignmentError) as raised:
        world.steps.notify(case, "token-1")
    assert raised.type is AssignmentError  # not SlotTakenError: ana had a free slot
    assert world.responders.items["ana"].open_count == 0
    assert world.published.notices == []
    assert world.audit.actions("x#1") == []


def test_record_reply_closes_the_assignment_as_replied(world: World) -> None:
    """A posted reply closes the attempt as replied, frees the slot and marks the mention."""
    # GIVEN ana holds the mention and her reply is posted
    world.responders.put(a_responder("ana"))
    case = _offer(world, a_case(None, "ana"))
    reply = ReplyOutcome(responder_id="ana", attempt=1, reply_url="https://x.com/r/9")
    # WHEN the workflow records it
    done = world.steps.record_reply(case.model_copy(update={"reply": reply}))
    # THEN the workflow is done and everything says replied
    assert (done.next, done.outcome) == (NextStep.DONE, "replied")
    assert world.assignments.items["x#1"].status is AssignmentStatus.REPLIED
    assert world.responders.items["ana"].open_count == 0
    assert world.mentions.status("x#1") is MentionStatus.REPLIED
    assert world.audit.entries[-1].reason == "https://x.com/r/9"


def _deferred(case: LifecycleCase) -> LifecycleCase:
    failure = WaitFailure(Error="NotificationDeferred", Cause="email provider unavailable")
    return case.model_copy(update={"failure": failure})


def test_a_provider_outage_waits_with_capped_backoff_and_asks_the_same_advocate(
    world: World,
) -> None:
    """GIVEN ana holds the mention and SES is down, WHEN the notice is deferred again and
    again, THEN each release frees her slot, keeps her a candidate (not tried, no attempt
    counted), waits 60, 120, 240... s capped at 900 s, and the next pick asks ana again."""
    world.responders.put(a_responder("ana"))
    world.responders.put(a_responder("ben"))
    case = _offer(world, a_case(None, "ana", "ben"))
    waits = []
    for _ in range(6):
        case = world.steps.release(_deferred(case))
        assert case.next is NextStep.RETRY_LATER
        assert world.responders.items["ana"].open_count == 0
        assert (case.tried, case.community_attempts) == ((), 0)
        waits.append(case.retry_in_seconds)
        case = _offer(world, case)
        assert case.assignment is not None
        assert case.assignment.responder_id == "ana"
    assert waits == [60, 120, 240, 480, 900, 900]
    assert world.mentions.status("x#1") is MentionStatus.ASSIGNED
    assert AuditAction.NOTIFICATION_DEFERRED in world.audit.actions("x#1")
    assert AuditAction.ESCALATED not in world.audit.actions("x#1")


def test_an_outage_longer_than_the_budget_alerts_the_admins(world: World) -> None:
    """GIVEN the providers stay down, WHEN the notice has been deferred past the budget,
    THEN the admins are alerted (the mention is overdue with the reason), not left waiting."""
    world.responders.put(a_responder("ana"))
    case = _offer(world, a_case(None, "ana"))
    while True:
        case = world.steps.release(_deferred(case))
        if case.next is not NextStep.RETRY_LATER:
            break
        case = _offer(world, case)
    assert case.next is NextStep.ALERT_ADMINS
    assert case.deferrals == 16
    assert world.mentions.status("x#1") is MentionStatus.OVERDUE
