"""SES bounces and complaints: stop emailing the responder, and tell the admins.

The notifier sends through the `SesConfigurationSet`, whose event destination publishes Bounce
and Complaint events to `SesFeedbackTopic`; `functions/ses_feedback` hands each one to
`SesFeedbackService`. Only a permanent bounce or a complaint suppresses an address: a transient
bounce (mailbox full, auto-reply) says nothing about next time. Once suppressed, the notifier
sends that responder SMS only when they opted in, and otherwise fails the notice so that the
assignment workflow asks the next responder instead of waiting out the SLA.

Both SES formats are read: event publishing (`eventType`, configuration sets) and the classic
identity notifications (`notificationType`).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from crowdcare.domain.audit import SYSTEM, AuditAction, AuditEntry
from crowdcare.domain.messages import SuppressionAlert
from crowdcare.domain.models import Frozen

if TYPE_CHECKING:
    from crowdcare.ports import AlertPublisher, AuditLog, Clock, ResponderStore

# Message tags the notifier puts on each email, so feedback can name the assignment.
# SES tag values allow only ASCII letters, digits, '_' and '-' (256 at most): mention ids hold
# '#', so the mention tag is base64url without padding.
MENTION_TAG = "mention"
ATTEMPT_TAG = "attempt"
MAX_TAG_VALUE = 256


def email_tags(mention_id: str, attempt: int) -> dict[str, str]:
    """The SES message tags of one assignment email (the mention's left out if too long).

    The responder is found by the bounced address, so it needs no tag.
    """
    encoded = base64.urlsafe_b64encode(mention_id.encode()).rstrip(b"=").decode()
    tags = {ATTEMPT_TAG: str(attempt)}
    if len(encoded) <= MAX_TAG_VALUE:
        tags[MENTION_TAG] = encoded
    return tags


def mention_from_tags(tags: Mapping[str, list[str]]) -> str | None:
    """The mention id the notifier tagged the email with, or None."""
    values = tags.get(MENTION_TAG) or []
    if not values:
        return None
    padded = values[0] + "=" * (-len(values[0]) % 4)
    try:
        return base64.urlsafe_b64decode(padded.encode()).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None


def attempt_from_tags(tags: Mapping[str, list[str]]) -> int | None:
    """The assignment attempt the email was for, or None."""
    values = tags.get(ATTEMPT_TAG) or []
    return int(values[0]) if values and values[0].isdigit() else None


# ------------------------------------------------------------------ the SES notification
class _SesModel(BaseModel):
    # AWS's document: read what we need, ignore the rest (and what AWS adds later).
    model_config = ConfigDict(frozen=True, extra="ignore")


class Recipient(_SesModel):
    emailAddress: str  # noqa: N815 - SES's field name


class Bounce(_SesModel):
    bounceType: str  # noqa: N815 - Permanent, Transient or Undetermined
    bounceSubType: str = ""  # noqa: N815
    bouncedRecipients: tuple[Recipient, ...] = ()  # noqa: N815
    timestamp: datetime


class Complaint(_SesModel):
    complainedRecipients: tuple[Recipient, ...] = ()  # noqa: N815
    complaintFeedbackType: str | None = None  # noqa: N815
    timestamp: datetime


class Mail(_SesModel):
    messageId: str  # noqa: N815
    timestamp: datetime
    tags: dict[str, list[str]] = Field(default_factory=dict)


class SesNotification(_SesModel):
    """One SES feedback message as SNS delivers it (the SNS record's `Message`, parsed)."""

    eventType: str | None = None  # noqa: N815 - event publishing (configuration set)
    notificationType: str | None = None  # noqa: N815 - classic identity notifications
    mail: Mail
    bounce: Bounce | None = None
    complaint: Complaint | None = None

    @property
    def kind(self) -> str:
        """Bounce, Complaint, or whatever else SES sent (Delivery, Send...)."""
        return self.eventType or self.notificationType or "Unknown"

    @property
    def suppressing(self) -> tuple[str, ...]:
        """The addresses this feedback says must not be emailed again (lower-cased)."""
        if self.kind == "Bounce" and self.bounce is not None:
            if self.bounce.bounceType != "Permanent":
                return ()
            return tuple(r.emailAddress.lower() for r in self.bounce.bouncedRecipients)
        if self.kind == "Complaint" and self.complaint is not None:
            return tuple(r.emailAddress.lower() for r in self.complaint.complainedRecipients)
        return ()

    @property
    def description(self) -> str:
        """What happened, in words an admin reads (no addresses)."""
        if self.kind == "Bounce" and self.bounce is not None:
            return f"permanent bounce ({self.bounce.bounceSubType or 'no detail'})"
        if self.kind == "Complaint" and self.complaint is not None:
            return f"complaint ({self.complaint.complaintFeedbackType or 'no feedback type'})"
        return self.kind.lower()

    @property
    def at(self) -> datetime:
        """When SES received the feedback (stable across redeliveries)."""
        if self.bounce is not None:
            return self.bounce.timestamp
        if self.complaint is not None:
            return self.complaint.timestamp
        return self.mail.timestamp


# ------------------------------------------------------------------ the service
class FeedbackResult(Frozen):
    """What one notification changed: who was suppressed, and which addresses were ignored."""

    kind: str
    suppressed: tuple[str, ...] = ()
    already_suppressed: tuple[str, ...] = ()
    unknown_addresses: int = 0
    ignored: str | None = Field(default=None, description="why nothing was suppressed")


class SesFeedbackService:
    """Suppresses the email of responders SES reports as bouncing or complaining."""

    def __init__(
        self,
        *,
        responders: ResponderStore,
        alerts: AlertPublisher,
        audit: AuditLog,
        clock: Clock,
    ) -> None:
        self._responders = responders
        self._alerts = alerts
        self._audit = audit
        self._clock = clock

    def handle(self, notification: SesNotification) -> FeedbackResult:
        """Suppress, alert and audit once per responder (SNS may deliver twice)."""
        addresses = set(notification.suppressing)
        if not addresses:
            return FeedbackResult(kind=notification.kind, ignored=self._why_ignored(notification))
        mention_id = mention_from_tags(notification.mail.tags)
        attempt = attempt_from_tags(notification.mail.tags)
        suppressed: list[str] = []
        already: list[str] = []
        # A key read of the `by_email` index per address, never a Scan of Responders.
        found = {address: self._responders.by_email(address) for address in sorted(addresses)}
        matches = {r.responder_id: r for responders in found.values() for r in responders}
        for responder in matches.values():
            if responder.email_suppressed:
                already.append(responder.responder_id)
                continue
            # Alert and audit before the flag: a crash in between repeats the alert on
            # redelivery rather than losing it.
            self._alerts.publish(
                SuppressionAlert(
                    responder_id=responder.responder_id,
                    email=responder.email,
                    reason=notification.description,
                    mention_id=mention_id,
                    at=self._clock(),
                )
            )
            if mention_id is not None:
                self._audit.append(
                    AuditEntry(
                        mention_id=mention_id,
                        at=notification.at,
                        action=AuditAction.EMAIL_SUPPRESSED,
                        actor=SYSTEM,
                        responder_id=responder.responder_id,
                        attempt=attempt,
                        reason=f"{notification.description}: email suppressed",
                    )
                )
            if self._responders.suppress_email(responder.responder_id):
                suppressed.append(responder.responder_id)
            else:
                already.append(responder.responder_id)
        return FeedbackResult(
            kind=notification.kind,
            suppressed=tuple(suppressed),
            already_suppressed=tuple(already),
            unknown_addresses=sum(1 for responders in found.values() if not responders),
        )

    @staticmethod
    def _why_ignored(notification: SesNotification) -> str:
        if notification.kind == "Bounce" and notification.bounce is not None:
            return f"{notification.bounce.bounceType.lower()} bounce: the address may work later"
        return f"{notification.kind}: not a bounce or complaint"
