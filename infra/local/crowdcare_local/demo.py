"""`crowdcare demo`: the bundled sample replayed through the real webhooks, end to end.

Deliveries are signed exactly as the platforms sign them (or deliberately broken, as the sample
says), sent over HTTP to the local API server, and the summary is read back from the emulator:
what the webhooks answered, what triage concluded, who was assigned, what was emailed and texted.

Every platform takes part, through a fake platform server on 127.0.0.1 that the stack's
platform base URLs point at: signed Meta deliveries (Facebook Page feed, Instagram comments,
one broken entry that is parked), one run of the scheduled poller over seeded Reddit, Mastodon,
Bluesky and X search feeds, and the responders' replies posted back through the real reply
pipeline (ReplyService, ReplyQueue, ReplyPosterFunction, the platform adapters), with one
platform answering 503 (retried) and one reply refused with 500 until it is parked.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from crowdcare.adapters.dynamodb.assignments import (
    Assignment,
    AssignmentRepository,
    AssignmentStatus,
)
from crowdcare.adapters.dynamodb.audit import AuditAction, AuditTrail
from crowdcare.adapters.dynamodb.repositories import MentionRepository, ResponderRepository
from crowdcare.adapters.platforms.inbound.signatures import sign_generic, sign_x
from crowdcare.config.clients import AwsClients
from crowdcare.config.reply_wiring import ReplyServiceSettings, build_reply_service
from crowdcare.config.settings import AwsSettings
from crowdcare.domain.models import Platform, Responder, mention_key
from crowdcare.services.assignment_steps import (
    AssignmentClosedError,
    AssignmentError,
    AssignmentLifecycle,
    NotYourAssignmentError,
)
from crowdcare.services.polling import SOURCE_NAMES
from crowdcare.services.replies import (
    ReplyRecord,
    ReplyRepository,
    ReplyRequest,
    ReplyService,
    ReplyStatus,
    UnknownMentionError,
    UnsupportedPlatformError,
)

from crowdcare_local import platform_demo
from crowdcare_local.dashboard_demo import print_sign_in, seed_users
from crowdcare_local.fake_platforms import feeds, outbound
from crowdcare_local.fake_platforms.server import FakePlatformServer
from crowdcare_local.outbox import write_outbox
from crowdcare_local.progress import ProgressBar
from crowdcare_local.reply_demo import configure_reply_adapters, reply_parameters
from crowdcare_local.stack import LocalStack, sent_emails, sent_sms
from crowdcare_local.template import REGION
from crowdcare_local.workflow_stats import workflow_stats

OVERSIZE_PADDING_BYTES = 300 * 1024
REPLAY_WINDOW = timedelta(minutes=30)

# SLAs of seconds so the demo shows the whole lifecycle (timeouts, reassignment, escalation,
# admin alerts) in about a minute; a deployment keeps minutes to hours (TriageRules defaults).
DEMO_RULES = {
    "assignment": {
        "sla_seconds": {"P1": 4, "P2": 5, "P3": 6, "P4": 8},
        "employee_sla_seconds": 6,
        "max_attempts": 2,
        "hold_limit_factor": 2,
    }
}
ANSWER_EVERY = 3  # every third notified responder replies; the others stay silent
# How often the demo's responders look for new assignments (SLAs are 4-8 s; scanning more
# often only takes CPU from the emulator's workflows).
RESPONDER_SCAN_SECONDS = 0.25


@dataclass(frozen=True)
class Delivery:
    """One line of samples/mentions.jsonl."""

    kind: str
    payload: Any
    tamper: str | None
    note: str


@dataclass
class DeliveryOutcome:
    status: int
    body: dict[str, Any]
    tamper: str | None


@dataclass
class ReplayReport:
    outcomes: list[DeliveryOutcome] = field(default_factory=list)


def load_deliveries(path: Path | None = None) -> list[Delivery]:
    """The bundled sample (or another file in the same JSON-lines format)."""
    text = (
        path.read_text(encoding="utf-8")
        if path is not None
        else resources.files("crowdcare_local")
        .joinpath("samples/mentions.jsonl")
        .read_text(encoding="utf-8")
    )
    deliveries = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            deliveries.append(
                Delivery(
                    item["delivery"], item["payload"], item.get("tamper"), item.get("note", "")
                )
            )
        except (json.JSONDecodeError, KeyError) as exc:
            raise ValueError(f"sample line {number} is not a delivery: {exc}") from exc
    return deliveries


def load_responders(path: Path | None = None) -> list[Responder]:
    """The bundled responders (or another JSON list of Responder objects)."""
    text = (
        path.read_text(encoding="utf-8")
        if path is not None
        else resources.files("crowdcare_local")
        .joinpath("samples/responders.json")
        .read_text(encoding="utf-8")
    )
    return [Responder.model_validate(item) for item in json.loads(text)]


class Replayer:
    """Rebases the sample's timestamps to 'just now' and posts each delivery, signed."""

    def __init__(self, base_url: str, secrets: dict[str, str], now: datetime) -> None:
        self._base_url = base_url
        self._generic_key = secrets["generic_webhook_secret"].encode()
        self._x_key = secrets["x_consumer_secret"].encode()
        self._now = now
        self._latest: datetime | None = None

    def rebase(self, deliveries: list[Delivery]) -> list[Delivery]:
        """Squeeze the sample's day into the last half hour, keeping order and duplicates equal."""
        stamps = [t for d in deliveries for t in _created_times(d.payload)]
        if not stamps:
            return deliveries
        first, last = min(stamps), max(stamps)
        span = max((last - first).total_seconds(), 1.0)

        def shift(moment: datetime) -> datetime:
            behind = (last - moment).total_seconds() / span * REPLAY_WINDOW.total_seconds()
            return self._now - timedelta(seconds=behind + 5)

        return [
            Delivery(d.kind, _rewrite_times(d.payload, shift), d.tamper, d.note) for d in deliveries
        ]

    def send(self, delivery: Delivery) -> DeliveryOutcome:
        """Post one delivery as its platform would (or broken, as its `tamper` says)."""
        body = json.dumps(delivery.payload).encode()
        if delivery.tamper == "malformed_json":
            body = body[: max(len(body) // 2, 1)]
        if delivery.tamper == "oversized":
            body = json.dumps(
                {**delivery.payload, "padding": "x" * OVERSIZE_PADDING_BYTES}
            ).encode()
        timestamp = int(self._now.timestamp())
        if delivery.tamper == "stale_timestamp":
            timestamp += 3600 if "future" in delivery.note.lower() else -900
        headers = {"Content-Type": "application/json"}
        if delivery.kind == "x":
            path = "/webhooks/x"
            key = b"not-the-consumer-secret" if delivery.tamper == "bad_signature" else self._x_key
            headers["x-twitter-webhooks-signature"] = sign_x(key, body)
        else:
            path = "/webhooks/generic"
            key = (
                b"not-the-webhook-secret"
                if delivery.tamper == "bad_signature"
                else self._generic_key
            )
            headers["X-CrowdCare-Timestamp"] = str(timestamp)
            headers["X-CrowdCare-Signature"] = sign_generic(key, timestamp, body)
        if delivery.tamper == "missing_signature":
            headers = {k: v for k, v in headers.items() if "signature" not in k.lower()}
        return self._post(path, body, headers, delivery.tamper)

    def post_meta(self, headers: dict[str, str], body: bytes) -> DeliveryOutcome:
        """Post one Meta delivery (already signed with the app secret)."""
        return self._post("/webhooks/meta", body, headers, None)

    def _post(
        self, path: str, body: bytes, headers: dict[str, str], tamper: str | None
    ) -> DeliveryOutcome:
        # Only ever the local API server's http://127.0.0.1 URL, built by this class.
        request = urllib.request.Request(  # noqa: S310
            self._base_url + path, data=body, headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return DeliveryOutcome(
                    response.status, json.loads(response.read() or b"{}"), tamper
                )
        except urllib.error.HTTPError as error:
            raw = error.read()
            try:
                parsed = json.loads(raw or b"{}")
            except json.JSONDecodeError:
                parsed = {"error": raw.decode(errors="replace")[:200]}
            return DeliveryOutcome(error.code, parsed, tamper)


def _created_times(payload: Any) -> list[datetime]:
    found: list[datetime] = []
    if not isinstance(payload, dict):
        return found
    if isinstance(payload.get("created_at"), str):
        parsed = _parse_time(payload["created_at"])
        if parsed is not None:
            found.append(parsed)
    for tweet in payload.get("tweet_create_events", []) or []:
        found.extend(_created_times(tweet))
    return found


X_TIME_FORMAT = "%a %b %d %H:%M:%S %z %Y"


def _parse_time(value: str) -> datetime | None:
    """An ISO-8601 or X-style (v1.1) timestamp; None when it is neither or has no zone."""
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = datetime.strptime(value, X_TIME_FORMAT)  # noqa: DTZ007 - %z carries the zone
        except ValueError:
            return None
    return moment if moment.tzinfo is not None else None


def _rewrite_times(payload: Any, shift: Any) -> Any:
    if not isinstance(payload, dict):
        return payload
    result = dict(payload)
    value = result.get("created_at")
    if isinstance(value, str):
        moment = _parse_time(value)
        if moment is not None:
            shifted = shift(moment).astimezone(UTC)
            is_x = "+0000" in value and "T" not in value
            result["created_at"] = shifted.strftime(X_TIME_FORMAT) if is_x else shifted.isoformat()
    if "tweet_create_events" in result:
        result["tweet_create_events"] = [
            _rewrite_times(t, shift) for t in result["tweet_create_events"]
        ]
    return result


def _reason(body: dict[str, Any]) -> str:
    return str(body.get("reason") or body.get("error") or body.get("message", ""))


VIA_GENERIC, VIA_X, VIA_META, VIA_POLLER = "generic webhook", "x webhook", "meta webhook", "poller"


@dataclass
class PlatformReport:
    """How the mentions arrived, beyond the sample's generic and X webhooks."""

    arrived_via: dict[str, str] = field(default_factory=dict)  # mention id -> how
    meta: list[DeliveryOutcome] = field(default_factory=list)
    poll: dict[str, Any] = field(default_factory=dict)  # PollerFunction's answer


def stored_ids(stack: LocalStack) -> set[str]:
    """The ids of every stored mention."""
    mentions = MentionRepository(stack.client("dynamodb"), stack.ref("MentionsTable"))
    return {stored.mention.mention_id for stored in mentions.scan()}


def attribute_replay(
    deliveries: list[Delivery], report: ReplayReport, new_ids: set[str], into: PlatformReport
) -> None:
    """Generic deliveries name their mention; the rest of the replay's mentions came from X."""
    generic = {
        mention_key(Platform(d.payload["platform"]), str(d.payload["post_id"]))
        for d, o in zip(deliveries, report.outcomes, strict=True)
        if d.kind == "generic" and o.status < 400 and isinstance(d.payload, dict)
    }
    for mention_id in new_ids:
        into.arrived_via[mention_id] = VIA_GENERIC if mention_id in generic else VIA_X


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
            1 for r in records if r.status in {ReplyStatus.PENDING, ReplyStatus.POSTING}
        ),
        "reach_tracker": {**reach_run, **reach},
        "dead_letters": _depth(stack, "ReplyDeadLetterQueue"),
    }


def _depth(stack: LocalStack, logical_id: str) -> int:
    attributes = stack.client("sqs").get_queue_attributes(
        QueueUrl=stack.ref(logical_id),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )


def track_reach(stack: LocalStack, platforms: FakePlatformServer, reply_ids: list[str]) -> Any:
    """Give each posted reply a few likes on the fake platform, then run the reach tracker."""
    repository = ReplyRepository(stack.client("dynamodb"), stack.ref("RepliesTable"))
    for index, reply_id in enumerate(dict.fromkeys(reply_ids)):
        record = repository.get(reply_id)
        if record is None or record.posted is None:
            continue
        outbound.set_reach(
            platforms,
            record.platform.value,
            record.posted.post_id,
            likes=3 + index % 5,
            reposts=index % 3 if record.platform in _REPOSTABLE else 0,
            replies=index % 2 if record.platform is not Platform.REDDIT else 0,
        )
    return stack.run_scheduled("ReachTrackerFunction")


_REPOSTABLE = frozenset({Platform.X, Platform.MASTODON, Platform.BLUESKY})


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
    sqs = stack.client("sqs")

    def depth(logical_id: str) -> int:
        attributes = sqs.get_queue_attributes(
            QueueUrl=stack.ref(logical_id),
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(
            attributes["ApproximateNumberOfMessagesNotVisible"]
        )

    rejected = Counter(
        f"{o.status} {_reason(o.body)}".strip() for o in report.outcomes if o.status >= 400
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
            "parked_for_operator": depth("TriageParkingQueue"),
            "notification_dead_letters": depth("NotificationsDeadLetterQueue"),
            "stream_failures": depth("StreamFailureQueue"),
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


REPLY_TEXT = (
    "Thanks for reaching out! We're looking into this now and will follow up here. "
    "- Brightwave Care"
)
# The reply that is refused (HTTP 500) until it is parked, and the platform that answers 503
# for one delivery's worth of attempts (then the redelivery posts).
FAILING_PLATFORM = Platform.FACEBOOK
FLAKY_PLATFORM = Platform.MASTODON


class DemoResponders:
    """Every ANSWER_EVERY-th notified responder replies, at once, as the dashboard does it.

    Watches the Assignments table from its own thread; for a chosen open assignment it submits
    the reply to the reply pipeline (ReplyService: Replies table, ReplyQueue) and then answers
    the waiting workflow (AssignmentLifecycle.replied), the order of the dashboard's
    QueuedReplyPublisher and LifecycleEvents. Every error is counted by its reason.
    """

    def __init__(
        self,
        stack: LocalStack,
        lifecycle: AssignmentLifecycle,
        service: ReplyService,
        platforms: FakePlatformServer,
    ) -> None:
        self._stack = stack
        self._lifecycle = lifecycle
        self._service = service
        self._platforms = platforms
        self._assignments = AssignmentRepository(
            stack.client("dynamodb"), stack.ref("AssignmentsTable"), stack.ref("RespondersTable")
        )
        self._seen: set[tuple[str, int]] = set()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.chosen = 0
        self.submitted: list[str] = []  # reply ids, in order
        self.recorded = 0
        self.errors: Counter[str] = Counter()
        self.seconds_left: list[float] = []  # SLA left when the workflow was answered
        self.failing_mention: str | None = None
        self.flaky_injected = False

    def start(self) -> DemoResponders:
        self._thread = threading.Thread(target=self._run, name="demo-responders", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.answer_new()
            except Exception as error:  # noqa: BLE001 - counted, never hidden
                self.errors[f"responder loop: {type(error).__name__}: {error}"[:200]] += 1
            self._stop.wait(RESPONDER_SCAN_SECONDS)

    def answer_new(self) -> None:
        """Look at each newly waiting assignment once; reply to every ANSWER_EVERY-th."""
        for assignment in self._assignments.list_all():
            key = (assignment.mention_id, assignment.attempt)
            if (
                assignment.status is not AssignmentStatus.OPEN
                or assignment.task_token is None
                or key in self._seen
            ):
                continue
            self._seen.add(key)
            if len(self._seen) % ANSWER_EVERY == 0:
                self.chosen += 1
                self._reply(assignment)

    def _reply(self, assignment: Assignment) -> None:
        platform = Platform(assignment.mention_id.split("#", 1)[0])
        self._inject_faults(platform, assignment.mention_id)
        try:
            record = self._service.submit(
                ReplyRequest(
                    mention_id=assignment.mention_id,
                    responder_id=assignment.responder_id,
                    text=REPLY_TEXT,
                    requested_at=datetime.now(UTC),
                )
            )
        except (UnknownMentionError, UnsupportedPlatformError, ValueError) as error:
            self.errors[f"not submitted: {error}"] += 1
            return
        self.submitted.append(record.reply_id)
        try:
            self._lifecycle.replied(
                assignment.mention_id, assignment.responder_id, f"reply:{record.reply_id}"
            )
        except AssignmentClosedError:
            # The reply is still posted (as the dashboard does); the workflow had moved on.
            self.errors["workflow not told: assignment closed before the reply"] += 1
            return
        except NotYourAssignmentError:
            self.errors["workflow not told: reassigned before the reply"] += 1
            return
        except AssignmentError as error:
            self.errors[f"workflow not told: {error}"] += 1
            return
        self.recorded += 1
        if assignment.deadline is not None:
            self.seconds_left.append((assignment.deadline - datetime.now(UTC)).total_seconds())

    def _inject_faults(self, platform: Platform, mention_id: str) -> None:
        attempts = int(os.environ.get("PLATFORM_MAX_ATTEMPTS", "3"))
        if platform is FAILING_PLATFORM and self.failing_mention is None:
            # Only this mention's object: the other Facebook replies are posted.
            self.failing_mention = mention_id
            post_id = mention_id.split("#", 1)[1]
            deliveries = int(os.environ.get("REPLY_MAX_RECEIVE_COUNT", "5"))
            self._platforms.inject_faults(
                f"/facebook/v21.0/{quote(post_id, safe='')}/", [500] * attempts * deliveries
            )
        if platform is FLAKY_PLATFORM and not self.flaky_injected:
            self.flaky_injected = True
            self._platforms.inject_faults("/mastodon/api/v1/statuses", [503] * attempts)


def settle(stack: LocalStack, timeout: float, on_progress: Any) -> bool:
    """Run until every workflow has finished and no event (stream, queue) is in flight."""
    deadline = time.monotonic() + timeout
    quiet_rounds = 0
    while time.monotonic() < deadline:
        moved = stack.pump_once()
        running = stack.running_executions()
        on_progress(running)
        quiet_rounds = quiet_rounds + 1 if moved == 0 and running == 0 else 0
        if quiet_rounds >= 3:
            return True
        time.sleep(0.25)
    return False


def render_summary(summary: dict[str, Any], out: TextIO) -> None:
    """The summary as a person reads it."""
    d, m, t = summary["deliveries"], summary["mentions"], summary["triage"]
    a, n, f, w = (
        summary["assignments"],
        summary["notifications"],
        summary["failures"],
        summary["workflow"],
    )
    line = "─" * 64
    out.write(
        f"\n{line}\nCrowdCare demo — {d['sent']} webhook deliveries "
        f"in {summary['elapsed_seconds']} s\n{line}\n"
    )
    out.write(
        f"Received    {d['accepted_deliveries']} deliveries accepted → "
        f"{d['mentions_accepted']} new mentions, {d['duplicates_dropped']} duplicates dropped\n"
    )
    out.write(f"Rejected    {d['rejected']}\n")
    for reason, count in d["rejected_by_reason"].items():
        out.write(f"              {count:>3} x {reason}\n")
    out.write(
        f"Stored      {m['stored']} mentions: "
        + ", ".join(f"{k} {v}" for k, v in m["by_status"].items())
        + "\n"
    )
    for title, key in (
        ("Languages", "languages"),
        ("Sentiment", "sentiment"),
        ("Intent", "intent"),
        ("Priority", "priority_bands"),
        ("Route", "route"),
    ):
        out.write(f"{title:<12}" + ", ".join(f"{k} {v}" for k, v in t[key].items()) + "\n")
    out.write(
        f"Assigned    {a['total']} mentions "
        f"({a['queued_without_free_responder']} queued: every candidate was full)\n"
    )
    for rid, info in a["per_responder"].items():
        out.write(f"              {info['open']:>3} → {info['name']} ({info['kind']}, {rid})\n")
    out.write(
        f"Notified    {n['emails_sent']} emails, {n['sms_sent']} SMS "
        f"({n['attempts_notified']} assignment attempts notified)\n"
    )
    lc = summary["lifecycle"]
    reach = lc["seconds_to_reach_an_employee"]
    out.write(
        f"Lifecycle   {lc['executions']} assignment workflows, {lc['attempts']} attempts: "
        f"replied {lc['replied']}, timed out {lc['timed_out']}, "
        f"notification failed {lc['notification_failed']}\n"
        f"              {lc['reassigned']} mentions reassigned, {lc['escalated']} escalated "
        f"to an employee, admins alerted {lc['admins_alerted']}\n"
        f"              first assignment → employee: median {reach['median']} s, "
        f"max {reach['max']} s (n={reach['count']})\n"
        f"              {lc['state_transitions_per_execution']} state transitions per "
        f"assignment workflow\n"
    )
    if "platforms" in summary:
        _render_platforms(summary, out)
    out.write("Failures    " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in f.items()) + "\n")
    out.write(
        f"Workflow    {w['executions']} executions, "
        f"{w['state_transitions_per_mention']} state transitions and "
        f"{w['lambda_invocations_per_mention']} Lambda invocations per mention\n{line}\n"
    )


def _render_platforms(summary: dict[str, Any], out: TextIO) -> None:
    """The platform lines: how mentions arrived, what was parked, what the replies became."""
    pl, parking, r = summary["platforms"], summary["ingest_parking"], summary["replies"]
    out.write(f"Platforms   {pl['stored']} mentions stored, by platform and how they arrived\n")
    for name, info in pl["by_platform"].items():
        via = ", ".join(f"{k} {v}" for k, v in info["via"].items())
        out.write(f"              {name:<10}{info['stored']:>4}  {via}\n")
    meta = pl["meta"]
    out.write(
        f"Meta        {meta['deliveries']} signed deliveries (HTTP "
        + ", ".join(str(s) for s in meta["statuses"])
        + f") → {meta['mentions_accepted']} mentions, {meta['parked']} entry parked\n"
    )
    polled = pl["polled"]
    out.write(
        f"Polled      one PollerFunction run, {len(polled['sources'])} sources → "
        + ", ".join(f"{k} {v['accepted']}" for k, v in polled["sources"].items())
        + "\n"
    )
    problems = [f"{k}: {v['outcome']}" for k, v in polled["sources"].items()
                if v["outcome"] != "caught up"]
    problems += [f"{k}: skipped, {v}" for k, v in polled["skipped"].items()]
    for problem in problems:
        out.write(f"              {problem}\n")
    out.write(f"Parked in   ingest parking queue: {parking['parked']}\n")
    for entry in parking["entries"]:
        details = "; ".join(str(d) for d in entry["details"])
        out.write(f"              {entry['platform']}: {entry['reason']} ({details})\n")
    posted = r["posted"]
    out.write(
        f"Replies     {r['responders_replying']} responders replied (every {ANSWER_EVERY}rd "
        f"notified) → {r['submitted']} submitted to the reply pipeline, "
        f"{r['workflow_recorded']} recorded as replied by their workflow\n"
        f"              posted {sum(posted.values())}: "
        + ", ".join(f"{k} {v}" for k, v in posted.items())
        + f"; {r['retried_deliveries']} delivery retried, {len(r['parked'])} parked, "
        f"{r['not_finished']} unfinished\n"
    )
    for parked in r["parked"]:
        out.write(f"              parked on {parked['platform']}: {parked['error']}\n")
    for reason, count in r["errors_by_reason"].items():
        out.write(f"              {count:>3} x {reason}\n")
    left = r["sla_seconds_left_when_answered"]
    out.write(
        f"              SLA left when the workflow was answered: min {left['min']} s, "
        f"median {left['median']} s\n"
    )
    reach = r["reach_tracker"]
    out.write(
        f"Reach       ReachTrackerFunction read {reach['read']} replies "
        f"(failed {reach['failed']}, unconfigured {reach['unconfigured']}): "
        f"likes {reach['likes']}, reposts {reach['reposts']}, replies {reach['replies']}\n"
    )


def _answering_services(stack: LocalStack) -> tuple[AssignmentLifecycle, ReplyService]:
    """What a responder's reply goes through: the lifecycle API and the reply pipeline."""
    lifecycle = AssignmentLifecycle(
        assignments=AssignmentRepository(
            stack.client("dynamodb"), stack.ref("AssignmentsTable"), stack.ref("RespondersTable")
        ),
        audit=AuditTrail(stack.client("dynamodb"), stack.ref("AuditTable")),
        stepfunctions=stack.client("stepfunctions"),
        clock=lambda: datetime.now(UTC),
    )
    clients = AwsClients(AwsSettings(aws_region=REGION, aws_endpoint_url=stack.endpoint_url))
    service = build_reply_service(
        ReplyServiceSettings(
            mentions_table=stack.ref("MentionsTable"),
            replies_table=stack.ref("RepliesTable"),
            reply_queue_url=stack.ref("ReplyQueue"),
        ),
        clients,
    )
    return lifecycle, service


def ingest_from_platforms(
    stack: LocalStack,
    *,
    replayer: Replayer,
    platforms: FakePlatformServer,
    now: datetime,
    arrivals: PlatformReport,
    stderr: TextIO,
) -> None:
    """Signed Meta deliveries, then one poller run over the seeded fake feeds."""
    before = stored_ids(stack)
    secret = stack.secret_values()["meta_app_secret"]
    arrivals.meta = [
        replayer.post_meta(headers, body)
        for headers, body in platform_demo.meta_deliveries(secret)
    ]
    after = stored_ids(stack)
    arrivals.arrived_via.update(dict.fromkeys(after - before, VIA_META))
    stderr.write(
        f"Meta webhook: {len(arrivals.meta)} signed deliveries, "
        f"{len(after - before)} new mentions\n"
    )
    platform_demo.seed_feeds(platforms, now)
    arrivals.poll = stack.run_scheduled("PollerFunction") or {}
    polled = stored_ids(stack)
    arrivals.arrived_via.update(dict.fromkeys(polled - after, VIA_POLLER))
    stderr.write(
        f"Poller: one run over {len(SOURCE_NAMES)} sources, {len(polled - after)} new mentions\n"
    )


def wait_for_everything(
    stack: LocalStack, responders: DemoResponders, platforms: FakePlatformServer, stderr: TextIO
) -> tuple[bool, Any]:
    """Wait for every workflow and every reply, then run the reach tracker once."""
    waiting = ProgressBar("Waiting for workflows", None, stderr)
    settled = settle(
        stack, timeout=300, on_progress=lambda running: waiting.status(f"{running} running")
    )
    responders.stop()
    # The last replies may still be on the ReplyQueue: let the poster finish them.
    settled = stack.settle(timeout=60) and settled
    waiting.done("all finished" if settled else "timed out")
    return settled, track_reach(stack, platforms, responders.submitted)


def run_demo(
    *,
    serve: bool,
    as_json: bool,
    port: int = 0,
    outbox: Path = Path(".crowdcare/outbox"),
    stdout: TextIO = sys.stdout,
    stderr: TextIO = sys.stderr,
) -> int:
    """Boot the local stack, replay the sample, wait for every workflow, print the summary."""
    from crowdcare_local.server import LocalApiServer  # noqa: PLC0415 - imports Chalice apps

    started = time.monotonic()
    stderr.write(
        "Starting the fake platforms and the local stack "
        "(moto on 127.0.0.1, provisioned from template.yaml)…\n"
    )
    platforms = FakePlatformServer().start()
    feeds.register(platforms)  # the poller's read endpoints; replies are registered below
    stack = LocalStack(
        parameters={**reply_parameters(platforms), "PollSources": ",".join(SOURCE_NAMES)}
    ).start()
    server = LocalApiServer(stack, port=port).start()
    responders: DemoResponders | None = None
    try:
        configure_reply_adapters(stack, platforms)
        responders_repo = ResponderRepository(
            stack.client("dynamodb"), stack.ref("RespondersTable")
        )
        for responder in load_responders():
            responders_repo.put(responder)
        stack.set_rules(json.dumps(DEMO_RULES))
        lifecycle, service = _answering_services(stack)
        responders = DemoResponders(stack, lifecycle, service, platforms).start()

        now = datetime.now(UTC)
        replayer = Replayer(server.url, stack.secret_values(), now)
        deliveries = replayer.rebase(load_deliveries())
        report = ReplayReport()
        bar = ProgressBar("Replaying webhooks", len(deliveries), stderr)
        for delivery in deliveries:
            report.outcomes.append(replayer.send(delivery))
            bar.advance()
        bar.done()
        arrivals = PlatformReport()
        attribute_replay(deliveries, report, stored_ids(stack), arrivals)

        ingest_from_platforms(
            stack,
            replayer=replayer,
            platforms=platforms,
            now=now,
            arrivals=arrivals,
            stderr=stderr,
        )

        settled, reach_run = wait_for_everything(stack, responders, platforms, stderr)
        summary = {
            **build_summary(stack, report, time.monotonic() - started),
            "platforms": platforms_summary(stack, arrivals),
            "ingest_parking": ingest_parking_summary(stack),
            "replies": replies_summary(stack, responders, reach_run),
        }
        summary["outbox"] = str(write_outbox(outbox, sent_emails(), sent_sms()))
        users = seed_users(stack) if serve else []
        if serve:
            summary["dashboard"] = {
                "url": server.url + "/",
                "users": [{"username": u, "password": pw, "role": r} for u, pw, r in users],
            }
        if as_json:
            stdout.write(json.dumps(summary) + "\n")
        else:
            render_summary(summary, stdout)
            stdout.write(f"Outbox      {summary['outbox']} (emails as .eml, SMS as sms.jsonl)\n")
            if serve:
                print_sign_in(users, server.url, stdout)
        if serve:
            _serve_forever(stack, server.url, platforms.url, stdout if not as_json else stderr)
        return 0 if settled else 1
    finally:
        if responders is not None:
            responders.stop()
        server.stop()
        stack.stop()
        platforms.stop()


def _serve_forever(stack: LocalStack, url: str, platforms_url: str, out: TextIO) -> None:
    out.write(
        "\nThe local stack stays up (Ctrl-C to stop):\n"
        f"  dashboard        {url}/\n"
        f"  health           GET  {url}/health\n"
        f"  generic webhook  POST {url}/webhooks/generic\n"
        f"  X webhook        GET/POST {url}/webhooks/x\n"
        f"  Meta webhook     GET/POST {url}/webhooks/meta\n"
        f"  fake platforms   {platforms_url}  (what the poller reads, where replies go)\n"
        f"  AWS emulator     {stack.endpoint_url}  (AWS_ENDPOINT_URL for the aws CLI or boto3)\n"
    )
    out.flush()
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        out.write("stopping\n")
