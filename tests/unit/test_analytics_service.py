"""AnalyticsRecorder and AnalyticsQuery on the in-memory aggregates."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from crowdcare.domain.models import Platform, ResponderKind
from crowdcare.domain.triage import RouteKind, SentimentLabel
from crowdcare.rules.analytics import Grain, histogram_bucket
from crowdcare.rules.analytics_facts import (
    AnalyticsEvent,
    Escalated,
    MentionSeen,
    Reassigned,
    ReplyRecorded,
    TriageFacts,
    settle,
)
from crowdcare.services.analytics import AnalyticsConflictError, AnalyticsQuery, AnalyticsRecorder
from crowdcare.testing.analytics import FakeResponderKinds, InMemoryAggregates

RECEIVED = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
DAY = "day#2026-11-30"
HOUR = "hour#2026-11-30T09"
SLA = {"P1": 900, "P2": 1800, "P3": 3600, "P4": 7200}


def triage(
    *, route: RouteKind = RouteKind.COMMUNITY, topics: tuple[str, ...] = ("billing",)
) -> TriageFacts:
    return TriageFacts(
        language="en", route=route, band="P2", sentiment=SentimentLabel.NEGATIVE, topics=topics
    )


def received(mention_id: str = "x#1", **facts: object) -> MentionSeen:
    return MentionSeen(
        mention_id=mention_id,
        received_at=RECEIVED,
        platform=Platform.X,
        **facts,  # type: ignore[arg-type]
    )


def replied(mention_id: str = "x#1", after: timedelta = timedelta(minutes=10)) -> ReplyRecorded:
    return ReplyRecorded(mention_id=mention_id, at=RECEIVED + after, responder_id="ada")


def lifecycle(mention_id: str = "x#1") -> list[AnalyticsEvent]:
    """A mention's whole story: received, triaged, declined once, escalated, replied."""
    return [
        received(mention_id),
        received(mention_id, triage=triage()),
        Reassigned(mention_id=mention_id, entry_key="2026-11-30T09:20#declined#1#"),
        Escalated(mention_id=mention_id, entry_key="2026-11-30T09:40#escalated#0#"),
        replied(mention_id),
    ]


@pytest.fixture
def store() -> InMemoryAggregates:
    return InMemoryAggregates()


@pytest.fixture
def kinds() -> FakeResponderKinds:
    return FakeResponderKinds({"ada": ResponderKind.ADVOCATE, "eve": ResponderKind.EMPLOYEE})


@pytest.fixture
def recorder(store: InMemoryAggregates, kinds: FakeResponderKinds) -> AnalyticsRecorder:
    return AnalyticsRecorder(store, kinds, SLA.__getitem__)


def test_insert_counts_received_under_all_and_platform(
    recorder: AnalyticsRecorder, store: InMemoryAggregates
) -> None:
    """GIVEN a new mention WHEN its INSERT is counted THEN received +1 in all (5-minute, hour,
    day) and its platform's day, in one commit of five items."""
    assert recorder.record(received()) == 5
    assert store.items == {
        ("all", "min5#2026-11-30T09:15"): {"received": 1},
        ("all", HOUR): {"received": 1},
        ("all", DAY): {"received": 1},
        ("platform#x", DAY): {"received": 1},
    }


def test_a_whole_lifecycle_counts_every_figure(
    recorder: AnalyticsRecorder, store: InMemoryAggregates
) -> None:
    """GIVEN received, triaged, declined, escalated and replied WHEN counted THEN each
    dimension's day item holds each figure once."""
    for event in lifecycle():
        recorder.record(event)
    expected = {
        "received": 1,
        "needs_reply": 1,
        "sentiment.negative": 1,
        "topic.billing": 1,
        "topic_negative.billing": 1,
        "reassigned": 1,
        "escalated": 1,
        "replied": 1,
        "replied_advocate": 1,
        "within_sla": 1,  # 10 minutes against P2's 30
        "response_seconds": 600,
        f"rt.{histogram_bucket(600):02d}": 1,
    }
    for dim in ("all", "platform#x", "language#en", "route#community", "band#P2", "topic#billing"):
        assert store.items[(dim, DAY)] == expected, dim
    assert store.items[("all", HOUR)] == expected
    assert ("language#en", HOUR) not in store.items


def test_redelivery_counts_once(recorder: AnalyticsRecorder, store: InMemoryAggregates) -> None:
    """GIVEN every record delivered twice (a retried batch) WHEN counted THEN the counters
    equal a single delivery's and the second deliveries write nothing."""
    once = InMemoryAggregates()
    single = AnalyticsRecorder(
        once, FakeResponderKinds({"ada": ResponderKind.ADVOCATE}), SLA.__getitem__
    )
    for event in lifecycle():
        single.record(event)
    for event in lifecycle():
        recorder.record(event)
    writes = [recorder.record(event) for event in lifecycle()]
    assert writes == [0, 0, 0, 0, 0]
    assert store.items == once.items


def test_any_order_gives_the_same_counters(store: InMemoryAggregates) -> None:
    """GIVEN the two streams deliver a mention's records in any order WHEN counted THEN every
    order ends with the same counters (facts wait on the card until their bucket is known)."""
    results = []
    for order in itertools.permutations(lifecycle()):
        fresh = InMemoryAggregates()
        recorder = AnalyticsRecorder(
            fresh, FakeResponderKinds({"ada": ResponderKind.ADVOCATE}), SLA.__getitem__
        )
        for event in order:
            recorder.record(event)
        results.append(fresh.items)
    assert len(results) == 120
    assert all(items == results[0] for items in results)
    assert results[0][("all", DAY)]["replied"] == 1


def test_reply_before_insert_waits_for_the_bucket(
    recorder: AnalyticsRecorder, store: InMemoryAggregates
) -> None:
    """GIVEN the audit's reply arrives before the mention's INSERT WHEN counted THEN it is kept
    on the card with no counters, and counted when the INSERT comes."""
    assert recorder.record(replied()) == 1  # the card only
    assert store.items == {}
    recorder.record(received())
    assert store.items[("all", DAY)]["replied"] == 1


def test_a_second_triage_image_is_not_a_new_triage(
    recorder: AnalyticsRecorder, store: InMemoryAggregates
) -> None:
    """GIVEN status MODIFYs that repeat the triage WHEN counted THEN needs_reply stays 1."""
    recorder.record(received(triage=triage()))
    assert recorder.record(received(triage=triage(route=RouteKind.EMPLOYEE))) == 0
    assert store.items[("all", DAY)]["needs_reply"] == 1
    assert ("route#employee", DAY) not in store.items


def test_overdue_status_counts_once(recorder: AnalyticsRecorder, store: InMemoryAggregates) -> None:
    """GIVEN the mention turns overdue, then its image is seen again WHEN counted THEN +1."""
    recorder.record(received(triage=triage()))
    recorder.record(received(triage=triage(), overdue=True))
    recorder.record(received(triage=triage(), overdue=True))
    assert store.items[("band#P2", DAY)]["overdue"] == 1


def test_late_reply_misses_the_sla_and_employee_share(
    recorder: AnalyticsRecorder, store: InMemoryAggregates
) -> None:
    """GIVEN an employee replies after 2 h to a P2 mention WHEN counted THEN replied by an
    employee, not within the SLA."""
    recorder.record(received(triage=triage()))
    recorder.record(
        ReplyRecorded(mention_id="x#1", at=RECEIVED + timedelta(hours=2), responder_id="eve")
    )
    item = store.items[("all", DAY)]
    assert item["replied_employee"] == 1
    assert "within_sla" not in item and "replied_advocate" not in item


def test_unknown_responder_counts_the_reply_without_a_kind(
    recorder: AnalyticsRecorder, store: InMemoryAggregates
) -> None:
    """GIVEN a reply by a responder no longer on file WHEN counted THEN replied, no share."""
    recorder.record(received())
    recorder.record(ReplyRecorded(mention_id="x#1", at=RECEIVED, responder_id="gone"))
    item = store.items[("all", DAY)]
    assert item["replied"] == 1 and "replied_advocate" not in item


def test_topics_and_dimensions_are_bounded(
    recorder: AnalyticsRecorder, store: InMemoryAggregates
) -> None:
    """GIVEN a mention with five topics WHEN triaged THEN it counts under three topics, and
    the commit touches at most 1 card + 4 base (with the 5-minute one) + 6 triage items."""
    recorder.record(received())
    five = TriageFacts.model_validate(triage().model_dump() | {"topics": ("a", "b", "c", "d", "e")})
    writes = recorder.record(received(triage=five))
    assert writes <= 11
    assert {dim for dim, _ in store.items if dim.startswith("topic#")} == {
        "topic#a",
        "topic#b",
        "topic#c",
    }


def test_a_concurrent_writer_makes_the_commit_retry(
    recorder: AnalyticsRecorder, store: InMemoryAggregates, kinds: FakeResponderKinds
) -> None:
    """GIVEN the other stream commits the same mention's card first WHEN counting THEN the
    recorder reads the card again and both facts are counted once."""
    recorder.record(received())
    other = AnalyticsRecorder(store, kinds, SLA.__getitem__)

    def other_stream_first() -> None:
        other.record(replied())

    store.before_commit = other_stream_first
    recorder.record(received(triage=triage()))
    item = store.items[("all", DAY)]
    assert (item["received"], item["needs_reply"], item["replied"], item["within_sla"]) == (
        1,
        1,
        1,
        1,
    )


def test_a_card_that_never_settles_raises(
    store: InMemoryAggregates, kinds: FakeResponderKinds
) -> None:
    """GIVEN every commit loses its race WHEN counting THEN an error (the record is retried)."""

    class Losing(InMemoryAggregates):
        def commit_cards(self, *_: object) -> bool:
            return False

    with pytest.raises(AnalyticsConflictError):
        AnalyticsRecorder(Losing(), kinds, SLA.__getitem__).record(received())


def test_settle_without_receipt_counts_nothing() -> None:
    """GIVEN a card with a reply but no receipt WHEN settled THEN no increments yet."""
    from crowdcare.rules.analytics_facts import MentionCard, ReplyFacts

    card = MentionCard(mention_id="x#1", reply=ReplyFacts(at=RECEIVED))
    assert settle(card, SLA.__getitem__) == (card, {})


# --- the query ------------------------------------------------------------------------------


def test_figures_of_a_period_fill_empty_days_with_zeros(
    recorder: AnalyticsRecorder, store: InMemoryAggregates
) -> None:
    """GIVEN one post on one day WHEN a week is asked THEN totals count it and the series has
    seven days, six of them empty."""
    for event in lifecycle():
        recorder.record(event)
    report = AnalyticsQuery(store).figures(date(2026, 11, 27), date(2026, 12, 3))
    assert report.totals.received == 1 and report.totals.response_rate == 1.0
    assert [s.bucket for s in report.series][:4] == [
        "day#2026-11-27",
        "day#2026-11-28",
        "day#2026-11-29",
        "day#2026-11-30",
    ]
    assert [s.figures.received for s in report.series] == [0, 0, 0, 1, 0, 0, 0]
    assert report.series[0].figures.response_rate is None


def test_figures_filtered_by_dimension_and_hourly(
    recorder: AnalyticsRecorder, store: InMemoryAggregates
) -> None:
    """GIVEN mentions on two platforms WHEN filtered by one THEN only it counts; hourly
    series are 24 per day, for all mentions only."""
    recorder.record(received("x#1"))
    recorder.record(
        MentionSeen(mention_id="reddit#1", received_at=RECEIVED, platform=Platform.REDDIT)
    )
    query = AnalyticsQuery(store)
    day = date(2026, 11, 30)
    assert query.figures(day, day, "platform#reddit").totals.received == 1
    assert query.figures(day, day).totals.received == 2
    hourly = query.figures(day, day, grain=Grain.HOUR)
    assert len(hourly.series) == 24 and hourly.series[9].bucket == HOUR
    assert hourly.series[9].figures.received == 2
    with pytest.raises(ValueError, match="all mentions only"):
        query.figures(day, day, "platform#x", Grain.HOUR)


def test_bad_periods_are_refused(store: InMemoryAggregates) -> None:
    """GIVEN a period ending before it starts, or too long WHEN asked THEN a clear error."""
    query = AnalyticsQuery(store, max_days=31)
    with pytest.raises(ValueError, match="ends before"):
        query.figures(date(2026, 11, 30), date(2026, 11, 1))
    with pytest.raises(ValueError, match="at most 31 days"):
        query.figures(date(2026, 1, 1), date(2026, 3, 1))
