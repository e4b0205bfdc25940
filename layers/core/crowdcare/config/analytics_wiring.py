"""Composition of response analytics: the stream function's recorder and the API's query."""

from __future__ import annotations

from collections.abc import Callable

from aws_lambda_powertools.utilities.parameters import SSMProvider

from crowdcare.adapters.dynamodb.aggregates import (
    AggregatesTable,
    AnalyticsStreams,
    CachedResponderKinds,
)
from crowdcare.adapters.dynamodb.repositories import ResponderRepository
from crowdcare.config.clients import AwsClients
from crowdcare.config.settings import SettingsModel
from crowdcare.config.wiring import RULES_MAX_AGE_SECONDS
from crowdcare.rules.triage.rules import TriageRules
from crowdcare.services.analytics import AnalyticsQuery, AnalyticsRecorder


class AnalyticsSettings(SettingsModel):
    """The analytics stream function: where counters go, which streams it reads, the SLAs."""

    aggregates_table: str
    mentions_table: str
    audit_table: str
    responders_table: str
    routing_rules_parameter: str | None = None


class AnalyticsApiSettings(SettingsModel):
    """The API function's part of analytics: the aggregates it reads."""

    aggregates_table: str


def sla_source(parameter: str | None, clients: AwsClients) -> Callable[[str], int]:
    """The SLA (seconds) of a priority band, from the same rules the assignment workflow
    applies (the SSM parameter, cached for a minute, or the defaults)."""
    if parameter is None:
        defaults = TriageRules.default().assignment
        return defaults.sla_for
    provider = SSMProvider(boto3_client=clients.ssm)
    parsed: dict[str, TriageRules] = {}  # the last document, parsed once

    def sla_for(band: str) -> int:
        document = str(provider.get(parameter, max_age=RULES_MAX_AGE_SECONDS))
        if document not in parsed:
            parsed.clear()
            parsed[document] = TriageRules.model_validate_json(document)
        return parsed[document].assignment.sla_for(band)

    return sla_for


def build_analytics_recorder(settings: AnalyticsSettings, clients: AwsClients) -> AnalyticsRecorder:
    """The recorder the analytics stream function calls once per record."""
    return AnalyticsRecorder(
        store=AggregatesTable(clients.dynamodb, settings.aggregates_table),
        responder_kinds=CachedResponderKinds(
            ResponderRepository(clients.dynamodb, settings.responders_table)
        ),
        sla_for=sla_source(settings.routing_rules_parameter, clients),
    )


def build_analytics_streams(settings: AnalyticsSettings) -> AnalyticsStreams:
    """Reads analytics events out of the Mentions and Audit stream records."""
    return AnalyticsStreams(settings.mentions_table, settings.audit_table)


def build_analytics_query(aggregates_table: str, clients: AwsClients) -> AnalyticsQuery:
    """The query `GET /api/analytics` calls (read-only: the API needs dynamodb:Query only)."""
    return AnalyticsQuery(AggregatesTable(clients.dynamodb, aggregates_table))
