"""The analytics bench runs and its figures hold the design's bounds."""

from __future__ import annotations

import itertools

import pytest
from crowdcare.services.analytics import AnalyticsRecorder
from crowdcare.testing.analytics import FakeResponderKinds, InMemoryAggregates

from tools.bench.analytics import SLA, arriving_mentions, bench_analytics, bench_batch_sizes


def test_bench_reports_bounded_writes_and_one_query(capsys: pytest.CaptureFixture[str]) -> None:
    """GIVEN a small synthetic run WHEN benched in batches THEN every commit fits a transaction,
    every item is billed, fewer items than record() on the same records, no lost race, and a
    week of one dimension reads in one small query."""
    result = bench_analytics(count=200, batch_mentions=10)
    assert result["max_items_written_per_commit"] <= 100
    assert result["write_units_per_mention"] >= result["items_written_per_mention"]
    assert result["items_written_per_mention"] < result["per_record_items_written_per_mention"]
    assert result["fallbacks"] == 0
    assert 0 < result["query_read_units_7_days_all"] <= 2
    assert "GET /api/analytics" in capsys.readouterr().out


def test_batch_table_comes_from_the_recorder() -> None:
    """GIVEN the bench's stream WHEN tabled by batch size THEN one mention a batch with receipt
    and triage apart writes exactly what record() writes (items, units), and larger batches
    write fewer items, fewest with receipt and triage together."""
    result = bench_batch_sizes(count=100)
    pairs = arriving_mentions(100, 13)
    store = InMemoryAggregates()
    recorder = AnalyticsRecorder(store, FakeResponderKinds({}), SLA.__getitem__)
    by_record = sum(recorder.record(r.event, r.post) for pair in pairs for r in pair if r.event)
    assert result["per_record"]["items"] == by_record / 100 == store.items_written / 100
    rows = result["per_batch"]
    assert rows[1]["separate"]["items"] == result["per_record"]["items"]
    assert rows[1]["separate"]["write_units"] == result["per_record"]["write_units"]
    assert rows[100]["together"] is None  # 200 records: over one batch
    for smaller, larger in itertools.pairwise((1, 5, 25)):
        for label in ("together", "separate"):
            assert rows[larger][label]["items"] < rows[smaller][label]["items"]
    for size in (1, 5, 25, 50):
        assert rows[size]["together"]["items"] < rows[size]["separate"]["items"]
    assert 0 < result["faq_posts_per_mention"] < 1
