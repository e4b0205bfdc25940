"""Monday mornings: last week's analytics against the week before, emailed to the admins."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext
from crowdcare.config.clients import default_clients
from crowdcare.config.clock import utc_now
from crowdcare.config.digest_wiring import DigestSettings, build_weekly_digest
from crowdcare.config.settings import load_settings
from crowdcare.services.weekly_digest import WeeklyDigest

logger = Logger(service="digest")
tracer = Tracer(service="digest")


@cache
def weekly_digest() -> WeeklyDigest:
    return build_weekly_digest(load_settings(DigestSettings, os.environ), default_clients())


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Send the digest once per week (a retried run sends nothing more)."""
    sent = weekly_digest().send(utc_now().date())
    logger.info("digest", extra={"sent": sent})
    return {"sent": sent}
