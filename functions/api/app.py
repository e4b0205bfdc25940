"""The responder dashboard: its page and its JSON API (Chalice, handler ``app.app``).

The one entry point: dependencies are built lazily here, once per cold start (`settings`,
`clients`, `signing_keys`, `verifier`, `dashboard`; tests set the environment and call
`reset_dependencies()`), and the routes come from crowdcare.api's blueprints by audience:

* page: ``/`` and ``/static/*`` hold no data and are public; the page signs in against Cognito;
* self_service: every signed-in responder (feed, reply, decline, my replies, profile, board);
* composer: every signed-in responder (a draft's length, saved replies);
* sessions: every signed-in responder (sign out everywhere);
* approvals: employees and admins (queue, approvals);
* admin: admins (responders, CSV import, routing rules);
* analytics: employees and admins (response analytics from the aggregates).

Every ``/api/*`` route needs ``Authorization: Bearer <Cognito ID token>`` (verified by
crowdcare.adapters.cognito_auth against the user pool's JWKS: signature, issuer, audience,
expiry). Errors: 401 ``{"error": "not signed in", "reason"}``, 403 ``{"error": ...}``
(logged), 400 ``{"error": "invalid request", "details": [{"loc", "msg"}]}``, 404/409
``{"error": ...}`` in plain words (crowdcare.config.http_edge).
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

from aws_lambda_powertools import Logger
from chalice.app import Chalice
from crowdcare.adapters.cognito_auth import (
    Principal,
    RemoteKeys,
    SigningKeys,
    TokenVerifier,
    issuer_for,
    jwks_url_for,
)
from crowdcare.adapters.dynamodb.faq import FaqRunStore
from crowdcare.adapters.dynamodb.sign_outs import SignOutMarks
from crowdcare.adapters.dynamodb.spikes import SpikeBanner
from crowdcare.api import admin, analytics, approvals, composer, page, self_service, sessions
from crowdcare.api.context import ApiContext
from crowdcare.config.analytics_wiring import AnalyticsApiSettings, build_analytics_query
from crowdcare.config.clients import AwsClients
from crowdcare.config.clock import utc_now
from crowdcare.config.dashboard_wiring import ApiSettings, build_dashboard
from crowdcare.config.faq_wiring import build_faq_runs
from crowdcare.config.http_edge import (
    correlate_requests,
    edge_clients,
    edge_settings,
    secure_responses,
)
from crowdcare.config.settings import AwsSettings, load_settings
from crowdcare.config.spike_wiring import build_spike_banner
from crowdcare.services.analytics import AnalyticsQuery
from crowdcare.services.dashboard import Dashboard

app = Chalice(app_name="crowdcare-api")
logger = Logger(service="api")

STATIC_DIR = Path(__file__).parent / "static"


@cache
def settings() -> ApiSettings:
    """API settings from the environment (raises ConfigurationError when incomplete)."""
    return load_settings(ApiSettings, os.environ)


@cache
def aws_settings() -> AwsSettings:
    return edge_settings()


@cache
def clients() -> AwsClients:
    """boto3 clients for this function, pointed at AWS_ENDPOINT_URL when it is set."""
    return edge_clients()


@cache
def signing_keys() -> SigningKeys:
    """The user pool's public keys (the emulator serves them at the same path locally)."""
    aws = aws_settings()
    return RemoteKeys(jwks_url_for(aws.aws_region, settings().user_pool_id, aws.aws_endpoint_url))


@cache
def verifier() -> TokenVerifier:
    """Verifies the pool's ID tokens for the dashboard's app client (refusing those issued
    before their owner signed out everywhere)."""
    return TokenVerifier(
        keys=signing_keys(),
        issuer=issuer_for(aws_settings().aws_region, settings().user_pool_id),
        audience=settings().user_pool_client_id,
        clock=utc_now,
        sign_outs=SignOutMarks(clients().dynamodb, settings().idempotency_table),
    )


@cache
def dashboard() -> Dashboard:
    """Every dashboard service, wired to this function's tables and queue."""
    return build_dashboard(settings(), clients(), utc_now)


@cache
def analytics_query() -> AnalyticsQuery:
    """Response analytics from the AggregatesTable (read-only)."""
    table = load_settings(AnalyticsApiSettings, os.environ).aggregates_table
    return build_analytics_query(table, clients())


@cache
def spike_banner() -> SpikeBanner:
    """The spike alerts the spike function has shown (same table)."""
    table = load_settings(AnalyticsApiSettings, os.environ).aggregates_table
    return build_spike_banner(table, clients())


@cache
def faq_runs() -> FaqRunStore:
    """The daily FAQ job's last run (same table)."""
    table = load_settings(AnalyticsApiSettings, os.environ).aggregates_table
    return build_faq_runs(table, clients())


# The cached accessors themselves (a test may replace the module's `signing_keys` name).
_CACHED = (
    settings,
    aws_settings,
    clients,
    signing_keys,
    verifier,
    dashboard,
    analytics_query,
    spike_banner,
    faq_runs,
)


def reset_dependencies() -> None:
    """Forget every built dependency, so the next request rebuilds them from the environment."""
    for accessor in _CACHED:
        accessor.cache_clear()


def _verify(header: str | None) -> Principal:
    # Looked up at call time, so a replaced or rebuilt verifier is the one used.
    return verifier().verify_header(header)


def _sign_in() -> dict[str, Any]:
    """What the page needs to sign in against the user pool."""
    aws = aws_settings()
    return {
        "region": aws.aws_region,
        "userPoolId": settings().user_pool_id,
        "clientId": settings().user_pool_client_id,
        "cognitoEndpoint": aws.aws_endpoint_url
        or f"https://cognito-idp.{aws.aws_region}.amazonaws.com",
    }


correlate_requests(app, logger)
secure_responses(app, lambda: [_sign_in()["cognitoEndpoint"]])


_context = ApiContext(dashboard=dashboard, verify=_verify, logger=logger)
app.register_blueprint(page.blueprint(STATIC_DIR, _sign_in))
app.register_blueprint(self_service.blueprint(_context))
app.register_blueprint(composer.blueprint(_context))
app.register_blueprint(sessions.blueprint(_context))
app.register_blueprint(approvals.blueprint(_context))
app.register_blueprint(admin.blueprint(_context))
_insight = analytics.InsightContext(
    analytics=analytics_query, alerts=spike_banner, faq=faq_runs, clock=utc_now
)
app.register_blueprint(analytics.blueprint(_context, _insight))
