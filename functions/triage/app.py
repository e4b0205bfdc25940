"""Triage workflow steps: each handler validates the case, runs one step, returns the case."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from crowdcare.config.clients import default_clients
from crowdcare.config.settings import TriageSettings, load_settings
from crowdcare.config.wiring import build_triage_steps
from crowdcare.domain.messages import TriageCase
from crowdcare.services.triage_steps import TriageSteps

logger = Logger(service="triage")
tracer = Tracer(service="triage")
METRICS_NAMESPACE = "CrowdCare"


@cache
def steps() -> TriageSteps:
    return build_triage_steps(load_settings(TriageSettings, os.environ), default_clients())


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def analyze(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return steps().analyze(TriageCase.model_validate(event)).model_dump(mode="json")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def prioritize(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return steps().prioritize(TriageCase.model_validate(event)).model_dump(mode="json")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def route(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    case = steps().route(TriageCase.model_validate(event))
    if case.decision is not None:
        # One metric with the route as a dimension, flushed on its own: a dimension added to
        # the shared metric set would outlive this call where metrics are disabled (locally).
        route_metrics = EphemeralMetrics(namespace=METRICS_NAMESPACE, service="triage")
        route_metrics.add_dimension(name="route", value=case.decision.route.value)
        route_metrics.add_metric(name="MentionsRouted", unit=MetricUnit.Count, value=1)
        route_metrics.flush_metrics()
    return case.model_dump(mode="json")
