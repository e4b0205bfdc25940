"""The analytics bench runs and its figures hold the design's bounds."""

from __future__ import annotations

import pytest

from tools.bench.analytics import bench_analytics


def test_bench_reports_bounded_writes_and_one_query(capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN a small synthetic run WHEN benched THEN at most 11 items per record, every write
    billed, and a week of one dimension reads in one small query."""
    result = bench_analytics(count=200)
    assert result["max_items_written_per_record"] <= 11
    assert result["write_units_per_mention"] >= 2 * result["items_written_per_mention"] - 1
    assert 0 < result["query_read_units_7_days_all"] <= 2
    assert "GET /api/analytics" in capsys.readouterr().out
