"""Trust: an advocate's replies wait for approval until enough of them were posted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from crowdcare.domain.models import Responder, ResponderKind
from crowdcare.ports import Ledger
from crowdcare.rules.standings import trust

if TYPE_CHECKING:
    from crowdcare.adapters.cognito_auth import Principal

DEFAULT_TRUST_THRESHOLD = 3


@dataclass(frozen=True)
class TrustPolicy:
    """How far a responder is trusted, from their posted replies in the ledger."""

    ledger: Ledger
    threshold: int = DEFAULT_TRUST_THRESHOLD

    def trust(self, responder_id: str) -> int:
        """How many of the responder's replies were posted."""
        return trust(self.ledger.for_responder(responder_id))

    def needs_approval(self, principal: Principal, responder: Responder | None) -> bool:
        """Staff and employees never wait; an advocate waits until trusted."""
        if principal.is_staff or (
            responder is not None and responder.kind is ResponderKind.EMPLOYEE
        ):
            return False
        return self.trust(principal.responder_id) < self.threshold
