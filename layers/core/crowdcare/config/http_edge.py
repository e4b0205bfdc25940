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

Chalice is not a layer dependency: only the functions that ship it import this module.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

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
