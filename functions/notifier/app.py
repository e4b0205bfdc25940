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
from botocore.exceptions import BotoCoreError, ClientError
from crowdcare.config.clients import default_clients
from crowdcare.config.settings import NotifierSettings, load_settings
from crowdcare.config.wiring import build_notice_delivery, build_notifier
from crowdcare.domain.messages import AssignmentNotice
from crowdcare.services.notifier import Delivery, NoticeDelivery

logger = Logger(service="notifier")
tracer = Tracer(service="notifier")
metrics = Metrics(namespace="CrowdCare", service="notifier")
processor = BatchProcessor(event_type=EventType.SQS)


@cache
def settings() -> NotifierSettings:
    return load_settings(NotifierSettings, os.environ)


@cache
def delivery() -> NoticeDelivery:
    # No per-notice idempotency record: the notifier's per-channel claims and the first
    # delivery's channel choice already make a redelivered notice send nothing twice.
    return build_notice_delivery(
        settings(), default_clients(), send=build_notifier(settings(), default_clients()).notify
    )


def send_notice(record: SQSRecord) -> None:
    notice = AssignmentNotice.model_validate_json(record.body)
    last_attempt = int(record.attributes.approximate_receive_count) >= settings().notify_attempts
    try:
        # A provider outage is retried by SQS too; on the last attempt the workflow waits for
        # the providers (deferred) instead of passing the responder over.
        outcome = delivery().deliver(notice, last_attempt=last_attempt)
    except (ClientError, BotoCoreError) as exc:
        # boto already retried; SQS redelivers a few more times, then the workflow moves on
        # rather than waiting out the SLA with nobody told.
        if not last_attempt:
            raise
        outcome = delivery().give_up(notice, f"{type(exc).__name__}: {exc}")
    report(notice, outcome)


def report(notice: AssignmentNotice, outcome: Delivery) -> None:
    """One metric and one log line per notice (ids only: no addresses or phone numbers)."""
    ids = {"mention_id": notice.mention_id, "responder_id": notice.responder_id}
    if outcome.deferred:
        metrics.add_metric(name="NotificationsDeferred", unit=MetricUnit.Count, value=1)
        logger.warning("providers unavailable, notice deferred", extra=ids)
        return
    if outcome.result is None:
        metrics.add_metric(name="NotificationsFailed", unit=MetricUnit.Count, value=1)
        logger.warning("notification failed", extra={**ids, "workflow_moved_on": outcome.moved_on})
        return
    metrics.add_metric(name="NotificationsSent", unit=MetricUnit.Count, value=1)
    logger.info("responder notified", extra={**ids, "result": outcome.result})


@metrics.log_metrics
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=send_notice, processor=processor, context=context
    )
