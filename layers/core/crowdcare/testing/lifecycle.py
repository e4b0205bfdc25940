"""The assignment workflow's steps on in-memory fakes, driven as the state machine drives them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crowdcare.domain.messages import LifecycleCase, NextStep
from crowdcare.rules.deeplinks import DeepLinkSigner
from crowdcare.services.assignment_steps import LifecycleSteps
from crowdcare.testing.builders import assignment_rules

if TYPE_CHECKING:
    from crowdcare.ports import (
        AssignmentStore,
        AuditLog,
        Clock,
        MentionStore,
        NoticePublisher,
        ResponderStore,
    )
    from crowdcare.rules.triage.rules import TriageRules

DASHBOARD_URL = "https://care.example.com"


def lifecycle_steps(
    *,
    mentions: MentionStore,
    responders: ResponderStore,
    assignments: AssignmentStore,
    audit: AuditLog,
    publisher: NoticePublisher,
    clock: Clock,
    rules: TriageRules | None = None,
) -> LifecycleSteps:
    """LifecycleSteps over the given fakes, with a test signing key and `assignment_rules()`."""
    chosen = rules or assignment_rules()
    return LifecycleSteps(
        mentions=mentions,
        responders=responders,
        assignments=assignments,
        audit=audit,
        publisher=publisher,
        signer=lambda: DeepLinkSigner(b"k" * 32),
        rules=lambda: chosen,
        dashboard_url=DASHBOARD_URL,
        clock=clock,
    )


def offer(steps: LifecycleSteps, case: LifecycleCase) -> LifecycleCase:
    """Pick, then Notify when Pick planned an offer (Notify takes the slot and records it).

    Returns Pick's output: the wait state keeps it (waitForTaskToken discards Notify's return
    value). The task token is `token-<attempt>`.
    """
    picked = steps.pick(case)
    if picked.next is NextStep.WAIT:
        steps.notify(picked, f"token-{picked.attempt}")
    return picked
