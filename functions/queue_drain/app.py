"""Once a minute: offer freed slots to queued mentions (highest priority first, then oldest)."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from crowdcare.config.clients import default_clients
from crowdcare.config.settings import QueueDrainSettings, load_settings
from crowdcare.config.wiring import build_queue_drain
from crowdcare.services.queue_drain import QueueDrain

logger = Logger(service="queue_drain")
tracer = Tracer(service="queue_drain")
metrics = Metrics(namespace="CrowdCare", service="queue_drain")


@cache
def drain() -> QueueDrain:
    return build_queue_drain(load_settings(QueueDrainSettings, os.environ), default_clients())


@metrics.log_metrics
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = drain().drain()
    metrics.add_metric(name="QueuedMentions", unit=MetricUnit.Count, value=result.queued)
    metrics.add_metric(
        name="QueuedMentionsStarted", unit=MetricUnit.Count, value=len(result.started)
    )
    if result.open_assignments is not None:
        metrics.add_metric(
            name="OpenAssignments", unit=MetricUnit.Count, value=result.open_assignments
        )
    logger.info("queue drained", extra={"result": result.model_dump(mode="json")})
    return result.model_dump(mode="json")
