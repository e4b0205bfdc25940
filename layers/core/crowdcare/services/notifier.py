"""Telling a responder they have a mention to answer: SES email, and SMS when it is urgent.

Channel choice is a pure rule (`choose_channels`) so it is tested without AWS; the senders are
ports (`EmailSender`, `SmsSender`; SES and SNS in `crowdcare.adapters`).
"""

from __future__ import annotations

import html
from datetime import UTC
from typing import TYPE_CHECKING
from urllib.parse import quote

from crowdcare.domain.audit import SYSTEM, AuditAction, AuditEntry
from crowdcare.domain.errors import (
    ProviderUnavailableError,
    UndeliverableError,
    UnknownResponderError,
)
from crowdcare.domain.messages import Message
from crowdcare.domain.models import Frozen, Responder
from crowdcare.rules.availability import Channels, choose_channels, in_quiet_hours
from crowdcare.services.ses_feedback import email_tags

if TYPE_CHECKING:
    from collections.abc import Callable

    from crowdcare.domain.messages import AssignmentNotice
    from crowdcare.ports import (
        AuditLog,
        Clock,
        EmailSender,
        NotificationFailures,
        ResponderStore,
        SentChannels,
        SmsSender,
    )

# Importable from here as before (the notifier's tests and callers).
__all__ = [
    "EXCERPT_LIMIT",
    "SMS_LIMIT",
    "Channels",
    "Delivery",
    "Message",
    "NoticeDelivery",
    "NoticeIncompleteError",
    "NotificationResult",
    "Notifier",
    "UndeliverableError",
    "UnknownResponderError",
    "assignment_link",
    "choose_channels",
    "in_quiet_hours",
    "render",
]

SMS_LIMIT = 160
EMAIL, SMS = "email", "sms"
"""Channel names: the suffix of each send's key and the first delivery's choice."""
EXCERPT_LIMIT = 280


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
        ""
        if notice.deadline is None
        else notice.deadline.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    )
    excerpt = (
        notice.text if len(notice.text) <= EXCERPT_LIMIT else notice.text[: EXCERPT_LIMIT - 1] + "…"
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


class NotificationResult(Frozen):
    mention_id: str
    responder_id: str
    email_id: str | None
    sms_id: str | None
    sms_reason: str

    @property
    def reached(self) -> bool:
        """Whether at least one channel carried the notice."""
        return self.email_id is not None or self.sms_id is not None


class NoticeIncompleteError(Exception):
    """A provider outage stopped a channel; `result` holds what did go out (retry the rest)."""

    def __init__(self, result: NotificationResult, reason: str) -> None:
        super().__init__(reason)
        self.result = result
        self.reason = reason


class Notifier:
    """Sends one assignment notice on the channels the responder's preferences allow.

    Each channel is sent once per notice (`SentChannels`): a redelivered notice sends only the
    channels that failed before, so an SMS failure never sends the email again, and only
    channels its first delivery chose, so it never adds one. That is all a redelivery needs:
    no per-notice idempotency record besides.
    """

    def __init__(
        self,
        *,
        responders: ResponderStore,
        email: EmailSender,
        sms: SmsSender,
        sent: SentChannels,
        brand: str,
        dashboard_url: str,
        sms_min_priority: int,
        clock: Clock,
    ) -> None:
        self._responders = responders
        self._email = email
        self._sms = sms
        self._sent = sent
        self._brand = brand
        self._dashboard_url = dashboard_url
        self._sms_min_priority = sms_min_priority
        self._clock = clock

    def notify(self, notice: AssignmentNotice) -> NotificationResult:
        """Email the responder, and text them when the rules allow.

        Raises `NoticeIncompleteError` when a provider outage stopped a channel (the other
        channel's send is kept and not repeated).
        """
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
            responder,
            notice.priority,
            self._sms_min_priority,
            self._clock(),
            sms_opted_out=opted_out,
        )
        key = f"{notice.mention_id}#{notice.responder_id}#{notice.attempt}"
        allowed = tuple(name for name, on in ((EMAIL, channels.email), (SMS, channels.sms)) if on)
        # A redelivery keeps to the first delivery's channels, so the responder is never told
        # again on a channel that choice left out; a channel refused since (suppressed, opted
        # out) is not used, and reports what it sent before. Only when that leaves nobody told
        # does it use what is allowed now.
        chosen = self._sent.decided(key, allowed)
        ids = {name: self._sent.earlier(f"{key}#{name}") for name in chosen if name not in allowed}
        send_on = [name for name in chosen if name in allowed]
        if not send_on and not any(ids.values()):
            send_on = list(allowed)
        if not send_on and not any(ids.values()):
            raise UndeliverableError(f"email suppressed and no SMS ({channels.sms_reason})")
        message = render(notice, responder, self._brand, self._dashboard_url)
        outages: list[str] = []
        sms_reason = channels.sms_reason
        phone = responder.phone
        if EMAIL in send_on:
            try:
                ids[EMAIL] = self._sent.once(
                    f"{key}#{EMAIL}",
                    lambda: self._email.send(
                        responder.email, message, email_tags(notice.mention_id, notice.attempt)
                    ),
                )
            except ProviderUnavailableError as exc:
                outages.append(str(exc))
        if SMS in send_on and phone is not None:
            try:
                ids[SMS] = self._sent.once(f"{key}#{SMS}", lambda: self._sms.send(phone, message))
            except ProviderUnavailableError as exc:
                outages.append(str(exc))
                sms_reason = "SMS provider unavailable"
        result = NotificationResult(
            mention_id=notice.mention_id,
            responder_id=responder.responder_id,
            email_id=ids.get(EMAIL),
            sms_id=ids.get(SMS),
            sms_reason=sms_reason,
        )
        if outages:
            raise NoticeIncompleteError(result, "; ".join(outages))
        return result


class Delivery(Frozen):
    """What became of one notice: sent (with its result), or given up on."""

    result: NotificationResult | None = None
    moved_on: bool | None = None  # given up: whether the waiting workflow was moved on
    deferred: bool = False  # the providers were down: the workflow waits and tries again

    @property
    def audit_reason(self) -> str:
        """The channels used, in words (for the audit trail)."""
        if self.result is None:
            return "not delivered"
        email = "email" if self.result.email_id else "no email (suppressed or provider down)"
        sms = "SMS" if self.result.sms_id else f"no SMS ({self.result.sms_reason})"
        return f"{email}, {sms}"


class NoticeDelivery:
    """One notice off the assignments queue: sent once and audited, or, when it cannot be
    delivered, the waiting workflow is told so that it asks the next responder now."""

    def __init__(
        self,
        *,
        send: Callable[[AssignmentNotice], NotificationResult],
        failures: NotificationFailures,
        audit: AuditLog,
        clock: Clock,
    ) -> None:
        self._send = send
        self._failures = failures
        self._audit = audit
        self._clock = clock

    def deliver(self, notice: AssignmentNotice, *, last_attempt: bool = False) -> Delivery:
        """Send the notice (each channel once) and audit it; give up when no channel reaches
        the responder (retrying cannot help). Sending errors propagate for the caller to retry.

        A provider outage propagates too, until `last_attempt`: then a notice that reached the
        responder on one channel counts as delivered, and one that reached nobody is deferred
        (the workflow waits for the providers; the responder is not passed over).
        """
        try:
            result = self._send(notice)
        except UndeliverableError as exc:
            return self.give_up(notice, str(exc))
        except NoticeIncompleteError as exc:
            if not last_attempt:
                raise
            if not exc.result.reached:
                return self.defer(notice, exc.reason)
            result = exc.result
        delivery = Delivery(result=result)
        self._audit.append(
            AuditEntry(
                mention_id=notice.mention_id,
                at=self._clock(),
                action=AuditAction.NOTIFIED,
                actor=SYSTEM,
                responder_id=notice.responder_id,
                attempt=notice.attempt,
                reason=delivery.audit_reason,
            )
        )
        return delivery

    def give_up(self, notice: AssignmentNotice, reason: str) -> Delivery:
        """Tell the waiting workflow the notice could not be delivered (it asks the next one)."""
        moved = self._failures.notification_failed(
            notice.mention_id, notice.responder_id, notice.attempt, reason
        )
        return Delivery(moved_on=moved)

    def defer(self, notice: AssignmentNotice, reason: str) -> Delivery:
        """Tell the waiting workflow the providers are down: it waits and notifies again."""
        moved = self._failures.notification_deferred(
            notice.mention_id, notice.responder_id, notice.attempt, reason
        )
        return Delivery(moved_on=moved, deferred=True)
