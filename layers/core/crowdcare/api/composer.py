"""Routes the composer calls for every signed-in responder (a draft's length, saved replies),
and the admins' saved-replies editor (create, edit, delete, one reply at a time)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint, Response

from crowdcare.adapters.cognito_auth import Principal, Role
from crowdcare.api.context import ApiContext, authenticated, current_request
from crowdcare.config.http_edge import parse_body
from crowdcare.domain.dashboard import LengthRequest, SavedReplyDraft


def blueprint(context: ApiContext) -> Blueprint:
    """The composer's routes."""
    bp = Blueprint(__name__)

    def guard(view: Any) -> Any:
        return authenticated(context, bp)(view)

    @bp.route("/api/length", methods=["POST"])
    @guard
    def length(principal: Principal) -> Any:
        """A draft measured the way its platform counts (the composer's counter)."""
        request = parse_body(current_request(bp), LengthRequest)
        return context.dashboard().composer.measure(request.platform, request.text)

    @bp.route("/api/saved-replies", methods=["GET"])
    @guard
    def saved_replies(principal: Principal) -> Any:
        """The saved replies (for `language` and for every language, when given)."""
        query = current_request(bp).query_params
        language = str(query.get("language") or "") if query else ""
        return {"items": context.dashboard().saved_replies.offered(language)}

    def admin(view: Any) -> Any:
        return authenticated(context, bp, Role.ADMIN)(view)

    @bp.route("/api/admin/saved-replies", methods=["GET"])
    @admin
    def every_saved_reply(principal: Principal) -> Any:
        """Every saved reply, of every brand and language."""
        return {"items": context.dashboard().saved_replies.all()}

    @bp.route("/api/admin/saved-replies", methods=["POST"])
    @admin
    def create_saved_reply(principal: Principal) -> Response:
        """Add a saved reply (400 naming the field at fault, 409 for a duplicate title)."""
        draft = parse_body(current_request(bp), SavedReplyDraft)
        created = context.dashboard().saved_replies.create(draft)
        return Response(status_code=201, body=created)

    @bp.route("/api/admin/saved-replies/{reply_id}", methods=["PUT"])
    @admin
    def edit_saved_reply(principal: Principal, reply_id: str) -> Any:
        """Change a saved reply's title, text, language or brand."""
        draft = parse_body(current_request(bp), SavedReplyDraft)
        return context.dashboard().saved_replies.update(reply_id, draft)

    @bp.route("/api/admin/saved-replies/{reply_id}", methods=["DELETE"])
    @admin
    def delete_saved_reply(principal: Principal, reply_id: str) -> Any:
        """Remove a saved reply."""
        context.dashboard().saved_replies.delete(reply_id)
        return {"deleted": reply_id}

    return bp
