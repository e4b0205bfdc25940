"""Every 5 minutes: the spike detector over the brand's and its top topics' mention volume."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext
from crowdcare.config.clients import default_clients
from crowdcare.config.clock import utc_now
from crowdcare.config.settings import load_settings
from crowdcare.config.spike_wiring import SpikeSettings, build_spike_run
from crowdcare.services.spike_alerts import SpikeRun

logger = Logger(service="spikes")
tracer = Tracer(service="spikes")


@cache
def spike_run() -> SpikeRun:
    return build_spike_run(load_settings(SpikeSettings, os.environ), default_clients())


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Evaluate every watched series; alerts are published by the run itself."""
    raised = spike_run().run(utc_now())
    for series, alert in raised:
        logger.info("spike", extra={"series": series, "reason": alert.reason})
    return {"alerts": len(raised)}
