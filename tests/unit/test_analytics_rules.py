"""Pure analytics rules: buckets, dimensions, the histogram and figures from counters."""

from __future__ import annotations

import itertools
import math
import random
from datetime import datetime, timedelta, timezone

import pytest
from crowdcare.rules.analytics import (
    ALL,
    RESPONSE_BOUNDS,
    Figures,
    Grain,
    bucket_key,
    dimension_for,
    figures_from_counters,
    grains_of,
    histogram_bucket,
    histogram_counter,
    histogram_of,
    quantile_from_histogram,
    sum_counters,
)


def exact_quantile(values: list[float], q: float) -> float:
    """Nearest-rank quantile of raw values (the definition the histogram estimates)."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q * len(ordered))) - 1]


def test_bucket_keys_are_utc_hour_and_day() -> None:
    """GIVEN a moment in UTC+2 WHEN bucketed THEN the keys name its UTC hour and day."""
    at = datetime(2026, 12, 1, 1, 30, tzinfo=timezone(timedelta(hours=2)))
    assert bucket_key(at, Grain.HOUR) == "hour#2026-11-30T23"
    assert bucket_key(at, Grain.DAY) == "day#2026-11-30"


def test_naive_datetime_is_refused() -> None:
    """GIVEN a naive datetime WHEN bucketed THEN a clear error, not a guessed timezone."""
    with pytest.raises(ValueError, match="timezone-aware"):
        bucket_key(datetime(2026, 11, 30, 12), Grain.DAY)  # noqa: DTZ001 - the point of the test


def test_one_filter_selects_one_dimension() -> None:
    """GIVEN API filters WHEN resolved THEN none is `all`, one is its dimension, two is an error."""
    assert dimension_for({"platform": None, "topic": ""}) == ALL
    assert dimension_for({"platform": "X "}) == "platform#x"
    assert dimension_for({"band": "p1"}) == "band#P1"
    with pytest.raises(ValueError, match="filter by one of"):
        dimension_for({"platform": "x", "language": "en"})
    with pytest.raises(ValueError, match="unknown filter"):
        dimension_for({"colour": "red"})


def test_only_all_keeps_hour_buckets() -> None:
    """GIVEN the dimensions WHEN asked for their grains THEN hours exist for `all` only."""
    assert grains_of(ALL) == (Grain.HOUR, Grain.DAY)
    assert grains_of("platform#x") == (Grain.DAY,)


def test_histogram_buckets_are_log_spaced_with_an_overflow() -> None:
    """GIVEN response times WHEN bucketed THEN each bucket is 1.5 times the last, plus overflow."""
    assert histogram_bucket(0) == 0
    assert histogram_bucket(29.9) == 0
    assert histogram_bucket(30) == 1
    assert histogram_bucket(10**9) == len(RESPONSE_BOUNDS)
    assert histogram_counter(-5) == "rt.00"  # a clock skew never gives a negative bucket
    assert all(b / a == pytest.approx(1.5) for a, b in itertools.pairwise(RESPONSE_BOUNDS))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_quantiles_from_histogram_are_within_the_bucket_resolution(seed: int) -> None:
    """GIVEN random response times WHEN median and p90 come from the histogram THEN each is
    within a factor 1.5 of the exact quantile (30 s below 30 s)."""
    rng = random.Random(seed)  # noqa: S311 - seeded test data, not a secret
    values = [rng.lognormvariate(math.log(1800), 1.2) for _ in range(rng.randint(1, 3000))]
    counters = sum_counters({histogram_counter(v): 1} for v in values)
    for q in (0.5, 0.9):
        estimate = quantile_from_histogram(histogram_of(counters), q)
        exact = exact_quantile(values, q)
        assert estimate is not None
        if exact < RESPONSE_BOUNDS[0]:
            assert abs(estimate - exact) < RESPONSE_BOUNDS[0]
        else:
            assert 1 / 1.5 <= estimate / exact <= 1.5


def test_one_response_gives_a_quantile_in_its_bucket() -> None:
    """GIVEN one reply after 100 s WHEN the median is read THEN it lies in 100 s's bucket."""
    counters = {histogram_counter(100): 1}
    median = quantile_from_histogram(histogram_of(counters), 0.5)
    assert median is not None and histogram_bucket(median) == histogram_bucket(100)


def test_empty_period_gives_zeros_and_none() -> None:
    """GIVEN no counters WHEN figures are computed THEN zeros and None, no division error."""
    figures = figures_from_counters({})
    assert figures == Figures()
    assert figures.response_rate is None and figures.first_response_median_seconds is None


def test_figures_from_summed_counters() -> None:
    """GIVEN two buckets' counters WHEN summed into figures THEN every rate is a ratio of sums."""
    day1 = {
        "received": 6,
        "needs_reply": 4,
        "replied": 3,
        "replied_advocate": 2,
        "replied_employee": 1,
        "within_sla": 2,
        "reassigned": 1,
        "escalated": 1,
        "sentiment.negative": 3,
        "sentiment.positive": 3,
        "topic.billing": 3,
        "topic_negative.billing": 2,
        "topic.app": 1,
        histogram_counter(60): 3,
    }
    day2 = {"received": 2, "needs_reply": 1, "replied": 1, "replied_advocate": 1}
    day2 |= {"within_sla": 1, "topic.app": 4, histogram_counter(60): 1}
    figures = figures_from_counters(sum_counters([day1, day2]))
    assert (figures.received, figures.needs_reply, figures.replied) == (8, 5, 4)
    assert figures.response_rate == pytest.approx(0.8)
    assert figures.sla_attainment == pytest.approx(0.6)
    assert figures.advocate_share == pytest.approx(0.75)
    assert figures.employee_share == pytest.approx(0.25)
    assert (figures.reassignments, figures.escalations) == (1, 1)
    assert figures.sentiment == {"negative": 3, "positive": 3}
    assert [(t.topic, t.mentions) for t in figures.top_topics] == [("app", 5), ("billing", 3)]
    assert figures.top_topics[0].negative_share == 0.0
    assert figures.top_topics[1].negative_share == pytest.approx(2 / 3)
    median = figures.first_response_median_seconds
    assert median is not None and histogram_bucket(median) == histogram_bucket(60)
