"""Scheduled: likes, reposts and replies of every reply posted within the reach window."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from crowdcare.config.clients import default_clients
from crowdcare.config.reply_wiring import ReachTrackerSettings, build_reach_tracker
from crowdcare.config.settings import load_settings
from crowdcare.services.replies.reach import ReachTracker

logger = Logger(service="reach_tracker")
tracer = Tracer(service="reach_tracker")
metrics = Metrics(namespace="CrowdCare", service="reach_tracker")


@cache
def tracker() -> ReachTracker:
    settings = load_settings(ReachTrackerSettings, os.environ)
    return build_reach_tracker(settings, default_clients())


@metrics.log_metrics
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, int]:
    run = tracker().run()
    for failure in run.failed:
        logger.warning("reach not read", extra={"failure": failure})
    for reply_id in run.removed:
        logger.info("reply gone from its platform: points reversed", extra={"reply_id": reply_id})
    metrics.add_metric(name="ReachRead", unit=MetricUnit.Count, value=run.read)
    metrics.add_metric(name="ReachFailed", unit=MetricUnit.Count, value=len(run.failed))
    metrics.add_metric(name="RepliesRemoved", unit=MetricUnit.Count, value=len(run.removed))
    return {
        "read": run.read,
        "failed": len(run.failed),
        "unconfigured": run.unconfigured,
        "removed": len(run.removed),
    }
