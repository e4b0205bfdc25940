"""Assignments queue (fed by the SNS topic) → email and SMS to the assigned responder."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from crowdcare.aws import default_clients
from crowdcare.idempotency import OncePerKey, once_per_key
from crowdcare.notifications import NotificationResult
from crowdcare.settings import NotifierSettings, load_settings
from crowdcare.wiring import build_notifier
from crowdcare.workflow import AssignmentNotice

logger = Logger(service="notifier")
tracer = Tracer(service="notifier")
metrics = Metrics(namespace="CrowdCare", service="notifier")
processor = BatchProcessor(event_type=EventType.SQS)


@cache
def notify_once() -> OncePerKey[Any]:
    settings = load_settings(NotifierSettings, os.environ)
    notifier = build_notifier(settings, default_clients())
    # SQS delivers at least once: a notice is sent once per (mention, responder).
    return once_per_key(
        notifier.notify,
        table=settings.idempotency_table,
        clients=default_clients(),
        key="notice",
        result_model=NotificationResult,
    )


def send_notice(record: SQSRecord) -> None:
    notice = AssignmentNotice.model_validate_json(record.body)
    result = notify_once()(notice=notice)
    metrics.add_metric(name="NotificationsSent", unit=MetricUnit.Count, value=1)
    logger.info(
        "responder notified",
        extra={
            "mention_id": notice.mention_id,
            "responder_id": notice.responder_id,
            "result": result,
        },
    )


@metrics.log_metrics
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    notify_once().register(context)
    return process_partial_response(
        event=event, record_handler=send_notice, processor=processor, context=context
    )
