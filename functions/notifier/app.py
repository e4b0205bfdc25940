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
from crowdcare.adapters.dynamodb.audit import SYSTEM, AuditAction, AuditEntry, AuditTrail
from crowdcare.adapters.dynamodb.idempotency import OncePerKey, once_per_key
from crowdcare.config.clients import default_clients
from crowdcare.config.clock import utc_now
from crowdcare.config.settings import NotifierSettings, load_settings
from crowdcare.config.wiring import build_lifecycle, build_notifier
from crowdcare.domain.messages import AssignmentNotice
from crowdcare.services.assignment_steps import AssignmentLifecycle
from crowdcare.services.notifier import NotificationResult, UndeliverableError

logger = Logger(service="notifier")
tracer = Tracer(service="notifier")
metrics = Metrics(namespace="CrowdCare", service="notifier")
processor = BatchProcessor(event_type=EventType.SQS)


@cache
def settings() -> NotifierSettings:
    return load_settings(NotifierSettings, os.environ)


@cache
def lifecycle() -> AssignmentLifecycle:
    return build_lifecycle(
        assignments_table=settings().assignments_table,
        responders_table=settings().responders_table,
        audit_table=settings().audit_table,
        clients=default_clients(),
    )


@cache
def audit() -> AuditTrail:
    return AuditTrail(default_clients().dynamodb, settings().audit_table)


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
    try:
        result = notify_once()(notice=notice)
    except UndeliverableError as exc:
        # No channel reaches this responder: retrying cannot help, move the workflow on now.
        give_up(notice, str(exc))
        return
    except (ClientError, BotoCoreError) as exc:
        # boto already retried; SQS redelivers a few more times, then the workflow moves on
        # rather than waiting out the SLA with nobody told.
        if int(record.attributes.approximate_receive_count) < settings().notify_attempts:
            raise
        give_up(notice, f"{type(exc).__name__}: {exc}")
        return
    metrics.add_metric(name="NotificationsSent", unit=MetricUnit.Count, value=1)
    audit().append(
        AuditEntry(
            mention_id=notice.mention_id,
            at=utc_now(),
            action=AuditAction.NOTIFIED,
            actor=SYSTEM,
            responder_id=notice.responder_id,
            attempt=notice.attempt,
            reason=", ".join(
                [*(["email"] if result.email_id else ["no email (suppressed)"]),
                 "SMS" if result.sms_id else f"no SMS ({result.sms_reason})"]
            ),
        )
    )
    logger.info(
        "responder notified",
        extra={
            "mention_id": notice.mention_id,
            "responder_id": notice.responder_id,
            "result": result,
        },
    )


def give_up(notice: AssignmentNotice, reason: str) -> None:
    """Tell the waiting workflow the notice could not be delivered (it asks the next one)."""
    moved = lifecycle().notification_failed(
        notice.mention_id, notice.responder_id, notice.attempt, reason
    )
    metrics.add_metric(name="NotificationsFailed", unit=MetricUnit.Count, value=1)
    logger.warning(
        "notification failed",
        extra={
            "mention_id": notice.mention_id,
            "responder_id": notice.responder_id,
            "workflow_moved_on": moved,
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
