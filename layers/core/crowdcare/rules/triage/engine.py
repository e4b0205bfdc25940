"""The triage engine: analyze ▶ prioritize ▶ route in one call (CLI, benchmark, tests)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from crowdcare.domain.models import Mention, Responder
from crowdcare.domain.triage import Triage
from crowdcare.rules.triage.analysis import analyze
from crowdcare.rules.triage.priority import prioritize
from crowdcare.rules.triage.routing import route
from crowdcare.rules.triage.rules import TriageRules
from crowdcare.rules.triage.sentiment import SentimentProvider


class TriageEngine:
    """Chains the three pure triage steps with one provider and one rules document."""

    def __init__(self, provider: SentimentProvider, rules: TriageRules) -> None:
        self._provider = provider
        self._rules = rules

    @property
    def rules(self) -> TriageRules:
        """The rules document this engine applies."""
        return self._rules

    def triage(
        self, mention: Mention, responders: Sequence[Responder], now: datetime
    ) -> Triage:
        """Analyze, prioritize (age measured against `now`) and route one mention."""
        analysis = analyze(mention.text, mention.lang_hint, self._provider, self._rules)
        age_seconds = max(0.0, (now - mention.created_at).total_seconds())
        priority = prioritize(analysis, mention.author, self._rules, age_seconds=age_seconds)
        decision = route(mention, analysis, priority, responders, self._rules, now)
        return Triage(analysis=analysis, priority=priority, decision=decision)
