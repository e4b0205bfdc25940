"""Reading SES feedback: which notifications suppress an address, and the email tags."""

from __future__ import annotations

import json
from typing import Any

import pytest
from crowdcare.services.ses_feedback import (
    SesNotification,
    attempt_from_tags,
    email_tags,
    mention_from_tags,
)
from pydantic import ValidationError

from tests.events import load_event


def ses_message(name: str) -> dict[str, Any]:
    """The SES notification inside the SNS record of a sample event."""
    message: dict[str, Any] = json.loads(load_event(name)["Records"][0]["Sns"]["Message"])
    return message


def test_permanent_bounce_suppresses_the_bounced_address() -> None:
    """A permanent bounce names its recipients as addresses not to email again."""
    # GIVEN SES's permanent bounce event
    notification = SesNotification.model_validate(ses_message("ses_bounce"))
    # WHEN it is read
    # THEN it is a bounce that suppresses the recipient, described without the address
    assert notification.kind == "Bounce"
    assert notification.suppressing == ("ana@example.com",)
    assert notification.description == "permanent bounce (General)"


@pytest.mark.parametrize("bounce_type", ["Transient", "Undetermined"])
def test_transient_bounce_suppresses_nobody(bounce_type: str) -> None:
    """A transient (or undetermined) bounce says nothing about the next email: no suppression."""
    # GIVEN a bounce that is not permanent (mailbox full)
    message = ses_message("ses_bounce")
    message["bounce"].update(bounceType=bounce_type, bounceSubType="MailboxFull")
    # WHEN it is read
    notification = SesNotification.model_validate(message)
    # THEN no address is to be suppressed
    assert notification.suppressing == ()


def test_complaint_suppresses_the_complaining_address() -> None:
    """A complaint (the responder marked our email as spam) suppresses their address."""
    # GIVEN SES's complaint event
    notification = SesNotification.model_validate(ses_message("ses_complaint"))
    # WHEN it is read
    # THEN the complaining recipient is suppressed
    assert notification.kind == "Complaint"
    assert notification.suppressing == ("ana@example.com",)
    assert notification.description == "complaint (abuse)"


def test_classic_identity_notification_is_read_too() -> None:
    """The classic format (notificationType instead of eventType) is read the same way."""
    # GIVEN a bounce in the identity-notification format, address in mixed case
    message = ses_message("ses_bounce")
    message["notificationType"] = message.pop("eventType")
    message["bounce"]["bouncedRecipients"][0]["emailAddress"] = "Ana@Example.com"
    # WHEN it is read
    notification = SesNotification.model_validate(message)
    # THEN it suppresses the address, lower-cased
    assert notification.kind == "Bounce"
    assert notification.suppressing == ("ana@example.com",)


def test_delivery_suppresses_nobody() -> None:
    """Other SES events (Delivery, Send...) suppress nothing."""
    # GIVEN a delivery event
    message = ses_message("ses_bounce")
    message["eventType"] = "Delivery"
    del message["bounce"]
    # WHEN it is read
    notification = SesNotification.model_validate(message)
    # THEN nobody is suppressed
    assert notification.suppressing == ()


def test_message_without_mail_is_refused() -> None:
    """Something that is not SES's format is a validation error at the edge."""
    # GIVEN an SNS message that is not an SES notification
    # WHEN it is read
    # THEN it is refused
    with pytest.raises(ValidationError):
        SesNotification.model_validate({"eventType": "Bounce"})


def test_tags_carry_the_mention_and_attempt() -> None:
    """The notifier's tags round-trip the mention id ('#' and all) and the attempt."""
    # GIVEN the tags of an assignment email
    tags = email_tags("facebook#r1", 2)
    # WHEN SES echoes them back (as lists of values)
    echoed = {name: [value] for name, value in tags.items()}
    # THEN the mention id and attempt come back, and every value is SES-safe
    assert mention_from_tags(echoed) == "facebook#r1"
    assert attempt_from_tags(echoed) == 2
    assert all(c.isalnum() or c in "_-" for value in tags.values() for c in value)
    # AND the sample event's tag names the mention it was sent for
    assert mention_from_tags(ses_message("ses_bounce")["mail"]["tags"]) == "facebook#r1"


def test_too_long_mention_id_is_left_out_of_the_tags() -> None:
    """A mention id whose encoding exceeds SES's 256 characters is not tagged (no audit)."""
    # GIVEN a very long mention id
    tags = email_tags("reddit#" + "x" * 250, 1)
    # WHEN tagged
    # THEN only the attempt is tagged
    assert mention_from_tags({k: [v] for k, v in tags.items()}) is None
    assert tags == {"attempt": "1"}
