"""An offer in two steps: Pick plans it from what it reads, Notify takes the slot.

Pick writes nothing for the responder it plans: Notify takes the slot, with the task token and
deadline, in the one conditional write of the assignment item (`try_assign`), then records what
the offer changed (the mention's status, the ASSIGNED audit entry). When that responder's last
slot went to someone else between the two steps, Notify raises `SlotTakenError` and the
workflow goes back to Pick, which forgets the plan here: it was never offered, so it counts for
nothing (attempts, tried, the advocates' max_attempts), and the responder is not planned again
until a slot is taken (a stale read cannot loop the workflow).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crowdcare.domain.errors import AlreadyAssignedError, AssignmentError
from crowdcare.domain.messages import AssignmentNotice, Stage
from crowdcare.domain.models import ResponderKind
from crowdcare.services.assignment_callbacks import SLOT_TAKEN_ERROR

if TYPE_CHECKING:
    from crowdcare.domain.assignments import Assignment
    from crowdcare.domain.messages import LifecycleCase
    from crowdcare.ports import AssignmentStore


def lost_its_slot(case: LifecycleCase) -> bool:
    """Whether the workflow came back to Pick because Notify found the planned slot taken."""
    return case.failure is not None and case.failure.Error == SLOT_TAKEN_ERROR


def unplanned_case(case: LifecycleCase) -> LifecycleCase:
    """The case as before the plan whose slot was taken, with that responder refused."""
    planned = case.assignment
    if planned is None:
        raise AssignmentError("the slot was taken, but the case names no planned assignment")
    tried = list(case.tried)
    if planned.responder_id in tried:
        del tried[len(tried) - 1 - tried[::-1].index(planned.responder_id)]
    advocate = planned.responder_kind is ResponderKind.ADVOCATE
    return case.model_copy(
        update={
            "assignment": None,
            "failure": None,
            "attempt": planned.attempt - 1,
            "tried": tuple(tried),
            "community_attempts": case.community_attempts - (1 if advocate else 0),
            # Every earlier attempt took a slot (a lost plan gives its number back), so the
            # first attempt's plan is the only one that set first_assigned_at.
            "first_assigned_at": None if planned.attempt == 1 else case.first_assigned_at,
            "refused": (*case.refused, planned.responder_id),
            "passed_over": (),
        }
    )


def assigned_reason(case: LifecycleCase, assignment: Assignment) -> str:
    """The ASSIGNED audit entry's reason: the stage, the attempt, who was passed over and why."""
    reason = f"{case.stage.value} attempt {assignment.attempt}"
    if case.passed_over:
        reason += "; passed over " + ", ".join(case.passed_over)
    return reason


def take_slot(assignments: AssignmentStore, assignment: Assignment) -> bool:
    """Take the slot with the assignment (task token and deadline on it) in one write; False
    when the responder has no free slot. True too, without a second take, when a retried
    Notify finds this attempt of this responder already open."""
    try:
        return assignments.try_assign(assignment)
    except AlreadyAssignedError as exc:
        current = assignments.get(assignment.mention_id)
        if current is None or (current.responder_id, current.attempt) != (
            assignment.responder_id,
            assignment.attempt,
        ):
            # Another attempt of this mention is open: the workflow and the table disagree,
            # which a person must look at.
            message = f"{assignment.mention_id} already has an open assignment"
            raise AssignmentError(message) from exc
        token, deadline = assignment.task_token, assignment.deadline
        if token is not None and deadline is not None and current.task_token != token:
            # The retried task may wait on a new token: the answers must reach that one.
            assignments.store_token(
                assignment.mention_id, assignment.responder_id, assignment.attempt, token, deadline
            )
        return True


def offer_notice(case: LifecycleCase, assignment: Assignment, link: str) -> AssignmentNotice:
    """The notice of an offer: why this mention, why this responder, by when, and the link."""
    reasons = case.priority.reasons + case.decision.reasons
    if case.stage is Stage.EMPLOYEE and case.escalated_at is not None:
        reasons = (
            f"escalated: {len(case.tried) - 1} earlier responder(s) did not answer",
            *reasons,
        )
    return AssignmentNotice.build(
        case.mention, assignment, case.priority, case.decision
    ).model_copy(
        update={
            "reasons": reasons,
            "deadline": assignment.deadline,
            "link": link,
            "attempt": assignment.attempt,
        }
    )
