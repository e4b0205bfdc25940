"""Telling a responder they have a mention to answer: SES email, and SMS when it is urgent.

Channel choice is a pure rule (`choose_channels`) so it is tested without AWS; the senders are
thin adapters that receive their clients.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crowdcare.domain.models import Frozen, QuietHours, Responder
from crowdcare.services.ses_feedback import email_tags

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from mypy_boto3_ses import SESClient
    from mypy_boto3_sns import SNSClient

    from crowdcare.adapters.dynamodb.repositories import ResponderRepository
    from crowdcare.domain.messages import AssignmentNotice

SMS_LIMIT = 160
EXCERPT_LIMIT = 280


class Channels(Frozen):
    """Which channels a notice goes out on, and why SMS was or was not used."""

    email: bool
    sms: bool
    sms_reason: str


def in_quiet_hours(quiet: QuietHours, timezone: str, now: datetime) -> bool:
    """Whether `now` falls inside the responder's quiet hours in their own time zone."""
    try:
        local_hour = now.astimezone(ZoneInfo(timezone)).hour
    except (ZoneInfoNotFoundError, ValueError):
        # Unknown ("Mars/Olympus") or malformed ("", "../x") names: read the hour in UTC, not in
        # whatever offset the clock happens to carry.
        local_hour = now.astimezone(UTC).hour
    if quiet.start_hour == quiet.end_hour:
        return False
    if quiet.start_hour < quiet.end_hour:
        return quiet.start_hour <= local_hour < quiet.end_hour
    return local_hour >= quiet.start_hour or local_hour < quiet.end_hour


def choose_channels(
    responder: Responder,
    priority: int,
    sms_min_priority: int,
    now: datetime,
    *,
    sms_opted_out: bool = False,
) -> Channels:
    """Email unless suppressed (bounce/complaint); SMS only when opted in, not opted out at the
    carrier, urgent enough, and not in the responder's quiet hours."""
    email = not responder.email_suppressed

    def without_sms(reason: str) -> Channels:
        return Channels(email=email, sms=False, sms_reason=reason)

    if not responder.sms_opt_in or responder.phone is None:
        return without_sms("not opted in to SMS")
    if sms_opted_out:
        return without_sms("opted out of SMS (STOP)")
    if priority < sms_min_priority:
        return without_sms(f"priority {priority} < {sms_min_priority}")
    if in_quiet_hours(responder.quiet_hours, responder.timezone, now):
        return without_sms("quiet hours")
    return Channels(email=email, sms=True, sms_reason=f"priority {priority} >= {sms_min_priority}")


class Message(Frozen):
    subject: str
    text: str
    html: str
    sms: str


def assignment_link(dashboard_url: str, mention_id: str) -> str:
    """The dashboard page of one assignment.

    The id is percent-encoded: mention ids contain '#' ("x#123"), which would otherwise start
    a URL fragment and send the responder to the wrong page.
    """
    return f"{dashboard_url.rstrip('/')}/assignments/{quote(mention_id, safe='')}"


def render(
    notice: AssignmentNotice, responder: Responder, brand: str, dashboard_url: str
) -> Message:
    """The email and SMS texts for one assignment notice."""
    link = notice.link or assignment_link(dashboard_url, notice.mention_id)
    deadline = (
        "" if notice.deadline is None
        else notice.deadline.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    )
    excerpt = (
        notice.text
        if len(notice.text) <= EXCERPT_LIMIT
        else notice.text[: EXCERPT_LIMIT - 1] + "…"
    )
    subject = f"[{brand}] {notice.band} mention from {notice.author_handle} on {notice.platform}"
    reasons = "\n".join(f"  - {reason}" for reason in notice.reasons)
    text = (
        f"Hi {responder.name},\n\n"
        f"A {notice.platform} mention needs your answer "
        f"(priority {notice.priority}, {notice.band}).\n\n"
        f"{notice.author_handle} ({notice.author_followers} followers) wrote:\n"
        f"  {excerpt}\n\n"
        f"Why it came to you:\n{reasons}\n\n"
        + (f"Please answer by {deadline}.\n" if deadline else "")
        + f"Answer it here: {link}\n"
        f"Original post: {notice.url or 'n/a'}\n"
    )
    items = "".join(f"<li>{html.escape(reason)}</li>" for reason in notice.reasons)
    body_html = (
        f"<p>Hi {html.escape(responder.name)},</p>"
        f"<p>A <b>{html.escape(notice.platform)}</b> mention needs your answer "
        f"(priority <b>{notice.priority}</b>, {html.escape(notice.band)}).</p>"
        f"<blockquote><b>{html.escape(notice.author_handle)}</b> "
        f"({notice.author_followers} followers): {html.escape(excerpt)}</blockquote>"
        f"<p>Why it came to you:</p><ul>{items}</ul>"
        + (f"<p>Please answer by <b>{deadline}</b>.</p>" if deadline else "")
        + f'<p><a href="{html.escape(link)}">Answer it in the dashboard</a></p>'
    )
    # The link is what the SMS is for: shorten the handle, never the link, to fit one SMS.
    sms_tail = f". Answer: {link}"
    sms_head = f"{brand}: {notice.band} mention from {notice.author_handle}"
    room = max(SMS_LIMIT - len(sms_tail), 0)
    if len(sms_head) > room:
        sms_head = sms_head[: max(room - 1, 0)] + "…"
    sms = (sms_head + sms_tail)[:SMS_LIMIT]
    return Message(subject=subject, text=text, html=body_html, sms=sms)


class EmailSender(Protocol):
    def send(self, to: str, message: Message, tags: Mapping[str, str] | None = None) -> str: ...


class SmsSender(Protocol):
    def send(self, phone: str, message: Message) -> str: ...

    def opted_out(self, phone: str) -> bool: ...


class SesEmailSender:
    """Sends the email through SES from the configured, verified sender address.

    With a configuration set, SES publishes the email's bounces and complaints (with its
    tags) to the feedback topic; see crowdcare.services.ses_feedback.
    """

    def __init__(
        self, client: SESClient, sender: str, configuration_set: str | None = None
    ) -> None:
        self._client = client
        self._sender = sender
        self._configuration_set = configuration_set

    def send(self, to: str, message: Message, tags: Mapping[str, str] | None = None) -> str:
        """Send one email; returns SES's message id."""
        extra: dict[str, Any] = {}
        if self._configuration_set is not None:
            extra["ConfigurationSetName"] = self._configuration_set
        if tags:
            extra["Tags"] = [{"Name": name, "Value": value} for name, value in tags.items()]
        response = self._client.send_email(
            Source=self._sender,
            Destination={"ToAddresses": [to]},
            Message={
                "Subject": {"Data": message.subject, "Charset": "UTF-8"},
                "Body": {
                    "Text": {"Data": message.text, "Charset": "UTF-8"},
                    "Html": {"Data": message.html, "Charset": "UTF-8"},
                },
            },
            **extra,
        )
        return response["MessageId"]


class SnsSmsSender:
    """Sends a transactional SMS through SNS."""

    def __init__(self, client: SNSClient) -> None:
        self._client = client

    def send(self, phone: str, message: Message) -> str:
        """Send one SMS; returns SNS's message id."""
        response = self._client.publish(
            PhoneNumber=phone,
            Message=message.sms,
            MessageAttributes={
                "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}
            },
        )
        return response["MessageId"]

    def opted_out(self, phone: str) -> bool:
        """Whether the number replied STOP (SNS keeps the opt-out list)."""
        return self._client.check_if_phone_number_is_opted_out(phoneNumber=phone)["isOptedOut"]


class NotificationResult(Frozen):
    mention_id: str
    responder_id: str
    email_id: str | None
    sms_id: str | None
    sms_reason: str


class UnknownResponderError(Exception):
    """The notice names a responder who is not in the table: parked for an operator."""


class UndeliverableError(Exception):
    """No channel can reach the responder (email suppressed and no SMS): asking them is moot."""


class Notifier:
    """Sends one assignment notice on the channels the responder's preferences allow."""

    def __init__(
        self,
        *,
        responders: ResponderRepository,
        email: EmailSender,
        sms: SmsSender,
        brand: str,
        dashboard_url: str,
        sms_min_priority: int,
        clock: Callable[[], datetime],
    ) -> None:
        self._responders = responders
        self._email = email
        self._sms = sms
        self._brand = brand
        self._dashboard_url = dashboard_url
        self._sms_min_priority = sms_min_priority
        self._clock = clock

    def notify(self, notice: AssignmentNotice) -> NotificationResult:
        """Email the responder, and text them when the rules allow."""
        responder = self._responders.get(notice.responder_id)
        if responder is None:
            raise UnknownResponderError(notice.responder_id)
        # Ask the carrier's opt-out list only when an SMS could be sent at all.
        opted_out = (
            responder.sms_opt_in
            and responder.phone is not None
            and self._sms.opted_out(responder.phone)
        )
        channels = choose_channels(
            responder, notice.priority, self._sms_min_priority, self._clock(),
            sms_opted_out=opted_out,
        )
        if not channels.email and not channels.sms:
            raise UndeliverableError(
                f"email suppressed and no SMS ({channels.sms_reason})"
            )
        message = render(notice, responder, self._brand, self._dashboard_url)
        email_id = (
            self._email.send(
                responder.email, message, email_tags(notice.mention_id, notice.attempt)
            )
            if channels.email
            else None
        )
        sms_id = (
            self._sms.send(responder.phone, message)
            if channels.sms and responder.phone is not None
            else None
        )
        return NotificationResult(
            mention_id=notice.mention_id,
            responder_id=responder.responder_id,
            email_id=email_id,
            sms_id=sms_id,
            sms_reason=channels.sms_reason,
        )
