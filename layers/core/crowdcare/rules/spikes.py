"""Streaming spike detection over mention volume in fixed buckets (5 minutes by default).

One series (total, negative, or one topic's mentions for a brand) is fed one bucket at a time
through `observe(state, bucket)`. The function is pure: it returns the next state and at most
one alert. It decides from the data up to that bucket only, so the same code runs in a Lambda
that keeps `SpikeState` in DynamoDB between buckets (about 60 numbers, bounded whatever the
length of the history; JSON-serialisable), and in `crowdcare spikes` over a CSV file.

How it decides (all in the log scale, where mention counts are roughly symmetric):

* **Expected volume** is an additive Holt-Winters forecast of log(1 + count): a level that
  follows the recent history plus one offset per hour of the day (24 numbers: tweets about a
  brand sleep at night). Both are updated with the residual clipped at a few standard
  deviations, so a spike barely moves the forecast it is measured against.
* **Test**: the volume of the last 15 minutes (3 buckets) against the expected volume of those
  buckets. The spread is the larger of the learned spread of 15-minute residuals and the
  Poisson spread of the expected count (small counts are noisy by nature). An alert needs a z
  above `z_threshold`, at least `min_excess` extra mentions and `min_ratio` times the expected
  volume: a spike must be unusual, large and visible.
* **A spike holds** (hysteresis): the test must pass at `persist_buckets` consecutive bucket
  ends (3: the surge is confirmed 10 minutes after the first unusual window), and the volume
  *held* over them, the smallest of those 15-minute windows, is what is compared with the
  record below and what the record keeps. A surge lasting 25 minutes or more holds its full
  15-minute volume; a burst of two to four buckets holds less than its peak window (two
  buckets: half), so it neither alerts as easily nor sets a bar that lasting surges after it
  cannot clear. (A lone one-bucket burst sits in all three windows and holds its full volume.)
* **News, not noise**: the held 15-minute volume must also be the largest held in the last
  `record_days` days (kept as one maximum per day: 14 numbers). Brands' streams have many
  bursts; an admin wants the one that beats anything seen in two weeks, and this gate is what
  keeps false alerts rare (see tools/eval/spikes.py for how the thresholds were chosen).
* **One alert per spike**: after an alert, the series is "in a spike" until the 15-minute z stays
  below `calm_z` for `calm_buckets` buckets; no alert is raised meanwhile.
* **Warm-up**: no alert before `warmup_buckets` buckets have been seen (the forecast has not
  learned the day's shape yet).

Gaps and order: a bucket at or before the last one seen is late and ignored (`late` counts them;
the forecast moved on). A gap (missing buckets) is not filled with zeros: the window of recent
buckets is cleared, so the test only compares buckets that were actually counted; a gap longer
than `reset_gap_hours` also ends a running spike.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import AwareDatetime, Field

from crowdcare.domain.models import Frozen

HOURS_PER_DAY = 24


class SpikeRules(Frozen):
    """Every threshold the detector uses (configuration, not code); defaults are documented."""

    bucket_minutes: Annotated[int, Field(ge=1, le=1440)] = 5
    window_buckets: Annotated[int, Field(ge=1, le=48)] = 3  # 15 minutes at 5-minute buckets
    level_alpha: Annotated[float, Field(gt=0.0, le=1.0)] = 0.02  # half-life ~3 h of buckets
    season_gamma: Annotated[float, Field(gt=0.0, le=1.0)] = 0.1  # per visit of an hour slot
    spread_beta: Annotated[float, Field(gt=0.0, le=1.0)] = 0.005  # half-life ~12 h
    clip_sigmas: Annotated[float, Field(gt=0.0)] = 3.0
    z_threshold: Annotated[float, Field(gt=0.0)] = 3.5
    min_excess: Annotated[float, Field(ge=0.0)] = 10.0
    min_ratio: Annotated[float, Field(ge=1.0)] = 1.5
    calm_z: Annotated[float, Field(ge=0.0)] = 2.0
    calm_buckets: Annotated[int, Field(ge=1)] = 12  # one hour at 5-minute buckets
    warmup_buckets: Annotated[int, Field(ge=0)] = 288  # one day at 5-minute buckets
    reset_gap_hours: Annotated[float, Field(gt=0.0)] = 6.0
    # Alert fatigue: a spike must also be the largest window volume of the last
    # `record_days` days (times `record_ratio`), kept as one maximum per UTC day.
    record_ratio: Annotated[float, Field(ge=0.0)] = 1.0
    record_days: Annotated[int, Field(ge=0, le=31)] = 14
    # A spike must hold: the test passes at `persist_buckets` bucket ends in a row, and the
    # smallest of those windows (the volume held) must beat the record, which keeps held volumes.
    persist_buckets: Annotated[int, Field(ge=1, le=48)] = 3


class SpikeState(Frozen):
    """What one series remembers between buckets: small enough for one DynamoDB item."""

    seen: int = 0
    late: int = 0
    last: AwareDatetime | None = None
    level: float | None = None
    season: tuple[float, ...] = (0.0,) * HOURS_PER_DAY
    # Variance of the one-bucket and the window-sum log residual (learned, clipped updates).
    bucket_var: float = 0.25
    window_var: float = 0.25
    # The last `window_buckets` buckets actually counted: (observed, expected) pairs.
    recent: tuple[tuple[float, float], ...] = ()
    in_spike: bool = False
    calm_for: int = 0
    # Unusual windows in a row (capped at persist_buckets) and the last window volumes.
    streak: int = 0
    held: tuple[float, ...] = ()
    # Largest window volume of each of the last days, most recent last, and today's so far.
    day_peaks: tuple[float, ...] = ()
    today_peak: float = 0.0


class Bucket(Frozen):
    """One bucket of one series: its start time and how many mentions fell in it."""

    timestamp: AwareDatetime
    value: Annotated[float, Field(ge=0.0)]


class SpikeAlert(Frozen):
    """An alert: the bucket that raised it, its volume against the forecast, and why."""

    timestamp: AwareDatetime
    value: float
    expected: float
    window_value: float
    window_expected: float
    z: float
    reason: str


def observe(
    state: SpikeState, bucket: Bucket, rules: SpikeRules, subject: str = "mentions"
) -> tuple[SpikeState, SpikeAlert | None]:
    """Feed one bucket; return the next state and the alert it raises, if any.

    `subject` names the series in the alert's reason, e.g. "negative mentions about `app`".
    """
    step = timedelta(minutes=rules.bucket_minutes)
    if state.last is not None and bucket.timestamp <= state.last:
        # Late or repeated bucket: the forecast has already moved past it.
        return state.model_copy(update={"late": state.late + 1}), None

    recent = state.recent
    in_spike, calm_for = state.in_spike, state.calm_for
    if state.last is not None and bucket.timestamp - state.last > step * 1.5:
        # A gap: never compare a window that spans missing buckets.
        recent = ()
        if bucket.timestamp - state.last > timedelta(hours=rules.reset_gap_hours):
            in_spike, calm_for = False, 0

    slot = bucket.timestamp.hour % HOURS_PER_DAY
    y = math.log1p(bucket.value)
    season = list(state.season)
    if state.level is None:
        # First bucket: start the level here, nothing to compare against.
        nxt = state.model_copy(
            update={
                "seen": 1,
                "last": bucket.timestamp,
                "level": y - season[slot],
                "recent": ((bucket.value, bucket.value),),
            }
        )
        return nxt, None

    forecast = state.level + season[slot]
    expected = max(0.0, math.expm1(forecast))
    recent = (*recent, (bucket.value, expected))[-rules.window_buckets :]
    window_value = sum(observed for observed, _ in recent)
    window_expected = sum(forecast_count for _, forecast_count in recent)
    window_residual = math.log1p(window_value) - math.log1p(window_expected)
    # Poisson spread of log(1 + N) around its mean is about 1 / sqrt(1 + N).
    spread = math.sqrt(max(state.window_var, 1.0 / (1.0 + window_expected)))
    z = window_residual / spread

    # Update the forecast with clipped residuals so a spike cannot teach itself as normal.
    bucket_sd = math.sqrt(state.bucket_var)
    residual = y - forecast
    clipped = _clip(residual, rules.clip_sigmas * bucket_sd)
    level = state.level + rules.level_alpha * clipped
    season[slot] += rules.season_gamma * _clip(
        y - level - season[slot], rules.clip_sigmas * bucket_sd
    )
    bucket_var = _ew(state.bucket_var, clipped**2, rules.spread_beta)
    window_clipped = _clip(window_residual, rules.clip_sigmas * math.sqrt(state.window_var))
    window_var = (
        _ew(state.window_var, window_clipped**2, rules.spread_beta)
        if len(recent) == rules.window_buckets
        else state.window_var
    )

    alert: SpikeAlert | None = None
    seen = state.seen + 1
    full = len(recent) == rules.window_buckets
    unusual = (
        full
        and z >= rules.z_threshold
        and window_value - window_expected >= rules.min_excess
        and window_value >= rules.min_ratio * window_expected
    )
    streak = min(state.streak + 1, rules.persist_buckets) if unusual else 0
    held = (*state.held, window_value)[-rules.persist_buckets :] if full else ()
    held_value = min(held) if len(held) == rules.persist_buckets else 0.0
    day_peaks, today_peak = _roll_days(state, bucket.timestamp, rules.record_days)
    record = max((*day_peaks, today_peak))
    today_peak = max(today_peak, held_value)
    if in_spike:
        calm_for = calm_for + 1 if z < rules.calm_z else 0
        if calm_for >= rules.calm_buckets:
            in_spike, calm_for = False, 0
    elif (
        seen > rules.warmup_buckets
        and streak >= rules.persist_buckets
        and held_value > rules.record_ratio * record
    ):
        in_spike, calm_for = True, 0
        minutes = rules.window_buckets * rules.bucket_minutes
        held_minutes = rules.persist_buckets * rules.bucket_minutes
        alert = SpikeAlert(
            timestamp=bucket.timestamp,
            value=bucket.value,
            expected=round(expected, 1),
            window_value=window_value,
            window_expected=round(window_expected, 1),
            z=round(z, 1),
            reason=(
                f"{subject}: {_count(window_value)} in {minutes} min "
                f"vs {_count(window_expected)} expected, held {held_minutes} min, "
                f"the most in {rules.record_days} days"
            ),
        )

    nxt = SpikeState(
        seen=seen,
        late=state.late,
        last=bucket.timestamp,
        level=level,
        season=tuple(season),
        bucket_var=bucket_var,
        window_var=window_var,
        recent=recent,
        in_spike=in_spike,
        calm_for=calm_for,
        streak=streak,
        held=held,
        day_peaks=day_peaks,
        today_peak=today_peak,
    )
    return nxt, alert


def detect(
    buckets: list[Bucket],
    rules: SpikeRules,
    subject: str = "mentions",
    state: SpikeState | None = None,
) -> tuple[SpikeState, list[SpikeAlert]]:
    """Run `observe` over buckets in order; the final state and every alert raised."""
    current = state or SpikeState()
    alerts: list[SpikeAlert] = []
    for bucket in buckets:
        current, alert = observe(current, bucket, rules, subject)
        if alert is not None:
            alerts.append(alert)
    return current, alerts


def bucket_start(moment: datetime, rules: SpikeRules) -> datetime:
    """The start of the bucket `moment` falls in (buckets are aligned on the hour)."""
    minutes = moment.hour * 60 + moment.minute
    floor = minutes - minutes % rules.bucket_minutes
    return moment.replace(hour=floor // 60, minute=floor % 60, second=0, microsecond=0)


def _roll_days(state: SpikeState, now: datetime, days: int) -> tuple[tuple[float, ...], float]:
    """Daily maxima moved on to `now`'s UTC day: whole days passed close today's maximum."""
    if state.last is None:
        return (), 0.0
    passed = (now.date() - state.last.date()).days
    if passed <= 0:
        return state.day_peaks, state.today_peak
    # Days with no buckets at all (a gap) count as days with a maximum of zero.
    closed = (*state.day_peaks, state.today_peak, *(0.0,) * (passed - 1))
    return (closed[-days:] if days else ()), 0.0


def _clip(value: float, limit: float) -> float:
    return max(-limit, min(limit, value))


def _ew(previous: float, sample: float, weight: float) -> float:
    return (1.0 - weight) * previous + weight * sample


def _count(value: float) -> str:
    return f"{value:,.0f}"
