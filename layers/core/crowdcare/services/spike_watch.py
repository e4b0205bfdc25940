"""Spike watch: count mentions into 5-minute buckets, then run the detector on closed buckets.

Two use cases, both O(1) per mention or per bucket:

* `count(...)`, on every triaged mention: one atomic add per series it belongs to (total,
  negative, per topic, negative per topic).
* `evaluate(series, now)`, every 5 minutes per series: feed the buckets closed since the last run
  to `crowdcare.rules.spikes.observe`, save the state (a conditional write, so two overlapping
  runs cannot both advance it), then publish the alerts.

Unlike the CSV command, a bucket without an item here means *no mentions* (we count every
mention ourselves), so closed buckets with no count are fed as zeros.

The ports (`BucketCounts`, `SpikeStates`, `SpikeAlerts`) are in `crowdcare.ports`; the
in-memory fakes are in the unit tests.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

# Imported at run time (not only for type checking) so the ports stay importable from here too.
from crowdcare.ports import BucketCounts, SpikeAlerts, SpikeStates
from crowdcare.rules.spikes import Bucket, SpikeAlert, SpikeRules, SpikeState, bucket_start, observe

__all__ = [
    "MAX_CATCH_UP",
    "NEGATIVE",
    "TOTAL",
    "BucketCounts",
    "SpikeAlerts",
    "SpikeStates",
    "SpikeWatch",
    "series_for",
    "subject_of",
]

TOTAL = "total"
NEGATIVE = "negative"
# Catch-up is bounded: after a long outage the detector restarts its window rather than
# replaying days of buckets in one invocation.
MAX_CATCH_UP = timedelta(hours=24)


def series_for(negative: bool, topics: Iterable[str]) -> list[str]:
    """The series a mention counts in: total, negative, and the same per topic."""
    keys = [TOTAL, *(f"topic:{topic}" for topic in topics)]
    if negative:
        keys += [NEGATIVE, *(f"negative:topic:{topic}" for topic in topics)]
    return keys


def subject_of(series: str) -> str:
    """How a series is named in an alert's reason, e.g. "negative mentions about `app`"."""
    negative = series == NEGATIVE or series.startswith(f"{NEGATIVE}:")
    topic = series.split("topic:", 1)[1] if "topic:" in series else None
    kind = "negative mentions" if negative else "mentions"
    return f"{kind} about `{topic}`" if topic else kind


class SpikeWatch:
    """Counts mentions and raises spike alerts; collaborators are passed in."""

    def __init__(
        self, counts: BucketCounts, states: SpikeStates, alerts: SpikeAlerts, rules: SpikeRules
    ) -> None:
        self._counts = counts
        self._states = states
        self._alerts = alerts
        self._rules = rules

    def count(self, created_at: datetime, negative: bool, topics: Iterable[str]) -> None:
        """Add one mention to the bucket of `created_at` in every series it belongs to."""
        bucket = bucket_start(created_at, self._rules)
        for series in series_for(negative, topics):
            self._counts.add(series, bucket, 1)

    def evaluate(self, series: str, now: datetime) -> list[SpikeAlert]:
        """Run the detector over the buckets closed since the last run; publish its alerts."""
        step = timedelta(minutes=self._rules.bucket_minutes)
        open_bucket = bucket_start(now, self._rules)
        previous = self._states.load(series)
        state = previous or SpikeState()
        first = open_bucket - step if state.last is None else state.last + step
        first = max(first, open_bucket - MAX_CATCH_UP)
        counts = self._counts.between(series, first - step, open_bucket)
        alerts: list[SpikeAlert] = []
        moment = first
        while moment < open_bucket:
            state, alert = observe(
                state,
                Bucket(timestamp=moment, value=float(counts.get(moment, 0))),
                self._rules,
                subject_of(series),
            )
            if alert is not None:
                alerts.append(alert)
            moment += step
        if state == (previous or SpikeState()):
            return []
        if not self._states.save(series, state, previous):
            return []  # another run got there first and has published these buckets' alerts
        for alert in alerts:
            self._alerts.publish(series, alert)
        return alerts
