"""SES / SNS senders and the Notifier against moto: what actually lands in each service."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from botocore.exceptions import ClientError
from crowdcare.adapters.dynamodb.idempotency import SentChannelsTable
from crowdcare.adapters.dynamodb.repositories import ResponderRepository
from crowdcare.adapters.ses import SesEmailSender
from crowdcare.adapters.sns import SnsSmsSender
from crowdcare.domain.messages import AssignmentNotice
from crowdcare.domain.models import QuietHours, Responder, ResponderKind
from crowdcare.domain.triage import RouteKind
from crowdcare.services.notifier import (
    Message,
    Notifier,
    UnknownResponderError,
    assignment_link,
)
from crowdcare.testing import FakeSentChannels
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends

if TYPE_CHECKING:
    from tests.integration.conftest import CoreAws

SENDER = "care@brightwave.example"
DASHBOARD = "https://care.example.com"
NOON_UTC = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
MIDNIGHT_UTC = datetime(2025, 1, 15, 0, 0, tzinfo=UTC)


def sent_emails(core_aws: CoreAws) -> list[Any]:
    return list(ses_backends[core_aws.account][core_aws.region].sent_messages)


def sent_sms(core_aws: CoreAws) -> list[tuple[str, str]]:
    return list(sns_backends[core_aws.account][core_aws.region].sms_messages.values())


def responder(rid: str = "ana", **fields: Any) -> Responder:
    values: dict[str, object] = {
        "responder_id": rid,
        "kind": ResponderKind.ADVOCATE,
        "name": "Ana",
        "email": f"{rid}@example.com",
        "phone": "+34600111222",
        "sms_opt_in": True,
        "quiet_hours": QuietHours(start_hour=22, end_hour=7),
    }
    values.update(fields)
    return Responder.model_validate(values)


def notice(responder_id: str = "ana", priority: int = 85) -> AssignmentNotice:
    return AssignmentNotice(
        mention_id="x#1890000000000000001",
        responder_id=responder_id,
        route=RouteKind.COMMUNITY,
        priority=priority,
        band="P1",
        reasons=("negative sentiment",),
        platform="x",
        url="https://x.com/bob/status/1890000000000000001",
        author_handle="@bob",
        author_followers=120,
        text="<b>My order never arrived</b>",
        assigned_at=NOON_UTC,
    )


MESSAGE = Message(subject="Hello", text="plain body", html="<p>html body</p>", sms="short text")


@pytest.fixture
def ses(core_aws: CoreAws) -> Any:
    """An SES client in moto with the sender identity verified."""
    client = boto3.client("ses", region_name=core_aws.region)
    client.verify_email_identity(EmailAddress=SENDER)
    return client


@pytest.fixture
def sns(core_aws: CoreAws) -> Any:
    """An SNS client in moto."""
    return boto3.client("sns", region_name=core_aws.region)


@pytest.fixture
def responders(core_aws: CoreAws) -> ResponderRepository:
    """The repository over the moto Responders table."""
    return ResponderRepository(core_aws.dynamodb, core_aws.responders_table)


def notifier(
    responders: ResponderRepository, ses: Any, sns: Any, now: datetime = NOON_UTC
) -> Notifier:
    return Notifier(
        responders=responders,
        email=SesEmailSender(ses, SENDER),
        sms=SnsSmsSender(sns),
        sent=FakeSentChannels(),
        brand="Brightwave",
        dashboard_url=DASHBOARD,
        sms_min_priority=70,
        clock=lambda: now,
    )


def test_email_lands_in_ses(core_aws: CoreAws, ses: Any) -> None:
    """SesEmailSender sends from the verified sender to the responder, returning SES's id."""
    # GIVEN a sender with a verified identity
    sender = SesEmailSender(ses, SENDER)
    # WHEN an email is sent
    message_id = sender.send("ana@example.com", MESSAGE)
    # THEN SES holds exactly that email
    [email] = sent_emails(core_aws)
    assert email.id == message_id
    assert email.source == SENDER
    assert email.destinations == {"ToAddresses": ["ana@example.com"]}
    assert email.subject == "Hello"
    assert email.body == "<p>html body</p>"  # moto keeps the HTML part when both are sent


def test_email_from_unverified_sender_is_refused(core_aws: CoreAws) -> None:
    """SES refuses an email from an unverified address (what a wrong SENDER_EMAIL does)."""
    # GIVEN no verified identity
    sender = SesEmailSender(boto3.client("ses", region_name=core_aws.region), SENDER)
    # WHEN an email is sent
    with pytest.raises(ClientError, match="not verified"):
        sender.send("ana@example.com", MESSAGE)
    # THEN nothing was sent
    assert sent_emails(core_aws) == []


def test_sms_lands_in_sns(core_aws: CoreAws, sns: Any) -> None:
    """SnsSmsSender publishes the SMS text to the phone number, returning SNS's id."""
    # GIVEN an SMS sender
    sender = SnsSmsSender(sns)
    # WHEN a text is sent
    message_id = sender.send("+34600111222", MESSAGE)
    # THEN SNS holds exactly that text under that id
    store = sns_backends[core_aws.account][core_aws.region].sms_messages
    assert dict(store) == {message_id: ("+34600111222", "short text")}


def test_unknown_responder_is_an_error(
    core_aws: CoreAws, responders: ResponderRepository, ses: Any, sns: Any
) -> None:
    """A notice for a responder not in the table raises UnknownResponderError and sends nothing."""
    # GIVEN an empty Responders table
    # WHEN a notice for "ghost" is sent
    with pytest.raises(UnknownResponderError, match="ghost"):
        notifier(responders, ses, sns).notify(notice("ghost"))
    # THEN no email and no SMS went out
    assert (sent_emails(core_aws), sent_sms(core_aws)) == ([], [])


def test_urgent_notice_emails_and_texts(
    core_aws: CoreAws, responders: ResponderRepository, ses: Any, sns: Any
) -> None:
    """An urgent notice to an opted-in, awake responder is both emailed and texted."""
    # GIVEN an opted-in responder, at noon
    responders.put(responder())
    # WHEN an urgent notice is sent
    result = notifier(responders, ses, sns).notify(notice(priority=85))
    # THEN one email and one SMS carry the assignment link, and the result records both ids
    link = assignment_link(DASHBOARD, "x#1890000000000000001")
    [email] = sent_emails(core_aws)
    [(phone, text)] = sent_sms(core_aws)
    assert email.destinations == {"ToAddresses": ["ana@example.com"]}
    assert link in email.body
    assert "&lt;b&gt;My order never arrived&lt;/b&gt;" in email.body
    assert (phone, text) == ("+34600111222", f"Brightwave: P1 mention from @bob. Answer: {link}")
    assert result.email_id == email.id
    assert result.sms_id is not None
    assert (result.mention_id, result.responder_id) == ("x#1890000000000000001", "ana")


@pytest.mark.parametrize(
    ("fields", "priority", "now", "reason"),
    [
        ({}, 50, NOON_UTC, "priority 50 < 70"),
        ({}, 95, MIDNIGHT_UTC, "quiet hours"),
        ({"sms_opt_in": False}, 95, NOON_UTC, "not opted in to SMS"),
        ({"phone": None}, 95, NOON_UTC, "not opted in to SMS"),
    ],
)
def test_email_only_when_sms_is_not_allowed(
    core_aws: CoreAws,
    responders: ResponderRepository,
    ses: Any,
    sns: Any,
    *,
    fields: dict[str, Any],
    priority: int,
    now: datetime,
    reason: str,
) -> None:
    """When the rules forbid SMS, the responder gets the email only and the reason is recorded."""
    # GIVEN a responder and a moment where SMS is not allowed
    responders.put(responder(**fields))
    # WHEN the notice is sent
    result = notifier(responders, ses, sns, now=now).notify(notice(priority=priority))
    # THEN one email, no SMS, and the reason
    assert len(sent_emails(core_aws)) == 1
    assert sent_sms(core_aws) == []
    assert (result.sms_id, result.sms_reason) == (None, reason)


def table_notifier(
    core_aws: CoreAws, responders: ResponderRepository, ses: Any, sns: Any, now: datetime
) -> Notifier:
    """A notifier invocation whose sent channels live on the moto idempotency table (what a
    later delivery of the same notice, in another invocation, finds)."""
    return Notifier(
        responders=responders,
        email=SesEmailSender(ses, SENDER),
        sms=SnsSmsSender(sns),
        sent=SentChannelsTable(core_aws.dynamodb, core_aws.idempotency_table, lambda: 1_000.0),
        brand="Brightwave",
        dashboard_url=DASHBOARD,
        sms_min_priority=70,
        clock=lambda: now,
    )


def test_a_redelivered_notice_sends_nothing_twice(
    core_aws: CoreAws, responders: ResponderRepository, ses: Any, sns: Any
) -> None:
    """GIVEN an urgent notice emailed and texted, WHEN SQS delivers it again (no per-notice
    idempotency record), THEN no email or SMS goes out again and the result is the same."""
    responders.put(responder())
    first = table_notifier(core_aws, responders, ses, sns, NOON_UTC).notify(notice(priority=85))
    again = table_notifier(core_aws, responders, ses, sns, NOON_UTC).notify(notice(priority=85))
    assert (len(sent_emails(core_aws)), len(sent_sms(core_aws))) == (1, 1)
    assert again == first


def test_a_redelivery_after_quiet_hours_adds_no_sms(
    core_aws: CoreAws, responders: ResponderRepository, ses: Any, sns: Any
) -> None:
    """GIVEN a notice emailed only, in the responder's quiet hours, WHEN it is delivered again
    once SMS would be allowed, THEN the responder is not texted about it on top."""
    responders.put(responder())
    first = table_notifier(core_aws, responders, ses, sns, MIDNIGHT_UTC).notify(notice(priority=85))
    again = table_notifier(core_aws, responders, ses, sns, NOON_UTC).notify(notice(priority=85))
    assert (len(sent_emails(core_aws)), sent_sms(core_aws)) == (1, [])
    assert (again.email_id, again.sms_id) == (first.email_id, None)


def test_a_redelivery_after_the_email_was_suppressed_still_counts_the_sent_email(
    core_aws: CoreAws, responders: ResponderRepository, ses: Any, sns: Any
) -> None:
    """GIVEN a notice emailed to a responder without SMS, whose address is suppressed since,
    WHEN it is delivered again, THEN nothing is sent and the earlier email is reported (the
    responder was reached: not an undeliverable notice that would pass them over)."""
    responders.put(responder(sms_opt_in=False))
    first = table_notifier(core_aws, responders, ses, sns, NOON_UTC).notify(notice(priority=85))
    responders.put(responder(sms_opt_in=False, email_suppressed=True))
    again = table_notifier(core_aws, responders, ses, sns, NOON_UTC).notify(notice(priority=85))
    assert len(sent_emails(core_aws)) == 1
    assert again.email_id == first.email_id is not None
