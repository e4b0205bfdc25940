"""Spike watch and the daily FAQ job, run on in-memory fakes of their ports."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from crowdcare.rules.spikes import SpikeAlert, SpikeRules, SpikeState
from crowdcare.services.faq_job import (
    FaqJob,
    FaqPost,
    FaqRun,
    PostedReply,
    best_answer,
    to_csv,
    to_json,
)
from crowdcare.services.spike_watch import SpikeWatch, series_for, subject_of

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)


class FakeCounts:
    def __init__(self) -> None:
        self.items: dict[str, dict[datetime, int]] = defaultdict(dict)

    def add(self, series: str, bucket: datetime, count: int) -> None:
        self.items[series][bucket] = self.items[series].get(bucket, 0) + count

    def between(self, series: str, after: datetime, until: datetime) -> Mapping[datetime, int]:
        return {b: c for b, c in self.items[series].items() if after < b < until}


class FakeStates:
    def __init__(self) -> None:
        self.items: dict[str, SpikeState] = {}
        self.conflicts = 0

    def load(self, series: str) -> SpikeState | None:
        return self.items.get(series)

    def save(self, series: str, state: SpikeState, previous: SpikeState | None) -> bool:
        if self.items.get(series) != previous:
            self.conflicts += 1
            return False
        self.items[series] = state
        return True


class FakeAlerts:
    def __init__(self) -> None:
        self.published: list[tuple[str, SpikeAlert]] = []

    def publish(self, series: str, alert: SpikeAlert) -> None:
        self.published.append((series, alert))


def watch() -> tuple[SpikeWatch, FakeCounts, FakeStates, FakeAlerts]:
    counts, states, alerts = FakeCounts(), FakeStates(), FakeAlerts()
    # A short warm-up so the test needs two days of history, not a fortnight.
    service = SpikeWatch(counts, states, alerts, SpikeRules(warmup_buckets=288))
    return service, counts, states, alerts


def test_mentions_count_in_total_negative_and_topic_series() -> None:
    """A negative mention about `app` counts in four series; series names read well."""
    # GIVEN / WHEN a mention is counted
    service, counts, _, _ = watch()
    service.count(NOW + timedelta(minutes=7), negative=True, topics=["app"])
    # THEN one count in each of its series, in the 12:05 bucket
    assert series_for(True, ["app"]) == ["total", "topic:app", "negative", "negative:topic:app"]
    assert {s: dict(b) for s, b in counts.items.items()} == {
        s: {NOW + STEP: 1} for s in series_for(True, ["app"])
    }
    assert subject_of("negative:topic:app") == "negative mentions about `app`"
    assert subject_of("total") == "mentions"


def test_a_surge_in_one_topic_is_published_once_with_its_subject() -> None:
    """Two days of 5 a bucket, then 60 a bucket: one alert naming the negative app mentions."""
    # GIVEN two days of steady negative mentions about `app`, evaluated every 5 minutes
    service, counts, states, alerts = watch()
    series = "negative:topic:app"
    start = NOW - timedelta(days=2)
    moment = start
    while moment < NOW + timedelta(minutes=30):
        volume = 60 if moment >= NOW else 5
        counts.add(series, moment, volume)
        moment += STEP
        service.evaluate(series, moment)
    # THEN exactly one alert, published once, about the surge
    assert len(alerts.published) == 1
    name, alert = alerts.published[0]
    assert name == series
    assert NOW <= alert.timestamp <= NOW + 2 * STEP
    assert alert.reason.startswith("negative mentions about `app`: ")
    assert states.items[series].last == NOW + 5 * STEP


def test_silent_buckets_are_zeros_and_a_rerun_publishes_nothing_twice() -> None:
    """No items means no mentions; evaluating the same moment twice publishes nothing new."""
    # GIVEN a series with one early count, evaluated an hour later
    service, counts, states, alerts = watch()
    counts.add("total", NOW, 3)
    service.evaluate("total", NOW + STEP)
    # WHEN evaluated an hour on, twice
    service.evaluate("total", NOW + timedelta(hours=1))
    saved = states.items["total"]
    again = service.evaluate("total", NOW + timedelta(hours=1))
    # THEN the twelve silent buckets were fed as zeros, and the rerun changed nothing
    assert saved.seen == 12
    assert saved.recent[-1] == (0.0, saved.recent[-1][1])
    assert again == []
    assert alerts.published == []


def test_a_concurrent_run_that_saved_first_wins() -> None:
    """If the stored state moved on meanwhile, this run neither saves nor publishes."""
    # GIVEN a store whose save always finds another run's state
    service, counts, states, alerts = watch()
    counts.add("total", NOW, 3)
    states.items["total"] = SpikeState()  # not what load() will hand back below
    states.load = lambda series: None  # type: ignore[method-assign]
    # WHEN evaluated
    result = service.evaluate("total", NOW + timedelta(minutes=10))
    # THEN the conflict is noticed and nothing is published
    assert result == []
    assert states.conflicts == 1
    assert alerts.published == []


class FakePosts:
    def __init__(self, posts: Sequence[FaqPost]) -> None:
        self.posts = posts
        self.asked: list[tuple[datetime, datetime]] = []

    def between(self, since: datetime, until: datetime) -> Sequence[FaqPost]:
        self.asked.append((since, until))
        return [p for p in self.posts if since <= p.created_at < until]


class FakeRuns:
    def __init__(self) -> None:
        self.saved: list[FaqRun] = []

    def save(self, run: FaqRun) -> None:
        self.saved.append(run)


def post(
    i: int,
    text: str,
    hours_ago: float,
    kind: str = "question",
    *,
    negative: bool = False,
    reply: PostedReply | None = None,
) -> FaqPost:
    return FaqPost.model_validate(
        {
            "id": f"m{i}",
            "text": text,
            "kind": kind,
            "negative": negative,
            "created_at": NOW - timedelta(hours=hours_ago),
            "reply": reply,
        }
    )


COMPLAINTS = [
    "the app crashes every time I open the camera",
    "app keeps crashing when I open the camera",
    "camera crashes the app since yesterday",
    "opening the camera crashes the whole app",
    "app crash on camera open, again",
]
QUESTIONS = [
    "how do I change my delivery address",
    "can I change the delivery address after ordering",
    "change delivery address for my order?",
    "where do I change my delivery address",
]


def posts_of_two_days() -> list[FaqPost]:
    items = [
        # One crash report yesterday, four today: a growing complaint.
        post(i, text, 30 if i == 0 else 2 + i, "complaint", negative=True)
        for i, text in enumerate(COMPLAINTS)
    ]
    items += [
        post(
            10 + i,
            text,
            40 - i * 4,
            reply=PostedReply(text=f"answer {i}", reach=10 * i, thanked=i == 1),
        )
        for i, text in enumerate(QUESTIONS)
    ]
    items.append(post(99, "what a lovely day", 1))
    items.append(
        post(100, "old news about camera crashes in the app", 72, "complaint", negative=True)
    )
    return items


def test_the_daily_job_finds_a_rising_complaint_and_a_question_with_its_best_answer() -> None:
    """Two days of posts: the crash complaints are a rising root cause; the address question
    carries its best-reaching reply."""
    # GIVEN two days of posts (and one older post outside the window)
    source, runs = FakePosts(posts_of_two_days()), FakeRuns()
    # WHEN the job runs
    result = FaqJob(source, runs).run(NOW)
    # THEN it read the last two days, stored the run, and found both groups
    assert source.asked == [(NOW - timedelta(days=2), NOW)]
    assert runs.saved == [result]
    crash, address = result.candidates
    assert (crash.kind, crash.size, crash.previous_size, crash.trend) == ("complaint", 4, 1, 3.0)
    assert crash.root_cause is True
    assert crash.negative_share == 1.0
    assert "crash" in crash.label or "camera" in crash.label
    assert len(crash.samples) == 3
    assert (address.kind, address.root_cause, address.negative_share) == ("question", False, 0.0)
    assert address.best_answer == "answer 3"  # reach 30 beats the thanked reach 10 (x2 = 20)
    assert result.unclustered == 1


def test_best_answer_counts_thanks_double() -> None:
    """A thanked reply with reach 20 beats an unthanked one with reach 30."""
    # GIVEN two replied posts
    replies = [
        post(1, "a", 1, reply=PostedReply(text="plain", reach=30)),
        post(2, "b", 1, reply=PostedReply(text="thanked", reach=20, thanked=True)),
        post(3, "c", 1),
    ]
    # WHEN / THEN
    assert best_answer(replies) == "thanked"
    assert best_answer(replies[2:]) is None


def test_exports_round_trip_as_json_and_csv() -> None:
    """The run exports as JSON (all fields) and as CSV (one row per candidate)."""
    # GIVEN a run
    run = FaqJob(FakePosts(posts_of_two_days()), FakeRuns()).run(NOW)
    # WHEN exported
    document = json.loads(to_json(run))
    rows = list(csv.DictReader(io.StringIO(to_csv(run))))
    # THEN both carry every candidate
    assert [c["label"] for c in document["candidates"]] == [c.label for c in run.candidates]
    assert [r["label"] for r in rows] == [c.label for c in run.candidates]
    assert rows[0]["root_cause"] == "true"
    assert rows[0]["samples"].split() == list(run.candidates[0].samples)


def test_an_empty_day_stores_an_empty_run() -> None:
    """No posts: a run with no candidates is still stored (the screen shows "nothing new")."""
    # GIVEN / WHEN
    runs = FakeRuns()
    result = FaqJob(FakePosts([]), runs).run(NOW)
    # THEN
    assert (result.candidates, result.unclustered) == ((), 0)
    assert runs.saved == [result]


def test_insight_ports_live_in_crowdcare_ports_and_old_imports_still_work() -> None:
    """The spike and FAQ ports are declared once, in crowdcare.ports; services re-export them."""
    # GIVEN / WHEN the ports and models are imported from their homes and from the services
    from crowdcare import ports
    from crowdcare.domain import faq
    from crowdcare.services import faq_job, spike_watch

    # THEN both paths name the same objects
    assert spike_watch.BucketCounts is ports.BucketCounts
    assert spike_watch.SpikeStates is ports.SpikeStates
    assert spike_watch.SpikeAlerts is ports.SpikeAlerts
    assert faq_job.RecentPosts is ports.RecentPosts
    assert faq_job.FaqRuns is ports.FaqRuns
    assert (faq_job.FaqRun, faq_job.FaqPost) == (faq.FaqRun, faq.FaqPost)
