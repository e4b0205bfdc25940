"""Daily: the recent questions and complaints clustered into FAQ candidates (stored for the
Analytics screen and the export)."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext
from crowdcare.config.clients import default_clients
from crowdcare.config.clock import utc_now
from crowdcare.config.faq_wiring import FaqSettings, build_faq_job
from crowdcare.config.settings import load_settings
from crowdcare.services.faq_job import FaqJob

logger = Logger(service="faq")
tracer = Tracer(service="faq")


@cache
def faq_job() -> FaqJob:
    return build_faq_job(load_settings(FaqSettings, os.environ), default_clients())


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Cluster the window's posts and store the run."""
    run = faq_job().run(utc_now())
    logger.info(
        "faq run", extra={"candidates": len(run.candidates), "unclustered": run.unclustered}
    )
    return {"candidates": len(run.candidates), "unclustered": run.unclustered}
