"""Composition of the spike watch: the scheduled function's run, and the API's banner."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from crowdcare.adapters.dynamodb.aggregates import AggregatesTable
from crowdcare.adapters.dynamodb.audit import AuditTrail
from crowdcare.adapters.dynamodb.spikes import FiveMinuteVolumes, SpikeBanner, SpikeStateItems
from crowdcare.adapters.sns import SnsSpikeAlertPublisher
from crowdcare.config.clients import AwsClients
from crowdcare.config.settings import SettingsModel
from crowdcare.rules.spikes import SpikeRules
from crowdcare.services.analytics import AnalyticsQuery
from crowdcare.services.spike_alerts import SpikeAlertFanout, SpikeRun
from crowdcare.services.spike_watch import SpikeWatch


class SpikeSettings(SettingsModel):
    """The spike function's environment (see SpikeFunction in template.yaml)."""

    aggregates_table: str
    audit_table: str
    admin_alerts_topic_arn: str


def build_spike_run(settings: SpikeSettings, clients: AwsClients) -> SpikeRun:
    """The run the 5-minute schedule calls: volumes, states and banner in the AggregatesTable."""
    ddb = clients.dynamodb
    query = AnalyticsQuery(AggregatesTable(ddb, settings.aggregates_table))

    def top_topics(now: datetime) -> Sequence[str]:
        """Yesterday's and today's top topics (one Query of two day items)."""
        today = now.date()
        report = query.figures(today - timedelta(days=1), today)
        return [topic.topic for topic in report.totals.top_topics]

    watch = SpikeWatch(
        counts=FiveMinuteVolumes(ddb, settings.aggregates_table),
        states=SpikeStateItems(ddb, settings.aggregates_table),
        alerts=SpikeAlertFanout(
            topic=SnsSpikeAlertPublisher(clients.sns, settings.admin_alerts_topic_arn),
            audit=AuditTrail(ddb, settings.audit_table),
            banner=SpikeBanner(ddb, settings.aggregates_table),
        ),
        rules=SpikeRules(),
    )
    return SpikeRun(watch, top_topics)


def build_spike_banner(aggregates_table: str, clients: AwsClients) -> SpikeBanner:
    """What `GET /api/alerts` reads."""
    return SpikeBanner(clients.dynamodb, aggregates_table)
