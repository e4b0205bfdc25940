"""The insight bench's detection part runs and reports what it measured (no timing asserted)."""

from __future__ import annotations

from tools.bench.insight import SERIES_PER_RUN, bench_detection


def test_detection_bench_feeds_every_bucket_and_prices_the_runs() -> None:
    """GIVEN two calm synthetic days WHEN benched THEN every bucket is fed, no alert is raised
    (the warm-up lasts a day and the data is calm) and the daily requests follow the series."""
    result = bench_detection(days=2)
    assert result["buckets"] == 576
    assert result["alerts_on_calm_data"] == 0
    assert result["read_units_per_day"] == 2 * SERIES_PER_RUN * 288
    assert 0 < result["state_bytes"] < 4096
