"""Sign out everywhere: every session of the caller ends, on every device."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from crowdcare.ports import Clock, SessionRevoker

if TYPE_CHECKING:
    from crowdcare.adapters.cognito_auth import Principal


@dataclass
class SessionDesk:
    """Ends the caller's sessions (the page then forgets its own tokens)."""

    sessions: SessionRevoker
    clock: Clock

    def sign_out_everywhere(self, principal: Principal) -> dict[str, Any]:
        """Revoke the caller's tokens: those issued until now are refused from now on."""
        at = self.clock()
        self.sessions.sign_out_everywhere(principal.username, at)
        return {"signed_out": principal.username, "at": at.isoformat()}
