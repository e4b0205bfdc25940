"""Response analytics: stream events in, counter items kept; figures out.

`AnalyticsRecorder` is called once per stream record (Mentions and Audit tables) with the
event the adapter read from it. It merges the event into the mention's card and, in one
atomic commit, stores the card and adds the counters of every fact newly countable
(`crowdcare.rules.analytics_facts`). The card's version makes the commit conditional, so two
records of the same mention processed at once (the two streams run in parallel) cannot both
count: the loser reads the card again and finds the fact already counted.

`AnalyticsQuery` answers `GET /api/analytics`: one query of a dimension's buckets over the
period, summed into figures, plus the per-bucket series for the charts.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING

from crowdcare.domain.models import Frozen
from crowdcare.rules.analytics import (
    ALL,
    Figures,
    Grain,
    day_bucket,
    figures_from_counters,
    first_hour_bucket,
    last_hour_bucket,
    sum_counters,
)
from crowdcare.rules.analytics_facts import (
    AnalyticsEvent,
    MentionCard,
    ReplyRecorded,
    absorb,
    settle,
)

if TYPE_CHECKING:
    from crowdcare.ports import AggregateReader, AnalyticsStore, ResponderKindLookup

COMMIT_ATTEMPTS = 5
MAX_PERIOD_DAYS = 400


class AnalyticsConflictError(RuntimeError):
    """The mention's card kept changing under us; the stream record is retried later."""


class AnalyticsRecorder:
    """Turns stream events into counter increments, each fact counted exactly once."""

    def __init__(
        self,
        store: AnalyticsStore,
        responder_kinds: ResponderKindLookup,
        sla_for: Callable[[str], int],
    ) -> None:
        self._store = store
        self._kinds = responder_kinds
        self._sla_for = sla_for

    def record(self, event: AnalyticsEvent) -> int:
        """Count what the event adds; returns the items written (0 when it adds nothing)."""
        if isinstance(event, ReplyRecorded) and event.kind is None:
            event = event.model_copy(update={"kind": self._kinds(event.responder_id)})
        for _attempt in range(COMMIT_ATTEMPTS):
            stored = self._store.load_card(event.mention_id)
            card = stored or MentionCard(mention_id=event.mention_id)
            updated, increments = settle(absorb(card, event), self._sla_for)
            if stored is not None and updated == card:
                return 0  # nothing new: a redelivery, or a fact already known
            new_version = updated.model_copy(update={"version": card.version + 1})
            if self._store.commit(new_version, card.version, increments):
                return 1 + len(increments)
        raise AnalyticsConflictError(
            f"mention {event.mention_id}: card changed {COMMIT_ATTEMPTS} times while counting"
        )


class BucketFigures(Frozen):
    """The figures of one bucket of the series (a day, or an hour)."""

    bucket: str
    figures: Figures


class AnalyticsReport(Frozen):
    """What `GET /api/analytics` returns: the period's totals and its series, oldest first."""

    start: date
    end: date
    dimension: str
    grain: Grain
    totals: Figures
    series: tuple[BucketFigures, ...]


class AnalyticsQuery:
    """Figures of a period for one dimension, read from the aggregates in one query."""

    def __init__(self, reader: AggregateReader, max_days: int = MAX_PERIOD_DAYS) -> None:
        self._reader = reader
        self._max_days = max_days

    def figures(
        self, start: date, end: date, dimension: str = ALL, grain: Grain = Grain.DAY
    ) -> AnalyticsReport:
        """The figures of the days start..end (inclusive, UTC) under `dimension`.

        Every bucket of the period is in the series, zeros for the empty ones, so a chart
        shows gaps as gaps. Hourly series exist for the `all` dimension only.
        """
        if end < start:
            raise ValueError("the period ends before it starts")
        days = (end - start).days + 1
        if days > self._max_days:
            raise ValueError(f"a period is at most {self._max_days} days")
        if grain is Grain.HOUR:
            if dimension != ALL:
                raise ValueError("hourly figures are kept for all mentions only, not per filter")
            rows = self._reader.buckets(dimension, first_hour_bucket(start), last_hour_bucket(end))
            keys = [
                f"{first_hour_bucket(start + timedelta(days=d))[:-2]}{h:02d}"
                for d in range(days)
                for h in range(24)
            ]
        else:
            rows = self._reader.buckets(dimension, day_bucket(start), day_bucket(end))
            keys = [day_bucket(start + timedelta(days=d)) for d in range(days)]
        by_bucket = dict(rows)
        return AnalyticsReport(
            start=start,
            end=end,
            dimension=dimension,
            grain=grain,
            totals=figures_from_counters(sum_counters(by_bucket.values())),
            series=tuple(
                BucketFigures(bucket=key, figures=figures_from_counters(by_bucket.get(key, {})))
                for key in keys
            ),
        )
