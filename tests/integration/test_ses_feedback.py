"""SES feedback against moto: a permanent bounce or complaint suppresses the responder's email
and alerts the admins once; the notifier then texts them instead, or gives the notice up."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from crowdcare.adapters.dynamodb.audit import AuditAction, AuditTrail
from crowdcare.adapters.dynamodb.repositories import ResponderRepository
from crowdcare.adapters.ses import SesEmailSender
from crowdcare.adapters.sns import SnsSmsSender
from crowdcare.config.clients import default_clients
from crowdcare.domain.messages import AssignmentNotice
from crowdcare.domain.models import QuietHours, Responder, ResponderKind
from crowdcare.domain.triage import RouteKind
from crowdcare.services.notifier import Notifier, UndeliverableError
from crowdcare.testing import FakeSentChannels
from crowdcare_local.runtime import LocalContext
from crowdcare_local.stack import create_template_table
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends

from tests.events import load_event

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

    from tests.integration.conftest import CoreAws

AUDIT_TABLE = "crowdcare-core-test-audit"
SENDER = "care@example.com"
NOON_UTC = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
ANA = Responder(
    responder_id="adv.ana",
    kind=ResponderKind.ADVOCATE,
    name="Ana",
    email="ana@example.com",
    phone="+34600111222",
    quiet_hours=QuietHours(start_hour=0, end_hour=0),
)
BEN = Responder(
    responder_id="adv.ben", kind=ResponderKind.ADVOCATE, name="Ben", email="ben@example.com"
)


@dataclass(frozen=True)
class Feedback:
    """The SES feedback function wired to moto, and what it touches."""

    app: ModuleType
    responders: ResponderRepository
    audit: AuditTrail
    sqs: SQSClient
    alerts_queue_url: str

    def deliver(self, name: str, **bounce: str) -> Any:
        event = load_event(name)
        if bounce:
            message = json.loads(event["Records"][0]["Sns"]["Message"])
            message["bounce"].update(bounce)
            event["Records"][0]["Sns"]["Message"] = json.dumps(message)
        return self.app.lambda_handler(event, LocalContext("ses-feedback"))

    def alerts(self) -> list[dict[str, Any]]:
        messages = self.sqs.receive_message(
            QueueUrl=self.alerts_queue_url, MaxNumberOfMessages=10
        ).get("Messages", [])
        return [json.loads(json.loads(m["Body"])["Message"]) for m in messages]


@pytest.fixture
def feedback(core_aws: CoreAws, monkeypatch: pytest.MonkeyPatch) -> Iterator[Feedback]:
    """Responders Ana and Ben, the audit table, and an admin topic whose messages are kept."""
    create_template_table(core_aws.dynamodb, "AuditTable", AUDIT_TABLE)
    sns = boto3.client("sns", region_name=core_aws.region)
    sqs = boto3.client("sqs", region_name=core_aws.region)
    topic = sns.create_topic(Name="admin-alerts")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="admin-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    responders = ResponderRepository(core_aws.dynamodb, core_aws.responders_table)
    responders.put(ANA)
    responders.put(BEN)
    for name, value in {
        "RESPONDERS_TABLE": core_aws.responders_table,
        "ADMIN_ALERTS_TOPIC_ARN": topic,
        "AUDIT_TABLE": AUDIT_TABLE,
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }.items():
        monkeypatch.setenv(name, value)
    from functions.ses_feedback import app

    default_clients.cache_clear()
    app.service.cache_clear()
    try:
        yield Feedback(
            app=app,
            responders=responders,
            audit=AuditTrail(core_aws.dynamodb, AUDIT_TABLE),
            sqs=sqs,
            alerts_queue_url=queue_url,
        )
    finally:
        app.service.cache_clear()
        default_clients.cache_clear()


def test_permanent_bounce_suppresses_alerts_and_audits(feedback: Feedback) -> None:
    """A permanent bounce flags the responder, alerts the admins and audits the mention."""
    # GIVEN Ana, whose email for facebook#r1 bounced permanently
    # WHEN SES's notification arrives through SNS
    result = feedback.deliver("ses_bounce")
    # THEN Ana's email is suppressed, and Ben's is not
    assert result == {"suppressed": 1}
    ana, ben = feedback.responders.get("adv.ana"), feedback.responders.get("adv.ben")
    assert ana is not None and ana.email_suppressed
    assert ben is not None and not ben.email_suppressed
    # AND the admins got one alert naming her and why
    [alert] = feedback.alerts()
    assert alert["kind"] == "email_suppressed"
    assert alert["responder_id"] == "adv.ana"
    assert alert["reason"] == "permanent bounce (General)"
    assert alert["mention_id"] == "facebook#r1"
    # AND the mention's audit trail records it against attempt 1
    [entry] = feedback.audit.history("facebook#r1")
    assert entry.action is AuditAction.EMAIL_SUPPRESSED
    assert (entry.responder_id, entry.attempt) == ("adv.ana", 1)


def test_redelivered_feedback_changes_nothing(feedback: Feedback) -> None:
    """SNS may deliver twice: the second delivery neither alerts nor audits again."""
    # GIVEN a bounce already handled
    feedback.deliver("ses_bounce")
    feedback.alerts()
    # WHEN the same notification is delivered again
    result = feedback.deliver("ses_bounce")
    # THEN nothing more happens
    assert result == {"suppressed": 0}
    assert feedback.alerts() == []
    assert len(feedback.audit.history("facebook#r1")) == 1


def test_transient_bounce_suppresses_nobody(feedback: Feedback) -> None:
    """A full mailbox is temporary: the responder keeps getting email, the admins hear nothing."""
    # GIVEN a transient bounce for Ana
    # WHEN it arrives
    result = feedback.deliver("ses_bounce", bounceType="Transient", bounceSubType="MailboxFull")
    # THEN nothing changed
    assert result == {"suppressed": 0}
    ana = feedback.responders.get("adv.ana")
    assert ana is not None and not ana.email_suppressed
    assert feedback.alerts() == []
    assert feedback.audit.history("facebook#r1") == []


def test_complaint_suppresses_and_alerts(feedback: Feedback) -> None:
    """A complaint (marked as spam) suppresses the responder's email and alerts the admins."""
    # GIVEN Ana marked an assignment email as spam
    # WHEN SES's complaint arrives
    feedback.deliver("ses_complaint")
    # THEN her email is suppressed and the admins are told why
    ana = feedback.responders.get("adv.ana")
    assert ana is not None and ana.email_suppressed
    [alert] = feedback.alerts()
    assert alert["reason"] == "complaint (abuse)"


def notice(priority: int) -> AssignmentNotice:
    return AssignmentNotice(
        mention_id="facebook#r2",
        responder_id="adv.ana",
        route=RouteKind.COMMUNITY,
        priority=priority,
        band="P1",
        reasons=(),
        platform="facebook",
        url="https://facebook.com/brightwave/posts/r2",
        author_handle="@bob",
        author_followers=10,
        text="Help!",
        assigned_at=NOON_UTC,
        attempt=2,
    )


def notifier(core_aws: CoreAws, ses: Any = None) -> Notifier:
    ses = ses or boto3.client("ses", region_name=core_aws.region)
    ses.verify_email_identity(EmailAddress=SENDER)
    return Notifier(
        responders=ResponderRepository(core_aws.dynamodb, core_aws.responders_table),
        email=SesEmailSender(ses, SENDER, "crowdcare-feedback"),
        sms=SnsSmsSender(boto3.client("sns", region_name=core_aws.region)),
        sent=FakeSentChannels(),
        brand="Brightwave",
        dashboard_url="https://care.example.com",
        sms_min_priority=70,
        clock=lambda: NOON_UTC,
    )


def test_suppressed_responder_opted_in_to_sms_is_texted_instead(
    core_aws: CoreAws, feedback: Feedback
) -> None:
    """After a bounce, an urgent notice reaches an SMS opted-in responder by SMS only."""
    # GIVEN Ana opted in to SMS, and her email then bounced
    feedback.responders.put(ANA.model_copy(update={"sms_opt_in": True}))
    feedback.deliver("ses_bounce")
    # WHEN an urgent mention is assigned to her
    result = notifier(core_aws).notify(notice(priority=90))
    # THEN she is texted, and not emailed
    assert result.email_id is None and result.sms_id is not None
    assert list(ses_backends[core_aws.account][core_aws.region].sent_messages) == []
    assert len(sns_backends[core_aws.account][core_aws.region].sms_messages) == 1


def test_suppressed_responder_without_sms_cannot_be_notified(
    core_aws: CoreAws, feedback: Feedback
) -> None:
    """With email suppressed and no SMS, the notice is undeliverable: the notifier gives it up,
    which moves the workflow on (tests/workflow: undeliverable notice → next advocate)."""
    # GIVEN Ana's email bounced and she gets no SMS
    feedback.deliver("ses_bounce")
    # WHEN a mention is assigned to her
    # THEN the notifier reports it undeliverable, and nothing was sent
    with pytest.raises(UndeliverableError, match="email suppressed"):
        notifier(core_aws).notify(notice(priority=90))
    assert list(ses_backends[core_aws.account][core_aws.region].sent_messages) == []


def test_assignment_email_goes_through_the_configuration_set_with_tags(
    core_aws: CoreAws,
) -> None:
    """The notifier sends through the configuration set, tagged with mention and attempt, so
    that SES's feedback can name the assignment."""
    # GIVEN a notifier whose SES calls are recorded
    ResponderRepository(core_aws.dynamodb, core_aws.responders_table).put(BEN)
    calls: list[dict[str, Any]] = []
    ses = boto3.client("ses", region_name=core_aws.region)
    ses.meta.events.register(
        "provide-client-params.ses.SendEmail", lambda params, **_: calls.append(params)
    )
    sender = notifier(core_aws, ses)
    # WHEN Ben is notified of attempt 2 of facebook#r2
    sender.notify(notice(priority=10).model_copy(update={"responder_id": "adv.ben"}))
    # THEN the email went through the configuration set with the two tags
    [call] = calls
    assert call["ConfigurationSetName"] == "crowdcare-feedback"
    assert call["Tags"] == [
        {"Name": "attempt", "Value": "2"},
        {"Name": "mention", "Value": "ZmFjZWJvb2sjcjI"},
    ]
