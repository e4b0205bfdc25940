"""The responder dashboard: its page and its JSON API (Chalice, handler ``app.app``).

Every ``/api/*`` route needs ``Authorization: Bearer <Cognito ID token>`` (verified by
crowdcare.adapters.cognito_auth against the user pool's JWKS: signature, issuer, audience,
expiry). The page itself (``/`` and ``/static/*``) holds no data and is public; it signs in
against Cognito.

Roles (Cognito groups): advocate, employee, admin. Everyone sees their own feed, replies,
profile and the leaderboard; employees and admins also see the queue and approvals; admins
manage responders and rules. Errors: 401 ``{"error": "not signed in", "reason"}``, 403
``{"error": ...}`` (logged), 400 ``{"error": "invalid request", "details": [{"loc", "msg"}]}``,
404/409/502 ``{"error": ...}`` in plain words.

Dependencies are built lazily, once per cold start (`settings`, `clients`, `signing_keys`,
`verifier`, `dashboard`); tests set the environment and call `reset_dependencies()`.
"""

from __future__ import annotations

import html
import json
import os
from collections.abc import Callable
from functools import cache, wraps
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools import Logger
from chalice.app import Chalice, Request, Response
from crowdcare.adapters.cognito_auth import (
    AuthenticationError,
    Principal,
    RemoteKeys,
    Role,
    SigningKeys,
    TokenVerifier,
    issuer_for,
    jwks_url_for,
)
from crowdcare.adapters.responders_csv import CsvFileError, parse_responders, plain_message
from crowdcare.config.clients import AwsClients
from crowdcare.config.clock import utc_now
from crowdcare.config.settings import AwsSettings, load_settings
from crowdcare.services.dashboard import (
    ApiSettings,
    Dashboard,
    DashboardError,
    DecisionRequest,
    DeclineRequest,
    ForbiddenError,
    ProfileUpdate,
    ReplyPublisher,
    ReplyRequest,
    ResponderEdit,
    build_dashboard,
    build_publisher,
)
from pydantic import BaseModel, ValidationError

app = Chalice(app_name="crowdcare-api")
logger = Logger(service="api")

STATIC_DIR = Path(__file__).parent / "static"
STATIC_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
MAX_CSV_BYTES = 1024 * 1024



@cache
def settings() -> ApiSettings:
    """API settings from the environment (raises ConfigurationError when incomplete)."""
    return load_settings(ApiSettings, os.environ)


@cache
def aws_settings() -> AwsSettings:
    return load_settings(AwsSettings, os.environ)


@cache
def clients() -> AwsClients:
    """boto3 clients for this function, pointed at AWS_ENDPOINT_URL when it is set."""
    return AwsClients(aws_settings())


@cache
def signing_keys() -> SigningKeys:
    """The user pool's public keys (the emulator serves them at the same path locally)."""
    aws = aws_settings()
    return RemoteKeys(jwks_url_for(aws.aws_region, settings().user_pool_id, aws.aws_endpoint_url))


@cache
def verifier() -> TokenVerifier:
    """Verifies the pool's ID tokens for the dashboard's app client."""
    return TokenVerifier(
        keys=signing_keys(),
        issuer=issuer_for(aws_settings().aws_region, settings().user_pool_id),
        audience=settings().user_pool_client_id,
        clock=utc_now,
    )


@cache
def publisher() -> ReplyPublisher:
    """The reply pipeline (queue, poster, platform adapters) when configured."""
    return build_publisher(settings(), clients(), utc_now)


@cache
def dashboard() -> Dashboard:
    return build_dashboard(settings(), clients(), utc_now, publisher())


# The cached accessors themselves (a test may replace the module's `signing_keys` name).
_CACHED = (settings, aws_settings, clients, signing_keys, verifier, publisher, dashboard)


def reset_dependencies() -> None:
    """Forget every built dependency, so the next request rebuilds them from the environment."""
    for accessor in _CACHED:
        accessor.cache_clear()


@app.middleware("http")
def correlate(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """Tag every log line of a request with API Gateway's request id."""
    logger.set_correlation_id(event.context.get("requestId"))
    return get_response(event)


# ------------------------------------------------------------------------------ plumbing
def _request() -> Request:
    request = app.current_request
    if request is None:  # only outside a request, i.e. a programming error
        raise RuntimeError("no current request")
    return request


def _error(status: int, message: str, **extra: Any) -> Response:
    return Response(status_code=status, body={"error": message, **extra})


def _invalid(error: ValidationError) -> Response:
    details = [
        {"loc": ".".join(str(p) for p in e["loc"]) or "body", "msg": plain_message(e)}
        for e in error.errors()
    ]
    return _error(400, "invalid request", details=details)


def _raw_body() -> bytes:
    body = _request().raw_body
    return body if isinstance(body, bytes) else (body or "").encode()


def _body[ModelT: BaseModel](model: type[ModelT]) -> ModelT:
    return model.model_validate_json(_raw_body() or b"{}")


def _principal() -> Principal:
    return verifier().verify_header(_request().headers.get("authorization"))


def _forbidden(principal: Principal, reason: str) -> Response:
    logger.warning(
        "forbidden",
        extra={"user": principal.username, "path": _request().path, "reason": reason},
    )
    return _error(403, reason)


Handler = Callable[..., Any]


def authenticated(*roles: Role) -> Callable[[Handler], Handler]:
    """Require a valid token (and one of `roles`, when given); map errors to responses."""

    def decorate(view: Handler) -> Handler:
        @wraps(view)
        def guarded(**params: str) -> Any:
            try:
                principal = _principal()
            except AuthenticationError as error:
                logger.info("unauthenticated", extra={"reason": error.reason})
                return _error(401, "not signed in", reason=error.reason)
            if roles and not principal.has_any(*roles):
                return _forbidden(principal, "your role does not allow this")
            try:
                return view(principal, **{k: unquote(v) for k, v in params.items()})
            except ForbiddenError as error:
                return _forbidden(principal, error.message)
            except DashboardError as error:
                return _error(error.status, error.message)
            except ValidationError as error:
                return _invalid(error)

        return guarded

    return decorate


def _json(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    return value


# ------------------------------------------------------------------------------ the page
@app.route("/", methods=["GET"])
def index() -> Response:
    """The dashboard page, with the sign-in settings it needs."""
    aws = aws_settings()
    config = {
        "region": aws.aws_region,
        "userPoolId": settings().user_pool_id,
        "clientId": settings().user_pool_client_id,
        "cognitoEndpoint": aws.aws_endpoint_url
        or f"https://cognito-idp.{aws.aws_region}.amazonaws.com",
    }
    page = (STATIC_DIR / "index.html").read_text("utf-8")
    page = page.replace("{{CONFIG}}", html.escape(json.dumps(config), quote=True))
    return Response(
        body=page,
        status_code=200,
        headers={"Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store"},
    )


@app.route("/static/{name}", methods=["GET"])
def static(name: str) -> Response:
    """The page's script, styles and icons (a fixed set of files, nothing else)."""
    path = STATIC_DIR / name
    kind = STATIC_TYPES.get(path.suffix)
    if kind is None or "/" in name or name.startswith(".") or not path.is_file():
        return _error(404, "no such file")
    return Response(
        body=path.read_text("utf-8"),
        status_code=200,
        headers={"Content-Type": f"{kind}; charset=utf-8", "Cache-Control": "max-age=300"},
    )


# ------------------------------------------------------------------------------ everyone
@app.route("/api/me", methods=["GET"])
@authenticated()
def me(principal: Principal) -> Any:
    """The caller's roles, profile and trust."""
    return dashboard().profile(principal)


@app.route("/api/me", methods=["PUT"])
@authenticated()
def update_me(principal: Principal) -> Any:
    """Change the caller's skills, languages, time zone, quiet hours, notices, pause."""
    return dashboard().update_profile(principal, _body(ProfileUpdate))


@app.route("/api/feed", methods=["GET"])
@authenticated()
def feed(principal: Principal) -> Any:
    """The caller's open assignments, most urgent first."""
    return {"items": _json(dashboard().feed(principal)), "now": utc_now().isoformat()}


@app.route("/api/mentions/{mention_id}/reply", methods=["POST"])
@authenticated()
def reply(principal: Principal, mention_id: str) -> Response:
    """Reply to an assigned mention: 201 posted, or 202 waiting for approval."""
    result = dashboard().submit_reply(principal, mention_id, _body(ReplyRequest))
    status = 201 if result.status.value == "posted" else 202
    return Response(status_code=status, body=_json(result))


@app.route("/api/mentions/{mention_id}/decline", methods=["POST"])
@authenticated()
def decline(principal: Principal, mention_id: str) -> Any:
    """Hand an assigned mention back for re-routing."""
    dashboard().decline(principal, mention_id, _body(DeclineRequest))
    return {"declined": mention_id}


@app.route("/api/replies", methods=["GET"])
@authenticated()
def my_replies(principal: Principal) -> Any:
    """The caller's replies and what became of them."""
    return {"items": _json(dashboard().my_replies(principal))}


@app.route("/api/leaderboard", methods=["GET"])
@authenticated()
def leaderboard(principal: Principal) -> Any:
    """Points this week and all time."""
    return dashboard().leaderboard()


# ------------------------------------------------------------------------------ employees
@app.route("/api/queue", methods=["GET"])
@authenticated(Role.EMPLOYEE, Role.ADMIN)
def queue(principal: Principal) -> Any:
    """Mentions waiting for someone."""
    return {"items": dashboard().queue()}


@app.route("/api/approvals", methods=["GET"])
@authenticated(Role.EMPLOYEE, Role.ADMIN)
def approvals(principal: Principal) -> Any:
    """Advocates' replies waiting for approval."""
    return {"items": dashboard().approvals()}


@app.route("/api/approvals/{reply_id}", methods=["POST"])
@authenticated(Role.EMPLOYEE, Role.ADMIN)
def decide(principal: Principal, reply_id: str) -> Any:
    """Approve (optionally edited) or reject with a note."""
    return _json(dashboard().decide(principal, reply_id, _body(DecisionRequest)))


# ------------------------------------------------------------------------------ admins
@app.route("/api/admin/responders", methods=["GET"])
@authenticated(Role.ADMIN)
def responders(principal: Principal) -> Any:
    """Every responder."""
    return {"items": _json(dashboard().responders())}


@app.route("/api/admin/responders/{responder_id}", methods=["PUT"])
@authenticated(Role.ADMIN)
def edit_responder(principal: Principal, responder_id: str) -> Response:
    """Create or update one responder."""
    responder, created = dashboard().edit_responder(responder_id, _body(ResponderEdit))
    return Response(status_code=201 if created else 200, body=_json(responder))


@app.route(
    "/api/admin/responders/import", methods=["POST"], content_types=["text/csv", "text/plain"]
)
@authenticated(Role.ADMIN)
def import_responders(principal: Principal) -> Response:
    """Import responders from CSV: good rows are stored, bad rows come back with reasons."""
    raw = _raw_body()
    if len(raw) > MAX_CSV_BYTES:
        return _error(413, f"the file is larger than {MAX_CSV_BYTES // 1024} KB")
    try:
        parsed = parse_responders(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return _error(400, "the file is not UTF-8 text")
    except CsvFileError as error:
        return _error(400, str(error))
    report = dashboard().import_responders(parsed)
    return Response(status_code=200, body=_json(report))


@app.route("/api/admin/rules", methods=["GET"])
@authenticated(Role.ADMIN)
def rules(principal: Principal) -> Any:
    """The stored routing rules and the rules in force."""
    return dashboard().rules_document()


@app.route("/api/admin/rules", methods=["PUT"])
@authenticated(Role.ADMIN)
def save_rules(principal: Principal) -> Any:
    """Validate and store the routing rules the triage workflow reads."""
    raw = _raw_body() or b"{}"
    return dashboard().save_rules(raw.decode("utf-8", errors="replace"))
