"""Routes the composer calls for every signed-in responder: a draft's length, saved replies."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from crowdcare.adapters.cognito_auth import Principal
from crowdcare.api.context import ApiContext, authenticated, current_request
from crowdcare.config.http_edge import parse_body
from crowdcare.domain.dashboard import LengthRequest


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

    return bp
