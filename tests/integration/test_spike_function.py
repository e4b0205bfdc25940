"""The spike function (functions/spikes) on moto: 5-minute volumes kept by the analytics
commit, detector state in the AggregatesTable, an alert on SNS, in the audit trail and on the
dashboard banner; a rerun raises nothing twice."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from crowdcare.adapters.dynamodb.aggregates import AggregatesTable
from crowdcare.adapters.dynamodb.audit import AuditTrail
from crowdcare.adapters.dynamodb.spikes import FiveMinuteVolumes, SpikeBanner
from crowdcare.domain.models import Platform
from crowdcare.rules.analytics_facts import MentionCard, MentionSeen, absorb, settle
from crowdcare_local.stack import create_template_table

from tests.integration.conftest import CORE_REGION, CoreAws

AUDIT_TABLE = "spike-test-audit"
AGGREGATES_TABLE = "spike-test-aggregates"
START = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)
SURGE = START + timedelta(days=2, hours=12)
STEP = timedelta(minutes=5)


class Context:
    function_name = "spikes"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:spikes"
    aws_request_id = "req-1"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 60_000


@dataclass(frozen=True)
class SpikeAws:
    ddb: Any
    queue_url: str
    module: Any

    def run_at(self, moment: datetime, monkeypatch: pytest.MonkeyPatch) -> Any:
        monkeypatch.setattr(self.module, "utc_now", lambda: moment)
        return self.module.lambda_handler({}, Context())

    def messages(self) -> list[str]:
        sqs = boto3.client("sqs", region_name=CORE_REGION)
        got = sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10)
        return [json.loads(m["Body"])["Message"] for m in got.get("Messages", [])]


@pytest.fixture
def spike_aws(core_aws: CoreAws, monkeypatch: pytest.MonkeyPatch) -> Iterator[SpikeAws]:
    """AggregatesTable, AuditTable, an admin topic with a queue subscribed, the function."""
    ddb = core_aws.dynamodb
    create_template_table(ddb, "AuditTable", AUDIT_TABLE)
    create_template_table(ddb, "AggregatesTable", AGGREGATES_TABLE)
    sns = boto3.client("sns", region_name=CORE_REGION)
    sqs = boto3.client("sqs", region_name=CORE_REGION)
    topic = sns.create_topic(Name="admin-alerts")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="admin-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
    for name, value in {
        "AGGREGATES_TABLE": AGGREGATES_TABLE,
        "AUDIT_TABLE": AUDIT_TABLE,
        "ADMIN_ALERTS_TOPIC_ARN": topic,
    }.items():
        monkeypatch.setenv(name, value)
    from functions.spikes import app as spikes_app

    spikes_app.spike_run.cache_clear()
    yield SpikeAws(ddb, queue_url, spikes_app)
    spikes_app.spike_run.cache_clear()


def test_the_analytics_commit_keeps_a_five_minute_volume(core_aws: CoreAws) -> None:
    """GIVEN a mention received at 09:17 WHEN analytics counts it THEN the spike series `total`
    reads 1 in the 09:15 bucket."""
    ddb = core_aws.dynamodb
    create_template_table(ddb, "AggregatesTable", AGGREGATES_TABLE)
    at = datetime(2026, 11, 30, 9, 17, tzinfo=UTC)
    seen = MentionSeen(mention_id="x#1", received_at=at, platform=Platform.X)
    card, increments = settle(absorb(MentionCard(mention_id="x#1"), seen), lambda band: 3600)
    assert AggregatesTable(ddb, AGGREGATES_TABLE).commit(
        card.model_copy(update={"version": 1}), 0, increments
    )
    volumes = FiveMinuteVolumes(ddb, AGGREGATES_TABLE)
    bucket = datetime(2026, 11, 30, 9, 15, tzinfo=UTC)
    assert volumes.between("total", bucket - STEP, bucket + STEP) == {bucket: 1}


def test_a_surge_raises_one_alert_everywhere_and_a_rerun_raises_none(
    spike_aws: SpikeAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN two and a half days of 5 mentions a bucket, then 60 a bucket for 20 minutes WHEN
    the function runs through them THEN one alert reaches SNS, the audit trail and the banner,
    and running again at the same moment adds nothing."""
    volumes = FiveMinuteVolumes(spike_aws.ddb, AGGREGATES_TABLE)
    moment = START
    while moment < SURGE + 4 * STEP:
        volumes.add("total", moment, 60 if moment >= SURGE else 5)
        moment += STEP
    # The schedule, compressed: each run catches up on at most a day of buckets.
    for at in (START + STEP, START + timedelta(days=1), START + timedelta(days=2), SURGE):
        assert spike_aws.run_at(at, monkeypatch) == {"alerts": 0}
    assert spike_aws.run_at(SURGE + 5 * STEP, monkeypatch) == {"alerts": 1}
    assert spike_aws.run_at(SURGE + 5 * STEP, monkeypatch) == {"alerts": 0}

    (message,) = spike_aws.messages()
    assert message.startswith("mentions: ")
    (entry,) = AuditTrail(spike_aws.ddb, AUDIT_TABLE).history("spike#total")
    assert entry.reason == message.split("\n")[0]
    (shown,) = SpikeBanner(spike_aws.ddb, AGGREGATES_TABLE).since(SURGE - timedelta(hours=1))
    assert shown["series"] == "total"
    assert SURGE <= datetime.fromisoformat(shown["timestamp"]) <= SURGE + 3 * STEP
    # The detector's state stays one small item (bounded rings, whatever the history).
    item = spike_aws.ddb.get_item(
        TableName=AGGREGATES_TABLE,
        Key={"dimension": {"S": "spike#total"}, "bucket": {"S": "state"}},
    )["Item"]
    assert len(item["state"]["S"]) < 2_000
