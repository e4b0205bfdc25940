"""Response analytics, the pure part: buckets, dimensions, counters and the figures they give.

Analytics are kept as small counter items, one per (dimension, time bucket), that stream
events only ever ADD to; a period's figures are the sum of its buckets' counters. So every
figure here is computed from summed counters, and the response-time quantiles come from a
fixed log-spaced histogram (counters too) rather than from the individual response times.

A mention counts in one bucket per grain: the hour and day (UTC) it was *received*. Its later
facts (triage, reply, escalation) are added to that same bucket, so "of Monday's mentions,
how many were answered and how fast" is one cohort, and the response rate never exceeds 100%.

Dimensions (the filters of the figures): `all`, `platform#x`, `language#en`,
`route#community`, `band#P1` and `topic#billing`. Only `all` keeps hour buckets (the
intra-day trend); every dimension keeps day buckets (per day and per week, filtered).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from enum import StrEnum

from pydantic import Field

from crowdcare.domain.models import Frozen

# --- buckets --------------------------------------------------------------------------------


class Grain(StrEnum):
    """How long one aggregate bucket lasts."""

    HOUR = "hour"
    DAY = "day"


def bucket_key(at: datetime, grain: Grain) -> str:
    """The bucket (sort key) a moment falls in: `hour#2026-11-30T14` or `day#2026-11-30`."""
    if at.tzinfo is None:
        raise ValueError("analytics buckets need a timezone-aware datetime")
    utc = at.astimezone(UTC)
    if grain is Grain.HOUR:
        return f"hour#{utc:%Y-%m-%dT%H}"
    return f"day#{utc:%Y-%m-%d}"


FIVE_MINUTES_PREFIX = "min5#"
FIVE_MINUTES = 5


def five_minute_bucket(at: datetime) -> str:
    """The 5-minute bucket of a moment (`min5#2026-11-30T14:05`): kept for `all` only, and only
    the volume counters the spike watch reads (see `spike_counters`)."""
    if at.tzinfo is None:
        raise ValueError("analytics buckets need a timezone-aware datetime")
    utc = at.astimezone(UTC)
    return f"{FIVE_MINUTES_PREFIX}{utc:%Y-%m-%dT%H}:{utc.minute - utc.minute % FIVE_MINUTES:02d}"


def five_minute_start(bucket: str) -> datetime:
    """When a 5-minute bucket starts (the inverse of `five_minute_bucket`)."""
    return datetime.strptime(bucket.removeprefix(FIVE_MINUTES_PREFIX), "%Y-%m-%dT%H:%M").replace(
        tzinfo=UTC
    )


def day_bucket(day: date) -> str:
    """The day bucket of a calendar day (UTC)."""
    return f"day#{day.isoformat()}"


def first_hour_bucket(day: date) -> str:
    return f"hour#{day.isoformat()}T00"


def last_hour_bucket(day: date) -> str:
    return f"hour#{day.isoformat()}T23"


# --- dimensions -----------------------------------------------------------------------------

ALL = "all"
MAX_TOPICS = 3  # a mention counts under its first three topics: bounds the writes per event
MAX_VALUE_LENGTH = 64


class DimensionKind(StrEnum):
    """The filters the figures can be cut by (one at a time)."""

    PLATFORM = "platform"
    LANGUAGE = "language"
    ROUTE = "route"
    TOPIC = "topic"
    BAND = "band"


def dimension(kind: DimensionKind, value: str) -> str:
    """The partition key of one filter value, e.g. `platform#x` (values are lower-cased,
    except priority bands, which are P1..P4)."""
    cleaned = value.strip()[:MAX_VALUE_LENGTH]
    cleaned = cleaned.upper() if kind is DimensionKind.BAND else cleaned.lower()
    if not cleaned:
        raise ValueError(f"an empty {kind.value} is not a dimension")
    return f"{kind.value}#{cleaned}"


def dimension_for(filters: Mapping[str, str | None]) -> str:
    """The one dimension a set of optional filters selects (`all` when none is given).

    Figures are kept per single filter, not per combination (which would multiply the writes
    per mention), so more than one filter is an error the API reports as a bad request.
    """
    given = {name: value for name, value in filters.items() if value}
    if not given:
        return ALL
    if len(given) > 1:
        raise ValueError("filter by one of " + ", ".join(k.value for k in DimensionKind))
    ((name, value),) = given.items()
    try:
        kind = DimensionKind(name)
    except ValueError:
        raise ValueError(f"unknown filter {name!r}") from None
    return dimension(kind, value)


def grains_of(dimension_key: str) -> tuple[Grain, ...]:
    """The bucket grains a dimension keeps: hours and days for `all`, days for the rest."""
    return (Grain.HOUR, Grain.DAY) if dimension_key == ALL else (Grain.DAY,)


# --- counters -------------------------------------------------------------------------------

RECEIVED = "received"
NEEDS_REPLY = "needs_reply"
REPLIED = "replied"
REPLIED_ADVOCATE = "replied_advocate"
REPLIED_EMPLOYEE = "replied_employee"
WITHIN_SLA = "within_sla"
REASSIGNED = "reassigned"
ESCALATED = "escalated"
OVERDUE = "overdue"
RESPONSE_SECONDS = "response_seconds"  # their sum (a mean is one division away)
SENTIMENT_PREFIX = "sentiment."
TOPIC_PREFIX = "topic."
TOPIC_NEGATIVE_PREFIX = "topic_negative."
HISTOGRAM_PREFIX = "rt."

Counters = dict[str, int]


def spike_counters(counters: Mapping[str, int]) -> Counters:
    """The volume counters a 5-minute bucket keeps: mentions, negative ones, and per topic."""
    return {
        name: value
        for name, value in counters.items()
        if name in (RECEIVED, SENTIMENT_PREFIX + "negative")
        or name.startswith((TOPIC_PREFIX, TOPIC_NEGATIVE_PREFIX))
    }


def sum_counters(items: Iterable[Mapping[str, int]]) -> Counters:
    """Add up counter items (missing counters are zero)."""
    total: Counters = {}
    for item in items:
        for name, value in item.items():
            total[name] = total.get(name, 0) + int(value)
    return total


# --- response-time histogram ----------------------------------------------------------------

HISTOGRAM_RATIO = 1.5
# Upper bounds (seconds) of the buckets: under 30 s, then each 1.5 times the last up to
# about 8.8 days; one more bucket holds everything slower. A quantile read from it is within
# a factor of 1.5 of the exact one (within 30 s below 30 s).
RESPONSE_BOUNDS: tuple[float, ...] = tuple(30.0 * HISTOGRAM_RATIO**i for i in range(26))


def histogram_bucket(seconds: float) -> int:
    """The index of the histogram bucket a response time falls in."""
    return bisect_right(RESPONSE_BOUNDS, max(0.0, seconds))


def histogram_counter(seconds: float) -> str:
    """The counter name of the bucket a response time falls in (`rt.07`)."""
    return f"{HISTOGRAM_PREFIX}{histogram_bucket(seconds):02d}"


def histogram_of(counters: Mapping[str, int]) -> list[int]:
    """The histogram's bucket counts, in order, from summed counters."""
    counts = [0] * (len(RESPONSE_BOUNDS) + 1)
    for name, value in counters.items():
        if name.startswith(HISTOGRAM_PREFIX):
            counts[int(name.removeprefix(HISTOGRAM_PREFIX))] += value
    return counts


def quantile_from_histogram(counts: Sequence[int], q: float) -> float | None:
    """The q-quantile (nearest rank) estimated from bucket counts; None when there are none.

    The rank is located in its bucket and placed inside it by geometric interpolation (the
    buckets are log-spaced); the overflow bucket answers with its lower bound.
    """
    if not 0.0 < q <= 1.0:
        raise ValueError("q must be in (0, 1]")
    total = sum(counts)
    if total == 0:
        return None
    rank = max(1, math.ceil(q * total))
    below = 0
    for index, count in enumerate(counts):
        if count and below + count >= rank:
            fraction = (rank - below - 0.5) / count
            if index == len(RESPONSE_BOUNDS):
                return RESPONSE_BOUNDS[-1]
            upper = RESPONSE_BOUNDS[index]
            if index == 0:
                return upper * fraction
            lower = RESPONSE_BOUNDS[index - 1]
            return float(lower * (upper / lower) ** fraction)
        below += count
    return None  # unreachable: the counts add up to total


# --- figures --------------------------------------------------------------------------------


def ratio(part: int, whole: int) -> float | None:
    """part / whole, or None for an empty whole (an empty period has no rate)."""
    return None if whole <= 0 else part / whole


class TopicFigure(Frozen):
    """One topic's volume in a period and the share of it that was negative."""

    topic: str
    mentions: int
    negative_share: float | None


class Figures(Frozen):
    """The response analytics of one period (or one bucket), all from summed counters."""

    received: int = 0
    needs_reply: int = 0
    replied: int = 0
    response_rate: float | None = Field(default=None, description="replied / needs_reply")
    first_response_median_seconds: float | None = None
    first_response_p90_seconds: float | None = None
    sla_attainment: float | None = Field(
        default=None,
        description="replied within the band's SLA / needs_reply (unanswered = missed)",
    )
    advocate_share: float | None = Field(default=None, description="replies by advocates / replied")
    employee_share: float | None = Field(default=None, description="replies by employees / replied")
    reassignments: int = 0
    escalations: int = 0
    overdue: int = 0
    sentiment: dict[str, int] = Field(default_factory=dict)
    top_topics: tuple[TopicFigure, ...] = ()


TOP_TOPICS = 10


def figures_from_counters(counters: Mapping[str, int], top: int = TOP_TOPICS) -> Figures:
    """The figures of a period from its summed counters (zeros and None when it is empty)."""

    def count(name: str) -> int:
        return int(counters.get(name, 0))

    needs_reply, replied = count(NEEDS_REPLY), count(REPLIED)
    histogram = histogram_of(counters)
    topics = {
        name.removeprefix(TOPIC_PREFIX): value
        for name, value in counters.items()
        if name.startswith(TOPIC_PREFIX) and value > 0
    }
    ranked = sorted(topics.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    return Figures(
        received=count(RECEIVED),
        needs_reply=needs_reply,
        replied=replied,
        response_rate=ratio(replied, needs_reply),
        first_response_median_seconds=quantile_from_histogram(histogram, 0.5),
        first_response_p90_seconds=quantile_from_histogram(histogram, 0.9),
        sla_attainment=ratio(count(WITHIN_SLA), needs_reply),
        advocate_share=ratio(count(REPLIED_ADVOCATE), replied),
        employee_share=ratio(count(REPLIED_EMPLOYEE), replied),
        reassignments=count(REASSIGNED),
        escalations=count(ESCALATED),
        overdue=count(OVERDUE),
        sentiment={
            name.removeprefix(SENTIMENT_PREFIX): value
            for name, value in sorted(counters.items())
            if name.startswith(SENTIMENT_PREFIX)
        },
        top_topics=tuple(
            TopicFigure(
                topic=topic,
                mentions=mentions,
                negative_share=ratio(count(TOPIC_NEGATIVE_PREFIX + topic), mentions),
            )
            for topic, mentions in ranked
        ),
    )
