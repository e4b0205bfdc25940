"""Mentions and Audit table streams → response analytics counters (AggregatesTable)."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.typing import LambdaContext
from crowdcare.adapters.dynamodb.aggregates import AnalyticsStreams
from crowdcare.config.analytics_wiring import (
    AnalyticsSettings,
    build_analytics_recorder,
    build_analytics_streams,
)
from crowdcare.config.clients import default_clients
from crowdcare.config.settings import load_settings
from crowdcare.rules.analytics_facts import StreamRecord
from crowdcare.services.analytics import AnalyticsRecorder

logger = Logger(service="analytics")
tracer = Tracer(service="analytics")


@cache
def wiring() -> tuple[AnalyticsStreams, AnalyticsRecorder]:
    settings = load_settings(AnalyticsSettings, os.environ)
    return build_analytics_streams(settings), build_analytics_recorder(settings, default_clients())


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    """Count the batch as a whole; the records that could not be read or counted are reported
    (partial batch response) and retried by Lambda, the others stay counted.

    Not powertools' BatchProcessor: it hands records to a handler one at a time, and counting
    the batch as a whole (one card write per mention, counters summed) is the point here.
    Each record is still parsed into its model (`StreamRecord`) and failed on its own.
    """
    streams, recorder = wiring()
    records: list[StreamRecord] = []
    failed: list[str] = []
    for raw in event["Records"]:
        try:
            records.append(streams.record(raw))
        except (ValueError, KeyError, TypeError):  # pydantic's ValidationError is a ValueError
            logger.exception("unreadable stream record", extra={"record": record_id(raw)})
            failed.append(record_id(raw))
    outcome = recorder.record_batch(records)
    logger.info(
        "counted",
        extra={
            "records": len(event["Records"]),
            "written": outcome.items_written,
            "commits": outcome.commits,
            "fallbacks": outcome.fallbacks,
        },
    )
    return {"batchItemFailures": [{"itemIdentifier": r} for r in (*failed, *outcome.failed)]}


def record_id(raw: dict[str, Any]) -> str:
    """The record's sequence number: what a partial batch response names."""
    return str(raw["dynamodb"]["SequenceNumber"])
