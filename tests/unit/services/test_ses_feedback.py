"""SesFeedbackService: a permanent bounce or a complaint suppresses once, alerts, audits."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from crowdcare.domain.audit import AuditAction
from crowdcare.services.ses_feedback import SesFeedbackService, SesNotification
from crowdcare.testing import FakeAuditLog, FakeResponders, ManualClock, RecordingAlertPublisher
from crowdcare.testing.builders import NOON, a_responder

from tests.events import load_event


def notification(name: str, **changes: Any) -> SesNotification:
    """The SES message of a sample event (ana@example.com, mention facebook#r1, attempt 1)."""
    message: dict[str, Any] = json.loads(load_event(name)["Records"][0]["Sns"]["Message"])
    for section, values in changes.items():
        message[section].update(values)
    return SesNotification.model_validate(message)


@dataclass
class World:
    service: SesFeedbackService
    responders: FakeResponders
    alerts: RecordingAlertPublisher
    audit: FakeAuditLog


@pytest.fixture
def world() -> World:
    """ana (ana@example.com) and ben, both still emailed."""
    responders = FakeResponders([a_responder("ana"), a_responder("ben")])
    alerts = RecordingAlertPublisher()
    audit = FakeAuditLog()
    service = SesFeedbackService(
        responders=responders, alerts=alerts, audit=audit, clock=ManualClock(NOON)
    )
    return World(service, responders, alerts, audit)


def test_permanent_bounce_suppresses_alerts_and_audits_the_mention(world: World) -> None:
    """A permanent bounce stops ana's email, tells the admins and lands on the mention's trail."""
    # WHEN SES reports a permanent bounce of ana's address
    result = world.service.handle(notification("ses_bounce"))
    # THEN only ana is suppressed, one alert names her, and facebook#r1's trail records it
    assert result.suppressed == ("ana",)
    assert world.responders.items["ana"].email_suppressed
    assert not world.responders.items["ben"].email_suppressed
    [alert] = world.alerts.alerts
    assert (alert.responder_id, alert.mention_id) == ("ana", "facebook#r1")
    [entry] = world.audit.entries
    assert (entry.action, entry.mention_id, entry.attempt) == (
        AuditAction.EMAIL_SUPPRESSED,
        "facebook#r1",
        1,
    )


def test_a_redelivered_bounce_changes_nothing_more(world: World) -> None:
    """SNS delivering the same bounce twice suppresses, alerts and audits once."""
    # GIVEN the bounce was handled
    world.service.handle(notification("ses_bounce"))
    # WHEN it is delivered again
    again = world.service.handle(notification("ses_bounce"))
    # THEN ana is reported as already suppressed and nobody is told twice
    assert (again.suppressed, again.already_suppressed) == ((), ("ana",))
    assert len(world.alerts.alerts) == 1
    assert len(world.audit.entries) == 1


def test_a_complaint_suppresses_too(world: World) -> None:
    """A complaint about our email suppresses the address like a permanent bounce."""
    # WHEN SES reports a complaint
    result = world.service.handle(notification("ses_complaint"))
    # THEN the complainer is suppressed
    assert result.kind == "Complaint"
    assert len(result.suppressed) == 1


def test_a_transient_bounce_suppresses_nothing(world: World) -> None:
    """A full mailbox says nothing about next time: no suppression, no alert."""
    # WHEN SES reports a transient bounce
    result = world.service.handle(notification("ses_bounce", bounce={"bounceType": "Transient"}))
    # THEN nothing changes and the reason is given
    assert result.suppressed == ()
    assert result.ignored is not None
    assert "transient" in result.ignored
    assert world.alerts.alerts == []
    assert not world.responders.items["ana"].email_suppressed


def test_an_address_of_no_responder_is_counted_not_guessed(world: World) -> None:
    """A bounce of an address nobody has suppresses no one and is counted as unknown."""
    # GIVEN nobody has the bounced address
    world.responders.items.pop("ana")
    # WHEN the bounce arrives
    result = world.service.handle(notification("ses_bounce"))
    # THEN it is counted as unknown and nobody is alerted about
    assert (result.suppressed, result.unknown_addresses) == ((), 1)
    assert world.alerts.alerts == []


class NoScanResponders(FakeResponders):
    """Responders whose whole-table listing (a Scan in DynamoDB) must never be asked for."""

    def list_all(self) -> list[Any]:
        raise AssertionError("SES feedback listed every responder")


def test_a_bounce_finds_the_responder_by_address_not_by_listing_everyone() -> None:
    """GIVEN responders whose listing fails WHEN a permanent bounce of ana's address, written
    in capitals by SES's sender, arrives THEN ana is found by address and suppressed, and an
    address nobody has counts as unknown."""
    responders = NoScanResponders([a_responder("ana"), a_responder("ben")])
    service = SesFeedbackService(
        responders=responders,
        alerts=RecordingAlertPublisher(),
        audit=FakeAuditLog(),
        clock=ManualClock(NOON),
    )
    bounced = {
        "bouncedRecipients": [
            {"emailAddress": "ANA@example.com"},
            {"emailAddress": "gone@example.com"},
        ]
    }

    result = service.handle(notification("ses_bounce", bounce=bounced))

    assert result.suppressed == ("ana",)
    assert result.unknown_addresses == 1
