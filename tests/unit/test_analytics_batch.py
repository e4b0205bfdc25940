"""AnalyticsRecorder.record_batch on the in-memory aggregates, against the per-record path."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import pytest
from crowdcare.domain.faq import FaqPost
from crowdcare.domain.models import Platform, ResponderKind
from crowdcare.domain.triage import RouteKind, SentimentLabel
from crowdcare.rules.analytics_facts import (
    AnalyticsEvent,
    Escalated,
    Increments,
    MentionCard,
    MentionSeen,
    Reassigned,
    ReplyRecorded,
    StreamRecord,
    TriageFacts,
)
from crowdcare.services.analytics import AnalyticsRecorder
from crowdcare.testing.analytics import FakeResponderKinds, InMemoryAggregates

RECEIVED = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
SLA = {"P1": 900, "P2": 1800, "P3": 3600, "P4": 7200}
KINDS = {"ada": ResponderKind.ADVOCATE, "eve": ResponderKind.EMPLOYEE}
TOPICS = ("app", "billing", "thermostat", "delivery", "account", "security", "outage")


def recorder_on(store: InMemoryAggregates) -> AnalyticsRecorder:
    return AnalyticsRecorder(store, FakeResponderKinds(KINDS), SLA.__getitem__)


def facts(language: str = "en", topics: tuple[str, ...] = ("billing",)) -> TriageFacts:
    return TriageFacts(
        language=language,
        route=RouteKind.COMMUNITY,
        band="P2",
        sentiment=SentimentLabel.NEGATIVE,
        topics=topics,
    )


def post(mention_id: str) -> FaqPost:
    return FaqPost(
        id=mention_id,
        text="where is my order?",
        kind="question",
        negative=True,
        created_at=RECEIVED,
    )


def life(
    mention_id: str, at: datetime = RECEIVED, triage: TriageFacts | None = None
) -> list[StreamRecord]:
    """A mention's records: received, triaged (with its FAQ post), declined once, replied."""
    seen = MentionSeen(mention_id=mention_id, received_at=at, platform=Platform.X)
    return [
        StreamRecord(record_id=f"{mention_id}/1", event=seen),
        StreamRecord(
            record_id=f"{mention_id}/2",
            event=seen.model_copy(update={"triage": triage or facts()}),
            post=post(mention_id),
        ),
        StreamRecord(
            record_id=f"{mention_id}/3",
            event=Reassigned(mention_id=mention_id, entry_key=f"{at.isoformat()}#declined"),
        ),
        StreamRecord(
            record_id=f"{mention_id}/4",
            event=ReplyRecorded(
                mention_id=mention_id, at=at + timedelta(minutes=10), responder_id="ada"
            ),
        ),
    ]


def oracle(records: Sequence[StreamRecord]) -> InMemoryAggregates:
    """The per-record path's result: each record counted alone, in order."""
    store = InMemoryAggregates()
    recorder = recorder_on(store)
    for record in records:
        if record.event is not None:
            recorder.record(record.event, record.post)
    return store


def test_a_batch_writes_each_card_once_and_shares_counter_items() -> None:
    """GIVEN the whole lives of two mentions of the same hour in one batch WHEN counted THEN
    one transaction writes each card once and each counter item once, with the per-record
    path's totals, and the FAQ posts kept with their cards."""
    records = life("x#1") + life("x#2")
    store = InMemoryAggregates()
    outcome = recorder_on(store).record_batch(records)
    expected = oracle(records)
    assert outcome.failed == () and outcome.commits == 1
    assert store.items == expected.items
    assert set(store.posts) == {"x#1", "x#2"} == set(expected.posts)
    assert {m: c.version for m, c in store.cards.items()} == {"x#1": 1, "x#2": 1}
    assert outcome.items_written == 2 + len(store.items) + 2
    assert outcome.items_written < expected.items_written / 3


def test_a_redelivered_batch_counts_nothing_twice() -> None:
    """GIVEN a batch counted once WHEN Lambda delivers it again, whole or from its middle
    THEN nothing is written and the counters stay those of one delivery."""
    records = life("x#1") + life("x#2")
    store = InMemoryAggregates()
    recorder = recorder_on(store)
    recorder.record_batch(records)
    counted = {key: dict(counters) for key, counters in store.items.items()}
    again = recorder.record_batch(records)
    tail = recorder.record_batch(records[3:])
    assert again.items_written == tail.items_written == 0
    assert again.failed == tail.failed == ()
    assert store.items == counted


def test_a_later_image_does_not_keep_the_faq_post_again() -> None:
    """GIVEN a mention whose triage was counted WHEN its overdue image arrives THEN the
    overdue is counted and no FAQ post is written again."""
    store = InMemoryAggregates()
    recorder = recorder_on(store)
    recorder.record_batch(life("x#1")[:2])
    store.posts.clear()
    seen = life("x#1")[1]
    assert isinstance(seen.event, MentionSeen)
    overdue = seen.model_copy(update={"event": seen.event.model_copy(update={"overdue": True})})
    outcome = recorder.record_batch([overdue])
    assert outcome.items_written > 0 and store.posts == {}
    assert store.items[("all", "day#2026-11-30")]["overdue"] == 1


def test_two_batches_racing_on_a_card_count_each_fact_once() -> None:
    """GIVEN the Audit batch commits a mention's card between the Mentions batch's read and
    its commit WHEN the Mentions batch commits THEN it loses the race, counts its records one
    by one, and every fact is counted exactly once."""
    records = life("x#1") + life("x#2")
    mentions_batch = [r for r in records if isinstance(r.event, MentionSeen)]
    audit_batch = [r for r in records if not isinstance(r.event, MentionSeen)]
    store = InMemoryAggregates()

    def audit_batch_first() -> None:
        recorder_on(store).record_batch(audit_batch)

    store.before_commit = audit_batch_first
    outcome = recorder_on(store).record_batch(mentions_batch)
    assert outcome.fallbacks == 1 and outcome.failed == ()
    assert store.items == oracle(records).items
    assert store.items[("all", "day#2026-11-30")]["replied"] == 2
    assert set(store.posts) == {"x#1", "x#2"}


def test_a_batch_over_one_transaction_is_committed_in_groups() -> None:
    """GIVEN 40 mentions over 40 days, languages and topics (far more than 100 items) WHEN
    counted as one batch THEN several transactions, none over 100 items (the fake refuses
    one), with the per-record path's totals."""
    records = [
        record
        for n in range(40)
        for record in life(
            f"x#{n}",
            RECEIVED + timedelta(days=n),
            facts(language=f"l{n}", topics=(TOPICS[n % 7], TOPICS[(n + 1) % 7])),
        )
    ]
    store = InMemoryAggregates()
    outcome = recorder_on(store).record_batch(records)
    expected = oracle(records)
    assert outcome.failed == () and outcome.commits > 1
    assert store.items == expected.items and len(store.posts) == 40


class PoisonedStore(InMemoryAggregates):
    """Refuses any commit that carries the poisoned mention's card (an item it cannot write)."""

    poisoned = "x#bad"

    def commit_cards(
        self,
        cards: Sequence[tuple[MentionCard, int]],
        increments: Increments,
        posts: Sequence[FaqPost] = (),
    ) -> bool:
        if any(card.mention_id == self.poisoned for card, _ in cards):
            raise RuntimeError("ValidationException: item size has exceeded the maximum")
        return super().commit_cards(cards, increments, posts)


def test_a_poisoned_mention_fails_only_its_own_group() -> None:
    """GIVEN a batch of three transaction groups whose last holds a mention that cannot be
    written WHEN counted THEN exactly that group's records are reported failed, the other
    groups are counted, and the retry of the failed records counts them once."""
    good = [
        record
        for n in range(30)
        for record in life(f"x#{n}", RECEIVED + timedelta(days=n), facts(language=f"l{n}"))
    ]
    records = good + life("x#bad", RECEIVED + timedelta(days=31), facts(language="zz"))
    store = PoisonedStore()
    recorder = recorder_on(store)
    outcome = recorder.record_batch(records)
    assert outcome.commits >= 2
    failed = set(outcome.failed)
    assert {f"x#bad/{i}" for i in range(1, 5)} <= failed
    assert all(r.record_id in failed for r in records if r.record_id.startswith("x#bad"))
    assert len(failed) < len(records) / 2
    counted = [r for r in records if r.record_id not in failed]
    assert store.items == oracle(counted).items
    # Lambda retries from the first failed record on; the poison is gone by then.
    store.poisoned = "none"
    retried = recorder.record_batch([r for r in records if r.record_id in failed])
    assert retried.failed == ()
    assert store.items == oracle(records).items


def test_a_record_that_cannot_be_told_fails_only_its_mention() -> None:
    """GIVEN the responder lookup fails for one mention's reply WHEN the batch is counted
    THEN that mention's records are reported and the other mention is counted."""

    class BrokenKinds(FakeResponderKinds):
        def __call__(self, responder_id: str) -> ResponderKind | None:
            if responder_id == "ghost":
                raise RuntimeError("Responders table throttled")
            return super().__call__(responder_id)

    broken = life("x#2")
    reply = broken[3]
    assert isinstance(reply.event, ReplyRecorded)
    broken[3] = reply.model_copy(
        update={"event": reply.event.model_copy(update={"responder_id": "ghost"})}
    )
    store = InMemoryAggregates()
    outcome = AnalyticsRecorder(store, BrokenKinds(KINDS), SLA.__getitem__).record_batch(
        life("x#1") + broken
    )
    assert set(outcome.failed) == {r.record_id for r in broken}
    assert store.items == oracle(life("x#1")).items


def random_records(rng: random.Random, mentions: int) -> list[StreamRecord]:
    """Random lives (some records missing, some delivered twice) interleaved at random."""
    lives: list[list[StreamRecord]] = []
    for n in range(mentions):
        mention_id = f"x#{n}"
        at = RECEIVED + timedelta(minutes=rng.randrange(3 * 24 * 60))
        triage = TriageFacts(
            language=rng.choice(("en", "es", "de")),
            route=rng.choice(list(RouteKind)),
            band=rng.choice(tuple(SLA)),
            sentiment=rng.choice(list(SentimentLabel)),
            topics=tuple(rng.sample(TOPICS, rng.randrange(4))),
        )
        seen = MentionSeen(
            mention_id=mention_id, received_at=at, platform=rng.choice(list(Platform))
        )
        events: list[tuple[AnalyticsEvent, FaqPost | None]] = [
            (seen, None),
            (
                seen.model_copy(update={"triage": triage}),
                post(mention_id) if rng.random() < 0.5 else None,
            ),
            (seen.model_copy(update={"triage": triage, "overdue": True}), None),
            (Reassigned(mention_id=mention_id, entry_key=f"{n}#declined"), None),
            (Escalated(mention_id=mention_id, entry_key=f"{n}#escalated"), None),
            (
                ReplyRecorded(
                    mention_id=mention_id,
                    at=at + timedelta(seconds=rng.randrange(1, 20_000)),
                    responder_id=rng.choice(("ada", "eve", "nobody")),
                ),
                None,
            ),
        ]
        kept = [e for e in events if rng.random() < 0.8]
        kept += rng.sample(kept, min(len(kept), rng.randrange(3)))  # redeliveries
        rng.shuffle(kept)
        lives.append(
            [
                StreamRecord(record_id=f"{mention_id}/{i}", event=event, post=p)
                for i, (event, p) in enumerate(kept)
            ]
        )
    records: list[StreamRecord] = []
    while any(lives):
        life_ = rng.choice([lv for lv in lives if lv])
        records.append(life_.pop(0))
    return records


@pytest.mark.parametrize("seed", range(25))
def test_batches_count_what_the_per_record_path_counts(seed: int) -> None:
    """GIVEN a random sequence of stream records (missing, repeated and interleaved) cut into
    random batches WHEN each batch is counted as a whole THEN the counters and FAQ posts equal
    the per-record path's on the same sequence."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not a secret
    records = random_records(rng, rng.randrange(1, 30))
    store = InMemoryAggregates()
    recorder = recorder_on(store)
    start = 0
    while start < len(records):
        size = rng.choice((1, 2, 5, 20, 100))
        assert recorder.record_batch(records[start : start + size]).failed == ()
        start += size
    expected = oracle(records)
    assert store.items == expected.items
    assert set(store.posts) == set(expected.posts)
    assert {m: sorted(c.counted) for m, c in store.cards.items()} == {
        m: sorted(c.counted) for m, c in expected.cards.items()
    }
