"""The spike detector: streaming, explains itself, one alert per spike, state fits one item."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from crowdcare.rules.spikes import Bucket, SpikeRules, SpikeState, bucket_start, detect, observe

RULES = SpikeRules()
START = datetime(2026, 3, 2, tzinfo=UTC)
STEP = timedelta(minutes=5)


def series(days: float, bursts: dict[int, float] | None = None, seed: int = 7) -> list[Bucket]:
    """Poisson volumes with a daily cycle (about 8 at night, 40 by day), plus bursts.

    `bursts` maps a bucket index to extra mentions added to that bucket.
    """
    rng = np.random.default_rng(seed)
    buckets = []
    for i in range(int(days * 288)):
        moment = START + i * STEP
        daily = 24 + 16 * math.sin(2 * math.pi * (moment.hour - 9) / 24)
        value = float(rng.poisson(daily)) + (bursts or {}).get(i, 0.0)
        buckets.append(Bucket(timestamp=moment, value=value))
    return buckets


def burst(at: int, size: float, length: int = 6) -> dict[int, float]:
    return {at + k: size for k in range(length)}


def test_a_quiet_series_raises_no_alert() -> None:
    """Ten days of ordinary daily rhythm and noise never alert."""
    # GIVEN a seasonal Poisson series without anomalies
    buckets = series(10)
    # WHEN the detector runs over it
    _, alerts = detect(buckets, RULES)
    # THEN no alert
    assert alerts == []


def test_a_burst_raises_one_alert_that_explains_itself() -> None:
    """A half-hour burst of +120 per bucket alerts once, early, with counts in the reason."""
    # GIVEN four normal days, then a burst starting at bucket 4*288+100
    at = 4 * 288 + 100
    buckets = series(6, burst(at, 120))
    # WHEN the detector runs with the brand's subject
    _, alerts = detect(buckets, RULES, subject="negative mentions about `app`")
    # THEN exactly one alert, once the burst has held for 15 minutes (three buckets)
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.timestamp == buckets[at + 2].timestamp
    assert alert.value > 100 > alert.expected
    assert alert.window_value > 2 * alert.window_expected
    assert alert.reason.startswith("negative mentions about `app`: ")
    assert " in 15 min vs " in alert.reason
    assert alert.reason.endswith("expected, held 15 min, the most in 14 days")


def test_a_long_spike_alerts_once_and_a_later_bigger_one_alerts_again() -> None:
    """Repeats are suppressed while a spike lasts; a new record a day later is a new alert."""
    # GIVEN a 3-hour surge on day 4 and a larger surge on day 5
    first, second = 4 * 288 + 100, 5 * 288 + 100
    buckets = series(6, burst(first, 150, length=36) | burst(second, 400))
    # WHEN the detector runs
    _, alerts = detect(buckets, RULES)
    # THEN one alert per surge
    assert len(alerts) == 2
    assert alerts[0].timestamp == buckets[first + 2].timestamp
    # (the second must first hold above the first one's record: a bucket or two later)
    assert buckets[second + 2].timestamp <= alerts[1].timestamp <= buckets[second + 4].timestamp


def test_a_smaller_spike_after_a_big_one_is_not_news() -> None:
    """Within 14 days, a surge smaller than an earlier one does not alert again."""
    # GIVEN a big surge on day 4 and a smaller one on day 6
    buckets = series(8, burst(4 * 288 + 100, 400) | burst(6 * 288 + 100, 150))
    # WHEN the detector runs
    _, alerts = detect(buckets, RULES)
    # THEN only the first surge alerts
    assert len(alerts) == 1
    assert alerts[0].timestamp.day == (START + timedelta(days=4)).day


def test_no_alert_during_warm_up() -> None:
    """A burst on the first day is not judged: the forecast has not learned the day yet."""
    # GIVEN a burst 10 hours in
    buckets = series(2, burst(120, 300))
    # WHEN the detector runs
    _, alerts = detect(buckets, RULES)
    # THEN nothing
    assert alerts == []


def test_small_counts_need_a_visible_excess() -> None:
    """From 0-1 mentions a bucket, a jump to 3 per bucket is noise-sized: no alert."""
    # GIVEN a near-empty series with a small bump on day 3
    buckets = [
        Bucket(timestamp=START + i * STEP, value=float(3 if 900 <= i < 903 else i % 2))
        for i in range(4 * 288)
    ]
    # WHEN the detector runs
    _, alerts = detect(buckets, RULES)
    # THEN no alert (9 extra mentions in 15 minutes is below min_excess)
    assert alerts == []


def test_decisions_use_only_the_past() -> None:
    """Alerts on a prefix of the series are exactly the full run's alerts up to that point."""
    # GIVEN a series with two surges
    buckets = series(7, burst(4 * 288 + 50, 200) | burst(6 * 288, 500))
    cut = 5 * 288
    # WHEN the detector runs on the whole series and on its first five days
    _, full = detect(buckets, RULES)
    _, prefix = detect(buckets[:cut], RULES)
    # THEN the prefix alerts are the full run's alerts before the cut
    assert prefix == [a for a in full if a.timestamp < buckets[cut].timestamp]
    assert len(full) == 2


def test_state_survives_a_json_round_trip_between_buckets() -> None:
    """A Lambda can store the state as JSON after any bucket and carry on identically."""
    # GIVEN a series with a surge after the point where the state is saved
    buckets = series(6, burst(5 * 288, 250))
    _, uninterrupted = detect(buckets, RULES)
    # WHEN the state is saved as JSON after day 4 and reloaded for the rest
    state, before = detect(buckets[: 4 * 288], RULES)
    stored = state.model_dump_json()
    reloaded = SpikeState.model_validate_json(stored)
    _, after = detect(buckets[4 * 288 :], RULES, state=reloaded)
    # THEN the alerts are the same, and the stored item is small
    assert before + after == uninterrupted
    assert len(uninterrupted) == 1
    assert len(stored) < 2_000


def test_late_and_repeated_buckets_are_skipped() -> None:
    """A bucket at or before the last one seen changes nothing and is counted as late."""
    # GIVEN a state that has seen two buckets
    state, _ = detect(series(1)[:2], RULES)
    # WHEN the first bucket arrives again, and an older one
    for moment in (START + STEP, START):
        after, alert = observe(state, Bucket(timestamp=moment, value=999.0), RULES)
        # THEN no alert, the forecast is untouched and the late counter moved
        assert alert is None
        assert after.model_copy(update={"late": state.late}) == state
        assert after.late == state.late + 1


def test_a_gap_is_not_read_as_silence_or_a_surge() -> None:
    """Six missing hours, then normal volume: no alert, and the window restarts after the gap."""
    # GIVEN four days with hours 80..86 of day 3 missing
    buckets = [b for i, b in enumerate(series(5)) if not 3 * 288 < i < 3 * 288 + 72]
    # WHEN the detector runs
    state, alerts = detect(buckets, RULES)
    # THEN no alert and nothing counted late
    assert alerts == []
    assert state.late == 0


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 3, 2, 10, 7, 31, tzinfo=UTC), datetime(2026, 3, 2, 10, 5, tzinfo=UTC)),
        (datetime(2026, 3, 2, 23, 59, 59, tzinfo=UTC), datetime(2026, 3, 2, 23, 55, tzinfo=UTC)),
    ],
)
def test_bucket_start_floors_to_the_bucket(moment: datetime, expected: datetime) -> None:
    """A mention's time maps to the start of its 5-minute bucket."""
    # GIVEN / WHEN / THEN
    assert bucket_start(moment, RULES) == expected


def test_a_short_burst_sets_the_record_it_held_so_a_later_lasting_surge_is_news() -> None:
    """Hysteresis: a 10-minute burst's record is what it held; a later hour-long surge beats it."""
    # GIVEN a 10-minute burst of +600 a bucket on day 4, then an hour of +350 a bucket on day 5
    short, lasting = 4 * 288 + 100, 5 * 288 + 100
    buckets = series(6, burst(short, 600, length=2) | burst(lasting, 350, length=12))
    # WHEN the detector runs with the defaults, and with hysteresis switched off
    _, alerts = detect(buckets, RULES)
    _, no_hysteresis = detect(buckets, RULES.model_copy(update={"persist_buckets": 1}))
    # THEN both surges alert; without hysteresis the burst's 15-minute peak (1,200 more)
    # stands as the record and the lasting surge (1,050 more) is not news
    assert [a.timestamp.day for a in alerts] == [6, 7]
    assert [a.timestamp.day for a in no_hysteresis] == [6]


def test_state_stays_the_same_size_whatever_the_history() -> None:
    """Three weeks of buckets leave a state no larger than it was after one week."""
    # GIVEN the state after one week and after three weeks of the same rhythm
    week, _ = detect(series(7), RULES)
    three_weeks, _ = detect(series(21), RULES)
    # WHEN both are stored as JSON
    sizes = [len(s.model_dump_json()) for s in (week, three_weeks)]
    # THEN the later one is no larger (digits aside) and every ring is bounded
    assert sizes[1] <= sizes[0] + 200
    assert len(three_weeks.day_peaks) == RULES.record_days
    assert len(three_weeks.held) == RULES.persist_buckets
    assert len(three_weeks.recent) == RULES.window_buckets


def test_a_state_stored_before_the_hysteresis_fields_still_loads() -> None:
    """A state item written by the previous detector version (no streak, no held) is read."""
    # GIVEN a stored state without the fields added for hysteresis
    state, _ = detect(series(2), RULES)
    old = state.model_dump(mode="json")
    del old["streak"], old["held"]
    # WHEN it is loaded and the detector carries on
    reloaded = SpikeState.model_validate(old)
    after, alert = observe(reloaded, Bucket(timestamp=START + 2 * 288 * STEP, value=30.0), RULES)
    # THEN it starts with no streak and moves on normally
    assert (reloaded.streak, reloaded.held) == (0, ())
    assert alert is None
    assert after.seen == state.seen + 1
