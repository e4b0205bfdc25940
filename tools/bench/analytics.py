"""What response analytics costs per mention: the aggregation's reads and writes, and the query.

Synthetic mentions (seeded, so every run prints the same figures) live a typical life: stored,
triaged, and for those needing a reply: assigned, sometimes declined or escalated, replied.
Every stream record the AnalyticsFunction would receive goes through the real
`AnalyticsRecorder` and rules; the store is the in-memory fake, billed as DynamoDB bills:
a strongly consistent GetItem of a card (under 4 KB) is 1 read unit; a transaction writes each
item at 2 write units per started KB (the larger of its sizes before and after); a plain put
(card only) at 1 per KB; a Query reads the summed item sizes at 0.5 units per started 4 KB.

Run: `python -m tools.bench.analytics` (the lead wires `bench_analytics` into `make bench`).
"""

from __future__ import annotations

import math
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

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
    TriageFacts,
)
from crowdcare.services.analytics import AnalyticsRecorder
from crowdcare.testing.analytics import FakeResponderKinds, InMemoryAggregates

KB = 1024
START = datetime(2026, 11, 2, tzinfo=UTC)  # a Monday
DAYS = 28
TOPICS = ("app", "billing", "thermostat", "delivery", "account", "security", "outage")
SLA = {"P1": 900, "P2": 1800, "P3": 3600, "P4": 7200}


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
        self.read_units = 0

    def load_card(self, mention_id: str) -> MentionCard | None:
        self.read_units += 1
        return super().load_card(mention_id)

    def commit(self, card: MentionCard, expected_version: int, increments: Increments) -> bool:
        card_key = (f"mention#{card.mention_id}", "card")
        card_size = item_bytes(card_key, {"card": card.model_dump_json(), "version": card.version})
        per_item = 2 if increments else 1  # a transaction bills twice
        before = {key: item_bytes(key, dict(self.items.get(key, {}))) for key in increments}
        if not super().commit(card, expected_version, increments):
            return False
        self.write_units += per_item * math.ceil(card_size / KB)
        for key in increments:
            size = max(before[key], item_bytes(key, dict(self.items[key])))
            self.write_units += per_item * math.ceil(size / KB)
        return True


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


def query_read_units(store: InMemoryAggregates, dimension: str, first: date, days: int) -> float:
    """Read units of one eventually consistent Query of `days` day items of a dimension."""
    last = first + timedelta(days=days - 1)
    rows = store.buckets(dimension, day_bucket(first), day_bucket(last))
    size = sum(item_bytes((dimension, bucket), dict(counters)) for bucket, counters in rows)
    return 0.5 * max(1, math.ceil(size / (4 * KB)))


def bench_analytics(count: int = 2000, seed: int = 13) -> dict[str, Any]:
    """Run `count` synthetic mentions through the recorder; print and return the figures."""
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not a secret
    store = BilledAggregates()
    kinds = FakeResponderKinds(
        {
            "ada": ResponderKind.ADVOCATE,
            "bob": ResponderKind.ADVOCATE,
            "eve": ResponderKind.EMPLOYEE,
        }
    )
    recorder = AnalyticsRecorder(store, kinds, SLA.__getitem__)
    records, writes, max_writes = 0, 0, 0
    for n in range(count):
        for event in mention_life(rng, n):
            records += 1
            written = recorder.record(event)
            writes += written
            max_writes = max(max_writes, written)
    first = START.date()
    result = {
        "mentions": count,
        "stream_records_per_mention": records / count,
        "card_reads_per_mention": store.read_units / count,
        "items_written_per_mention": writes / count,
        "max_items_written_per_record": max_writes,
        "write_units_per_mention": store.write_units / count,
        "query_read_units_7_days_all": query_read_units(store, ALL, first, 7),
        "query_read_units_7_days_platform": query_read_units(store, "platform#x", first, 7),
        "query_read_units_28_days_all": query_read_units(store, ALL, first, DAYS),
    }
    print(f"analytics aggregation: {count} synthetic mentions over {DAYS} days (seed {seed})")
    print(f"  stream records reaching the function  {result['stream_records_per_mention']:.2f}")
    print(f"  card reads (1 RCU each)               {result['card_reads_per_mention']:.2f}")
    print(
        f"  items written                         {result['items_written_per_mention']:.2f}"
        f"  (at most {max_writes} per record)"
    )
    print(f"  write units (transactions bill 2x)    {result['write_units_per_mention']:.2f}")
    print("  + 1 GetItem per responder per container (their kind, cached)")
    print("GET /api/analytics: one Query per request")
    for label, key in (
        ("7 days, all mentions", "query_read_units_7_days_all"),
        ("7 days, one platform", "query_read_units_7_days_platform"),
        ("28 days, all mentions", "query_read_units_28_days_all"),
    ):
        print(f"  {label:<38}{result[key]} RCU")
    return result


if __name__ == "__main__":
    bench_analytics()
