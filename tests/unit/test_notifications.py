"""Notification rules: quiet hours, channel choice and the rendered email / SMS texts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import quote, urlsplit

import pytest
from crowdcare.domain.messages import AssignmentNotice
from crowdcare.domain.models import QuietHours, Responder, ResponderKind
from crowdcare.domain.triage import RouteKind
from crowdcare.services.notifier import (
    EXCERPT_LIMIT,
    SMS_LIMIT,
    assignment_link,
    choose_channels,
    in_quiet_hours,
    render,
)

NOON_UTC = datetime(2025, 1, 15, 12, 0, tzinfo=UTC)
DASHBOARD = "https://care.example.com/"
OVERNIGHT = QuietHours(start_hour=22, end_hour=7)


def at(hour: int, minute: int = 0) -> datetime:
    """A winter day (no DST anywhere in Europe) at `hour`:`minute` UTC."""
    return datetime(2025, 1, 15, hour, minute, tzinfo=UTC)


def responder(**fields: object) -> Responder:
    values: dict[str, object] = {
        "responder_id": "ana",
        "kind": ResponderKind.ADVOCATE,
        "name": "Ana",
        "email": "ana@example.com",
        "phone": "+34600111222",
        "sms_opt_in": True,
        "timezone": "UTC",
        "quiet_hours": OVERNIGHT,
    }
    values.update(fields)
    return Responder.model_validate(values)


def notice(**fields: object) -> AssignmentNotice:
    values: dict[str, object] = {
        "mention_id": "x#1890000000000000001",
        "responder_id": "ana",
        "route": RouteKind.COMMUNITY,
        "priority": 80,
        "band": "P1",
        "reasons": ("negative sentiment", "community: 1 advocate(s) speak 'en'"),
        "platform": "x",
        "url": "https://x.com/bob/status/1890000000000000001",
        "author_handle": "@bob",
        "author_followers": 120,
        "text": "My order never arrived",
        "assigned_at": NOON_UTC,
    }
    values.update(fields)
    return AssignmentNotice.model_validate(values)


# --- in_quiet_hours ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hour", "minute", "quiet"),
    [
        (21, 59, False),
        (22, 0, True),
        (23, 30, True),
        (0, 0, True),
        (3, 0, True),
        (6, 59, True),
        (7, 0, False),
        (12, 0, False),
    ],
)
def test_wrap_around_window_spans_midnight(hour: int, minute: int, quiet: bool) -> None:
    """A 22→7 window is quiet from 22:00 up to (not including) 07:00, across midnight."""
    # GIVEN a responder in UTC with quiet hours 22→7
    # WHEN the time is checked
    result = in_quiet_hours(OVERNIGHT, "UTC", at(hour, minute))
    # THEN only times between 22:00 and 06:59 are quiet
    assert result is quiet


@pytest.mark.parametrize(
    ("hour", "quiet"),
    [(8, False), (9, True), (12, True), (16, True), (17, False), (23, False)],
)
def test_same_day_window_is_quiet_between_start_and_end(hour: int, quiet: bool) -> None:
    """A 9→17 window is quiet from 09:00 up to (not including) 17:00 and not at night."""
    # GIVEN a same-day window
    window = QuietHours(start_hour=9, end_hour=17)
    # WHEN the time is checked
    result = in_quiet_hours(window, "UTC", at(hour))
    # THEN only the daytime hours inside the window are quiet
    assert result is quiet


@pytest.mark.parametrize("start", [0, 7, 22])
def test_equal_start_and_end_is_never_quiet(start: int) -> None:
    """A window whose start equals its end is empty: no hour of the day is quiet."""
    # GIVEN a window with equal start and end
    window = QuietHours(start_hour=start, end_hour=start)
    # WHEN every hour of a day is checked
    quiet_hours = [h for h in range(24) if in_quiet_hours(window, "UTC", at(h))]
    # THEN none is quiet
    assert quiet_hours == []


def test_responder_time_zone_is_honoured() -> None:
    """02:00 UTC is 03:00 in Berlin, so a Berlin 3→6 window is quiet while a UTC one is not."""
    # GIVEN quiet hours 3→6 and a clock at 02:00 UTC in winter (Berlin is UTC+1)
    window = QuietHours(start_hour=3, end_hour=6)
    now = at(2)
    # WHEN it is checked for a Berlin and a UTC responder
    berlin = in_quiet_hours(window, "Europe/Berlin", now)
    utc = in_quiet_hours(window, "UTC", now)
    # THEN only the Berlin responder is in quiet hours
    assert (berlin, utc) == (True, False)


def test_responder_time_zone_is_honoured_from_a_non_utc_clock() -> None:
    """The clock's own offset does not matter: the hour is taken in the responder's zone."""
    # GIVEN 21:00 in New York (02:00 UTC, 03:00 Berlin) and a Berlin 3→6 window
    now = datetime(2025, 1, 14, 21, 0, tzinfo=timezone(timedelta(hours=-5)))
    # WHEN it is checked
    result = in_quiet_hours(QuietHours(start_hour=3, end_hour=6), "Europe/Berlin", now)
    # THEN it is quiet
    assert result is True


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "utc", "", "../etc/passwd"])
def test_unknown_time_zone_falls_back_to_utc(zone: str) -> None:
    """An unknown or malformed zone name is read as UTC, even when the clock is not in UTC."""
    # GIVEN 23:00 at UTC-5, which is 04:00 UTC, and a 3→6 window
    now = datetime(2025, 1, 14, 23, 0, tzinfo=timezone(timedelta(hours=-5)))
    window = QuietHours(start_hour=3, end_hour=6)
    # WHEN the responder's zone cannot be found
    result = in_quiet_hours(window, zone, now)
    # THEN the UTC hour (04) decides: quiet
    assert result is True


# --- choose_channels --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "priority", "reason"),
    [
        ({"sms_opt_in": False}, 95, "not opted in to SMS"),
        ({"phone": None}, 95, "not opted in to SMS"),
        ({}, 69, "priority 69 < 70"),
    ],
)
def test_email_only_when_sms_is_not_allowed(
    fields: dict[str, object], priority: int, reason: str
) -> None:
    """Without opt-in, without a phone, or below the SMS threshold, only an email goes out."""
    # GIVEN a responder missing one SMS precondition, awake at noon
    person = responder(**fields)
    # WHEN channels are chosen
    channels = choose_channels(person, priority, sms_min_priority=70, now=NOON_UTC)
    # THEN email only, with the matching reason
    assert (channels.email, channels.sms, channels.sms_reason) == (True, False, reason)


def test_email_only_during_quiet_hours() -> None:
    """An urgent mention at 23:00 local time is emailed, not texted."""
    # GIVEN an opted-in responder and a time inside their 22→7 window
    # WHEN an urgent mention's channels are chosen
    channels = choose_channels(responder(), 99, sms_min_priority=70, now=at(23))
    # THEN email only, because of quiet hours
    assert (channels.email, channels.sms, channels.sms_reason) == (True, False, "quiet hours")


def test_urgent_and_awake_gets_sms_too() -> None:
    """An opted-in responder with a phone, awake, gets an SMS for a mention at the threshold."""
    # GIVEN an opted-in responder with a phone at noon
    # WHEN a mention exactly at the SMS threshold arrives
    channels = choose_channels(responder(), 70, sms_min_priority=70, now=NOON_UTC)
    # THEN both email and SMS are used
    assert (channels.email, channels.sms, channels.sms_reason) == (True, True, "priority 70 >= 70")


# --- render -----------------------------------------------------------------------------------


def test_link_points_to_the_assignment_page() -> None:
    """The link is <dashboard>/assignments/<mention_id>, with the id kept as one path segment."""
    # GIVEN a notice for mention "x#1890000000000000001" and a dashboard URL with a slash
    # WHEN it is rendered
    message = render(notice(), responder(), "Brightwave", DASHBOARD)
    # THEN the link is the assignment page; the '#' is encoded, not turned into a fragment
    link = assignment_link(DASHBOARD, "x#1890000000000000001")
    assert link == "https://care.example.com/assignments/" + quote("x#1890000000000000001", safe="")
    parts = urlsplit(link)
    assert (parts.path, parts.fragment) == ("/assignments/x%231890000000000000001", "")
    assert link in message.text
    assert link in message.sms
    assert f'href="{link}"' in message.html


def test_html_escapes_author_text() -> None:
    """A script in the author's post or handle shows up escaped in the HTML email."""
    # GIVEN a post and a handle that try to inject markup
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    hostile = notice(text=attack, author_handle="<b>evil</b>")
    # WHEN it is rendered
    message = render(hostile, responder(name="<i>Ana</i>"), "Brightwave", DASHBOARD)
    # THEN no raw tag survives; the escaped text is there
    assert "<script>" not in message.html
    assert "<img" not in message.html
    assert "<b>evil</b>" not in message.html
    assert "<i>Ana</i>" not in message.html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in message.html
    assert "&lt;b&gt;evil&lt;/b&gt;" in message.html


def test_sms_fits_one_message_and_keeps_the_link() -> None:
    """Even with the longest handle, the SMS is at most 160 characters and ends with the link."""
    # GIVEN a notice whose author handle is 128 characters long
    long_handle = "@" + "h" * 127
    # WHEN it is rendered
    message = render(notice(author_handle=long_handle), responder(), "Brightwave", DASHBOARD)
    # THEN the SMS fits and the link is intact at its end
    assert len(message.sms) <= SMS_LIMIT
    assert message.sms.endswith(assignment_link(DASHBOARD, "x#1890000000000000001"))
    assert message.sms.startswith("Brightwave: P1 mention from @hhh")


def test_short_sms_is_not_cut() -> None:
    """A short SMS carries brand, band, handle and link unabridged."""
    # GIVEN an ordinary notice
    # WHEN it is rendered
    message = render(notice(), responder(), "Brightwave", DASHBOARD)
    # THEN the SMS is the full sentence
    link = assignment_link(DASHBOARD, "x#1890000000000000001")
    assert message.sms == f"Brightwave: P1 mention from @bob. Answer: {link}"


def test_long_text_is_excerpted() -> None:
    """A post longer than the excerpt limit is cut to the limit, ending in an ellipsis."""
    # GIVEN a 1,000 character post whose tail is recognisable
    text = "a" * 900 + "TAIL" + "b" * 96
    # WHEN it is rendered
    message = render(notice(text=text), responder(), "Brightwave", DASHBOARD)
    # THEN the email carries an excerpt of exactly EXCERPT_LIMIT characters, not the tail
    excerpt = "a" * (EXCERPT_LIMIT - 1) + "…"
    assert f"  {excerpt}\n" in message.text
    assert excerpt in message.html
    assert "TAIL" not in message.text
    assert "TAIL" not in message.html


def test_text_at_the_limit_is_kept_whole() -> None:
    """A post of exactly the excerpt limit is shown whole, without an ellipsis."""
    # GIVEN a post of exactly EXCERPT_LIMIT characters
    text = "c" * EXCERPT_LIMIT
    # WHEN it is rendered
    message = render(notice(text=text), responder(), "Brightwave", DASHBOARD)
    # THEN it is shown whole
    assert f"  {text}\n" in message.text
    assert "…" not in message.text


def test_subject_and_reasons_are_in_the_email() -> None:
    """The subject names brand, band, author and platform; the body lists every reason."""
    # GIVEN a notice with two reasons
    # WHEN it is rendered
    message = render(notice(), responder(), "Brightwave", DASHBOARD)
    # THEN subject and reasons are present
    assert message.subject == "[Brightwave] P1 mention from @bob on x"
    assert "  - negative sentiment\n  - community: 1 advocate(s) speak 'en'" in message.text
    assert "<li>community: 1 advocate(s) speak &#x27;en&#x27;</li>" in message.html
