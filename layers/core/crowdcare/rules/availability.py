"""Who can be asked now, and how to reach them: quiet hours in the responder's own time zone,
pauses, free slots, the channels of a notice.

Pure: the time is an argument. The notifier reads it to choose channels, the assignment
workflow's pick and the queue drain to pass over a responder who skips their quiet hours.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crowdcare.domain.models import Frozen, QuietHours, QuietHoursPolicy, Responder


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


def skips_now(responder: Responder, now: datetime) -> bool:
    """Whether the responder asked not to be assigned at all during quiet hours, and it is."""
    return responder.quiet_hours_policy is QuietHoursPolicy.SKIP and in_quiet_hours(
        responder.quiet_hours, responder.timezone, now
    )


def unavailable_reason(responder: Responder, now: datetime) -> str | None:
    """Why this responder must not be asked now (paused, quiet hours), or None."""
    if not responder.active:
        return "paused"
    if skips_now(responder, now):
        return "quiet hours"
    return None


def free_slots(responders: Sequence[Responder], now: datetime) -> dict[str, int]:
    """Open slots per responder who could be asked now (active, not skipping quiet hours)."""
    return {
        r.responder_id: r.max_open - r.open_count
        for r in responders
        if r.active and r.open_count < r.max_open and not skips_now(r, now)
    }


class Channels(Frozen):
    """Which channels a notice goes out on, and why SMS was or was not used."""

    email: bool
    sms: bool
    sms_reason: str


def choose_channels(
    responder: Responder,
    priority: int,
    sms_min_priority: int,
    now: datetime,
    *,
    sms_opted_out: bool = False,
) -> Channels:
    """Email unless suppressed (bounce/complaint), or unless the responder chose SMS only and a
    text goes out; SMS only when opted in, not opted out at the carrier, urgent enough, and not
    in the responder's quiet hours."""
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
    # "SMS only" turns email off only when a text goes out: a notice is never dropped.
    return Channels(
        email=email and not responder.email_off,
        sms=True,
        sms_reason=f"priority {priority} >= {sms_min_priority}",
    )
