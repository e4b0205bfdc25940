"""Assignment workflow steps: each handler validates the case, runs one step, returns the case."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from crowdcare.config.clients import default_clients
from crowdcare.config.settings import LifecycleSettings, load_settings
from crowdcare.config.wiring import build_lifecycle_steps
from crowdcare.domain.messages import LifecycleCase, to_json
from crowdcare.services.assignment_steps import LifecycleSteps

logger = Logger(service="assignment")
tracer = Tracer(service="assignment")
metrics = Metrics(namespace="CrowdCare", service="assignment")


@cache
def steps() -> LifecycleSteps:
    return build_lifecycle_steps(load_settings(LifecycleSettings, os.environ), default_clients())


@metrics.log_metrics
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def pick(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    case = steps().pick(LifecycleCase.model_validate(event))
    if case.escalated_at is not None and case.stage.value == "employee" and case.attempt:
        metrics.add_metric(name="AssignmentsEscalated", unit=MetricUnit.Count, value=1)
    logger.info(
        "picked", extra={"mention_id": case.mention_id, "next": case.next, "attempt": case.attempt}
    )
    return to_json(case)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def notify(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # Invoked with .waitForTaskToken: the token rides next to the case, never inside it.
    notice = steps().notify(LifecycleCase.model_validate(event["case"]), event["task_token"])
    return {"mention_id": notice.mention_id, "attempt": notice.attempt}


@metrics.log_metrics
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def release(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    case = steps().release(LifecycleCase.model_validate(event))
    metrics.add_metric(name="AssignmentsReleased", unit=MetricUnit.Count, value=1)
    return to_json(case)


@metrics.log_metrics
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def record_reply(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    case = steps().record_reply(LifecycleCase.model_validate(event))
    metrics.add_metric(name="AssignmentsReplied", unit=MetricUnit.Count, value=1)
    return to_json(case)
