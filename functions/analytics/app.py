"""Mentions and Audit table streams → response analytics counters (AggregatesTable)."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from crowdcare.adapters.dynamodb.aggregates import AnalyticsStreams
from crowdcare.adapters.dynamodb.faq import FaqPostIndex
from crowdcare.config.analytics_wiring import (
    AnalyticsSettings,
    build_analytics_recorder,
    build_analytics_streams,
)
from crowdcare.config.clients import default_clients
from crowdcare.config.faq_wiring import build_faq_posts
from crowdcare.config.settings import load_settings
from crowdcare.rules.analytics_facts import MentionSeen
from crowdcare.services.analytics import AnalyticsRecorder

logger = Logger(service="analytics")
tracer = Tracer(service="analytics")
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


@cache
def wiring() -> tuple[AnalyticsStreams, AnalyticsRecorder, FaqPostIndex]:
    settings = load_settings(AnalyticsSettings, os.environ)
    clients = default_clients()
    return (
        build_analytics_streams(settings),
        build_analytics_recorder(settings, clients),
        build_faq_posts(settings.aggregates_table, clients),
    )


def count(record: DynamoDBRecord) -> None:
    """Count one stream record; a record that fails is reported, the others still count."""
    streams, recorder, faq_posts = wiring()
    event = streams.event(record.raw_event)
    if event is not None:
        writes = recorder.record(event)
        logger.debug("counted", extra={"mention_id": event.mention_id, "writes": writes})
        if isinstance(event, MentionSeen) and event.triage is not None:
            # A triaged question or complaint is kept by day for the daily FAQ job.
            faq_posts.remember(record.raw_event["dynamodb"]["NewImage"])


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=count, processor=processor, context=context
    )
