"""Scheduled poller (EventBridge, every 5 minutes): Reddit, Mastodon, Bluesky and X search.

Which sources run, their queries and base URLs come from the environment (`PollerSettings`:
``POLL_SOURCES``, ``POLL_QUERY``, ``MASTODON_HASHTAG``, ``*_BASE_URL``, ...); credentials come
from the PlatformCredentials secret through powertools (cached five minutes). Each source
resumes from its cursor in the Cursors table and stops before the Lambda times out.
"""

from __future__ import annotations

import os
import time
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.typing import LambdaContext
from crowdcare.adapters.dynamodb.cursors import CursorRepository
from crowdcare.adapters.dynamodb.repositories import MentionRepository
from crowdcare.adapters.platforms.inbound.sources import PlatformCredentials
from crowdcare.config.clients import default_clients
from crowdcare.config.clock import utc_now
from crowdcare.config.settings import ConfigurationError, PollerSettings, load_settings
from crowdcare.services.polling import Poller, build_sources

logger = Logger(service="poller")
tracer = Tracer(service="poller")
metrics = Metrics(namespace="CrowdCare", service="poller")

CREDENTIALS_MAX_AGE_SECONDS = 300


@cache
def settings() -> PollerSettings:
    """Poller settings from the environment (ConfigurationError when incomplete)."""
    return load_settings(PollerSettings, os.environ)


@cache
def poller() -> Poller:
    """The poller wired to the Mentions and Cursors tables."""
    clients = default_clients()
    return Poller(
        MentionRepository(clients.dynamodb, settings().mentions_table),
        CursorRepository(clients.dynamodb, settings().cursors_table, clock=utc_now),
        clock=utc_now,
        timer=time.time,
        safety_margin_seconds=settings().poll_safety_margin_seconds,
    )


@cache
def secrets_provider() -> SecretsProvider:
    return SecretsProvider(boto3_client=default_clients().secretsmanager)


def credentials() -> PlatformCredentials:
    """The platform credentials; empty placeholders are treated as absent."""
    name = settings().platform_credentials_name
    value = secrets_provider().get(name, transform="json", max_age=CREDENTIALS_MAX_AGE_SECONDS)
    if not isinstance(value, dict):
        raise ConfigurationError(f"secret {name} must be a JSON object")
    return PlatformCredentials.model_validate({k: v for k, v in value.items() if v})


@metrics.log_metrics
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    sources, skipped = build_sources(settings(), credentials())
    for name, reason in skipped.items():
        logger.error("poll source not runnable", extra={"source": name, "reason": reason})
    report = poller().run(sources, context.get_remaining_time_in_millis)
    for run in report.sources:
        logger.info("poll source done", extra=run.model_dump())
        metrics.add_metric(name="PolledMentions", unit=MetricUnit.Count, value=run.accepted)
        if run.outcome in {"platform error", "bad payload"}:
            metrics.add_metric(name="PollSourceFailures", unit=MetricUnit.Count, value=1)
    return {"sources": [run.model_dump() for run in report.sources], "skipped": skipped}
