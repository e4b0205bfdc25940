"""The assignment lifecycle: notify, wait for the reply, reassign, escalate, alert the admins.

`statemachines/assignment.asl.json` (a Standard workflow, started by triage only for mentions a
person must answer) runs the steps in `LifecycleSteps`; the callback token of the waiting task
is kept on the open assignment, and `AssignmentLifecycle` is the public API that the dashboard
and the reply poster call to answer it (reply, decline, heartbeat).

Load is exact: a slot is taken only by `AssignmentRepository.try_assign` (conditional
transaction) and given back only by `release` (conditional transaction), which every way out
of a wait goes through. Every transition is appended to the audit trail.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import ClientError
from pydantic import Field

from crowdcare.adapters.dynamodb.assignments import (
    AlreadyAssignedError,
    Assignment,
    AssignmentRepository,
    AssignmentStatus,
)
from crowdcare.adapters.dynamodb.audit import SYSTEM, AuditAction, AuditEntry, AuditTrail
from crowdcare.adapters.dynamodb.repositories import MentionRepository, ResponderRepository
from crowdcare.domain.messages import AssignmentNotice
from crowdcare.domain.models import (
    Frozen,
    Mention,
    MentionStatus,
    QuietHoursPolicy,
    Responder,
    ResponderKind,
)
from crowdcare.rules.deeplinks import DeepLinkClaims, DeepLinkSigner
from crowdcare.rules.triage.models import Priority, RouteDecision, RouteKind
from crowdcare.rules.triage.rules import TriageRules
from crowdcare.services.notifier import in_quiet_hours

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_stepfunctions import SFNClient

Clock = Callable[[], datetime]

# Error names the workflow's wait state receives (SendTaskFailure) or raises itself.
DECLINED_ERROR = "Declined"
NOTIFICATION_FAILED_ERROR = "NotificationFailed"
TIMEOUT_ERRORS = frozenset({"States.Timeout", "States.HeartbeatTimeout"})


class Stage(StrEnum):
    """Who is being asked: community advocates first, then employees."""

    COMMUNITY = "community"
    EMPLOYEE = "employee"


class NextStep(StrEnum):
    """What the state machine does after a step (its Choice states read this)."""

    WAIT = "wait"
    PICK = "pick"
    ALERT_ADMINS = "alert_admins"
    QUEUED = "queued"
    DONE = "done"


class AdminAlert(Frozen):
    """What the admin alerts topic carries."""

    mention_id: str
    reason: str
    url: str
    responder_id: str | None = None
    at: datetime


class WaitFailure(Frozen):
    """What a Catch puts on the case: the error of the wait (decline, timeout, failed send)."""

    Error: str
    Cause: str | None = None


class Reply(Frozen):
    """The task-success output `AssignmentLifecycle.replied` sends."""

    responder_id: str
    attempt: int
    reply_url: str


class LifecycleCase(Frozen):
    """The assignment workflow's state."""

    mention: Mention
    priority: Priority
    decision: RouteDecision
    stage: Stage = Stage.COMMUNITY
    attempt: int = Field(default=0, description="attempts made so far, all stages")
    community_attempts: int = 0
    tried: tuple[str, ...] = ()
    assignment: Assignment | None = None
    sla_seconds: int = Field(default=0, description="HeartbeatSecondsPath of the wait")
    hold_seconds: int = Field(default=0, description="TimeoutSecondsPath of the wait")
    next: NextStep = NextStep.PICK
    first_assigned_at: datetime | None = None
    escalated_at: datetime | None = None
    alert: AdminAlert | None = None
    failure: WaitFailure | None = None
    reply: Reply | None = None
    outcome: str = ""

    @property
    def mention_id(self) -> str:
        return self.mention.mention_id


class NoticePublisher(Protocol):
    def publish(self, notice: AssignmentNotice) -> None: ...


class SnsNoticePublisher:
    """Publishes assignment notices to the assignments topic (the notifier subscribes)."""

    def __init__(self, client: SNSClient, topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    def publish(self, notice: AssignmentNotice) -> None:
        """One SNS message per notice, with route and band as filterable attributes."""
        self._client.publish(
            TopicArn=self._topic_arn,
            Message=notice.model_dump_json(),
            MessageAttributes={
                "route": {"DataType": "String", "StringValue": notice.route.value},
                "band": {"DataType": "String", "StringValue": notice.band},
            },
        )


class LifecycleSteps:
    """The step logic of the assignment workflow, with every collaborator passed in."""

    def __init__(
        self,
        *,
        mentions: MentionRepository,
        responders: ResponderRepository,
        assignments: AssignmentRepository,
        audit: AuditTrail,
        publisher: NoticePublisher,
        signer: Callable[[], DeepLinkSigner],
        rules: Callable[[], TriageRules],
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
        """The next untried candidate with a free slot; escalate or queue when none is left."""
        rules = self._rules().assignment
        now = self._clock()
        if case.decision.route is RouteKind.EMPLOYEE and case.stage is Stage.COMMUNITY:
            case = case.model_copy(update={"stage": Stage.EMPLOYEE})
        if case.stage is Stage.COMMUNITY and case.community_attempts >= rules.max_attempts:
            case = self._escalate(case, f"{case.community_attempts} advocate(s) did not answer")
        existing = self._assignments.get(case.mention_id)
        if (
            existing is not None
            and existing.status is AssignmentStatus.OPEN
            and existing.attempt == case.attempt + 1
        ):
            # A retried step after a successful write: continue with what was stored.
            return self._assigned(case, existing, [], rules, record=False)
        responders = {r.responder_id: r for r in self._responders.list_all()}
        skipped: list[str] = []
        while True:
            for responder in self._candidates(case, responders):
                reason = self._unavailable(responder, now)
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
                try:
                    taken = self._assignments.try_assign(assignment)
                except AlreadyAssignedError as exc:
                    # Another attempt of this mention is open: the workflow and the table
                    # disagree, which a person must look at.
                    message = f"{case.mention_id} already has an open assignment"
                    raise AssignmentError(message) from exc
                if not taken:
                    skipped.append(f"{responder.responder_id}: no free slot")
                    continue
                return self._assigned(case, assignment, skipped, rules)
            if case.stage is Stage.COMMUNITY:
                case = self._escalate(case, "no untried advocate with a free slot")
                continue
            return self._queued(case, skipped)

    def _candidates(self, case: LifecycleCase, responders: dict[str, Responder]) -> list[Responder]:
        """Untried candidates of the stage, best first."""
        tried = set(case.tried)
        if case.stage is Stage.COMMUNITY:
            return [
                responders[rid]
                for rid in case.decision.candidates
                if rid not in tried and rid in responders
            ]
        handles = {case.mention.author.handle.lower().lstrip("@")}
        ranked = [rid for rid in case.decision.candidates if rid in responders]
        employees = sorted(
            (
                r
                for r in responders.values()
                if r.kind is ResponderKind.EMPLOYEE
                and r.responder_id not in ranked
                and not handles & {h.lower().lstrip("@") for h in r.handles}
            ),
            key=lambda r: (
                r.open_count / r.max_open,
                hashlib.sha256(f"{case.mention_id}|{r.responder_id}".encode()).hexdigest(),
            ),
        )
        ordered = [responders[rid] for rid in ranked] + employees
        return [
            r for r in ordered if r.kind is ResponderKind.EMPLOYEE and r.responder_id not in tried
        ]

    @staticmethod
    def _unavailable(responder: Responder, now: datetime) -> str | None:
        """Why this responder must not be asked now, or None."""
        if not responder.active:
            return "paused"
        if responder.quiet_hours_policy is QuietHoursPolicy.SKIP and in_quiet_hours(
            responder.quiet_hours, responder.timezone, now
        ):
            return "quiet hours"
        return None

    def _sla(self, case: LifecycleCase, rules: Any) -> int:
        if case.stage is Stage.EMPLOYEE:
            return int(rules.employee_sla_seconds)
        return int(rules.sla_for(case.priority.band))

    def _escalate(self, case: LifecycleCase, reason: str) -> LifecycleCase:
        now = self._clock()
        self._system_event(case, AuditAction.ESCALATED, reason, now)
        return case.model_copy(update={"stage": Stage.EMPLOYEE, "escalated_at": now})

    def _assigned(
        self,
        case: LifecycleCase,
        assignment: Assignment,
        skipped: list[str],
        rules: Any,
        *,
        record: bool = True,
    ) -> LifecycleCase:
        if record:
            reason = f"{case.stage.value} attempt {assignment.attempt}"
            if skipped:
                reason += "; passed over " + ", ".join(skipped)
            self._mentions.set_status(
                case.mention_id, MentionStatus.ASSIGNED, f"to {assignment.responder_id}"
            )
            self._audit.append(
                AuditEntry(
                    mention_id=case.mention_id,
                    at=assignment.assigned_at,
                    action=AuditAction.ASSIGNED,
                    actor=SYSTEM,
                    responder_id=assignment.responder_id,
                    attempt=assignment.attempt,
                    reason=reason,
                )
            )
        updated = case.model_copy(
            update={
                "attempt": assignment.attempt,
                "community_attempts": case.community_attempts
                + (1 if assignment.responder_kind is ResponderKind.ADVOCATE else 0),
                "tried": (*case.tried, assignment.responder_id),
                "first_assigned_at": case.first_assigned_at or assignment.assigned_at,
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
        self._mentions.set_status(case.mention_id, MentionStatus.QUEUED, reason)
        self._system_event(case, AuditAction.QUEUED, reason, now)
        if case.attempt == 0:
            # Never assigned: it waits in the queue like any mention nobody could take yet.
            return case.model_copy(update={"next": NextStep.QUEUED, "outcome": "queued"})
        # It already missed the advocates' SLA and no employee can take it: tell the admins.
        return self._alert(case, "escalated, but " + reason, None)

    # ------------------------------------------------------------------ Notify And Wait
    def notify(self, case: LifecycleCase, task_token: str) -> AssignmentNotice:
        """Keep the task token on the assignment and publish the notice (with a signed link)."""
        assignment = _required(case.assignment)
        deadline = assignment.assigned_at + timedelta(seconds=case.sla_seconds)
        if not self._assignments.store_token(
            case.mention_id, assignment.responder_id, assignment.attempt, task_token, deadline
        ):
            raise AssignmentClosedError(case.mention_id)
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
        reasons = case.priority.reasons + case.decision.reasons
        if case.stage is Stage.EMPLOYEE and case.escalated_at is not None:
            reasons = (
                f"escalated: {len(case.tried) - 1} earlier responder(s) did not answer",
                *reasons,
            )
        notice = AssignmentNotice.build(
            case.mention, assignment, case.priority, case.decision
        ).model_copy(
            update={
                "reasons": reasons,
                "deadline": deadline,
                "link": link,
                "attempt": assignment.attempt,
            }
        )
        self._publisher.publish(notice)
        return notice

    # ------------------------------------------------------------------ Release And Record
    def release(self, case: LifecycleCase) -> LifecycleCase:
        """Close the attempt that did not end in a reply, give the slot back, decide what next."""
        assignment = _required(case.assignment)
        failure = case.failure or WaitFailure(Error="Unknown")
        now = self._clock()
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

    def _alert(self, case: LifecycleCase, reason: str, responder_id: str | None) -> LifecycleCase:
        now = self._clock()
        self._mentions.set_status(case.mention_id, MentionStatus.OVERDUE, reason)
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


class AssignmentError(Exception):
    """A lifecycle call that does not apply to the assignment as it stands."""


class AssignmentClosedError(AssignmentError):
    """The mention has no open assignment waiting for an answer (answered, expired, moved on)."""


class NotYourAssignmentError(AssignmentError):
    """The caller is not the responder who holds the open assignment."""


class AssignmentLifecycle:
    """The public API for the dashboard and the reply poster: answer a waiting assignment.

    Each call checks that `responder_id` holds the mention's open assignment, then answers the
    waiting workflow through its stored task token.
    """

    def __init__(
        self,
        *,
        assignments: AssignmentRepository,
        audit: AuditTrail,
        stepfunctions: SFNClient,
        clock: Clock,
    ) -> None:
        self._assignments = assignments
        self._audit = audit
        self._sfn = stepfunctions
        self._clock = clock

    def _open_for(self, mention_id: str, responder_id: str) -> tuple[Assignment, str]:
        assignment = self._assignments.get(mention_id)
        if assignment is None or assignment.status is not AssignmentStatus.OPEN:
            raise AssignmentClosedError(mention_id)
        if assignment.responder_id != responder_id:
            raise NotYourAssignmentError(mention_id)
        if assignment.task_token is None:
            # Assigned a moment ago; the workflow has not reached its wait yet.
            raise AssignmentClosedError(f"{mention_id}: not waiting for an answer yet")
        return assignment, assignment.task_token

    def replied(self, mention_id: str, responder_id: str, reply_url: str) -> None:
        """The responder's reply is posted: the workflow records it and frees the slot."""
        assignment, token = self._open_for(mention_id, responder_id)
        output = Reply(responder_id=responder_id, attempt=assignment.attempt, reply_url=reply_url)
        self._call(
            mention_id,
            lambda: self._sfn.send_task_success(taskToken=token, output=output.model_dump_json()),
        )

    def declined(self, mention_id: str, responder_id: str, reason: str) -> None:
        """The responder passes: the workflow frees the slot and asks the next candidate."""
        _, token = self._open_for(mention_id, responder_id)
        self._call(
            mention_id,
            lambda: self._sfn.send_task_failure(
                taskToken=token, error=DECLINED_ERROR, cause=reason[:256]
            ),
        )

    def heartbeat(self, mention_id: str, responder_id: str) -> None:
        """The responder is working on it: the SLA window starts again (up to the hold limit)."""
        assignment, token = self._open_for(mention_id, responder_id)
        self._call(mention_id, lambda: self._sfn.send_task_heartbeat(taskToken=token))
        self._audit.append(
            AuditEntry(
                mention_id=mention_id,
                at=self._clock(),
                action=AuditAction.HEARTBEAT,
                actor=responder_id,
                responder_id=responder_id,
                attempt=assignment.attempt,
            )
        )

    def notification_failed(
        self, mention_id: str, responder_id: str, attempt: int, reason: str
    ) -> bool:
        """A notice could not be delivered: move the workflow on to the next responder.

        Returns False when that attempt is no longer waiting (nothing to do).
        """
        assignment = self._assignments.get(mention_id)
        if (
            assignment is None
            or assignment.status is not AssignmentStatus.OPEN
            or assignment.responder_id != responder_id
            or assignment.attempt != attempt
            or assignment.task_token is None
        ):
            return False
        token = assignment.task_token
        try:
            self._call(
                mention_id,
                lambda: self._sfn.send_task_failure(
                    taskToken=token, error=NOTIFICATION_FAILED_ERROR, cause=reason[:256]
                ),
            )
        except AssignmentClosedError:
            return False
        return True

    @staticmethod
    def _call(mention_id: str, send: Callable[[], object]) -> None:
        try:
            send()
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in {"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"}:
                raise AssignmentClosedError(mention_id) from exc
            raise


def _required[T](value: T | None) -> T:
    if value is None:
        raise AssignmentError("the case is missing a part its step needs")
    return value


def case_from_event(event: dict[str, Any]) -> LifecycleCase:
    """The workflow's state as a model (Payload of each lambda:invoke)."""
    return LifecycleCase.model_validate(event)


def to_json(case: LifecycleCase) -> dict[str, Any]:
    """The case as the workflow's next state."""
    result: dict[str, Any] = json.loads(case.model_dump_json())
    return result
