"""The triage workflow's steps: analyze ▶ prioritize ▶ route (then the assignment workflow).

Each step receives the case built so far (a `TriageCase`) and returns it with its own part
filled in; the state machine in `statemachines/triage.asl.json` passes the case from step to
step. Steps are idempotent so Step Functions may retry any of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crowdcare.domain.errors import MissingStepError
from crowdcare.domain.messages import TriageCase
from crowdcare.domain.models import MentionStatus, ResponderKind
from crowdcare.domain.triage import RouteKind, Triage
from crowdcare.rules.triage import SentimentProvider, prioritize, route
from crowdcare.rules.triage.analysis import analyze

if TYPE_CHECKING:
    from datetime import datetime

    from crowdcare.domain.models import Mention
    from crowdcare.domain.triage import Analysis, Priority, RouteDecision
    from crowdcare.ports import (
        CandidatePool,
        Clock,
        MentionStore,
        ResponderStore,
        RulesSource,
    )
    from crowdcare.rules.triage.rules import TriageRules

__all__ = ["MissingStepError", "TriageSteps"]


CANDIDATES_KEPT = 10
"""Candidates read from a pool and kept in the decision: enough for every attempt the workflow
makes (max_attempts advocates, then employees), small enough that the decision stays a few KB
in the workflow state and the Mentions item, whatever the number of responders."""


def route_from_pools(  # noqa: PLR0917 - route()'s contract, with the store instead of a list
    mention: Mention,
    analysis: Analysis,
    priority: Priority,
    responders: CandidatePool,
    rules: TriageRules,
    now: datetime,
) -> RouteDecision:
    """`route()` over the top candidates of the pools, never over every responder.

    Reads the advocates of the mention's language first; the employees only when the decision
    goes to them. At most 2 x CANDIDATES_KEPT responder items per mention.
    """
    advocates = responders.available(ResponderKind.ADVOCATE, analysis.language, CANDIDATES_KEPT)
    # One route() call: the employees' pool is read only once the decision goes to them
    # (deciding twice, with and without them, repeated every employee-routed decision).
    decision = route(
        mention,
        analysis,
        priority,
        advocates,
        rules,
        now,
        employees=lambda: responders.available(ResponderKind.EMPLOYEE, None, CANDIDATES_KEPT),
    )
    if len(decision.candidates) > CANDIDATES_KEPT:
        decision = decision.model_copy(update={"candidates": decision.candidates[:CANDIDATES_KEPT]})
    return decision


def _require[T](value: T | None, what: str) -> T:
    if value is None:
        raise MissingStepError(f"{what} is missing from the case")
    return value


class TriageSteps:
    """The step logic, with every collaborator passed in."""

    def __init__(
        self,
        *,
        mentions: MentionStore,
        responders: ResponderStore,
        sentiment: SentimentProvider,
        rules: RulesSource,
        clock: Clock,
    ) -> None:
        self._mentions = mentions
        self._responders = responders
        self._sentiment = sentiment
        self._rules = rules
        self._clock = clock

    def analyze(self, case: TriageCase) -> TriageCase:
        """Language, sentiment, intent and flags of the mention."""
        analysis = analyze(
            case.mention.text, case.mention.lang_hint, self._sentiment, self._rules()
        )
        return case.model_copy(update={"analysis": analysis})

    def prioritize(self, case: TriageCase) -> TriageCase:
        """A 0-100 priority with its reasons."""
        analysis = _require(case.analysis, "analysis")
        age = (self._clock() - case.mention.created_at).total_seconds()
        priority = prioritize(analysis, case.mention.author, self._rules(), age_seconds=max(age, 0))
        return case.model_copy(update={"priority": priority})

    def route(self, case: TriageCase) -> TriageCase:
        """Decide none / community / employee and rank candidates.

        A mention nobody must answer is recorded here (no_action). One a person must answer is
        not written yet: the assignment workflow's first pick records this triage together with
        the status it leads to (assigned or queued), so the item is written once, not
        `triaged` then `assigned`. Until then it stays `received`, which the sweeper re-drives
        through triage if the assignment workflow never gets that far.
        """
        analysis = _require(case.analysis, "analysis")
        priority = _require(case.priority, "priority")
        decision = route_from_pools(
            case.mention, analysis, priority, self._responders, self._rules(), self._clock()
        )
        if decision.route is not RouteKind.NONE:
            return case.model_copy(update={"decision": decision, "status": MentionStatus.TRIAGED})
        self._mentions.record_triage(
            case.mention.mention_id,
            Triage(analysis=analysis, priority=priority, decision=decision),
            MentionStatus.NO_ACTION,
        )
        return case.model_copy(update={"decision": decision, "status": MentionStatus.NO_ACTION})
