"""The assignment workflow's steps: pick, notify, release, record the reply, alert the admins.

`statemachines/assignment.asl.json` (a Standard workflow, started by triage only for mentions a
person must answer) runs the steps in `LifecycleSteps`; the callback token of the waiting task
is kept on the open assignment, and `AssignmentLifecycle` (in `assignment_callbacks`) is what
the dashboard and the reply poster call to answer it.

Load is exact: a slot is taken only by `AssignmentRepository.try_assign` (conditional
transaction) and given back only by `release` (conditional transaction), which every way out
of a wait goes through. Pick only plans an offer from what it reads; Notify takes the slot
with the task token in that one write of the assignment item (`assignment_offers`). Every
transition is appended to the audit trail.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from crowdcare.domain.assignments import Assignment, AssignmentStatus
from crowdcare.domain.audit import SYSTEM, AuditAction, AuditEntry
from crowdcare.domain.errors import AssignmentError
from crowdcare.domain.messages import (
    AdminAlert,
    AssignmentNotice,
    LifecycleCase,
    NextStep,
    Stage,
    WaitFailure,
)
from crowdcare.domain.models import MentionStatus, Responder, ResponderKind
from crowdcare.domain.triage import RouteKind, Triage
from crowdcare.rules.assignment import community_candidates, employee_candidates
from crowdcare.rules.availability import unavailable_reason
from crowdcare.rules.deeplinks import DeepLinkClaims
from crowdcare.services.assignment_callbacks import (
    DECLINED_ERROR,
    NOTIFICATION_DEFERRED_ERROR,
    NOTIFICATION_FAILED_ERROR,
    SlotTakenError,
)
from crowdcare.services.assignment_offers import (
    assigned_reason,
    lost_its_slot,
    offer_notice,
    take_slot,
    unplanned_case,
)
from crowdcare.services.notification_outages import OUTAGE_MAX_DEFERRALS, deferred_case

if TYPE_CHECKING:
    from crowdcare.ports import (
        AssignmentStore,
        AuditLog,
        Clock,
        MentionStore,
        NoticePublisher,
        ResponderStore,
        RulesSource,
        SignerSource,
    )

# Error names the workflow's wait state raises itself (the others come from the callbacks).
TIMEOUT_ERRORS = frozenset({"States.Timeout", "States.HeartbeatTimeout"})
# Errors that end a wait whose Notify returned: the offer's writes (the triage too) are done.
OFFERED_ERRORS = TIMEOUT_ERRORS | {
    DECLINED_ERROR,
    NOTIFICATION_FAILED_ERROR,
    NOTIFICATION_DEFERRED_ERROR,
}
EMPLOYEE_POOL_READ = 10
"""Employees with a free slot read for the employee stage (bounded: never the whole table)."""


class LifecycleSteps:
    """The step logic of the assignment workflow, with every collaborator passed in."""

    def __init__(
        self,
        *,
        mentions: MentionStore,
        responders: ResponderStore,
        assignments: AssignmentStore,
        audit: AuditLog,
        publisher: NoticePublisher,
        signer: SignerSource,
        rules: RulesSource,
        dashboard_url: str,
        clock: Clock,
    ) -> None:
        self._mentions = mentions
        self._responders = responders
        self._assignments = assignments
        self._audit = audit
        self._publisher = publisher
        self._signer = signer
        self._rules = rules
        self._dashboard_url = dashboard_url
        self._clock = clock

    # ------------------------------------------------------------------ Pick Next Responder
    def pick(self, case: LifecycleCase) -> LifecycleCase:
        """Plan the next untried candidate with a free slot (Notify takes it); escalate or
        queue when none is left. Writes nothing for the planned responder."""
        rules = self._rules().assignment
        now = self._clock()
        if lost_its_slot(case):
            case = unplanned_case(case)
        else:
            case = case.model_copy(update={"refused": ()})
        if case.decision.route is RouteKind.EMPLOYEE and case.stage is Stage.COMMUNITY:
            case = case.model_copy(update={"stage": Stage.EMPLOYEE})
        if case.stage is Stage.COMMUNITY and case.community_attempts >= rules.max_attempts:
            case = self._escalate(case, f"{case.community_attempts} advocate(s) did not answer")
        skipped: list[str] = []
        while True:
            for responder in self._candidates(case, self._reachable(case)):
                reason = unavailable_reason(responder, now)
                if reason is None and (
                    not responder.has_capacity or responder.responder_id in case.refused
                ):
                    reason = "no free slot"
                if reason is not None:
                    skipped.append(f"{responder.responder_id}: {reason}")
                    continue
                assignment = Assignment(
                    mention_id=case.mention_id,
                    responder_id=responder.responder_id,
                    responder_kind=responder.kind,
                    route=case.decision.route,
                    priority=case.priority.score,
                    band=case.priority.band,
                    assigned_at=self._clock(),
                    attempt=case.attempt + 1,
                )
                return self._planned(case, assignment, skipped, rules)
            if case.stage is Stage.COMMUNITY:
                case = self._escalate(case, "no untried advocate with a free slot")
                continue
            return self._queued(case, skipped)

    def _reachable(self, case: LifecycleCase) -> dict[str, Responder]:
        """Triage's candidates as they are now, plus (employee stage) the employee pool.

        A bounded read (the decision keeps about ten candidates, the pool read is capped):
        never every responder.
        """
        found = list(self._responders.get_many(case.decision.candidates))
        if case.stage is Stage.EMPLOYEE:
            found += self._responders.available(ResponderKind.EMPLOYEE, None, EMPLOYEE_POOL_READ)
        return {r.responder_id: r for r in found}

    @staticmethod
    def _candidates(case: LifecycleCase, responders: dict[str, Responder]) -> list[Responder]:
        """Untried candidates of the stage, best first."""
        if case.stage is Stage.COMMUNITY:
            return community_candidates(case.decision, responders, case.tried)
        return employee_candidates(case.mention, case.decision, responders, case.tried)

    def _sla(self, case: LifecycleCase, rules: Any) -> int:
        if case.stage is Stage.EMPLOYEE:
            return int(rules.employee_sla_seconds)
        return int(rules.sla_for(case.priority.band))

    def _escalate(self, case: LifecycleCase, reason: str) -> LifecycleCase:
        now = self._clock()
        self._system_event(case, AuditAction.ESCALATED, reason, now)
        return case.model_copy(update={"stage": Stage.EMPLOYEE, "escalated_at": now})

    def _planned(
        self, case: LifecycleCase, assignment: Assignment, skipped: list[str], rules: Any
    ) -> LifecycleCase:
        updated = case.model_copy(
            update={
                "attempt": assignment.attempt,
                "community_attempts": case.community_attempts
                + (1 if assignment.responder_kind is ResponderKind.ADVOCATE else 0),
                "tried": (*case.tried, assignment.responder_id),
                "first_assigned_at": case.first_assigned_at or assignment.assigned_at,
                "passed_over": tuple(skipped),
            }
        )
        return self._waiting(updated, assignment, self._sla(updated, rules))

    def _waiting(self, case: LifecycleCase, assignment: Assignment, sla: int) -> LifecycleCase:
        hold = sla * self._rules().assignment.hold_limit_factor
        return case.model_copy(
            update={
                "assignment": assignment.model_copy(
                    update={"deadline": assignment.assigned_at + timedelta(seconds=sla)}
                ),
                "sla_seconds": sla,
                "hold_seconds": hold,
                "next": NextStep.WAIT,
                "failure": None,
                "reply": None,
            }
        )

    def _move(self, case: LifecycleCase, status: MentionStatus, detail: str) -> LifecycleCase:
        """Move the mention to `status`; the first move also stores the triage the case carries
        (triage leaves a mention a person must answer unwritten: one write, not triaged then
        assigned), and the case drops the analysis so later moves write the status alone."""
        if case.analysis is None:
            self._mentions.set_status(case.mention_id, status, detail)
            return case
        triage = Triage(analysis=case.analysis, priority=case.priority, decision=case.decision)
        self._mentions.record_triage(case.mention_id, triage, status, detail)
        return case.model_copy(update={"analysis": None})

    def _system_event(
        self,
        case: LifecycleCase,
        action: AuditAction,
        reason: str,
        at: datetime,
        responder_id: str | None = None,
    ) -> None:
        """Audit a decision the workflow took on its own (escalated, queued, admins alerted)."""
        self._audit.append(
            AuditEntry(
                mention_id=case.mention_id,
                at=at,
                action=action,
                actor=SYSTEM,
                responder_id=responder_id,
                attempt=case.attempt,
                reason=reason,
            )
        )

    def _queued(self, case: LifecycleCase, skipped: list[str]) -> LifecycleCase:
        now = self._clock()
        reason = "no employee with a free slot"
        if skipped:
            reason += " (" + ", ".join(skipped) + ")"
        case = self._move(case, MentionStatus.QUEUED, reason)
        self._system_event(case, AuditAction.QUEUED, reason, now)
        if case.attempt == 0:
            # Never assigned: it waits in the queue like any mention nobody could take yet.
            return case.model_copy(update={"next": NextStep.QUEUED, "outcome": "queued"})
        # It already missed the advocates' SLA and no employee can take it: tell the admins.
        return self._alert(case, "escalated, but " + reason, None)

    # ------------------------------------------------------------------ Notify And Wait
    def notify(self, case: LifecycleCase, task_token: str) -> AssignmentNotice:
        """Take the planned slot with the task token (one write of the assignment), record
        the offer (mention status, audit) and publish the notice with a signed link.

        Raises `SlotTakenError` when the responder has no free slot any more: the workflow
        picks again. A retry after the slot was taken continues without taking it twice.
        """
        planned = _required(case.assignment)
        deadline = planned.assigned_at + timedelta(seconds=case.sla_seconds)
        assignment = planned.model_copy(update={"task_token": task_token, "deadline": deadline})
        if not take_slot(self._assignments, assignment):
            raise SlotTakenError(f"{assignment.responder_id} has no free slot any more")
        # Both writes are idempotent on a retry: the same status, the same audit entry key.
        case = self._move(case, MentionStatus.ASSIGNED, f"to {assignment.responder_id}")
        self._audit.append(
            AuditEntry(
                mention_id=case.mention_id,
                at=assignment.assigned_at,
                action=AuditAction.ASSIGNED,
                actor=SYSTEM,
                responder_id=assignment.responder_id,
                attempt=assignment.attempt,
                reason=assigned_reason(case, assignment),
            )
        )
        expires = assignment.assigned_at + timedelta(seconds=max(case.hold_seconds, 1))
        link = self._signer().link(
            self._dashboard_url,
            DeepLinkClaims(
                mention_id=case.mention_id,
                responder_id=assignment.responder_id,
                attempt=assignment.attempt,
                expires=expires,
            ),
        )
        notice = offer_notice(case, assignment, link)
        # A retry publishes the same notice again: the notifier sends each channel once per
        # (mention, responder, attempt) (its SentChannels decision record).
        self._publisher.publish(notice)
        return notice

    # ------------------------------------------------------------------ Release And Record
    def release(self, case: LifecycleCase) -> LifecycleCase:
        """Close the attempt that did not end in a reply, give the slot back, decide what next."""
        assignment = _required(case.assignment)
        failure = case.failure or WaitFailure(Error="Unknown")
        now = self._clock()
        if failure.Error in OFFERED_ERRORS:
            # Notify returned, so it stored the triage: later moves write the status alone.
            case = case.model_copy(update={"analysis": None})
        if failure.Error == NOTIFICATION_DEFERRED_ERROR:
            return self._defer(case, assignment, failure.Cause or "providers unavailable")
        if failure.Error in TIMEOUT_ERRORS:
            status, action, actor = AssignmentStatus.EXPIRED, AuditAction.TIMED_OUT, SYSTEM
            reason = f"no reply within {case.sla_seconds} s"
        elif failure.Error == DECLINED_ERROR:
            status, action = AssignmentStatus.DECLINED, AuditAction.DECLINED
            actor = assignment.responder_id
            reason = failure.Cause or "declined"
        else:
            status, action, actor = (
                AssignmentStatus.UNDELIVERED,
                AuditAction.NOTIFICATION_FAILED,
                SYSTEM,
            )
            reason = f"{failure.Error}: {failure.Cause or 'no detail'}"[:500]
        self._assignments.release(case.mention_id, status, attempt=assignment.attempt)
        self._audit.append(
            AuditEntry(
                mention_id=case.mention_id,
                at=now,
                action=action,
                actor=actor,
                responder_id=assignment.responder_id,
                attempt=assignment.attempt,
                reason=reason,
            )
        )
        cleared = case.model_copy(update={"assignment": None, "failure": None})
        if case.stage is Stage.EMPLOYEE and action is AuditAction.TIMED_OUT:
            return self._alert(cleared, f"employee SLA passed: {reason}", assignment.responder_id)
        return cleared.model_copy(update={"next": NextStep.PICK})

    def _defer(self, case: LifecycleCase, assignment: Assignment, reason: str) -> LifecycleCase:
        """The providers were down: close the attempt without holding it against the
        responder (they stay a candidate), wait with capped backoff, then pick again."""
        now = self._clock()
        self._assignments.release(
            case.mention_id, AssignmentStatus.UNDELIVERED, attempt=assignment.attempt
        )
        cleared = deferred_case(case, assignment)
        deferrals, wait = cleared.deferrals, cleared.retry_in_seconds
        self._audit.append(
            AuditEntry(
                mention_id=case.mention_id,
                at=now,
                action=AuditAction.NOTIFICATION_DEFERRED,
                actor=SYSTEM,
                responder_id=assignment.responder_id,
                attempt=assignment.attempt,
                reason=f"{reason} (wait {deferrals}: {wait} s)"[:500],
            )
        )
        if deferrals > OUTAGE_MAX_DEFERRALS:
            return self._alert(
                cleared, f"notifications failing after {case.deferrals} waits: {reason}", None
            )
        cleared = self._move(
            cleared,
            MentionStatus.ASSIGNING,
            f"notification providers unavailable; asking again in {wait} s",
        )
        return cleared.model_copy(update={"next": NextStep.RETRY_LATER})

    def _alert(self, case: LifecycleCase, reason: str, responder_id: str | None) -> LifecycleCase:
        now = self._clock()
        case = self._move(case, MentionStatus.OVERDUE, reason)
        self._system_event(case, AuditAction.ADMINS_ALERTED, reason, now, responder_id)
        alert = AdminAlert(
            mention_id=case.mention_id,
            reason=reason,
            url=case.mention.url,
            responder_id=responder_id,
            at=now,
        )
        return case.model_copy(
            update={"alert": alert, "next": NextStep.ALERT_ADMINS, "outcome": "admins_alerted"}
        )

    # ------------------------------------------------------------------ Record Reply
    def record_reply(self, case: LifecycleCase) -> LifecycleCase:
        """Close the assignment as replied, give the slot back, record it.

        Points are not awarded here: the reply poster appends the +10 ledger entry when the
        platform confirms the post (crowdcare.services.replies.posting.ReplyConfirmation), which
        also covers a reply posted after its assignment closed, when this step never runs. One
        writer, one entry.
        """
        assignment = _required(case.assignment)
        reply = _required(case.reply)
        now = self._clock()
        self._assignments.release(
            case.mention_id, AssignmentStatus.REPLIED, attempt=assignment.attempt
        )
        self._mentions.set_status(case.mention_id, MentionStatus.REPLIED, reply.reply_url)
        self._audit.append(
            AuditEntry(
                mention_id=case.mention_id,
                at=now,
                action=AuditAction.REPLIED,
                actor=reply.responder_id,
                responder_id=reply.responder_id,
                attempt=assignment.attempt,
                reason=reply.reply_url,
            )
        )
        return case.model_copy(update={"next": NextStep.DONE, "outcome": "replied"})


def _required[T](value: T | None) -> T:
    if value is None:
        raise AssignmentError("the case is missing a part its step needs")
    return value
