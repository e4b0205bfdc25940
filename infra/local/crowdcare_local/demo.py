"""`crowdcare demo`: the bundled sample replayed through the real webhooks, end to end.

Deliveries are signed exactly as the platforms sign them (or deliberately broken, as the sample
says), sent over HTTP to the local API server, and the summary is read back from the emulator:
what the webhooks answered, what triage concluded, who was assigned, what was emailed and texted.
"""

from __future__ import annotations

import contextlib
import json
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

from crowdcare.assignments import AssignmentRepository, AssignmentStatus
from crowdcare.audit import AuditAction, AuditTrail
from crowdcare.ingest.signatures import sign_generic, sign_x
from crowdcare.lifecycle import AssignmentError, AssignmentLifecycle
from crowdcare.models import Responder
from crowdcare.repositories import MentionRepository, ResponderRepository

from crowdcare_local.outbox import write_outbox
from crowdcare_local.progress import ProgressBar
from crowdcare_local.stack import LocalStack, sent_emails, sent_sms
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


def settle_answering(
    stack: LocalStack, lifecycle: AssignmentLifecycle, timeout: float, on_progress: Any
) -> bool:
    """Run until every workflow has finished, replying as every ANSWER_EVERY-th responder."""
    assignments = AssignmentRepository(
        stack.client("dynamodb"), stack.ref("AssignmentsTable"), stack.ref("RespondersTable")
    )
    seen: set[tuple[str, int]] = set()
    deadline = time.monotonic() + timeout
    quiet_rounds = 0
    while time.monotonic() < deadline:
        moved = stack.pump_once()
        for assignment in assignments.list_all():
            key = (assignment.mention_id, assignment.attempt)
            if (
                assignment.status is not AssignmentStatus.OPEN
                or assignment.task_token is None
                or key in seen
            ):
                continue
            seen.add(key)
            if len(seen) % ANSWER_EVERY == 0:
                # Its SLA may have passed meanwhile (closed, or already reassigned).
                with contextlib.suppress(AssignmentError):
                    lifecycle.replied(
                        assignment.mention_id,
                        assignment.responder_id,
                        f"{assignment.mention_id}#reply-by-{assignment.responder_id}",
                    )
        running = stack.running_executions()
        on_progress(running)
        quiet_rounds = quiet_rounds + 1 if moved == 0 and running == 0 else 0
        if quiet_rounds >= 3:
            return True
        time.sleep(0.1)
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
    out.write("Failures    " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in f.items()) + "\n")
    out.write(
        f"Workflow    {w['executions']} executions, "
        f"{w['state_transitions_per_mention']} state transitions and "
        f"{w['lambda_invocations_per_mention']} Lambda invocations per mention\n{line}\n"
    )


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
    stderr.write("Starting the local stack (moto on 127.0.0.1, provisioned from template.yaml)…\n")
    stack = LocalStack().start()
    server = LocalApiServer(stack, port=port).start()
    try:
        responders_repo = ResponderRepository(
            stack.client("dynamodb"), stack.ref("RespondersTable")
        )
        for responder in load_responders():
            responders_repo.put(responder)
        stack.set_rules(json.dumps(DEMO_RULES))
        lifecycle = AssignmentLifecycle(
            assignments=AssignmentRepository(
                stack.client("dynamodb"), stack.ref("AssignmentsTable"),
                stack.ref("RespondersTable"),
            ),
            audit=AuditTrail(stack.client("dynamodb"), stack.ref("AuditTable")),
            stepfunctions=stack.client("stepfunctions"),
            clock=lambda: datetime.now(UTC),
        )
        replayer = Replayer(server.url, stack.secret_values(), datetime.now(UTC))
        deliveries = replayer.rebase(load_deliveries())
        report = ReplayReport()
        bar = ProgressBar("Replaying webhooks", len(deliveries), stderr)
        for delivery in deliveries:
            report.outcomes.append(replayer.send(delivery))
            bar.advance()
        bar.done()
        waiting = ProgressBar("Waiting for workflows", None, stderr)
        settled = settle_answering(
            stack,
            lifecycle,
            timeout=300,
            on_progress=lambda running: waiting.status(f"{running} running"),
        )
        waiting.done("all finished" if settled else "timed out")
        summary = build_summary(stack, report, time.monotonic() - started)
        summary["outbox"] = str(write_outbox(outbox, sent_emails(), sent_sms()))
        if as_json:
            stdout.write(json.dumps(summary) + "\n")
        else:
            render_summary(summary, stdout)
            stdout.write(f"Outbox      {summary['outbox']} (emails as .eml, SMS as sms.jsonl)\n")
        if serve:
            _serve_forever(stack, server.url, stdout)
        return 0 if settled else 1
    finally:
        server.stop()
        stack.stop()


def _serve_forever(stack: LocalStack, url: str, out: TextIO) -> None:
    out.write(
        "\nThe local stack stays up (Ctrl-C to stop):\n"
        f"  health           GET  {url}/health\n"
        f"  generic webhook  POST {url}/webhooks/generic\n"
        f"  X webhook        GET/POST {url}/webhooks/x\n"
        f"  AWS emulator     {stack.endpoint_url}  (AWS_ENDPOINT_URL for the aws CLI or boto3)\n"
    )
    out.flush()
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        out.write("stopping\n")
