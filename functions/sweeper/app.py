"""Every 5 minutes: re-drive or park mentions stuck in a non-final status past its deadline."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from crowdcare.config.clients import default_clients
from crowdcare.config.settings import SweeperSettings, load_settings
from crowdcare.config.wiring import build_sweeper
from crowdcare.services.sweeper import Sweeper

logger = Logger(service="sweeper")
tracer = Tracer(service="sweeper")
metrics = Metrics(namespace="CrowdCare", service="sweeper")


@cache
def sweeper() -> Sweeper:
    return build_sweeper(load_settings(SweeperSettings, os.environ), default_clients())


@metrics.log_metrics
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = sweeper().sweep(lambda: context.get_remaining_time_in_millis() / 1000)
    metrics.add_metric(
        name="StuckMentionsRedriven", unit=MetricUnit.Count, value=len(result.redriven)
    )
    metrics.add_metric(name="StuckMentionsParked", unit=MetricUnit.Count, value=len(result.parked))
    logger.info("swept", extra={"result": result.model_dump(mode="json")})
    return result.model_dump(mode="json")
