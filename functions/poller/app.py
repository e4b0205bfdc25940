"""Scheduled poller (EventBridge, every 5 minutes): Reddit, Mastodon, Bluesky and X search.

Which sources run, their queries and base URLs come from the environment (`PollerSettings`:
``POLL_SOURCES``, ``POLL_QUERY``, ``MASTODON_HASHTAG``, ``*_BASE_URL``, ...); credentials come
from the PlatformCredentials secret through powertools (cached five minutes). Each source
resumes from its cursor in the Cursors table and stops before the Lambda times out; an item
a source cannot read is logged with its id and reason, and the rest of its page is stored.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parameters import SecretsProvider
from aws_lambda_powertools.utilities.typing import LambdaContext
from crowdcare.adapters.secrets import PlatformCredentials, load_platform_credentials
from crowdcare.config.clients import default_clients
from crowdcare.config.ingest_wiring import build_poller, build_sources
from crowdcare.config.settings import PollerSettings, load_settings
from crowdcare.services.polling import Poller

logger = Logger(service="poller")
tracer = Tracer(service="poller")
metrics = Metrics(namespace="CrowdCare", service="poller")


@cache
def settings() -> PollerSettings:
    """Poller settings from the environment (ConfigurationError when incomplete)."""
    return load_settings(PollerSettings, os.environ)


@cache
def poller() -> Poller:
    """The poller wired to the Mentions and Cursors tables."""
    return build_poller(settings(), default_clients())


@cache
def secrets_provider() -> SecretsProvider:
    return SecretsProvider(boto3_client=default_clients().secretsmanager)


def credentials() -> PlatformCredentials:
    """The platform credentials; empty placeholders are treated as absent."""
    return load_platform_credentials(secrets_provider(), settings().platform_credentials_name)


@metrics.log_metrics
@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    sources, skipped = build_sources(settings(), credentials())
    for name, reason in skipped.items():
        logger.error("poll source not runnable", extra={"source": name, "reason": reason})
    report = poller().run(sources, context.get_remaining_time_in_millis)
    for run in report.sources:
        for item in run.skipped:
            logger.warning(
                "poll item skipped",
                extra={"source": run.source, "item_id": item.item_id, "reason": item.reason},
            )
        logger.info("poll source done", extra=run.model_dump(exclude={"skipped"}))
        metrics.add_metric(name="PolledMentions", unit=MetricUnit.Count, value=run.accepted)
        if run.skipped:
            metrics.add_metric(
                name="PollItemsSkipped", unit=MetricUnit.Count, value=len(run.skipped)
            )
        if run.outcome in {"platform error", "bad payload"}:
            metrics.add_metric(name="PollSourceFailures", unit=MetricUnit.Count, value=1)
    return {"sources": [run.model_dump() for run in report.sources], "skipped": skipped}
