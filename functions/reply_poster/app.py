"""ReplyQueue → the responder's reply posted publicly on the mention's platform.

A retryable failure (429, 5xx, timeout) is reported as a batch item failure, so SQS delivers
the message again after the visibility timeout; a refusal, or a failure on the last delivery,
is parked by the core (record `failed`, message in the ReplyDeadLetterQueue).
"""

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
from crowdcare.config.clients import default_clients
from crowdcare.config.reply_wiring import ReplyPosterSettings, build_reply_poster
from crowdcare.config.settings import load_settings
from crowdcare.services.replies import ReplyPoster, ReplyRequest

logger = Logger(service="reply_poster")
tracer = Tracer(service="reply_poster")
metrics = Metrics(namespace="CrowdCare", service="reply_poster")
processor = BatchProcessor(event_type=EventType.SQS)


@cache
def poster() -> ReplyPoster:
    settings = load_settings(ReplyPosterSettings, os.environ)
    return build_reply_poster(settings, default_clients())


def post_reply(record: SQSRecord) -> None:
    request = ReplyRequest.model_validate_json(record.body)
    receive_count = int(record.attributes.approximate_receive_count or 1)
    outcome = poster().post(request, receive_count=receive_count)
    metrics.add_metric(name=f"Replies_{outcome.value}", unit=MetricUnit.Count, value=1)
    # The reply's text is the responder's public words, but it is not logged: ids suffice.
    logger.info(
        "reply handled",
        extra={
            "reply_id": request.reply_id,
            "mention_id": request.mention_id,
            "outcome": outcome.value,
            "receive_count": receive_count,
        },
    )


@metrics.log_metrics
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=post_reply, processor=processor, context=context
    )
