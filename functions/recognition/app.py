"""The first of each month: last month's top advocates thanked by email, the admins told who."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from crowdcare.config.clients import default_clients
from crowdcare.config.clock import utc_now
from crowdcare.config.recognition_wiring import RecognitionSettings, build_monthly_recognition
from crowdcare.config.settings import load_settings
from crowdcare.services.rewards.recognition import MonthlyRecognition

logger = Logger(service="recognition")
tracer = Tracer(service="recognition")
metrics = Metrics(namespace="CrowdCare", service="recognition")


@cache
def recognition() -> MonthlyRecognition:
    settings = load_settings(RecognitionSettings, os.environ)
    return build_monthly_recognition(settings, default_clients())


@metrics.log_metrics
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Recognise last month once (a retried or repeated run mails nobody twice)."""
    run = recognition().run(utc_now().date())
    logger.info(
        "recognition",
        extra={"month": run.month, "advocates": len(run.advocates), "emails": run.emails},
    )
    metrics.add_metric(name="RecognitionEmails", unit=MetricUnit.Count, value=run.emails)
    return {"month": run.month, "advocates": len(run.advocates), "emails": run.emails}
