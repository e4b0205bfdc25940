"""Everything the demo did, read back from the webhooks' answers, the emulator, the audit
trail and the fake platforms, as one JSON-ready dict (`crowdcare demo --json` prints it)."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from crowdcare.adapters.dynamodb.assignments import AssignmentRepository
from crowdcare.adapters.dynamodb.audit import AuditAction, AuditTrail
from crowdcare.adapters.dynamodb.ledger import LedgerRepository
from crowdcare.adapters.dynamodb.replies import ReplyRepository
from crowdcare.adapters.dynamodb.repositories import MentionRepository, ResponderRepository
from crowdcare.domain.models import Platform
from crowdcare.domain.replies import Reply as ReplyRecord
from crowdcare.domain.replies import ReplyStatus
from crowdcare.rules.ranks import RankRules, rank_of

from crowdcare_local.demo.arrivals import PlatformReport, stored_ids
from crowdcare_local.demo.replay import ReplayReport, rejection_reason
from crowdcare_local.demo.responders import DemoResponders
from crowdcare_local.stack import LocalStack
from crowdcare_local.stack.outbox import sent_emails, sent_sms
from crowdcare_local.workflow_stats import workflow_stats


def build_summary(stack: LocalStack, report: ReplayReport, elapsed: float) -> dict[str, Any]:
    """Everything the demo did, read back from the webhooks' answers and the emulator."""
    ddb = stack.client("dynamodb")
    mentions = MentionRepository(ddb, stack.ref("MentionsTable")).scan()
    responders = {
        r.responder_id: r for r in ResponderRepository(ddb, stack.ref("RespondersTable")).list_all()
    }
    assignments = AssignmentRepository(
        ddb, stack.ref("AssignmentsTable"), stack.ref("RespondersTable")
    ).list_all()
    rejected = Counter(
        f"{o.status} {rejection_reason(o.body)}".strip() for o in report.outcomes if o.status >= 400
    )
    triaged = [m.triage for m in mentions if m.triage is not None]
    per_responder = Counter(a.responder_id for a in assignments)
    stats = workflow_stats(stack, "TriageStateMachine")
    emails, texts = sent_emails(), sent_sms()
    audit = AuditTrail(ddb, stack.ref("AuditTable")).scan()
    return {
        "deliveries": {
            "sent": len(report.outcomes),
            "accepted_deliveries": sum(1 for o in report.outcomes if o.status < 400),
            "mentions_accepted": sum(
                int(o.body.get("accepted", 0)) for o in report.outcomes if o.status < 400
            ),
            "duplicates_dropped": sum(
                int(o.body.get("duplicates", 0)) for o in report.outcomes if o.status < 400
            ),
            "rejected": sum(rejected.values()),
            "rejected_by_reason": dict(sorted(rejected.items())),
        },
        "mentions": {
            "stored": len(mentions),
            "by_status": dict(Counter(m.status.value for m in mentions).most_common()),
        },
        "triage": {
            "languages": dict(Counter(t.analysis.language for t in triaged).most_common()),
            "sentiment": dict(
                Counter(t.analysis.sentiment.label.value for t in triaged).most_common()
            ),
            "intent": dict(Counter(t.analysis.intent.value for t in triaged).most_common()),
            "priority_bands": dict(sorted(Counter(t.priority.band for t in triaged).items())),
            "route": dict(Counter(t.decision.route.value for t in triaged).most_common()),
        },
        "assignments": {
            "total": len(assignments),
            "queued_without_free_responder": sum(1 for m in mentions if m.status.value == "queued"),
            "per_responder": {
                rid: {
                    "name": responders[rid].name if rid in responders else rid,
                    "kind": responders[rid].kind.value if rid in responders else "?",
                    "open": count,
                }
                for rid, count in per_responder.most_common()
            },
        },
        "notifications": {
            "emails_sent": len(emails),
            "sms_sent": len(texts),
            "attempts_notified": sum(1 for e in audit if e.action is AuditAction.NOTIFIED),
        },
        "lifecycle": lifecycle_summary(stack, audit),
        "failures": {
            "executions_failed": stats.failed,
            "parked_for_operator": queue_depth(stack, "TriageParkingQueue"),
            "notification_dead_letters": queue_depth(stack, "NotificationsDeadLetterQueue"),
            "stream_failures": queue_depth(stack, "StreamFailureQueue"),
        },
        "workflow": {
            "executions": stats.executions,
            "state_transitions_per_mention": round(stats.transitions_per_execution, 2),
            "lambda_invocations_per_mention": round(
                sum(stack.runtime.invocations.values()) / max(stats.executions, 1), 2
            )
            if stack.runtime
            else 0,
        },
        "replay_seconds": round(report.seconds, 1),
        "elapsed_seconds": round(elapsed, 1),
    }


def lifecycle_summary(stack: LocalStack, audit: list[Any]) -> dict[str, Any]:
    """What the assignment workflows did, from the audit trail and their histories."""
    by_mention: dict[str, list[Any]] = {}
    for entry in audit:
        by_mention.setdefault(entry.mention_id, []).append(entry)
    actions = Counter(e.action for e in audit)
    to_employee: list[float] = []
    for entries in by_mention.values():
        escalated = [e for e in entries if e.action is AuditAction.ESCALATED]
        first = next((e for e in entries if e.action is AuditAction.ASSIGNED), None)
        if escalated and first is not None:
            reached = next(
                (e for e in entries
                 if e.action is AuditAction.ASSIGNED and e.at >= escalated[0].at),
                None,
            )
            if reached is not None:
                to_employee.append((reached.at - first.at).total_seconds())
    stats = workflow_stats(stack, "AssignmentStateMachine")
    ordered = sorted(to_employee)
    return {
        "executions": stats.executions,
        "outcomes": _outcomes(by_mention),
        "attempts": actions[AuditAction.ASSIGNED],
        "replied": actions[AuditAction.REPLIED],
        "timed_out": actions[AuditAction.TIMED_OUT],
        "declined": actions[AuditAction.DECLINED],
        "notification_failed": actions[AuditAction.NOTIFICATION_FAILED],
        "reassigned": sum(
            1 for entries in by_mention.values()
            if sum(1 for e in entries if e.action is AuditAction.ASSIGNED) > 1
        ),
        "escalated": actions[AuditAction.ESCALATED],
        "admins_alerted": actions[AuditAction.ADMINS_ALERTED],
        "state_transitions_per_execution": round(stats.transitions_per_execution, 2),
        "transitions_by_final_state": stats.transitions_by_path,
        "seconds_to_reach_an_employee": {
            "count": len(ordered),
            "median": round(ordered[len(ordered) // 2], 1) if ordered else None,
            "max": round(ordered[-1], 1) if ordered else None,
        },
    }


def _outcomes(by_mention: dict[str, list[Any]]) -> dict[str, int]:
    finals = Counter(entries[-1].action.value for entries in by_mention.values() if entries)
    return dict(finals.most_common())


def platforms_summary(stack: LocalStack, platforms: PlatformReport) -> dict[str, Any]:
    """Mentions stored per platform and how they arrived; Meta's answers; the poll run."""
    ids = stored_ids(stack)
    per_platform: dict[str, Counter[str]] = {}
    for mention_id in sorted(ids):
        platform = mention_id.split("#", 1)[0]
        via = platforms.arrived_via.get(mention_id, "unknown")
        per_platform.setdefault(platform, Counter())[via] += 1
    order = [p.value for p in Platform]
    return {
        "stored": len(ids),
        "by_platform": {
            name: {"stored": sum(per_platform[name].values()), "via": dict(per_platform[name])}
            for name in sorted(per_platform, key=order.index)
        },
        "meta": {
            "deliveries": len(platforms.meta),
            "statuses": [o.status for o in platforms.meta],
            "mentions_accepted": sum(int(o.body.get("accepted", 0)) for o in platforms.meta),
            "duplicates": sum(int(o.body.get("duplicates", 0)) for o in platforms.meta),
            "ignored": sum(int(o.body.get("ignored", 0)) for o in platforms.meta),
            "parked": sum(int(o.body.get("parked", 0)) for o in platforms.meta),
        },
        "polled": {
            "sources": {
                run["source"]: {
                    "accepted": run["accepted"],
                    "duplicates": run["duplicates"],
                    "pages": run["pages"],
                    "outcome": run["outcome"] + (f": {run['detail']}" if run["detail"] else ""),
                }
                for run in platforms.poll.get("sources", [])
            },
            "skipped": platforms.poll.get("skipped", {}),
        },
    }


def ingest_parking_summary(stack: LocalStack) -> dict[str, Any]:
    """The webhook entries parked for an operator (left in the queue, still visible)."""
    sqs = stack.client("sqs")
    url = stack.ref("IngestParkingQueue")
    entries: dict[str, dict[str, Any]] = {}
    for _ in range(5):
        messages = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0
        ).get("Messages", [])
        for message in messages:
            body = json.loads(message["Body"])
            entries[message["MessageId"]] = {
                "platform": body.get("platform"),
                "reason": body.get("reason"),
                "details": body.get("details", []),
            }
        if not messages:
            break
    return {"parked": len(entries), "entries": list(entries.values())}


def replies_summary(
    stack: LocalStack, responders: DemoResponders, reach_run: dict[str, Any]
) -> dict[str, Any]:
    """What became of every reply the demo's responders made, and the reach tracker's run."""
    repository = ReplyRepository(stack.client("dynamodb"), stack.ref("RepliesTable"))
    records: list[ReplyRecord] = [
        record
        for reply_id in dict.fromkeys(responders.submitted)
        if (record := repository.get(reply_id)) is not None
    ]
    posted = Counter(r.platform.value for r in records if r.status is ReplyStatus.POSTED)
    parked = [
        {"platform": r.platform.value, "mention_id": r.mention_id, "error": r.last_error or ""}
        for r in records
        if r.status is ReplyStatus.FAILED
    ]
    reach = {"likes": 0, "reposts": 0, "replies": 0}
    for record in records:
        if record.reach is not None:
            reach["likes"] += record.reach.likes
            reach["reposts"] += record.reach.reposts
            reach["replies"] += record.reach.replies
    left = sorted(responders.seconds_left)
    order = [p.value for p in Platform]
    errors = Counter(responders.errors)
    audit = AuditTrail(stack.client("dynamodb"), stack.ref("AuditTable")).scan()
    answered = {(r.mention_id, r.responder_id) for r in records}
    recorded = sum(
        1
        for e in audit
        if e.action is AuditAction.REPLIED and (e.mention_id, e.responder_id) in answered
    )
    if responders.recorded > recorded:
        # Step Functions took the answer, but the SLA timer had already fired (moto does not
        # refuse a late SendTaskSuccess as AWS does with TaskTimedOut).
        errors["answer accepted, but the workflow took the timeout path"] = (
            responders.recorded - recorded
        )
    return {
        "responders_replying": responders.chosen,
        "submitted": len(records),
        "workflow_answered": responders.recorded,
        "workflow_recorded": recorded,
        "errors_by_reason": dict(errors.most_common()),
        "sla_seconds_left_when_answered": {
            "min": round(left[0], 1) if left else None,
            "median": round(left[len(left) // 2], 1) if left else None,
        },
        "posted": dict(sorted(posted.items(), key=lambda item: order.index(item[0]))),
        "retried_deliveries": sum(
            max(r.attempts - 1, 0) for r in records if r.status is ReplyStatus.POSTED
        ),
        "parked": parked,
        "not_finished": sum(
            1 for r in records if r.status in {ReplyStatus.APPROVED, ReplyStatus.POSTING}
        ),
        "reach_tracker": {**reach_run, **reach},
        "dead_letters": queue_depth(stack, "ReplyDeadLetterQueue"),
        "points": points_summary(stack, {r.responder_id for r in records}),
    }


def points_summary(stack: LocalStack, responder_ids: set[str]) -> dict[str, Any]:
    """Points by reason, the reach bonus awarded and the ranks reached (each responder's own
    ledger partition, never a scan)."""
    ledger = LedgerRepository(stack.client("dynamodb"), stack.ref("LedgerTable"))
    by_reason: Counter[str] = Counter()
    ranks: Counter[str] = Counter()
    for responder_id in sorted(responder_ids):
        entries = ledger.for_responder(responder_id)
        for entry in entries:
            by_reason[entry.reason.value] += entry.points
        ranks[rank_of(RankRules(), sum(e.points for e in entries)).rank] += 1
    return {
        "by_reason": dict(by_reason.most_common()),
        "reach_bonus": by_reason.get("reach_bonus", 0),
        "ranks": dict(ranks.most_common()),
    }


def queue_depth(stack: LocalStack, logical_id: str) -> int:
    """Messages in a queue, visible or in flight."""
    attributes = stack.client("sqs").get_queue_attributes(
        QueueUrl=stack.ref(logical_id),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )
