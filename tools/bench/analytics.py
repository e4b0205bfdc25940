"""What response analytics costs per mention: the aggregation's reads and writes, and the query.

Synthetic mentions (seeded, so every run prints the same figures) live a typical life: stored,
triaged, and for those needing a reply: assigned, sometimes declined or escalated, replied.
Every stream record the AnalyticsFunction would receive goes, in stream batches, through the
real `AnalyticsRecorder.record_batch` and rules; the store is the in-memory fake, billed as
DynamoDB bills: a strongly consistent read of a card (under 4 KB) is 1 read unit; a transaction
writes each item at 2 write units per started KB (the larger of its sizes before and after); a
plain put (a lone card) at 1 per KB; a Query reads the summed item sizes at 0.5 units per
started 4 KB.

`bench_batch_sizes` tables the writes per mention by mentions per stream batch, against the
per-record path (`AnalyticsRecorder.record`) on the same records.

Run: `python -m tools.bench.analytics` (part of `make bench`).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from crowdcare.domain.faq import FaqPost
from crowdcare.domain.models import Platform, ResponderKind
from crowdcare.domain.triage import RouteKind, SentimentLabel
from crowdcare.rules.analytics import ALL, day_bucket
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

KB = 1024
START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
DAYS = 28
TOPICS = ("app", "billing", "thermostat", "delivery", "account", "security", "outage")
SLA = {"P1": 900, "P2": 1800, "P3": 3600, "P4": 7200}
# The embedded triage calls 61% of the TWCS inbound tweets a question or complaint (50%
# complaints, 12% questions): each such mention's triage adds its FAQ post to the commit. Their
# text averages 108 characters.
QUESTION_SHARE = 0.6
POST_CHARS = 108
# The AnalyticsFunction's event source mappings (template.yaml): BatchSize and batching window.
BATCH_SIZE = 100
BATCH_WINDOW_SECONDS = 5
BATCH_MENTIONS = (1, 2, 5, 10, 25, 50, 100)
ARRIVAL_GAP = timedelta(seconds=3)
BENCH_BATCH_MENTIONS = 10


def item_bytes(key: tuple[str, str], attributes: dict[str, Any]) -> int:
    """DynamoDB's size of an item: names plus values (a number is about 1 byte per 2 digits)."""
    size = len("dimension") + len(key[0]) + len("bucket") + len(key[1])
    for name, value in attributes.items():
        text = str(value)
        size += len(name) + (len(text) if isinstance(value, str) else math.ceil(len(text) / 2) + 1)
    return size


class BilledAggregates(InMemoryAggregates):
    """The in-memory store, adding up the units DynamoDB would bill for each call."""

    def __init__(self) -> None:
        super().__init__()
        self.write_units = 0
        self.max_commit_items = 0

    @property
    def read_units(self) -> int:
        # A strongly consistent read of a card (GetItem, or a key of a BatchGetItem): 1 unit.
        return self.card_reads

    def commit_cards(
        self,
        cards: Sequence[tuple[MentionCard, int]],
        increments: Increments,
        posts: Sequence[FaqPost] = (),
    ) -> bool:
        sizes = [
            item_bytes(
                (f"mention#{card.mention_id}", "card"),
                {"card": card.model_dump_json(), "version": card.version},
            )
            for card, _expected in cards
        ]
        sizes += [
            item_bytes((f"faq#{p.created_at.date()}", p.id), post_attributes(p)) for p in posts
        ]
        before = {key: item_bytes(key, dict(self.items.get(key, {}))) for key in increments}
        if not super().commit_cards(cards, increments, posts):
            return False
        sizes += [max(before[k], item_bytes(k, dict(self.items[k]))) for k in increments]
        # A lone card is a conditional put (1 unit per KB); anything more a transaction (2).
        per_item = 1 if len(sizes) == 1 else 2
        self.write_units += sum(per_item * math.ceil(size / KB) for size in sizes)
        self.max_commit_items = max(self.max_commit_items, len(sizes))
        return True


def post_attributes(post: FaqPost) -> dict[str, Any]:
    """A FAQ post item's attributes as `crowdcare.adapters.dynamodb.faq.post_item` writes them."""
    return {
        "text": post.text,
        "kind": post.kind,
        "negative": "1",  # a BOOL is 1 byte
        "created_at": post.created_at.isoformat(),
        "expires_at": 1_800_000_000,
    }


def mention_life(rng: random.Random, n: int) -> list[AnalyticsEvent]:
    """The stream records one mention causes that reach the function: the event source
    mappings let through the Mentions INSERT and the MODIFYs to triaged, no_action or overdue,
    and the Audit entries replied, declined, timed_out and escalated."""
    mention_id = f"x#{n}"
    received = START + timedelta(seconds=rng.randrange(DAYS * 24 * 3600))
    platform = rng.choice(list(Platform))
    route = rng.choices(list(RouteKind), weights=(4, 4, 2))[0]
    triage = TriageFacts(
        language=rng.choice(("en", "en", "en", "es", "de")),
        route=route,
        band=rng.choice(("P1", "P2", "P3", "P4")),
        sentiment=rng.choice(list(SentimentLabel)),
        topics=tuple(rng.sample(TOPICS, rng.choice((0, 1, 1, 1, 2, 3)))),
    )
    seen = MentionSeen(mention_id=mention_id, received_at=received, platform=platform)
    events: list[AnalyticsEvent] = [seen, seen.model_copy(update={"triage": triage})]
    if route is RouteKind.NONE:
        return events
    at = received + timedelta(minutes=1)
    if rng.random() < 0.2:
        events.append(Reassigned(mention_id=mention_id, entry_key=f"{at.isoformat()}#declined"))
    if rng.random() < 0.1:
        events.append(Escalated(mention_id=mention_id, entry_key=f"{at.isoformat()}#escalated"))
    if rng.random() < 0.85:
        replied = received + timedelta(seconds=rng.lognormvariate(math.log(1500), 1.0))
        responder = rng.choice(("ada", "bob", "eve"))
        events.append(ReplyRecorded(mention_id=mention_id, at=replied, responder_id=responder))
    if rng.random() < 0.03:
        events.append(seen.model_copy(update={"triage": triage, "overdue": True}))
    return events


def mention_post(rng: random.Random, events: Sequence[AnalyticsEvent]) -> FaqPost | None:
    """The FAQ post a mention's triaged images carry when the triage calls it a question or a
    complaint (`QUESTION_SHARE` of mentions); None otherwise."""
    triaged = next((e for e in events if isinstance(e, MentionSeen) and e.triage), None)
    if triaged is None or triaged.triage is None or rng.random() >= QUESTION_SHARE:
        return None
    return FaqPost(
        id=triaged.mention_id,
        text="x" * POST_CHARS,
        kind=rng.choices(("question", "complaint"), weights=(1, 4))[0],
        negative=triaged.triage.sentiment is SentimentLabel.NEGATIVE,
        created_at=triaged.received_at,
    )


def stream_records(events: Sequence[AnalyticsEvent], post: FaqPost | None) -> list[StreamRecord]:
    """A mention's events as the stream records the function reads: every Mentions image that
    carries the triage also carries the FAQ post (the recorder keeps it once)."""
    return [
        StreamRecord(
            record_id=f"{event.mention_id}/{n}",
            event=event,
            post=post if isinstance(event, MentionSeen) and event.triage else None,
        )
        for n, event in enumerate(events)
    ]


def arriving_mentions(count: int, seed: int) -> list[tuple[StreamRecord, StreamRecord]]:
    """`count` mentions arriving `ARRIVAL_GAP` apart, each as its two Mentions stream records:
    the receipt (INSERT) and the triage (MODIFY, with the FAQ post of a question/complaint)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not a secret
    posts = random.Random(seed + 1)  # noqa: S311 - its own stream: the lives stay the same
    pairs = []
    for n in range(count):
        at = START + n * ARRIVAL_GAP
        events = [e.model_copy(update={"received_at": at}) for e in mention_life(rng, n)[:2]]
        receipt, triage = stream_records(events, mention_post(posts, events))
        pairs.append((receipt, triage))
    return pairs


def _recorder(store: InMemoryAggregates) -> AnalyticsRecorder:
    kinds = FakeResponderKinds(
        {
            "ada": ResponderKind.ADVOCATE,
            "bob": ResponderKind.ADVOCATE,
            "eve": ResponderKind.EMPLOYEE,
        }
    )
    return AnalyticsRecorder(store, kinds, SLA.__getitem__)


def written_per_record(pairs: Sequence[tuple[StreamRecord, StreamRecord]]) -> BilledAggregates:
    """The per-record path (`AnalyticsRecorder.record`, one commit per record): the store."""
    store = BilledAggregates()
    recorder = _recorder(store)
    for pair in pairs:
        for record in pair:
            assert record.event is not None
            recorder.record(record.event, record.post)
    return store


def written_in_batches(
    pairs: Sequence[tuple[StreamRecord, StreamRecord]], mentions: int, together: bool
) -> BilledAggregates:
    """`record_batch` over batches of `mentions` consecutive mentions: their receipts and
    triages in one batch (`together`), or the receipts in one and their triages in the next."""
    store = BilledAggregates()
    recorder = _recorder(store)
    for start in range(0, len(pairs), mentions):
        group = pairs[start : start + mentions]
        if together:
            batches = [[record for pair in group for record in pair]]
        else:
            batches = [[receipt for receipt, _ in group], [triage for _, triage in group]]
        for batch in batches:
            if recorder.record_batch(batch).failed:
                raise RuntimeError("a bench batch was not counted")
    return store


def bench_batch_sizes(count: int = 1200, seed: int = 13) -> dict[str, Any]:
    """Items and write units per mention on the Mentions stream, by mentions per stream batch,
    against the per-record path on the same records; print and return the table."""
    pairs = arriving_mentions(count, seed)
    baseline = written_per_record(pairs)
    per_record = {
        "items": baseline.items_written / count,
        "write_units": baseline.write_units / count,
    }
    rows: dict[int, dict[str, dict[str, float] | None]] = {}
    for mentions in BATCH_MENTIONS:
        rows[mentions] = {}
        for label, together in (("together", True), ("separate", False)):
            if (2 if together else 1) * mentions > BATCH_SIZE:
                rows[mentions][label] = None  # more records than one batch holds
                continue
            store = written_in_batches(pairs, mentions, together)
            rows[mentions][label] = {
                "items": store.items_written / count,
                "write_units": store.write_units / count,
                "card_reads": store.read_units / count,
            }
    posts = sum(1 for _receipt, triage in pairs if triage.post is not None)

    def shown(figures: dict[str, float] | None, key: str) -> str:
        return f"{figures[key]:9.2f}" if figures else f"{'n/a':>9}"

    print(
        f"\nanalytics writes per mention by stream batch size (record_batch): {count} mentions "
        f"arriving {ARRIVAL_GAP.seconds} s apart\n(seed {seed}), each a receipt (INSERT) then a "
        f"triage (MODIFY) record on the Mentions stream;\n{posts / count:.0%} questions or "
        "complaints (their FAQ post is in the commit)"
    )
    print(f"  {'mentions':>9}{'items written per mention':>30}{'write units per mention':>30}")
    print(f"  {'per batch':>9}" + f"{'together':>9}{'separate':>9}{'record()':>12}" * 2)
    for mentions, row in rows.items():
        print(
            f"  {mentions:9d}"
            + "".join(
                shown(row["together"], key)
                + shown(row["separate"], key)
                + f"{per_record[key]:12.2f}"
                for key in ("items", "write_units")
            )
        )
    print(
        "  together: a mention's receipt and triage in the same batch; separate: the receipts\n"
        "  in one batch, their triages in the next (a live stream mixes the two: in between);\n"
        "  record(): the per-record path on the same records (one commit each), the baseline;\n"
        f"  n/a: {2 * BATCH_MENTIONS[-1]} records are over the event source's BatchSize "
        f"{BATCH_SIZE}.\n"
        f"  Which row production sees depends on traffic: a batch is up to {BATCH_SIZE} records "
        f"from one shard\n  gathered for up to {BATCH_WINDOW_SECONDS} s, so mentions per batch "
        f"~ mentions per second per shard x {BATCH_WINDOW_SECONDS} s:\n"
        f"  one every 3 s ~ 2, one a second ~ 5, 10 a second or more ~ 50 (the {BATCH_SIZE} "
        "records cap)."
    )
    return {
        "mentions": count,
        "faq_posts_per_mention": posts / count,
        "per_record": per_record,
        "per_batch": rows,
    }


def query_read_units(store: InMemoryAggregates, dimension: str, first: date, days: int) -> float:
    """Read units of one eventually consistent Query of `days` day items of a dimension."""
    last = first + timedelta(days=days - 1)
    rows = store.buckets(dimension, day_bucket(first), day_bucket(last))
    size = sum(item_bytes((dimension, bucket), dict(counters)) for bucket, counters in rows)
    return 0.5 * max(1, math.ceil(size / (4 * KB)))


def stream_batches(lives: Sequence[Sequence[StreamRecord]]) -> list[list[StreamRecord]]:
    """The batches the function gets for these mentions' records: their receipts, their
    triages, their audit entries (replies, reassignments, escalations) and their late
    `overdue` images, each in a batch of its own (receipt and triage apart: the conservative
    column of `bench_batch_sizes`)."""
    batches: list[list[StreamRecord]] = [[], [], [], []]
    for records in lives:
        for record in records:
            event = record.event
            if not isinstance(event, MentionSeen):
                batches[2].append(record)
            elif event.overdue:
                batches[3].append(record)
            else:
                batches[1 if event.triage else 0].append(record)
    return [batch for batch in batches if batch]


def bench_analytics(
    count: int = 2000, seed: int = 13, batch_mentions: int = BENCH_BATCH_MENTIONS
) -> dict[str, Any]:
    """Run `count` synthetic mentions through `record_batch`, `batch_mentions` consecutive
    mentions' records a batch; print and return the figures."""
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not a secret
    posts = random.Random(seed + 1)  # noqa: S311 - its own stream: the lives stay the same
    lives = []
    for n in range(count):
        events = mention_life(rng, n)
        lives.append(stream_records(events, mention_post(posts, events)))
    lives.sort(key=lambda records: _received_at(records[0]))
    store = BilledAggregates()
    recorder = _recorder(store)
    records = sum(len(records) for records in lives)
    commits = fallbacks = 0
    # The per-record path on the same records in the same order, for the figures beside.
    per_record = BilledAggregates()
    record_one = _recorder(per_record).record
    for start in range(0, count, batch_mentions):
        for batch in stream_batches(lives[start : start + batch_mentions]):
            for record in batch:
                assert record.event is not None
                record_one(record.event, record.post)
            outcome = recorder.record_batch(batch)
            if outcome.failed:
                raise RuntimeError("a bench batch was not counted")
            commits += outcome.commits
            fallbacks += outcome.fallbacks
    first = START.date()
    result = {
        "mentions": count,
        "batch_mentions": batch_mentions,
        "stream_records_per_mention": records / count,
        "card_reads_per_mention": store.read_units / count,
        "commits_per_mention": commits / count,
        "items_written_per_mention": store.items_written / count,
        "max_items_written_per_commit": store.max_commit_items,
        "write_units_per_mention": store.write_units / count,
        "per_record_items_written_per_mention": per_record.items_written / count,
        "per_record_write_units_per_mention": per_record.write_units / count,
        "faq_posts_per_mention": len(store.posts) / count,
        "fallbacks": fallbacks,
        "query_read_units_7_days_all": query_read_units(store, ALL, first, 7),
        "query_read_units_7_days_platform": query_read_units(store, "platform#x", first, 7),
        "query_read_units_28_days_all": query_read_units(store, ALL, first, DAYS),
    }
    print(f"analytics aggregation: {count} synthetic mentions over {DAYS} days (seed {seed})")
    print(
        f"  counted by record_batch, {batch_mentions} consecutive mentions a batch (their receipts,"
        " triages, audit\n  entries and overdue images each in a batch of their own); the "
        "mentions are spread over\n  the 28 days, so they share fewer items than a live batch "
        "would\n  (by batch size: the table of `python -m tools.bench.analytics`)"
    )
    print(f"  stream records reaching the function  {result['stream_records_per_mention']:.2f}")
    print(f"  card reads (1 RCU each)               {result['card_reads_per_mention']:.2f}")
    print(
        f"  items written                         {result['items_written_per_mention']:.2f}"
        f"  (record(): {result['per_record_items_written_per_mention']:.2f})"
    )
    print(
        f"  write units (transactions bill 2x)    {result['write_units_per_mention']:.2f}"
        f"  (record(): {result['per_record_write_units_per_mention']:.2f})"
    )
    print(
        f"  commits                               {commits / count:.2f}"
        f"  (at most {store.max_commit_items} items each; a transaction holds 100)"
    )
    print(
        f"  FAQ posts among the items             {result['faq_posts_per_mention']:.2f}"
        "  (a question or complaint's, in its card's commit)"
    )
    print("  + 1 GetItem per responder per container (their kind, cached)")
    print("GET /api/analytics: one Query per request")
    for label, key in (
        ("7 days, all mentions", "query_read_units_7_days_all"),
        ("7 days, one platform", "query_read_units_7_days_platform"),
        ("28 days, all mentions", "query_read_units_28_days_all"),
    ):
        print(f"  {label:<38}{result[key]} RCU")
    return result


def _received_at(record: StreamRecord) -> datetime:
    assert isinstance(record.event, MentionSeen)  # a mention's first record is its receipt
    return record.event.received_at


if __name__ == "__main__":
    bench_analytics()
    bench_batch_sizes()
