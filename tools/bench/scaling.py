"""Scaling: what one mention and one request read, as responders and stored mentions grow.

Run: `.venv/bin/python -m tools.bench.scaling` (options: --responders 1000,10000,100000
--mentions 100000 --samples 7). Prints figures, asserts none: they are for people to compare.

For each responder count it seeds moto (items written straight to moto's backend, fast) and
routes the same mentions through both designs, paired and interleaved in one run:
  A  before issue 11: a consistent Scan of the Responders table, `route()` over everyone, the
     uncapped decision stored on the mention;
  B  candidate pools: `route_from_pools` (the top K of the sparse pool GSIs), decision capped.
Per mention: items read (DynamoDB's ScannedCount / items returned, counted on the client's
`after-call` event, so paginators count too), items written by the route step, `route()` time
(the pure function over the responders it was given: moto's own emulation time is not
DynamoDB's and is left out), and the decision's size. Per request: items read by the feed
(one responder's open assignments vs their whole history) and by /api/queue and the drain
(the queue index vs a filtered Scan of every stored mention).

Assumptions, stated here because the figures depend on them: responders speak en 70 %,
es 10 %, fr 10 %, de 10 % (a quarter also speak en as a second language), 5 % are employees,
max_open 5 with 0-5 open (a sixth full), reputations uniform; mentions are English, Spanish
and German questions at priority 55 (community route) with two topics; 1 % of stored mentions
are queued; the feed's responder has 500 closed and 3 open assignments. Medians over the
samples. One core, moto 5 in process.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from crowdcare.adapters.dynamodb.assignment_index import AssignmentIndex
from crowdcare.adapters.dynamodb.assignments import OPEN_FOR
from crowdcare.adapters.dynamodb.codec import to_item
from crowdcare.adapters.dynamodb.mentions import QUEUE_KEY, QUEUE_ORDER, QUEUED, MentionRepository
from crowdcare.adapters.dynamodb.responder_pool import pool_values
from crowdcare.adapters.dynamodb.responders import ResponderRepository
from crowdcare.domain.models import MentionStatus, Responder, ResponderKind
from crowdcare.domain.stored import StoredMention
from crowdcare.domain.triage import Triage
from crowdcare.rules.triage import route
from crowdcare.rules.triage.rules import TriageRules
from crowdcare.services.triage_steps import route_from_pools
from crowdcare.testing.builders import NOON, a_decision, a_mention, a_priority, an_analysis

RESPONDERS = "Responders"
MENTIONS = "Mentions"
ASSIGNMENTS = "Assignments"
REGION = "us-east-1"
LANGUAGES = ("es", "fr", "de")


@dataclass
class Reads:
    """Items read and written, counted from every DynamoDB call's response."""

    read: int = 0
    written: int = 0

    def hook(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        """botocore `after-call` handler."""
        name = model.name
        if name in {"Query", "Scan"}:
            self.read += int(parsed.get("ScannedCount", parsed.get("Count", 0)))
        elif name == "GetItem":
            self.read += 1 if "Item" in parsed else 0
        elif name == "BatchGetItem":
            self.read += sum(len(v) for v in parsed.get("Responses", {}).values())
        elif name in {"PutItem", "UpdateItem", "DeleteItem"}:
            self.written += 1

    @contextmanager
    def counting(self) -> Iterator[Reads]:
        """Counts what happens inside the block only."""
        self.read = self.written = 0
        yield self


def responder(n: int, rng: random.Random) -> Responder:
    """One synthetic responder (see the module's assumptions)."""
    roll = rng.random()
    first = "en" if roll < 0.7 else LANGUAGES[int((roll - 0.7) / 0.1) % 3]
    languages = (first, "en") if first != "en" and rng.random() < 0.25 else (first,)
    max_open = 5
    return Responder(
        responder_id=f"r{n:06d}",
        kind=ResponderKind.EMPLOYEE if rng.random() < 0.05 else ResponderKind.ADVOCATE,
        name=f"Responder {n}",
        email=f"r{n}@example.com",
        languages=languages,
        skills=tuple(rng.sample(["billing", "delivery", "returns", "setup", "app"], 2)),
        max_open=max_open,
        open_count=rng.randint(0, max_open),
        reputation=round(rng.random(), 3),
    )


def backend_table(name: str) -> Any:
    """moto's table object: seeding through it skips HTTP and boto3 (seconds, not minutes)."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[DEFAULT_ACCOUNT_ID][REGION].get_table(name)


def create_tables(client: Any) -> None:
    """The three tables as template.yaml declares them."""
    from crowdcare_local.stack import create_template_table

    for logical, name in (
        ("RespondersTable", RESPONDERS),
        ("MentionsTable", MENTIONS),
        ("AssignmentsTable", ASSIGNMENTS),
    ):
        create_template_table(client, logical, name)


def seed_responders(count: int, rng: random.Random) -> None:
    table = backend_table(RESPONDERS)
    for n in range(count):
        r = responder(n, rng)
        table.put_item(to_item(r.model_dump(mode="json") | pool_values(r)))


def seed_mentions(start: int, stop: int, queued_share: float, rng: random.Random) -> None:
    """Stored mentions, most answered (small items), `queued_share` of them queued (full)."""
    table = backend_table(MENTIONS)
    for n in range(start, stop):
        mention_id = f"x#{n}"
        if rng.random() >= queued_share:
            table.put_item({"mention_id": {"S": mention_id}, "status": {"S": "replied"}})
            continue
        mention = a_mention(str(n))
        score = rng.randint(20, 80)
        triage = Triage(analysis=an_analysis(), priority=a_priority(score), decision=a_decision())
        received = NOON - timedelta(seconds=n)
        stored = StoredMention(mention, received, MentionStatus.QUEUED, triage)
        values = mention.model_dump(mode="json") | {
            "mention_id": mention_id,
            "received_at": received.isoformat(),
            "status": MentionStatus.QUEUED.value,
            "triage": triage.model_dump(mode="json"),
            QUEUE_KEY: QUEUED,
            QUEUE_ORDER: f"{100 - score:03d}#{stored.received_at.isoformat()}#{mention_id}",
        }
        table.put_item(to_item(values))


def seed_feed(responder_id: str, closed: int, open_: int) -> None:
    table = backend_table(ASSIGNMENTS)
    for n in range(closed + open_):
        status = "open" if n >= closed else "replied"
        values: dict[str, Any] = {
            "mention_id": f"feed#{n}",
            "responder_id": responder_id,
            "responder_kind": "advocate",
            "route": "community",
            "priority": 50,
            "band": "P3",
            "assigned_at": (NOON + timedelta(minutes=n)).isoformat(),
            "attempt": 1,
            "status": status,
        }
        if status == "open":
            values[OPEN_FOR] = responder_id
        table.put_item(to_item(values))


@dataclass
class Figures:
    """Samples of one design at one size."""

    read: list[int] = field(default_factory=list)
    written: list[int] = field(default_factory=list)
    route_ms: list[float] = field(default_factory=list)
    decision_bytes: list[int] = field(default_factory=list)

    def medians(self) -> dict[str, float]:
        return {
            "items read": statistics.median(self.read),
            "items written": statistics.median(self.written),
            "route() ms": round(statistics.median(self.route_ms), 3),
            "decision bytes": statistics.median(self.decision_bytes),
            "decision bytes max": max(self.decision_bytes),
            "items read max": max(self.read),
            "mention item KB (WRU)": round(
                (statistics.median(self.decision_bytes) + 1500) / 1024, 1
            ),
        }


def bench_mentions(client: Any, reads: Reads, samples: int) -> dict[str, dict[str, float]]:
    """Paired A/B per mention, interleaved so drift hits both alike."""
    repo = ResponderRepository(client, RESPONDERS)
    rules = TriageRules.default()
    a, b = Figures(), Figures()
    for n in range(samples):
        language = ("en", "es", "de")[n % 3]
        mention = a_mention(f"bench{n}")
        analysis = an_analysis(language=language).model_copy(
            update={"topics": ("delivery", "billing")}
        )
        priority = a_priority(55)
        # A: the Scan and route() over everyone
        with reads.counting():
            everyone = repo.list_all()
        started = time.perf_counter()
        decision = route(mention, analysis, priority, everyone, rules, NOON)
        a.route_ms.append((time.perf_counter() - started) * 1000)
        a.read.append(reads.read)
        a.written.append(1)  # record_triage: one item (its size is the decision's)
        a.decision_bytes.append(len(decision.model_dump_json()))
        # B: the pools
        with reads.counting():
            decision = route_from_pools(mention, analysis, priority, repo, rules, NOON)
        b.read.append(reads.read)
        b.written.append(1)
        b.decision_bytes.append(len(decision.model_dump_json()))
        pool = repo.available(ResponderKind.ADVOCATE, language, 10)
        started = time.perf_counter()
        route(mention, analysis, priority, pool, rules, NOON)
        b.route_ms.append((time.perf_counter() - started) * 1000)
    return {"A scan": a.medians(), "B pools": b.medians()}


def bench_requests(client: Any, reads: Reads) -> dict[str, dict[str, int]]:
    """Items read by one feed request and one queue read, before and after."""
    index = AssignmentIndex(client, ASSIGNMENTS, RESPONDERS)
    mentions = MentionRepository(client, MENTIONS)
    figures: dict[str, dict[str, int]] = {}
    with reads.counting():
        history = index.for_responder("feeder")
    before = reads.read
    with reads.counting():
        open_now = index.open_for_responder("feeder")
    figures["feed"] = {"A history": before, "B open index": reads.read, "open": len(open_now)}
    assert {a.mention_id for a in open_now} == {
        a.mention_id for a in history if a.status.value == "open"
    }
    with reads.counting():
        paginator = client.get_paginator("scan")
        for _ in paginator.paginate(
            TableName=MENTIONS,
            ConsistentRead=True,
            Select="COUNT",
            FilterExpression="#s = :q",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":q": {"S": "queued"}},
        ):
            pass
    before = reads.read
    with reads.counting():
        head = mentions.queued(100)
    figures["queue"] = {"A filtered scan": before, "B queue index": reads.read, "shown": len(head)}
    return figures


def run(responder_counts: Sequence[int], stored_mentions: int, samples: int) -> dict[str, Any]:
    import boto3
    from moto import mock_aws

    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    results: dict[str, Any] = {}
    for count in responder_counts:
        with mock_aws():
            client = boto3.client("dynamodb", region_name=REGION)
            reads = Reads()
            client.meta.events.register("after-call.dynamodb.*", reads.hook)
            create_tables(client)
            rng = random.Random(11)  # noqa: S311 - synthetic data, not secrets
            started = time.perf_counter()
            seed_responders(count, rng)
            seeded = time.perf_counter() - started
            print(f"\n{count:,} responders (seeded in {seeded:.1f} s)")
            per_mention = bench_mentions(client, reads, samples)
            for design, medians in per_mention.items():
                print(f"  {design:8} " + ", ".join(f"{k} {v}" for k, v in medians.items()))
            results[f"{count} responders"] = per_mention
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        reads = Reads()
        client.meta.events.register("after-call.dynamodb.*", reads.hook)
        create_tables(client)
        rng = random.Random(12)  # noqa: S311 - synthetic data, not secrets
        stored = 0
        for size in sorted({stored_mentions // 10, stored_mentions}):
            started = time.perf_counter()
            seed_mentions(stored, size, 0.01, rng)
            stored = size
            seed_feed("feeder", 500, 3)
            print(f"\n{size:,} stored mentions (seeded in {time.perf_counter() - started:.1f} s)")
            requests = bench_requests(client, reads)
            for what, figures in requests.items():
                print(f"  {what:6} " + ", ".join(f"{k} {v}" for k, v in figures.items()))
            results[f"{size} mentions"] = requests
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--responders", default="1000,10000,100000")
    parser.add_argument("--mentions", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args(argv)
    counts = [int(c) for c in args.responders.split(",") if c]
    print(f"Scaling, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC (medians of {args.samples})")
    results = run(counts, args.mentions, args.samples)
    if args.json:
        print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
