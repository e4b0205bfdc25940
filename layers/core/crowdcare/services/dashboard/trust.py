"""Trust: an advocate's replies wait for approval until they have earned it.

Earned by enough posted replies (`threshold`) or by reaching the points rules' trusted rank;
lost again by a recent rejection (`RankRules.trust_lost_days`), whichever way it was earned.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from crowdcare.domain.models import Responder, ResponderKind
from crowdcare.domain.points import PointsReason
from crowdcare.ports import Clock, Ledger, PointsRulesSource
from crowdcare.rules.points import PointsRules
from crowdcare.rules.ranks import rank_level, rank_of, trusted
from crowdcare.rules.standings import trust

if TYPE_CHECKING:
    from crowdcare.adapters.cognito_auth import Principal

DEFAULT_TRUST_THRESHOLD = 3


@dataclass(frozen=True)
class TrustPolicy:
    """How far a responder is trusted, from their entries in the ledger."""

    ledger: Ledger
    clock: Clock
    threshold: int = DEFAULT_TRUST_THRESHOLD
    rules: PointsRulesSource = PointsRules.default

    def trust(self, responder_id: str) -> int:
        """How many of the responder's replies were posted."""
        return trust(self.ledger.for_responder(responder_id))

    def rank(self, responder_id: str) -> str:
        """The responder's rank from their all-time points (the points rules' thresholds)."""
        points = sum(e.points for e in self.ledger.for_responder(responder_id))
        return rank_of(self.rules().ranks, points).rank

    def reaches(self, rank: str, current: str) -> bool:
        """Whether rank `current` is `rank` or above; False when the rules no longer name
        `rank` (a rank an admin removed admits nobody rather than everybody)."""
        ranks = self.rules().ranks
        names = {t.name for t in ranks.thresholds}
        if rank not in names or current not in names:
            return False
        return rank_level(ranks, current) >= rank_level(ranks, rank)

    def needs_approval(self, principal: Principal, responder: Responder | None) -> bool:
        """Staff and employees never wait; an advocate waits until trusted, and again after a
        recent rejection."""
        if principal.is_staff or (
            responder is not None and responder.kind is ResponderKind.EMPLOYEE
        ):
            return False
        entries = self.ledger.for_responder(principal.responder_id)
        ranks = self.rules().ranks
        now = self.clock()
        since = now - timedelta(days=ranks.trust_lost_days)
        if any(e.reason is PointsReason.REPLY_REJECTED and e.at >= since for e in entries):
            return True
        return trust(entries) < self.threshold and not trusted(ranks, entries, now)
