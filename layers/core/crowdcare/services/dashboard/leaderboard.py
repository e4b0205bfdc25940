"""The leaderboard: this week's and all-time standings, with names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from crowdcare.ports import Clock, Ledger, ResponderDirectory
from crowdcare.rules.standings import leaderboard


@dataclass
class LeaderboardService:
    """Standings from the points ledger."""

    ledger: Ledger
    responders: ResponderDirectory
    clock: Clock

    def leaderboard(self) -> dict[str, Any]:
        """This week's and all-time standings, with names."""
        names = {r.responder_id: r.name for r in self.responders.list_all()}
        dumped = leaderboard(self.ledger.all(), self.clock()).model_dump(mode="json")
        for key in ("this_week", "all_time"):
            for line in dumped[key]:
                line["name"] = names.get(line["responder_id"], line["responder_id"])
        return dumped
