"""What every blueprint needs from the app: services, the caller check, a logger."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import unquote

from aws_lambda_powertools import Logger
from chalice.app import Blueprint, Request, Response
from pydantic import ValidationError

from crowdcare.adapters.cognito_auth import AuthenticationError, Principal, Role
from crowdcare.config.http_edge import error_response, invalid, refusal
from crowdcare.domain.errors import ForbiddenError, RequestError
from crowdcare.services.dashboard import Dashboard

Handler = Callable[..., Any]


@dataclass(frozen=True)
class ApiContext:
    """The app's dependencies, read lazily (built on first use, once per cold start)."""

    dashboard: Callable[[], Dashboard]
    verify: Callable[[str | None], Principal]  # the Authorization header -> the caller
    logger: Logger


def current_request(blueprint: Blueprint) -> Request:
    """The request being handled (only absent outside a request: a programming error)."""
    request = blueprint.current_request
    if request is None:
        raise RuntimeError("no current request")
    return request


def authenticated(
    context: ApiContext, blueprint: Blueprint, *roles: Role
) -> Callable[[Handler], Handler]:
    """Require a valid token (and one of `roles`, when given); map refusals to responses.

    401 ``{"error": "not signed in", "reason"}``; 403 ``{"error": ...}`` (logged, with who
    tried); a service's refusal by its status; a body that does not validate: 400 by field.
    """

    def forbidden(principal: Principal, reason: str) -> Response:
        context.logger.warning(
            "forbidden",
            extra={
                "user": principal.username,
                "path": current_request(blueprint).path,
                "reason": reason,
            },
        )
        return error_response(403, reason)

    def decorate(view: Handler) -> Handler:
        @wraps(view)
        def guarded(**params: str) -> Any:
            try:
                principal = context.verify(current_request(blueprint).headers.get("authorization"))
            except AuthenticationError as error:
                context.logger.info("unauthenticated", extra={"reason": error.reason})
                return error_response(401, "not signed in", reason=error.reason)
            if roles and not principal.has_any(*roles):
                return forbidden(principal, "your role does not allow this")
            try:
                return view(principal, **{k: unquote(v) for k, v in params.items()})
            except ForbiddenError as error:
                return forbidden(principal, error.message)
            except RequestError as error:
                return refusal(error)
            except ValidationError as error:
                return invalid(error)

        return guarded

    return decorate
