"""The edge both Chalice apps share (functions/api, functions/webhooks): one way to read a
body, to say what was wrong with it, to turn a refusal into a response, and to build clients.

* `raw_body` / `parse_body`: the request body as bytes, or parsed into a pydantic model
  (a `ValidationError` propagates; `invalid` makes it the 400 below).
* `invalid`: 400 ``{"error": "invalid request", "details": [{"loc", "msg"}]}``, each problem
  named by its field location (``quiet_hours.start_hour``) in plain words.
* `error_response`: ``{"error": message, **extra}`` with the status; `refusal` maps a
  crowdcare.domain.errors.RequestError to it by the error's own status (never by its text).
* `edge_clients`: the boto3 clients of this function, from the environment (AWS_REGION,
  AWS_ENDPOINT_URL for the local run), built once per cold start by the caller's cache.
* `as_json`: a model, or a list of them, as the JSON body Chalice sends.
* `correlate_requests`: tags every log line of a request with API Gateway's request id.
* `secure_responses`: the security headers on every response of the dashboard's app: a strict
  Content-Security-Policy (scripts, styles and fetches from the page's own origin only, plus
  the sign-in endpoint; no inline script or style, no framing, no plugins), nosniff, no
  referrer (a deep link's token must not leak to a platform's page), and HSTS.

Chalice is not a layer dependency: only the functions that ship it import this module.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlsplit

from aws_lambda_powertools import Logger
from chalice.app import Chalice, Request, Response
from pydantic import BaseModel, ValidationError

from crowdcare.adapters.responders_csv import plain_message
from crowdcare.config.clients import AwsClients
from crowdcare.config.settings import AwsSettings, load_settings
from crowdcare.domain.errors import RequestError


def error_response(status: int, message: str, **extra: Any) -> Response:
    """A refusal in plain words: ``{"error": message, **extra}``."""
    return Response(status_code=status, body={"error": message, **extra})


def invalid(error: ValidationError) -> Response:
    """400 naming every field that is wrong, and how."""
    details = [
        {"loc": ".".join(str(p) for p in e["loc"]) or "body", "msg": plain_message(e)}
        for e in error.errors()
    ]
    return error_response(400, "invalid request", details=details)


def refusal(error: RequestError) -> Response:
    """A service's refusal as its response (404, 409, 400... by the error's status)."""
    return error_response(error.status, error.message)


def raw_body(request: Request) -> bytes:
    """The body as sent (empty when there is none)."""
    body = request.raw_body
    return body if isinstance(body, bytes) else (body or "").encode()


def parse_body[ModelT: BaseModel](request: Request, model: type[ModelT]) -> ModelT:
    """The JSON body as `model` (no body reads as ``{}``); raises `ValidationError`."""
    return model.model_validate_json(raw_body(request) or b"{}")


def as_json(value: Any) -> Any:
    """Models (and lists or tuples of them) as plain JSON values."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, list | tuple):
        return [as_json(v) for v in value]
    return value


def edge_settings() -> AwsSettings:
    """Where AWS is for this function (the emulator locally)."""
    return load_settings(AwsSettings, os.environ)


def edge_clients() -> AwsClients:
    """This function's boto3 clients (cache the result once per cold start)."""
    return AwsClients(edge_settings())


def correlate_requests(app: Chalice, logger: Logger) -> None:
    """Tag every log line of a request with API Gateway's request id."""

    @app.middleware("http")
    def correlate(event: Request, get_response: Callable[[Request], Response]) -> Response:
        logger.set_correlation_id(event.context.get("requestId"))
        return get_response(event)


# The page loads its scripts and styles from /static (never inline: app.js attaches every
# handler with addEventListener), talks to its own /api and to the sign-in endpoint, and may
# show images it was sent as data: or blob: URLs. Anything else is refused by the browser.
PAGE_POLICY = (
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "form-action 'self'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
)
# A JSON answer is never a document: nothing may run in it or frame it.
DATA_POLICY = "default-src 'none'; frame-ancestors 'none'"
HTML = "text/html"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # No-referrer: a notification's deep link carries a token in its query; links out to the
    # platforms must not hand it over.
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}


def origin(url: str) -> str:
    """The origin (scheme://host[:port]) of `url`, as a CSP source; "" when it has none."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def page_policy(connect_to: Iterable[str] = ()) -> str:
    """The page's Content-Security-Policy; `connect_to` adds the origins it may fetch from."""
    extra = sorted({o for o in (origin(url) for url in connect_to) if o})
    connect = " ".join(["connect-src 'self'", *extra])
    return "; ".join([*PAGE_POLICY, connect])


def secure_responses(app: Chalice, connect_to: Callable[[], Iterable[str]]) -> None:
    """Add the security headers to every response of `app` (an HTML page gets the page's
    policy, with the origins `connect_to()` names; anything else the no-content policy).
    A header a route set itself is kept."""

    @app.middleware("http")
    def secure(event: Request, get_response: Callable[[Request], Response]) -> Response:
        response = get_response(event)
        headers = response.headers
        kind = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        is_page = isinstance(kind, str) and kind.startswith(HTML)
        policy = page_policy(connect_to()) if is_page else DATA_POLICY
        for name, value in {"Content-Security-Policy": policy, **SECURITY_HEADERS}.items():
            headers.setdefault(name, value)
        return response
