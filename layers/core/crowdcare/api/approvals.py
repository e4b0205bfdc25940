"""Routes for employees (and admins): the queue and advocates' replies waiting for approval."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from crowdcare.adapters.cognito_auth import Principal, Role
from crowdcare.api.context import ApiContext, authenticated, current_request
from crowdcare.config.http_edge import as_json, parse_body
from crowdcare.domain.dashboard import DecisionRequest


def blueprint(context: ApiContext) -> Blueprint:
    """The employees' routes."""
    bp = Blueprint(__name__)

    def guard(view: Any) -> Any:
        return authenticated(context, bp, Role.EMPLOYEE, Role.ADMIN)(view)

    @bp.route("/api/queue", methods=["GET"])
    @guard
    def queue(principal: Principal) -> Any:
        """Mentions waiting for someone."""
        return {"items": context.dashboard().feed.queue()}

    @bp.route("/api/approvals", methods=["GET"])
    @guard
    def approvals(principal: Principal) -> Any:
        """Advocates' replies waiting for approval."""
        return {"items": context.dashboard().approvals.approvals()}

    @bp.route("/api/approvals/{reply_id}", methods=["POST"])
    @guard
    def decide(principal: Principal, reply_id: str) -> Any:
        """Approve (optionally edited) or reject with a note."""
        request = parse_body(current_request(bp), DecisionRequest)
        return as_json(context.dashboard().approvals.decide(principal, reply_id, request))

    return bp
