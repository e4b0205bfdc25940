"""How the assignment workflow waits out a notification providers' outage (SES, SMS).

A notice deferred because the providers are down is not the responder's fault: the attempt is
closed without counting against them (they stay a candidate), and the workflow waits 1, 2, 4...
minutes, at most 15, before it picks again; after OUTAGE_MAX_DEFERRALS waits (about 3 hours)
the admins are told instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crowdcare.domain.models import ResponderKind

if TYPE_CHECKING:
    from crowdcare.domain.assignments import Assignment
    from crowdcare.domain.messages import LifecycleCase

OUTAGE_FIRST_WAIT_SECONDS = 60
OUTAGE_MAX_WAIT_SECONDS = 900
OUTAGE_MAX_DEFERRALS = 15


def outage_wait(deferrals: int) -> int:
    """Seconds to wait before the `deferrals`-th retry (1-based): doubling, capped."""
    wait: int = OUTAGE_FIRST_WAIT_SECONDS * 2 ** max(deferrals - 1, 0)
    return min(wait, OUTAGE_MAX_WAIT_SECONDS)


def deferred_case(case: LifecycleCase, assignment: Assignment) -> LifecycleCase:
    """The case after a deferred notice: the attempt forgotten for the responder, one more
    deferral counted and its wait set."""
    tried = list(case.tried)
    if assignment.responder_id in tried:
        del tried[len(tried) - 1 - tried[::-1].index(assignment.responder_id)]
    advocate = assignment.responder_kind is ResponderKind.ADVOCATE
    deferrals = case.deferrals + 1
    return case.model_copy(
        update={
            "assignment": None,
            "failure": None,
            "tried": tuple(tried),
            "community_attempts": case.community_attempts - (1 if advocate else 0),
            "deferrals": deferrals,
            "retry_in_seconds": outage_wait(deferrals),
        }
    )
