"""Routes for employees (and admins): the queue and advocates' replies waiting for approval."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from crowdcare.adapters.cognito_auth import Principal, Role
from crowdcare.api.context import ApiContext, authenticated, current_request
from crowdcare.config.http_edge import as_json, error_response, parse_body
from crowdcare.domain.dashboard import DecisionRequest
from crowdcare.services.dashboard.queue import PAGE_SIZE


def blueprint(context: ApiContext) -> Blueprint:
    """The employees' routes."""
    bp = Blueprint(__name__)

    def guard(view: Any) -> Any:
        return authenticated(context, bp, Role.EMPLOYEE, Role.ADMIN)(view)

    def signed_in(view: Any) -> Any:
        # The queue desk decides who may see and take (employees; advocates of enough trust).
        return authenticated(context, bp)(view)

    @bp.route("/api/queue", methods=["GET"])
    @signed_in
    def queue(principal: Principal) -> Any:
        """Mentions waiting for someone, most urgent first, a page at a time (offset, limit)."""
        query = current_request(bp).query_params
        offset_text = str(query.get("offset") or 0) if query else "0"
        limit_text = str(query.get("limit") or PAGE_SIZE) if query else str(PAGE_SIZE)
        try:
            offset, limit = int(offset_text), int(limit_text)
        except ValueError:
            return error_response(400, "offset and limit must be whole numbers")
        return context.dashboard().queue.page(principal, offset, limit)

    @bp.route("/api/queue/{mention_id}/take", methods=["POST"])
    @signed_in
    def take(principal: Principal, mention_id: str) -> Any:
        """Take a queued mention (409 when someone else took it first)."""
        return context.dashboard().queue.take(principal, mention_id)

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
