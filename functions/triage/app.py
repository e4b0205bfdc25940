"""Triage workflow steps: each handler validates the case, runs one step, returns the case."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from crowdcare.config.clients import default_clients
from crowdcare.config.settings import TriageSettings, load_settings
from crowdcare.config.wiring import build_triage_steps
from crowdcare.domain.messages import TriageCase
from crowdcare.services.triage_steps import TriageSteps

logger = Logger(service="triage")
tracer = Tracer(service="triage")
metrics = Metrics(namespace="CrowdCare", service="triage")


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


@metrics.log_metrics
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def route(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    case = steps().route(TriageCase.model_validate(event))
    if case.decision is not None:
        # One metric per route rather than a dimension: dimensions persist across warm calls.
        route_name = case.decision.route.value.capitalize()
        metrics.add_metric(name=f"MentionsRouted{route_name}", unit=MetricUnit.Count, value=1)
    return case.model_dump(mode="json")
