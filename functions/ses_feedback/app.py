"""SES bounce and complaint notifications (SNS) → suppress the responder's email, alert admins."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import SNSEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext
from crowdcare.config.clients import default_clients
from crowdcare.config.settings import SesFeedbackSettings, load_settings
from crowdcare.config.wiring import build_ses_feedback
from crowdcare.services.ses_feedback import SesFeedbackService, SesNotification

logger = Logger(service="ses_feedback")
tracer = Tracer(service="ses_feedback")
metrics = Metrics(namespace="CrowdCare", service="ses_feedback")


@cache
def service() -> SesFeedbackService:
    return build_ses_feedback(load_settings(SesFeedbackSettings, os.environ), default_clients())


@metrics.log_metrics
@logger.inject_lambda_context
@tracer.capture_lambda_handler
@event_source(data_class=SNSEvent)
def lambda_handler(event: SNSEvent, context: LambdaContext) -> dict[str, Any]:
    suppressed = 0
    for record in event.records:
        # A message that is not SES's format fails the invocation: SNS retries, then its
        # dead-letter policy keeps it for an operator.
        notification = SesNotification.model_validate_json(record.sns.message)
        result = service().handle(notification)
        suppressed += len(result.suppressed)
        # Responder ids only: the addresses are personal data and stay out of the logs.
        logger.info(
            "ses feedback",
            extra={
                "kind": result.kind,
                "suppressed": result.suppressed,
                "already_suppressed": result.already_suppressed,
                "unknown_addresses": result.unknown_addresses,
                "ignored": result.ignored,
            },
        )
    metrics.add_metric(name="ResponderEmailsSuppressed", unit=MetricUnit.Count, value=suppressed)
    return {"suppressed": suppressed}
