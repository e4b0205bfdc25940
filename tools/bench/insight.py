"""What insight costs: aggregation and spike detection per mention, and the daily FAQ job at scale.

1. Aggregation: `tools.bench.analytics` (stream batches through `record_batch`, its batch size
   printed beside the figures; the commits hold the 5-minute volume item the spike watch reads
   and the FAQ post item of a question or complaint).
2. Detection: `crowdcare.rules.spikes.observe` over 30 days of 5-minute buckets (a daily shape,
   seeded noise): CPU per bucket and the state's size; then the DynamoDB requests of one
   scheduled run per series (state GetItem, one Query of the new buckets, state PutItem), which
   do not grow with the number of mentions.
3. The daily FAQ job: `FaqJob.run` end to end (clustering, trends, samples, best answers) over
   N synthetic posts (CLINC150 queries resampled and perturbed, `tools.eval.faq.synthetic_posts`)
   in a fresh interpreter on one BLAS thread: wall and CPU seconds, peak RSS, the stored run's
   size.

Run: `python -m tools.bench.insight [--posts 50000]`. Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crowdcare.rules.spikes import Bucket, SpikeRules, SpikeState, observe
from crowdcare.services.faq_job import FaqJob, FaqPost, FaqRun
from crowdcare.services.spike_alerts import TOP_TOPICS

from tools.bench.analytics import bench_analytics

REPO_ROOT = Path(__file__).resolve().parents[2]
CLINC = "eval/question_clusters/clinc150_test.csv"
START = datetime(2026, 11, 1, tzinfo=UTC)
SERIES_PER_RUN = 2 + 2 * TOP_TOPICS
RUNS_PER_DAY = 288


def bench_detection(days: int = 30, seed: int = 7) -> dict[str, Any]:
    """The detector over `days` of buckets: microseconds per bucket, state size, requests."""
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic volume, not a secret
    rules = SpikeRules()
    state = SpikeState()
    alerts = 0
    buckets = days * RUNS_PER_DAY
    started = time.process_time()
    for n in range(buckets):
        moment = START + timedelta(minutes=5 * n)
        daily = 12 + 10 * math.sin(2 * math.pi * (moment.hour - 6) / 24)
        value = max(0.0, rng.gauss(daily, math.sqrt(daily)))
        state, alert = observe(state, Bucket(timestamp=moment, value=round(value)), rules)
        alerts += alert is not None
    cpu = time.process_time() - started
    state_bytes = len(state.model_dump_json())
    # One run per series: a strongly consistent GetItem of the state (<4 KB: 1 RCU), a Query
    # of the one or two new 5-minute items (1 RCU), a PutItem of the state (1 WCU per KB).
    write_units = math.ceil(state_bytes / 1024)
    result = {
        "buckets": buckets,
        "alerts_on_calm_data": alerts,
        "microseconds_per_bucket": round(cpu / buckets * 1e6, 1),
        "state_bytes": state_bytes,
        "requests_per_series_run": 3,
        "read_units_per_day": 2 * SERIES_PER_RUN * RUNS_PER_DAY,
        "write_units_per_day": write_units * SERIES_PER_RUN * RUNS_PER_DAY,
    }
    print(f"spike detection: {days} days of 5-minute buckets, {SERIES_PER_RUN} series per run")
    print(f"  CPU per bucket                        {result['microseconds_per_bucket']} us")
    print(f"  state item                            {state_bytes} bytes")
    print(f"  alerts on calm synthetic data         {alerts}")
    print(
        f"  per day (288 runs x {SERIES_PER_RUN} series)          "
        f"{result['read_units_per_day']} RCU, {result['write_units_per_day']} WCU"
        " (independent of the mention volume)"
    )
    print("  per mention: 0 extra requests (its 5-minute item is in the analytics commit)")
    return result


class _Posts:
    def __init__(self, posts: Sequence[FaqPost]) -> None:
        self._posts = posts

    def between(self, since: datetime, until: datetime) -> Sequence[FaqPost]:
        return self._posts


class _Runs:
    def __init__(self) -> None:
        self.run: FaqRun | None = None

    def save(self, run: FaqRun) -> None:
        self.run = run


def measure_faq_job(count: int) -> dict[str, Any]:
    """`FaqJob.run` over `count` synthetic posts in this process."""
    from tools.eval.faq import load_queries, synthetic_posts

    data = Path(os.environ.get("CROWDCARE_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
    texts = synthetic_posts(load_queries(data / CLINC), count)
    now = START + timedelta(days=14)
    rng = random.Random(3)  # noqa: S311 - reproducible synthetic posts, not a secret
    posts = [
        FaqPost(
            id=f"x#{n}",
            text=text,
            kind="complaint" if n % 3 == 0 else "question",
            negative=n % 3 == 0,
            created_at=now - timedelta(seconds=rng.randrange(14 * 86400)),
        )
        for n, text in enumerate(texts)
    ]
    runs = _Runs()
    before = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    run = FaqJob(_Posts(posts), runs, window=timedelta(days=14)).run(now)
    elapsed = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "posts": count,
        "seconds": round(elapsed, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime - before.ru_utime - before.ru_stime, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024),
        "candidates": len(run.candidates),
        "unclustered": run.unclustered,
        "stored_run_kb": round(len(run.model_dump_json()) / 1024),
    }


def bench_faq_job(count: int) -> dict[str, Any]:
    """`measure_faq_job` in a fresh interpreter on one BLAS thread (a clean peak RSS)."""
    env = os.environ | {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    completed = subprocess.run(
        [sys.executable, "-m", "tools.bench.insight", "--faq-only", str(count)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=REPO_ROOT,
    )
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    print(f"daily FAQ job: FaqJob.run on {count} synthetic posts (one BLAS thread)")
    print(
        f"  {result['seconds']} s wall, {result['cpu_s']} s CPU, peak {result['peak_rss_mb']} MB;"
        f" {result['candidates']} candidates, {result['unclustered']} unclustered"
    )
    print("  (the FaqFunction has 900 s and 3,008 MB; only the 100 largest candidates are stored)")
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.bench.insight")
    parser.add_argument("--posts", type=int, default=50_000, help="posts for the FAQ job")
    parser.add_argument("--faq-only", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.faq_only is not None:
        print(json.dumps(measure_faq_job(args.faq_only)))
        return 0
    bench_analytics()
    bench_detection()
    bench_faq_job(args.posts)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
