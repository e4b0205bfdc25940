"""The caller's sessions: sign out everywhere (every signed-in responder)."""

from __future__ import annotations

from typing import Any

from chalice.app import Blueprint

from crowdcare.adapters.cognito_auth import Principal
from crowdcare.api.context import ApiContext, authenticated


def blueprint(context: ApiContext) -> Blueprint:
    """The sessions route."""
    bp = Blueprint(__name__)

    @bp.route("/api/me/sign-out", methods=["POST"])
    @authenticated(context, bp)
    def sign_out_everywhere(principal: Principal) -> Any:
        """Sign out everywhere: the caller's tokens, on every device, stop working."""
        return context.dashboard().sessions.sign_out_everywhere(principal)

    return bp
