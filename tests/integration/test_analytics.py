"""Response analytics on moto: the AggregatesTable adapter and the analytics stream function,
fed by the real Mentions and Audit tables' streams (tables created from template.yaml)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
from crowdcare.adapters.dynamodb.aggregates import AggregatesTable, AnalyticsStreams, table_of
from crowdcare.adapters.dynamodb.audit import SYSTEM, AuditAction, AuditEntry, AuditTrail
from crowdcare.adapters.dynamodb.faq import FaqPostIndex
from crowdcare.adapters.dynamodb.repositories import MentionRepository, ResponderRepository
from crowdcare.domain.faq import FaqPost
from crowdcare.domain.models import (
    Author,
    Mention,
    MentionStatus,
    Platform,
    Responder,
    ResponderKind,
)
from crowdcare.domain.triage import (
    Analysis,
    Intent,
    Priority,
    RouteDecision,
    RouteKind,
    Sentiment,
    SentimentLabel,
    SentimentScores,
    Triage,
)
from crowdcare.rules.analytics_facts import MentionCard
from crowdcare.services.analytics import AnalyticsQuery
from crowdcare_local.stack import create_template_table
from crowdcare_local.stack.pump import stream_record_event

from tests.integration.conftest import CoreAws

AUDIT_TABLE = "crowdcare-test-audit"
AGGREGATES_TABLE = "crowdcare-test-aggregates"
RECEIVED = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
DAY = date(2026, 11, 30)


class Context:
    """Just enough of a Lambda context for powertools."""

    function_name = "analytics"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:analytics"
    aws_request_id = "req-1"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 60_000


@dataclass(frozen=True)
class AnalyticsAws:
    core: CoreAws
    aggregates: AggregatesTable
    mentions: MentionRepository
    audit: AuditTrail
    streams: Any

    def stream_events(self, table: str) -> list[dict[str, Any]]:
        """Every record of a table's stream so far, in Lambda's event shape."""
        arn = self.core.dynamodb.describe_table(TableName=table)["Table"]["LatestStreamArn"]
        records: list[dict[str, Any]] = []
        for shard in self.streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
            iterator = self.streams.get_shard_iterator(
                StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
            )["ShardIterator"]
            response = self.streams.get_records(ShardIterator=iterator, Limit=1000)
            records.extend(stream_record_event(r, arn) for r in response["Records"])
        return records


@pytest.fixture
def analytics_aws(core_aws: CoreAws, monkeypatch: pytest.MonkeyPatch) -> Iterator[AnalyticsAws]:
    """The core tables plus the Audit and Aggregates tables, and the function's environment."""
    dynamodb = core_aws.dynamodb
    create_template_table(dynamodb, "AuditTable", AUDIT_TABLE)
    create_template_table(dynamodb, "AggregatesTable", AGGREGATES_TABLE)
    for name, value in {
        "AGGREGATES_TABLE": AGGREGATES_TABLE,
        "MENTIONS_TABLE": core_aws.mentions_table,
        "AUDIT_TABLE": AUDIT_TABLE,
        "RESPONDERS_TABLE": core_aws.responders_table,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("ROUTING_RULES_PARAMETER", raising=False)
    from crowdcare.config.clients import default_clients

    from functions.analytics import app

    default_clients.cache_clear()
    app.wiring.cache_clear()
    ResponderRepository(dynamodb, core_aws.responders_table).put(
        Responder(
            responder_id="ada", kind=ResponderKind.ADVOCATE, name="Ada", email="ada@example.com"
        )
    )
    yield AnalyticsAws(
        core=core_aws,
        aggregates=AggregatesTable(dynamodb, AGGREGATES_TABLE),
        mentions=MentionRepository(dynamodb, core_aws.mentions_table),
        audit=AuditTrail(dynamodb, AUDIT_TABLE),
        # The endpoint spelt out: botocore's endpoint rules send DescribeStream somewhere
        # moto's in-process mock does not route.
        streams=boto3.client(
            "dynamodbstreams",
            region_name=core_aws.region,
            endpoint_url=f"https://streams.dynamodb.{core_aws.region}.amazonaws.com",
        ),
    )
    app.wiring.cache_clear()
    default_clients.cache_clear()


def mention(post_id: str) -> Mention:
    return Mention(
        platform=Platform.X,
        post_id=post_id,
        author=Author(id="u1", handle="carol"),
        text="my brightwave bill is wrong",
        created_at=RECEIVED - timedelta(minutes=1),
    )


def complaint_triage() -> Triage:
    return Triage(
        analysis=Analysis(
            language="en",
            sentiment=Sentiment(
                label=SentimentLabel.NEGATIVE,
                scores=SentimentScores(positive=0.0, negative=0.9, neutral=0.1, mixed=0.0),
                compound=-0.7,
            ),
            intent=Intent.COMPLAINT,
            topics=("billing",),
        ),
        priority=Priority(score=60, band="P2", reasons=("negative",)),
        decision=RouteDecision(route=RouteKind.COMMUNITY, reasons=("billing",)),
    )


def live_a_mention(aws: AnalyticsAws, post_id: str, reply_after: timedelta) -> str:
    """Write what the pipeline writes for one mention: stored, triaged and assigned (one write,
    the first pick's), declined, replied."""
    stored = mention(post_id)
    mention_id = stored.mention_id
    aws.mentions.put_if_new(stored, RECEIVED)
    aws.mentions.record_triage(
        mention_id, complaint_triage(), MentionStatus.ASSIGNED, "community attempt 1"
    )
    for action, actor, at in (
        (AuditAction.ASSIGNED, SYSTEM, RECEIVED),
        (AuditAction.DECLINED, "bob", RECEIVED + timedelta(minutes=2)),
        (AuditAction.REPLIED, "ada", RECEIVED + reply_after),
    ):
        aws.audit.append(
            AuditEntry(mention_id=mention_id, at=at, action=action, actor=actor, responder_id=actor)
        )
    aws.mentions.set_status(mention_id, MentionStatus.REPLIED, "https://x.com/r/1")
    return mention_id


def run_function(records: list[dict[str, Any]]) -> dict[str, Any]:
    from functions.analytics import app

    result: dict[str, Any] = app.lambda_handler({"Records": records}, Context())
    return result


def test_commit_is_conditional_on_the_card_version(analytics_aws: AnalyticsAws) -> None:
    """GIVEN a stored card at version 1 WHEN a commit expects version 0 or 2 THEN nothing is
    written; expecting 1 stores the card (expiring 90 days after receipt) and adds the
    counters."""
    table = analytics_aws.aggregates
    card = MentionCard(mention_id="x#1", version=1, received_at=RECEIVED)
    assert table.commit(card, 0, {("all", "day#2026-11-30"): {"received": 1}})
    assert not table.commit(card.model_copy(update={"version": 1}), 0, {("all", "x"): {"n": 1}})
    assert not table.commit(card.model_copy(update={"version": 3}), 2, {("all", "x"): {"n": 1}})
    assert not table.commit(card.model_copy(update={"version": 3}), 2, {})
    assert table.commit(
        card.model_copy(update={"version": 2}), 1, {("all", "day#2026-11-30"): {"received": 2}}
    )
    assert table.load_card("x#1") == card.model_copy(update={"version": 2})
    assert table.buckets("all", "day#2026-11-30", "day#2026-11-30") == [
        ("day#2026-11-30", {"received": 3})
    ]
    assert table.buckets("all", "x", "x") == []
    raw = analytics_aws.core.dynamodb.get_item(
        TableName=AGGREGATES_TABLE, Key={"dimension": {"S": "mention#x#1"}, "bucket": {"S": "card"}}
    )["Item"]
    assert int(raw["expires_at"]["N"]) == int((RECEIVED + timedelta(days=90)).timestamp())


def test_buckets_read_one_dimension_and_range(analytics_aws: AnalyticsAws) -> None:
    """GIVEN items of two dimensions over three days WHEN one range of one is read THEN only
    its items, in order."""
    table = analytics_aws.aggregates
    for version, (dim, day) in enumerate(
        [
            ("all", "day#2026-11-29"),
            ("all", "day#2026-11-30"),
            ("all", "day#2026-12-01"),
            ("platform#x", "day#2026-11-30"),
        ],
        start=1,
    ):
        card = MentionCard(mention_id=f"m{version}", version=1)
        assert table.commit(card, 0, {(dim, day): {"received": version}})
    assert table.buckets("all", "day#2026-11-30", "day#2026-12-31") == [
        ("day#2026-11-30", {"received": 2}),
        ("day#2026-12-01", {"received": 3}),
    ]


def test_function_counts_a_mention_from_both_streams(analytics_aws: AnalyticsAws) -> None:
    """GIVEN a mention's real Mentions and Audit stream records, delivered twice WHEN the
    function runs THEN the figures count it once: received, replied by an advocate in 10 min,
    one reassignment."""
    live_a_mention(analytics_aws, "1", timedelta(minutes=10))
    records = analytics_aws.stream_events(analytics_aws.core.mentions_table)
    records += analytics_aws.stream_events(AUDIT_TABLE)
    assert run_function(records) == {"batchItemFailures": []}
    assert run_function(records) == {"batchItemFailures": []}
    query = AnalyticsQuery(analytics_aws.aggregates)
    for dimension in ("all", "platform#x", "topic#billing", "band#P2", "route#community"):
        totals = query.figures(DAY, DAY, dimension).totals
        assert (totals.received, totals.needs_reply, totals.replied) == (1, 1, 1), dimension
        assert totals.advocate_share == 1.0 and totals.sla_attainment == 1.0
        assert totals.reassignments == 1 and totals.sentiment == {"negative": 1}
        median = totals.first_response_median_seconds
        assert median is not None and 400 <= median <= 900


def test_a_bad_record_is_reported_and_the_rest_counted(analytics_aws: AnalyticsAws) -> None:
    """GIVEN a batch whose middle record is not a mention WHEN the function runs THEN that
    record alone is reported as a failure and the others are counted."""
    live_a_mention(analytics_aws, "1", timedelta(minutes=10))
    live_a_mention(analytics_aws, "2", timedelta(minutes=10))
    records = analytics_aws.stream_events(analytics_aws.core.mentions_table)
    bad = {**records[0], "dynamodb": {**records[0]["dynamodb"], "SequenceNumber": "999"}}
    bad["dynamodb"]["NewImage"] = {"mention_id": {"S": "x#broken"}}
    result = run_function([records[0], bad, *records[1:]])
    assert result == {"batchItemFailures": [{"itemIdentifier": "999"}]}
    totals = AnalyticsQuery(analytics_aws.aggregates).figures(DAY, DAY).totals
    assert (totals.received, totals.needs_reply) == (2, 2)


def test_a_record_of_another_table_is_a_failure(analytics_aws: AnalyticsAws) -> None:
    """GIVEN a stream record from a table analytics does not read WHEN processed THEN it is
    reported, not silently skipped."""
    live_a_mention(analytics_aws, "1", timedelta(minutes=10))
    good = analytics_aws.stream_events(analytics_aws.core.mentions_table)[0]
    foreign = {
        **good,
        "eventSourceARN": good["eventSourceARN"].replace(
            analytics_aws.core.mentions_table, "someone-elses-table"
        ),
        "dynamodb": {**good["dynamodb"], "SequenceNumber": "998"},
    }
    assert table_of(foreign["eventSourceARN"]) == "someone-elses-table"
    assert run_function([good, foreign]) == {"batchItemFailures": [{"itemIdentifier": "998"}]}


def test_audit_entries_analytics_does_not_count_tell_nothing(analytics_aws: AnalyticsAws) -> None:
    """GIVEN the audit's `assigned` and `notified` entries WHEN read THEN no analytics event."""
    live_a_mention(analytics_aws, "1", timedelta(minutes=10))
    streams = AnalyticsStreams(analytics_aws.core.mentions_table, AUDIT_TABLE)
    events = [streams.event(r) for r in analytics_aws.stream_events(AUDIT_TABLE)]
    assert [type(e).__name__ for e in events] == ["NoneType", "Reassigned", "ReplyRecorded"]


def test_the_event_source_filters_let_through_only_what_analytics_counts(
    analytics_aws: AnalyticsAws,
) -> None:
    """GIVEN a mention's real stream records WHEN the template's event filters are applied
    THEN the INSERT, the triage MODIFY and the counted audit entries pass; the other status
    changes and audit entries do not reach the function."""
    from crowdcare_local.stack.pump import matches_filter
    from crowdcare_local.template import load_template

    events = load_template()["Resources"]["AnalyticsFunction"]["Properties"]["Events"]
    filters = {
        name: [json.loads(f["Pattern"]) for f in e["Properties"]["FilterCriteria"]["Filters"]]
        for name, e in events.items()
    }
    live_a_mention(analytics_aws, "1", timedelta(minutes=10))
    mention_records = analytics_aws.stream_events(analytics_aws.core.mentions_table)
    audit_records = analytics_aws.stream_events(AUDIT_TABLE)
    passed = [
        r["dynamodb"]["NewImage"]["status"]["S"]
        for r in mention_records
        if matches_filter(r, filters["MentionChanges"])
    ]
    assert passed == ["received", "assigned"]
    passed = [
        r["dynamodb"]["NewImage"]["action"]["S"]
        for r in audit_records
        if matches_filter(r, filters["AuditEntries"])
    ]
    assert passed == ["declined", "replied"]


def test_a_transaction_of_cards_is_all_or_nothing(analytics_aws: AnalyticsAws) -> None:
    """GIVEN two stored cards WHEN one transaction expects a stale version of one of them THEN
    nothing is written (neither card nor counter nor post); with both versions right, all is."""
    table = analytics_aws.aggregates
    day = ("all", "day#2026-11-30")
    for mention_id in ("x#1", "x#2"):
        assert table.commit(MentionCard(mention_id=mention_id, version=1), 0, {})
    post = FaqPost(id="x#1", text="why?", kind="question", negative=False, created_at=RECEIVED)
    stale = [
        (MentionCard(mention_id="x#1", version=2), 1),
        (MentionCard(mention_id="x#2", version=3), 2),
    ]
    assert not table.commit_cards(stale, {day: {"received": 2}}, [post])
    assert table.buckets(*day, day[1]) == []
    assert table.load_cards(["x#1", "x#2", "x#3"]) == {
        "x#1": MentionCard(mention_id="x#1", version=1),
        "x#2": MentionCard(mention_id="x#2", version=1),
    }
    fresh = [(MentionCard(mention_id=m, version=2), 1) for m in ("x#1", "x#2")]
    assert table.commit_cards(fresh, {day: {"received": 2}}, [post])
    assert table.buckets(*day, day[1]) == [(day[1], {"received": 2})]
    assert [
        p.id
        for p in FaqPostIndex(analytics_aws.core.dynamodb, AGGREGATES_TABLE).between(
            RECEIVED, RECEIVED + timedelta(seconds=1)
        )
    ] == ["x#1"]


def test_the_function_counts_a_batch_of_many_mentions_once(analytics_aws: AnalyticsAws) -> None:
    """GIVEN 60 mentions' Mentions stream records in one batch (more counter items, cards and
    posts than one transaction holds) WHEN the function runs, then runs again THEN each is
    counted once, each complaint is kept once for the FAQ job, and the second run writes
    nothing."""
    for n in range(60):
        live_a_mention(analytics_aws, str(n), timedelta(minutes=10))
    records = analytics_aws.stream_events(analytics_aws.core.mentions_table)
    assert run_function(records) == {"batchItemFailures": []}
    before = analytics_aws.core.dynamodb.scan(TableName=AGGREGATES_TABLE)["Items"]
    assert run_function(records) == {"batchItemFailures": []}
    after = analytics_aws.core.dynamodb.scan(TableName=AGGREGATES_TABLE)["Items"]
    assert sorted(map(str, before)) == sorted(map(str, after))
    totals = AnalyticsQuery(analytics_aws.aggregates).figures(DAY, DAY, "topic#billing").totals
    assert (totals.received, totals.needs_reply, totals.sentiment) == (60, 60, {"negative": 60})
    posts = FaqPostIndex(analytics_aws.core.dynamodb, AGGREGATES_TABLE).between(
        RECEIVED, RECEIVED + timedelta(seconds=1)
    )
    assert len(posts) == 60 and {p.kind for p in posts} == {"complaint"}
