"""Benchmark CrowdCare: triage throughput, webhook latency, cold imports and cost per mention.

Run: `make bench` (or `.venv/bin/python -m tools.bench.run_bench`). Prints a report and writes
the same figures to `.crowdcare/bench.json`. Nothing here asserts a timing: the figures depend on
the machine, so they are printed for people to compare, never checked.

1. Embedded triage, one core: `TriageEngine.triage` over the bundled sample and, when present,
   the inbound customer tweets of `<repo>/../shared/data/twcs_threads_5000.csv`
   (CROWDCARE_SHARED_DATA overrides the data folder).
2. Webhook latency in process: `functions/webhooks/app.py` invoked as Lambda invokes it, with an
   API Gateway REST (payload 1.0) event, against moto; new mentions and redeliveries apart.
3. Cold import of every `functions/*/app.py` in fresh interpreters, against `import boto3`.
4. Cost per mention: the sample through the real local stack (`LocalStack`), then transitions,
   Lambda invocations, messages and DynamoDB items written and read per mention, priced with
   `tools/bench/cost.py`; the share a person must answer from the TWCS inbound tweets and from
   the sample; the whole bill per 1M mentions with each assumption beside its figure.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import csv
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crowdcare.adapters.bedrock_classifier import MAX_OUTPUT_TOKENS, SYSTEM_PROMPT
from crowdcare.adapters.platforms.inbound.payloads import parse_generic, parse_x_activity
from crowdcare.adapters.platforms.inbound.signatures import sign_generic
from crowdcare.domain.models import Author, Mention, Platform, Responder
from crowdcare.rules.triage import EmbeddedModelProvider, TriageEngine, TriageRules
from crowdcare_local.demo import Delivery, Replayer, load_deliveries, load_responders
from crowdcare_local.runtime import LocalContext

from tools.bench.cost import (
    CLASSIFIER_OPTIONS,
    CLASSIFIER_PRICES_SOURCE,
    PLATFORM_PRICES_SOURCE,
    Assumptions,
    MeasuredMention,
    MentionProfile,
    PlatformAssumptions,
    PlatformPrices,
    Prices,
    bill_per_million,
    classifier_cost_per_million,
    express_design_cost,
    pricing_table,
    standard_baseline_cost,
)

REPO_ROOT = Path(__file__).resolve().parents[2]

OUTPUT = REPO_ROOT / ".crowdcare" / "bench.json"
TWCS_FILE = "twcs_threads_5000.csv"
# The sample's timestamps are squeezed into the half hour before this moment (as the demo does),
# so ages, and therefore priorities, look like live traffic. Fixed: runs stay comparable.
NOW = datetime(2026, 11, 23, 18, 0, tzinfo=UTC)
RULE = "─" * 72

# Workflow final state → the mention status it leaves behind (template's triage.asl.json).
# The triage workflow's final states (statemachines/triage.asl.json).
PATHS = ("No Reply Needed", "Assignment Started", "Triage Failed")
# Messages per triage execution on each path: a parked case is one SQS send. Starting the
# assignment workflow is a Step Functions API call, not a message.
SQS_REQUESTS = {"Triage Failed": 1}
# The functions a mention's triage invokes (the starter takes stream batches of up to 25).
TRIAGE_FUNCTIONS = ("StarterFunction", "AnalyzeFunction", "PrioritizeFunction", "RouteFunction")
# Transitions of one assignment workflow (Standard), as pinned by
# tests/workflow/test_assignment_lifecycle.py: it waits for a person, so it is measured there
# with SLAs of seconds rather than here.
ASSIGNMENT_TRANSITIONS = {
    "replied in time": 5,
    "one timeout, then replied": 10,
    "all timed out, admins alerted": 17,
}


# --------------------------------------------------------------------------- helpers
def section(title: str) -> None:
    """Print a section heading."""
    print(f"\n{RULE}\n{title}\n{RULE}", flush=True)


def timing_summary(samples_ns: Sequence[int]) -> dict[str, float]:
    """Mean, p50, p99 and max of per-call times, in microseconds."""
    micros = sorted(ns / 1000 for ns in samples_ns)
    p99 = statistics.quantiles(micros, n=100, method="inclusive")[98] if len(micros) > 1 else 0.0
    return {
        "calls": len(micros),
        "mean_us": statistics.fmean(micros),
        "p50_us": statistics.median(micros),
        "p99_us": p99,
        "max_us": micros[-1],
    }


def format_timing(label: str, summary: dict[str, float]) -> str:
    """One aligned line: calls, mean, p50, p99, max."""
    return (
        f"{label:<34}{int(summary['calls']):>6} calls   mean {summary['mean_us'] / 1000:7.2f} ms"
        f"   p50 {summary['p50_us'] / 1000:7.2f} ms   p99 {summary['p99_us'] / 1000:7.2f} ms"
    )


def data_dir() -> Path:
    """The shared data folder: CROWDCARE_SHARED_DATA, else <repo>/../shared/data."""
    override = os.environ.get("CROWDCARE_SHARED_DATA")
    return Path(override) if override else REPO_ROOT.parent / "shared" / "data"


def valid_deliveries(now: datetime = NOW) -> list[Delivery]:
    """The bundled sample without its deliberately broken deliveries, rebased to `now`."""
    sample = [d for d in load_deliveries() if d.tamper is None]
    # Replayer.rebase only needs `now`: the URL and secrets are never used here.
    no_keys = {"generic_webhook_secret": "", "x_consumer_secret": ""}
    return Replayer("http://unused", no_keys, now).rebase(sample)


def delivery_mentions(delivery: Delivery) -> list[Mention]:
    """The mentions a delivery carries, parsed exactly as the webhook parses them."""
    body = json.dumps(delivery.payload).encode()
    raw = body.decode()
    if delivery.kind == "x":
        return parse_x_activity(body).mentions(raw)
    return [parse_generic(body).to_mention(raw)]


def sample_mentions(now: datetime = NOW) -> list[Mention]:
    """Every mention in the bundled sample (generic and X), in delivery order, rebased to `now`."""
    return [m for d in valid_deliveries(now) for m in delivery_mentions(d)]


def twcs_mentions(path: Path) -> list[Mention]:
    """The inbound customer tweets of the Customer Support on Twitter extract, as X mentions."""
    mentions = []
    # newline="": one row's text holds a bare CR, which must stay inside its field.
    with path.open(encoding="utf-8", newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle)):
            text = (row.get("text") or "").strip()
            if row.get("inbound") not in (True, "True") or not text:
                continue
            author = row["author_id"]
            mentions.append(
                Mention(
                    platform=Platform.X,
                    post_id=row["tweet_id"],
                    author=Author(id=author, handle=author),
                    text=text,
                    created_at=NOW - timedelta(seconds=number % 1800),
                )
            )
    return mentions


@contextlib.contextmanager
def one_core() -> Iterator[str]:
    """Pin this process to one CPU while the block runs (Linux); yields what was done."""
    if not hasattr(os, "sched_setaffinity"):
        yield "not pinned (no sched_setaffinity on this platform)"
        return
    before = os.sched_getaffinity(0)
    cpu = min(before)
    os.sched_setaffinity(0, {cpu})
    try:
        yield f"pinned to CPU {cpu}"
    finally:
        os.sched_setaffinity(0, before)


# --------------------------------------------------------------------------- 1. triage
def bench_triage(count: int, warmup: int) -> dict[str, Any]:
    """Mentions per second through the embedded triage engine on one core."""
    section("1. Embedded triage throughput (TriageEngine + EmbeddedModelProvider)")
    sample = sample_mentions()
    twcs_path = data_dir() / TWCS_FILE
    twcs = twcs_mentions(twcs_path) if twcs_path.exists() else []
    corpus = sample + twcs
    responders = load_responders()
    engine = TriageEngine(EmbeddedModelProvider(), TriageRules.default())
    print(
        f"corpus: {len(sample)} sample mentions + {len(twcs)} inbound TWCS tweets"
        + ("" if twcs else f" ({twcs_path} not found)")
    )

    with one_core() as pinning:
        for index in range(warmup):  # loads every language's lexicon, fills caches
            engine.triage(corpus[index % len(corpus)], responders, NOW)
        samples: list[int] = []
        clock = time.perf_counter_ns
        started = clock()
        for index in range(count):
            mention = corpus[index % len(corpus)]
            before = clock()
            engine.triage(mention, responders, NOW)
            samples.append(clock() - before)
        elapsed_s = (clock() - started) / 1e9

    summary = timing_summary(samples)
    rate = count / elapsed_s
    print(
        f"{pinning}; warm-up {warmup} mentions, then {count} timed "
        f"({count / len(corpus):.1f} passes over the corpus)"
    )
    print(
        f"throughput      {rate:10,.0f} mentions/s on one core   "
        f"({1e6 / rate:,.0f} µs per mention, timer included)"
    )
    print(
        f"per call        p50 {summary['p50_us']:8,.0f} µs   p99 {summary['p99_us']:8,.0f} µs"
        f"   max {summary['max_us']:8,.0f} µs"
    )
    return {
        "corpus": {"sample": len(sample), "twcs_inbound": len(twcs)},
        "cpu": pinning,
        "warmup": warmup,
        "mentions": count,
        "elapsed_s": elapsed_s,
        "mentions_per_s": rate,
        "per_call": summary,
    }


# --------------------------------------------------------------------------- 2. webhooks
@contextlib.contextmanager
def patched_environ(values: dict[str, str], remove: Sequence[str]) -> Iterator[None]:
    """Set and remove environment variables for the block, then restore the originals."""
    saved = dict(os.environ)
    os.environ.update(values)
    for name in remove:
        os.environ.pop(name, None)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def silenced(logger: Any) -> Iterator[None]:
    """Send a powertools Logger's lines to /dev/null: still formatted, no longer printed."""
    handler = logger.registered_handler
    with open(os.devnull, "w", encoding="utf-8") as sink:
        previous = handler.setStream(sink)
        try:
            yield
        finally:
            handler.setStream(previous)


def rest_event(path: str, method: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """An API Gateway REST (payload format 1.0) proxy event, as Lambda receives it."""
    request_id = str(uuid.uuid4())
    return {
        "resource": path,
        "path": path,
        "httpMethod": method,
        "headers": headers,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "resourcePath": path,
            "httpMethod": method,
            "path": f"/Prod{path}",
            "stage": "Prod",
            "requestId": request_id,
            "requestTimeEpoch": int(time.time() * 1000),
            "identity": {"sourceIp": "192.0.2.10", "userAgent": "crowdcare-bench"},
        },
        "body": base64.b64encode(body).decode(),
        "isBase64Encoded": True,
    }


def signed_generic_event(secret: bytes, body: bytes) -> dict[str, Any]:
    """A POST /webhooks/generic event signed now, as a sender signs it."""
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "X-CrowdCare-Timestamp": str(timestamp),
        "X-CrowdCare-Signature": sign_generic(secret, timestamp, body),
    }
    return rest_event("/webhooks/generic", "POST", headers, body)


def generic_bodies(count: int) -> list[bytes]:
    """`count` generic bodies from the sample's texts, each with a post id never seen before."""
    payloads = [d.payload for d in valid_deliveries() if d.kind == "generic"]
    return [
        json.dumps(
            payloads[i % len(payloads)]
            | {"post_id": f"bench-{i}-{payloads[i % len(payloads)]['post_id']}"}
        ).encode()
        for i in range(count)
    ]


def bench_webhooks(requests: int, duplicates: int, warmup: int) -> dict[str, Any]:
    """p50/p99 of the webhooks app called as Lambda calls it, against moto, in this process."""
    section("2. Webhook handler latency (functions/webhooks/app.py, in process, moto)")
    import boto3
    from moto import mock_aws

    from tests.integration.conftest import (
        WEBHOOK_GENERIC_SECRET,
        WEBHOOK_MENTIONS_TABLE,
        WEBHOOK_SECRETS_NAME,
        WEBHOOK_X_CONSUMER_SECRET,
        create_mentions_table,
    )

    environment = {  # what the integration tests' `webhook_env` fixture sets
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "MENTIONS_TABLE": WEBHOOK_MENTIONS_TABLE,
        "WEBHOOK_SECRETS_NAME": WEBHOOK_SECRETS_NAME,
    }
    remove = ("AWS_ENDPOINT_URL", "AWS_PROFILE", "MAX_WEBHOOK_BODY_BYTES")
    secret = WEBHOOK_GENERIC_SECRET.encode()
    bodies = generic_bodies(warmup + requests)
    context = LocalContext(function_name="crowdcare-WebhooksFunction")
    outcomes: Counter[str] = Counter()

    with patched_environ(environment, remove), mock_aws():
        create_mentions_table(
            boto3.client("dynamodb", region_name="us-east-1"), WEBHOOK_MENTIONS_TABLE
        )
        boto3.client("secretsmanager", region_name="us-east-1").create_secret(
            Name=WEBHOOK_SECRETS_NAME,
            SecretString=json.dumps(
                {
                    "generic_webhook_secret": WEBHOOK_GENERIC_SECRET,
                    "x_consumer_secret": WEBHOOK_X_CONSUMER_SECRET,
                }
            ),
        )
        from functions.webhooks import app as webhooks

        webhooks.reset_dependencies()

        def call(body: bytes, expect: str) -> int:
            """Invoke the app once; return its duration (signing and event building excluded)."""
            event = signed_generic_event(secret, body)
            before = time.perf_counter_ns()
            response = webhooks.app(event, context)
            elapsed = time.perf_counter_ns() - before
            answer = json.loads(response["body"]) if response.get("body") else {}
            status = response["statusCode"]
            seen = (
                "new"
                if answer.get("accepted") == 1
                else "duplicate"
                if answer.get("duplicates") == 1
                else "other"
            )
            outcomes[f"{expect}: {status} {seen}"] += 1
            return elapsed

        try:
            with silenced(webhooks.logger):
                first_ns = call(bodies[0], "new")  # builds settings, clients, reads the secret
                for body in bodies[1:warmup]:
                    call(body, "new")
                new_ns = [call(body, "new") for body in bodies[warmup:]]
                dup_ns = [
                    call(bodies[warmup + i % requests], "duplicate") for i in range(duplicates)
                ]
        finally:
            webhooks.reset_dependencies()

    new, dup = timing_summary(new_ns), timing_summary(dup_ns)
    print("invoked as Lambda: app(event, context) with an API Gateway REST payload 1.0 event")
    print("(not chalice.test.Client); each request signed with sign_generic; moto in process")
    print(
        f"first request (builds clients, reads the secret): {first_ns / 1e6:.1f} ms; "
        f"then {warmup - 1} warm-up requests not counted"
    )
    print(format_timing("POST /webhooks/generic  new", new))
    print(format_timing("POST /webhooks/generic  duplicate", dup))
    print("answers: " + ", ".join(f"{k} x{v}" for k, v in sorted(outcomes.items())))
    return {
        "invocation": "app(event, context), API Gateway REST payload 1.0 event, moto in process",
        "first_request_ms": first_ns / 1e6,
        "warmup": warmup,
        "new_mention": new,
        "duplicate": dup,
        "answers": dict(outcomes),
    }


# --------------------------------------------------------------------------- 3. cold imports
IMPORT_PROBE = (
    "import time\n"
    "started = time.perf_counter()\n"
    "import {module}\n"
    "print(time.perf_counter() - started)\n"
)


def import_seconds(module: str, path: Sequence[Path]) -> tuple[float | None, str]:
    """Seconds to import `module` in a fresh interpreter with a bare environment (no AWS vars)."""
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
        "PYTHONPATH": os.pathsep.join(str(p) for p in path),
    }
    result = subprocess.run(  # our own interpreter running our own probe
        [sys.executable, "-c", IMPORT_PROBE.format(module=module)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines()
        return None, lines[-1] if lines else f"exit code {result.returncode}"
    return float(result.stdout.strip().splitlines()[-1]), ""


def median_import_ms(module: str, path: Sequence[Path], runs: int) -> tuple[float | None, str]:
    """Median of `runs` cold imports in ms, after one unmeasured run that writes bytecode."""
    import_seconds(module, path)
    times = []
    for _ in range(runs):
        seconds, error = import_seconds(module, path)
        if seconds is None:
            return None, error
        times.append(seconds * 1000)
    return statistics.median(times), ""


def bench_cold_imports(runs: int) -> dict[str, Any]:
    """Import time of each handler module against `import boto3`, fresh interpreters each."""
    section(f"3. Cold import time (fresh interpreter, median of {runs}, no AWS env vars)")
    core = REPO_ROOT / "layers" / "core"
    baseline, error = median_import_ms("boto3", [core], runs)
    results: dict[str, Any] = {"runs": runs, "boto3_ms": baseline}
    if baseline is None:
        print(f"import boto3 FAILED: {error}")
        return results
    print(f"{'import boto3':<34}{baseline:8.1f} ms   1.00 x boto3")
    handlers: dict[str, Any] = {}
    for app in sorted(REPO_ROOT.glob("functions/*/app.py")):
        name = f"functions/{app.parent.name}/app.py"
        millis, error = median_import_ms("app", [app.parent, core], runs)
        if millis is None:
            print(f"{name:<34}IMPORT FAILED: {error}")
            handlers[name] = {"ms": None, "error": error}
            continue
        print(f"{name:<34}{millis:8.1f} ms   {millis / baseline:4.2f} x boto3")
        handlers[name] = {"ms": millis, "ratio_vs_boto3": millis / baseline}
    results["handlers"] = handlers
    return results


# --------------------------------------------------------------------------- 4. workflow cost
WRITE_OPERATIONS = frozenset(
    {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}
)


@dataclass
class ItemCounts:
    """DynamoDB items written, by (table, operation), and items read."""

    writes: Counter[tuple[str, str]]
    read: int = 0


def items_read(operation: str, response: dict[str, Any]) -> int:
    """Items a read call read (a Query or Scan: what it examined, not what it returned)."""
    if operation in {"Query", "Scan"}:
        return int(response.get("ScannedCount", response.get("Count", 0)))
    if operation == "GetItem":
        return int("Item" in response)
    if operation == "BatchGetItem":
        return sum(len(items) for items in response.get("Responses", {}).values())
    if operation == "TransactGetItems":
        return len(response.get("Responses", []))
    return 0


@contextlib.contextmanager
def counting_items() -> Iterator[ItemCounts]:
    """Items written to and read from DynamoDB by every client in this process while the block
    runs: a transaction or batch counts each item it writes. The local stack's functions
    build their own clients, so the count sits under botocore's one call path
    (`BaseClient._make_api_call`) rather than on one client's event hooks."""
    from botocore.client import BaseClient

    counts = ItemCounts(Counter())
    writes = counts.writes
    original = BaseClient._make_api_call  # type: ignore[attr-defined]

    def table(name: str) -> str:  # "crowdcare-MentionsTable" -> "Mentions"
        return name.rsplit("-", 1)[-1].removesuffix("Table")

    def counted(client: Any, operation: str, params: dict[str, Any]) -> Any:
        if client.meta.service_model.service_name == "dynamodb" and operation in WRITE_OPERATIONS:
            if operation == "TransactWriteItems":
                for entry in params["TransactItems"]:
                    for kind, write in entry.items():
                        if kind != "ConditionCheck":
                            writes[(table(write["TableName"]), f"Transact{kind}")] += 1
            elif operation == "BatchWriteItem":
                for name, requests in params["RequestItems"].items():
                    writes[(table(name), operation)] += len(requests)
            else:
                writes[(table(params["TableName"]), operation)] += 1
        response = original(client, operation, params)
        if client.meta.service_model.service_name == "dynamodb":
            counts.read += items_read(operation, response)
        return response

    BaseClient._make_api_call = counted  # type: ignore[attr-defined]
    try:
        yield counts
    finally:
        BaseClient._make_api_call = original  # type: ignore[attr-defined]


@dataclass(frozen=True)
class WorkflowRun:
    """What the local stack recorded for one batch of mentions' triage."""

    read: int
    mentions: int
    executions: int
    transitions: int
    transitions_by_path: dict[str, int]
    executions_by_path: dict[str, int]
    invocations: dict[str, int]
    settled: bool
    seconds: float
    writes: dict[tuple[str, str], int]
    items_read: int


def run_workflows(count: int) -> WorkflowRun:
    """Store `count` sample mentions in the local stack and wait until each is offered.

    Triage finishes, each assignment workflow it started reaches its wait for the responder,
    and the notices are delivered; the workflows then wait for a person and are not waited for.
    """
    from crowdcare.adapters.dynamodb.repositories import MentionRepository, ResponderRepository
    from crowdcare_local.stack import LocalStack
    from crowdcare_local.workflow_stats import workflow_stats

    # The deployed functions read the real clock, so the sample is rebased to it (as the demo
    # does); against the fixed NOW the mentions would look hours old and be prioritised as such.
    now = datetime.now(UTC)
    mentions = sample_mentions(now)[:count]
    responders: list[Responder] = load_responders()
    started = time.monotonic()
    with LocalStack() as stack:
        ddb = stack.client("dynamodb")
        responder_repository = ResponderRepository(ddb, stack.ref("RespondersTable"))
        for responder in responders:
            responder_repository.put(responder)
        repository = MentionRepository(ddb, stack.ref("MentionsTable"))
        # Counted from the webhook's write of each mention to the assignment workflow's offer.
        with counting_items() as counts:
            stored = sum(repository.put_if_new(mention, now) for mention in mentions)
            # Up to the offer: every assignment workflow waits on its task token and the
            # notifier has sent what it was given (settle with until_done=False).
            settled = stack.settle(timeout=150, until_done=False)
            settled = settled and workflow_stats(stack, "TriageStateMachine").executions >= stored
        stats = workflow_stats(stack, "TriageStateMachine")
        invocations = dict(stack.runtime.invocations) if stack.runtime else {}
    return WorkflowRun(
        read=len(mentions),
        mentions=stored,
        executions=stats.executions,
        transitions=stats.transitions,
        transitions_by_path=stats.transitions_by_path,
        executions_by_path=stats.executions_by_path,
        invocations={f: invocations.get(f, 0) for f in TRIAGE_FUNCTIONS},
        settled=settled,
        seconds=time.monotonic() - started,
        writes=dict(counts.writes),
        items_read=counts.read,
    )


def bench_workflow_cost(count: int) -> dict[str, Any]:
    """Triage transitions, invocations and messages per mention, priced for both designs,
    and the assignment workflow's cost per assignment."""
    section(f"4. Workflow cost per mention (real local stack, {count} sample mentions)")
    run = run_workflows(count)
    n = max(run.mentions, 1)
    print(
        f"{run.read} sample mentions written, {run.mentions} new "
        f"({run.read - run.mentions} redeliveries dropped), {run.executions} triage executions, "
        f"{'all finished' if run.settled else 'NOT SETTLED (timed out)'} in {run.seconds:.1f} s"
    )
    print(f"triage state transitions per mention  {run.transitions / n:5.2f} overall")
    per_path: dict[str, Any] = {}
    # Every final state is listed, so one not reached in this run shows as such.
    for final_state in PATHS:
        transitions = run.transitions_by_path.get(final_state, 0)
        executions = run.executions_by_path.get(final_state, 0)
        per_execution = transitions / executions if executions else None
        per_path[final_state] = {
            "executions": executions,
            "transitions": transitions,
            "transitions_per_execution": per_execution,
        }
        shown = f"{per_execution:5.2f}" if per_execution is not None else "  n/a (not reached)"
        print(f"  {final_state:<31}{shown}   ({executions} mentions, {transitions} transitions)")
    calls = sum(run.invocations.values())
    print(f"Lambda invocations per mention  {calls / n:5.2f} (triage and its starter)")
    for function, count_ in sorted(run.invocations.items()):
        print(f"  {function:<31}{count_ / n:5.2f}   ({count_} invocations)")
    print("  (the starter takes stream batches of up to 25 records)")
    writes = print_writes(run.writes, n)

    profile = MentionProfile(
        state_transitions=run.transitions / n,
        lambda_invocations=calls / n,
        sns_publishes=0.0,
        sqs_requests=sum(run.executions_by_path.get(p, 0) * k for p, k in SQS_REQUESTS.items()) / n,
    )
    prices, assumptions = Prices(), Assumptions()
    express = express_design_cost(profile, prices, assumptions).per_million()
    standard = standard_baseline_cost(profile, prices, assumptions).per_million()
    ratio = standard["total"] / express["total"]
    print(
        f"\nPrices (USD, us-east-1, as of {pricing_table(prices, assumptions)['as_of']}; "
        "public list prices, after free tiers):"
    )
    a, million = assumptions, 1_000_000
    print(
        f"  Step Functions Express  ${prices.express_per_request * million:.2f}/1M requests + "
        f"${prices.express_per_gb_second:.8f}/GB-s (first 1,000 GB-h; 64 MB chunks, 100 ms steps)"
    )
    print(
        f"  Step Functions Standard ${prices.standard_per_transition * 1000:.3f}/1,000 transitions"
    )
    print(
        f"  Lambda arm64            ${prices.lambda_per_request * million:.2f}/1M requests + "
        f"${prices.lambda_arm64_per_gb_second:.10f}/GB-s"
    )
    print(
        f"  SNS publish             ${prices.sns_per_publish * million:.2f}/1M;  "
        f"SQS ${prices.sqs_per_request * million:.2f}/1M requests"
    )
    print(
        f"Assumed: Express {a.express_memory_mb} MB x {a.express_duration_ms:.0f} ms per "
        f"execution, Lambda {a.lambda_memory_mb} MB x {a.lambda_duration_ms:.0f} ms per invocation"
    )
    print(
        f"\n{'triage per 1M mentions (USD)':<36}{'workflow':>10}{'Lambda':>10}"
        f"{'SNS+SQS':>10}{'total':>10}"
    )
    for label, figures in (
        ("CrowdCare (Express triage)", express),
        ("baseline (one Standard per mention)", standard),
    ):
        print(
            f"{label:<36}{figures['workflow']:10.2f}{figures['lambda']:10.2f}"
            f"{figures['messaging']:10.2f}{figures['total']:10.2f}"
        )
    print(
        f"baseline / CrowdCare: {ratio:.1f} x   (workflow alone: "
        f"{standard['workflow'] / express['workflow']:.1f} x)"
    )
    share = run.executions_by_path.get("Assignment Started", 0) / n
    print(
        f"\nAssignment workflow (Standard; only the {share:.0%} of mentions a person must answer "
        "here), transitions per assignment from tests/workflow/test_assignment_lifecycle.py:"
    )
    assignment: dict[str, Any] = {"share_of_mentions": share, "paths": {}}
    for path, transitions in ASSIGNMENT_TRANSITIONS.items():
        per_assignment = transitions * prices.standard_per_transition
        per_million_mentions = per_assignment * share * million
        assignment["paths"][path] = {
            "transitions": transitions,
            "usd_per_1m_assignments": per_assignment * million,
            "usd_per_1m_mentions": per_million_mentions,
        }
        print(
            f"  {path:<31}{transitions:3d} transitions  ${per_assignment * million:8.2f} per 1M "
            f"assignments  (${per_million_mentions:7.2f} per 1M mentions)"
        )
    classifiers = classifier_costs()
    shares = assigned_shares()
    measured = MeasuredMention(
        triage=express_design_cost(profile, prices, assumptions),
        items_written=writes["total"],
        transactional_items_written=sum(
            c for (_, op), c in run.writes.items() if op.startswith("Transact")
        )
        / n,
        items_read=run.items_read / n,
        lambda_invocations=profile.lambda_invocations,
        assigned_share=shares["twcs"]["assigned"],
    )
    bill = print_bill(measured, prices, assumptions, shares)
    print("Not priced: SES e-mail and SMS per notification, X-Ray, the dashboard's API requests.")
    return {
        "assigned_shares": shares,
        "bill_per_million_mentions_usd": bill,
        "mentions_read": run.read,
        "mentions": run.mentions,
        "triage_executions": run.executions,
        "settled": run.settled,
        "elapsed_s": run.seconds,
        "triage_transitions_per_mention": profile.state_transitions,
        "triage_transitions_by_path": per_path,
        "lambda_invocations": run.invocations,
        "lambda_invocations_per_mention": profile.lambda_invocations,
        "sqs_requests_per_mention": profile.sqs_requests,
        "dynamodb_items_written_per_mention": writes,
        "pricing": pricing_table(prices, assumptions),
        "triage_per_million_mentions_usd": {
            "crowdcare_express": express,
            "baseline_standard": standard,
        },
        "baseline_over_crowdcare": ratio,
        "assignment_workflow": assignment,
        "classifier_per_million_mentions_usd": classifiers,
    }


def print_writes(writes: dict[tuple[str, str], int], mentions: int) -> dict[str, float]:
    """DynamoDB items written per mention, by table (and by operation beside it)."""
    by_table: Counter[str] = Counter()
    for (table, _), count in writes.items():
        by_table[table] += count
    total = sum(by_table.values()) / mentions
    print(
        f"DynamoDB items written per mention  {total:5.2f} (webhook write to the assignment "
        "offer; a transaction counts each item; each item is >= 1 WRU, 2 in a transaction)"
    )
    for table, count in by_table.most_common():
        operations = ", ".join(
            f"{op} {c / mentions:.2f}" for (t, op), c in sorted(writes.items()) if t == table
        )
        print(f"  {table:<31}{count / mentions:5.2f}   ({operations})")
    return {table: count / mentions for table, count in by_table.items()} | {"total": total}


def assigned_shares() -> dict[str, dict[str, float]]:
    """What share of mentions the triage sends to a person, on a real stream (the inbound
    TWCS tweets) and on the demo sample, with the demo's responders (embedded engine)."""
    engine = TriageEngine(EmbeddedModelProvider(), TriageRules.default())
    responders = load_responders()
    twcs_path = data_dir() / TWCS_FILE
    streams = {"twcs": twcs_mentions(twcs_path) if twcs_path.exists() else [], "sample": []}
    streams["sample"] = sample_mentions()
    shares: dict[str, dict[str, float]] = {}
    print("\nShare of mentions a person must answer (embedded triage, the demo's responders):")
    for name, mentions in streams.items():
        routes = Counter(engine.triage(m, responders, NOW).decision.route.value for m in mentions)
        total = max(len(mentions), 1)
        shares[name] = {
            "mentions": len(mentions),
            "assigned": (routes["community"] + routes["employee"]) / total,
            "advocates": routes["community"] / total,
            "employees": routes["employee"] / total,
        }
        figures = shares[name]
        label = "TWCS inbound tweets" if name == "twcs" else "demo sample"
        print(
            f"  {label:<20}{len(mentions):6,} mentions: needs an answer {figures['assigned']:6.1%}"
            f"  (advocates {figures['advocates']:6.1%}, employees {figures['employees']:6.1%})"
        )
    return shares


def print_bill(
    measured: MeasuredMention,
    prices: Prices,
    assumptions: Assumptions,
    shares: dict[str, dict[str, float]],
) -> dict[str, Any]:
    """Every billed service per 1M mentions at the TWCS share, the sample's share beside."""
    platform, more = PlatformPrices(), PlatformAssumptions()
    sample = replace(measured, assigned_share=shares["sample"]["assigned"])
    rows = bill_per_million(measured, prices, assumptions, platform, more)
    sample_rows = bill_per_million(sample, prices, assumptions, platform, more)
    print(
        f"\nThe bill per 1M mentions (USD; assigned share {measured.assigned_share:.1%} from "
        f"TWCS, {sample.assigned_share:.1%} from the demo sample):"
    )
    print(f"  {'':<34}{'TWCS':>9}{'sample':>9}   assumption")
    for row, other in zip(rows, sample_rows, strict=True):
        print(
            f"  {row.what:<34}{row.usd_per_million:9.2f}{other.usd_per_million:9.2f}"
            f"   {row.assumption}"
        )
    total = sum(r.usd_per_million for r in rows)
    sample_total = sum(r.usd_per_million for r in sample_rows)
    print(f"  {'total':<34}{total:9.2f}{sample_total:9.2f}")
    print(f"  ({PLATFORM_PRICES_SOURCE})")
    return {
        "rows": [asdict(r) for r in rows],
        "total": total,
        "total_at_sample_share": sample_total,
        "prices": asdict(platform),
        "assumptions": asdict(more),
    }


def classifier_costs() -> dict[str, float]:
    """What the triage classifier adds per 1M mentions, per provider (embedded: nothing)."""
    # About 4 characters a token; a care post averages ~110 characters (twcs inbound) plus
    # the request's framing. The answer is a short JSON object (~45 tokens; at most the cap).
    input_tokens = (len(SYSTEM_PROMPT) + 110 + 40) / 4
    output_tokens = min(45, MAX_OUTPUT_TOKENS)
    print(
        f"\nTriage classifier per 1M mentions (USD, on top of the above; ~{input_tokens:.0f}"
        f" input and {output_tokens} output tokens per mention for Bedrock):"
    )
    costs: dict[str, float] = {}
    for option in CLASSIFIER_OPTIONS:
        costs[option.name] = classifier_cost_per_million(option, input_tokens, output_tokens)
        print(f"  {option.name:<42}{costs[option.name]:10.2f}")
    print(f"  ({CLASSIFIER_PRICES_SOURCE})")
    return costs


# --------------------------------------------------------------------------- main
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Sizes of each part; the defaults finish in about two minutes on two cores."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--triage-mentions", type=int, default=6000)
    parser.add_argument("--triage-warmup", type=int, default=500)
    parser.add_argument("--webhook-requests", type=int, default=1000)
    parser.add_argument("--webhook-duplicates", type=int, default=300)
    parser.add_argument("--webhook-warmup", type=int, default=20)
    parser.add_argument("--import-runs", type=int, default=5)
    parser.add_argument("--workflow-mentions", type=int, default=60)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run every part in turn, print the report and write it as JSON."""
    args = parse_args(argv)
    started = time.monotonic()
    print(
        f"CrowdCare bench — Python {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    report: dict[str, Any] = {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "ran_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    report["triage"] = bench_triage(args.triage_mentions, args.triage_warmup)
    report["webhooks"] = bench_webhooks(
        args.webhook_requests, args.webhook_duplicates, args.webhook_warmup
    )
    # Fresh interpreters with a bare environment: nothing this process set leaks into them.
    report["cold_import"] = bench_cold_imports(args.import_runs)
    report["workflow_cost"] = bench_workflow_cost(args.workflow_mentions)
    report["elapsed_s"] = time.monotonic() - started
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\n{RULE}\nDone in {report['elapsed_s']:.0f} s; figures written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
