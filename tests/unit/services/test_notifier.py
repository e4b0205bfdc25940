"""Notifier and NoticeDelivery: which channels a notice goes out on, and what happens when
none can carry it, on fake senders."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from crowdcare.domain.audit import AuditAction
from crowdcare.domain.errors import UndeliverableError, UnknownResponderError
from crowdcare.domain.messages import AssignmentNotice
from crowdcare.domain.models import QuietHours
from crowdcare.domain.triage import RouteKind
from crowdcare.services.notifier import NoticeDelivery, NoticeIncompleteError, Notifier
from crowdcare.testing import (
    FakeAuditLog,
    FakeEmailSender,
    FakeResponders,
    FakeSentChannels,
    FakeSmsSender,
    ManualClock,
    RecordingNotificationFailures,
)
from crowdcare.testing.builders import NOON, a_responder

PHONE = "+34600111222"


def a_notice(priority: int = 90, responder_id: str = "ana") -> AssignmentNotice:
    return AssignmentNotice(
        mention_id="x#1",
        responder_id=responder_id,
        route=RouteKind.COMMUNITY,
        priority=priority,
        band="P1" if priority >= 80 else "P3",
        reasons=("urgent",),
        platform="x",
        url="https://x.com/owen/status/1",
        author_handle="@owen",
        author_followers=120,
        text="Where is my order?",
        assigned_at=NOON,
        attempt=2,
    )


@dataclass
class World:
    notifier: Notifier
    responders: FakeResponders
    email: FakeEmailSender
    sms: FakeSmsSender
    delivery: NoticeDelivery
    failures: RecordingNotificationFailures
    audit: FakeAuditLog


@pytest.fixture
def world() -> World:
    """A notifier texting from priority 80, at noon UTC."""
    responders = FakeResponders()
    email = FakeEmailSender()
    sms = FakeSmsSender()
    notifier = Notifier(
        responders=responders,
        email=email,
        sms=sms,
        sent=FakeSentChannels(),
        brand="Brightwave",
        dashboard_url="https://care.example.com",
        sms_min_priority=80,
        clock=ManualClock(NOON),
    )
    failures = RecordingNotificationFailures()
    audit = FakeAuditLog()
    delivery = NoticeDelivery(
        send=notifier.notify, failures=failures, audit=audit, clock=ManualClock(NOON)
    )
    return World(notifier, responders, email, sms, delivery, failures, audit)


def test_urgent_notice_to_an_opted_in_responder_goes_by_email_and_sms(world: World) -> None:
    """An urgent notice reaches an SMS-opted-in responder, awake, on both channels."""
    # GIVEN ana opted in to SMS
    world.responders.put(a_responder("ana", phone=PHONE, sms_opt_in=True))
    # WHEN an urgent notice is sent
    result = world.notifier.notify(a_notice(90))
    # THEN one email (tagged with the mention and attempt) and one SMS went out
    assert (result.email_id, result.sms_id) == ("email-1", "sms-1")
    [email] = world.email.sent
    assert email.to == "ana@example.com"
    assert email.tags["attempt"] == "2"
    assert "mention" in email.tags
    assert world.sms.sent[0][0] == PHONE


def test_a_calm_notice_goes_by_email_only(world: World) -> None:
    """Below the SMS threshold only the email goes out, and the reason says why."""
    # GIVEN ana opted in to SMS
    world.responders.put(a_responder("ana", phone=PHONE, sms_opt_in=True))
    # WHEN a low-priority notice is sent
    result = world.notifier.notify(a_notice(40))
    # THEN no SMS
    assert result.sms_id is None
    assert result.sms_reason == "priority 40 < 80"
    assert world.sms.sent == []


def test_quiet_hours_hold_the_sms_back(world: World) -> None:
    """During the responder's quiet hours an urgent notice is emailed, not texted."""
    # GIVEN ana's quiet hours cover noon
    world.responders.put(
        a_responder(
            "ana",
            phone=PHONE,
            sms_opt_in=True,
            quiet_hours=QuietHours(start_hour=11, end_hour=14),
        )
    )
    # WHEN an urgent notice is sent
    result = world.notifier.notify(a_notice(90))
    # THEN only the email went out
    assert (result.sms_id, result.sms_reason) == (None, "quiet hours")
    assert len(world.email.sent) == 1


def test_a_number_that_replied_stop_is_not_texted(world: World) -> None:
    """The carrier's opt-out list wins over the responder's profile."""
    # GIVEN ana's number replied STOP
    world.responders.put(a_responder("ana", phone=PHONE, sms_opt_in=True))
    world.sms.opted_out_numbers.add(PHONE)
    # WHEN an urgent notice is sent
    result = world.notifier.notify(a_notice(90))
    # THEN no SMS
    assert result.sms_id is None
    assert world.sms.sent == []


def test_the_opt_out_list_is_not_asked_for_someone_never_texted(world: World) -> None:
    """A responder without SMS costs no opt-out lookup."""
    # GIVEN ana did not opt in to SMS
    world.responders.put(a_responder("ana"))
    # WHEN a notice is sent
    world.notifier.notify(a_notice(90))
    # THEN the carrier was not asked
    assert world.sms.lookups == 0


def test_suppressed_email_and_no_sms_is_undeliverable(world: World) -> None:
    """When no channel reaches the responder, nothing is sent and the notice is undeliverable."""
    # GIVEN ana's email is suppressed and she has no SMS
    world.responders.put(a_responder("ana", email_suppressed=True))
    # WHEN a notice is sent
    # THEN it fails as undeliverable and nothing went out
    with pytest.raises(UndeliverableError):
        world.notifier.notify(a_notice(90))
    assert world.email.sent == []


def test_suppressed_email_still_texts_an_opted_in_responder(world: World) -> None:
    """With the email suppressed, an urgent notice still reaches an opted-in phone."""
    # GIVEN ana's email is suppressed but she takes SMS
    world.responders.put(a_responder("ana", phone=PHONE, sms_opt_in=True, email_suppressed=True))
    # WHEN an urgent notice is sent
    result = world.notifier.notify(a_notice(90))
    # THEN only the SMS went out
    assert (result.email_id, result.sms_id) == (None, "sms-1")
    assert world.email.sent == []


def test_unknown_responder_is_an_error(world: World) -> None:
    """A notice for a responder who is not in the table is refused (parked for an operator)."""
    # WHEN a notice names nobody known
    # THEN it is refused
    with pytest.raises(UnknownResponderError):
        world.notifier.notify(a_notice(90, responder_id="ghost"))


def test_a_delivered_notice_is_audited_with_its_channels(world: World) -> None:
    """A sent notice lands on the mention's trail saying which channels carried it."""
    # GIVEN ana takes email only
    world.responders.put(a_responder("ana"))
    # WHEN the notice is delivered
    outcome = world.delivery.deliver(a_notice(90))
    # THEN it was sent and audited as notified, for attempt 2
    assert outcome.result is not None
    [entry] = world.audit.entries
    assert (entry.action, entry.responder_id, entry.attempt) == (AuditAction.NOTIFIED, "ana", 2)
    assert entry.reason == "email, no SMS (not opted in to SMS)"
    assert world.failures.calls == []


def test_an_undeliverable_notice_moves_the_workflow_on_at_once(world: World) -> None:
    """When no channel reaches the responder, the workflow is told now, not after the SLA."""
    # GIVEN ana's email is suppressed and she takes no SMS
    world.responders.put(a_responder("ana", email_suppressed=True))
    # WHEN the notice is delivered
    outcome = world.delivery.deliver(a_notice(90))
    # THEN nothing was sent or audited as notified, and that attempt was failed
    assert (outcome.result, outcome.moved_on) == (None, True)
    assert world.audit.entries == []
    [(mention_id, responder_id, attempt, reason)] = world.failures.calls
    assert (mention_id, responder_id, attempt) == ("x#1", "ana", 2)
    assert "email suppressed" in reason


def test_an_unknown_responder_is_left_to_the_queue_to_park(world: World) -> None:
    """A notice for nobody known is not given up on quietly: it fails, for SQS to retry, park."""
    # GIVEN the notice names a responder who is not in the table
    # WHEN the notice is delivered
    # THEN the error surfaces and the workflow is not moved on
    with pytest.raises(UnknownResponderError):
        world.delivery.deliver(a_notice(90, responder_id="ghost"))
    assert world.failures.calls == []


def test_an_sms_outage_never_sends_the_email_twice(world: World) -> None:
    """GIVEN the SMS provider fails once after the email went out, WHEN SQS delivers the notice
    again, THEN only the SMS is sent the second time: one email in all."""
    world.responders.put(a_responder("ana", phone=PHONE, sms_opt_in=True))
    world.sms.outages = 1
    with pytest.raises(NoticeIncompleteError) as first:
        world.delivery.deliver(a_notice(90))
    assert first.value.result.email_id == "email-1"
    outcome = world.delivery.deliver(a_notice(90))
    assert outcome.result is not None
    assert (outcome.result.email_id, outcome.result.sms_id) == ("email-1", "sms-1")
    assert len(world.email.sent) == 1
    assert len(world.sms.sent) == 1


def test_an_email_outage_on_the_last_attempt_defers_instead_of_giving_up(world: World) -> None:
    """GIVEN SES is down and ana takes email only, WHEN the last delivery attempt fails too,
    THEN the workflow is told to wait (deferred), not to pass ana over, and nothing is audited
    as notified."""
    world.responders.put(a_responder("ana"))
    world.email.outages = 3
    with pytest.raises(NoticeIncompleteError):
        world.delivery.deliver(a_notice(90))
    outcome = world.delivery.deliver(a_notice(90), last_attempt=True)
    assert (outcome.deferred, outcome.result) == (True, None)
    assert world.failures.calls == []
    [(mention_id, responder_id, attempt, reason)] = world.failures.deferred
    assert (mention_id, responder_id, attempt) == ("x#1", "ana", 2)
    assert "email provider unavailable" in reason
    assert world.audit.entries == []


def test_an_sms_outage_on_the_last_attempt_keeps_the_email_delivery(world: World) -> None:
    """GIVEN the email went out but SMS stays down, WHEN the last attempt fails on SMS again,
    THEN the notice counts as delivered by email (audited), nothing is deferred or given up."""
    world.responders.put(a_responder("ana", phone=PHONE, sms_opt_in=True))
    world.sms.outages = 5
    outcome = world.delivery.deliver(a_notice(90), last_attempt=True)
    assert outcome.result is not None
    assert (outcome.result.email_id, outcome.result.sms_id) == ("email-1", None)
    assert outcome.result.sms_reason == "SMS provider unavailable"
    assert (world.failures.calls, world.failures.deferred) == ([], [])
    [entry] = world.audit.entries
    assert entry.action is AuditAction.NOTIFIED
    assert "SMS provider unavailable" in entry.reason


def test_a_redelivery_that_told_nobody_uses_what_is_allowed_now(world: World) -> None:
    """GIVEN a notice chosen for email only, whose email never went out (SES down), and ana
    since suppressed by email but opted in to SMS, WHEN SQS delivers it again, THEN she is
    texted: the first choice binds a redelivery only once somebody was told on it."""
    world.responders.put(a_responder("ana", phone=PHONE, sms_opt_in=False))
    world.email.outages = 1
    with pytest.raises(NoticeIncompleteError):
        world.notifier.notify(a_notice(90))
    world.responders.put(a_responder("ana", phone=PHONE, sms_opt_in=True, email_suppressed=True))
    result = world.notifier.notify(a_notice(90))
    assert (result.email_id, result.sms_id) == (None, "sms-1")
    assert world.email.sent == []


def test_a_redelivery_adds_no_channel_to_a_delivered_notice(world: World) -> None:
    """GIVEN a notice emailed to ana while she had no SMS, WHEN it is delivered again after she
    opted in to SMS, THEN she is not texted about it on top of the email."""
    world.responders.put(a_responder("ana", phone=PHONE, sms_opt_in=False))
    first = world.notifier.notify(a_notice(90))
    world.responders.put(a_responder("ana", phone=PHONE, sms_opt_in=True))
    again = world.notifier.notify(a_notice(90))
    assert (again.email_id, again.sms_id) == (first.email_id, None)
    assert (len(world.email.sent), world.sms.sent) == (1, [])
