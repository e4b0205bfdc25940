"""A bounded load test of the local stack: signed generic-webhook deliveries over loopback.

`python -m tools.load.run_load` (or `make load`) boots the local stack (moto server, the
template's resources, the project's own functions) and its HTTP server on 127.0.0.1, sends N
signed deliveries with at most C in flight and within a time limit, then waits for every
accepted mention to settle, and prints deliveries/s, p50/p99 acknowledgement time and the time
to drain. It stops by itself: the sending is bounded by N and by --time-limit, the draining by
--drain-timeout.

"Settled" is the end of everything automatic: a mention is closed (no_action, replied,
overdue, parked) or waits for a person (assigned, queued). `received`, `triaged` and
`assigning` are not settled. Lost = accepted (202) but not in the Mentions table.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from crowdcare.adapters.dynamodb.repositories import MentionRepository, ResponderRepository
from crowdcare.adapters.platforms.inbound.signatures import sign_generic
from crowdcare.domain.models import MentionStatus, QuietHours, Responder, ResponderKind
from crowdcare_local.server import LocalApiServer
from crowdcare_local.stack import LocalStack

UNSETTLED = frozenset({MentionStatus.RECEIVED, MentionStatus.TRIAGED, MentionStatus.ASSIGNING})
TEXTS = (
    "My thermostat stopped heating after the update, help!",
    "How do I pair the app with the new hub?",
    "Love the new firmware, thanks team",
    "I was charged twice for my order, please refund",
    "The mesh router drops the 5 GHz band every evening",
)


@dataclass
class LoadReport:
    """What one run sent, how it was answered and how the pipeline drained."""

    sent: int = 0
    accepted: int = 0
    refused: int = 0
    ack_ms: list[float] = field(default_factory=list)
    send_seconds: float = 0.0
    drain_seconds: float = 0.0
    lost: list[str] = field(default_factory=list)
    unsettled: list[str] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)

    @property
    def deliveries_per_second(self) -> float:
        return self.sent / self.send_seconds if self.send_seconds else 0.0

    def percentile(self, q: float) -> float:
        """The q-th percentile acknowledgement time in ms (nearest rank)."""
        if not self.ack_ms:
            return 0.0
        ordered = sorted(self.ack_ms)
        return ordered[max(math.ceil(q / 100 * len(ordered)) - 1, 0)]

    def lines(self) -> list[str]:
        return [
            f"deliveries: {self.sent} sent, {self.accepted} accepted, {self.refused} refused "
            f"in {self.send_seconds:.1f} s ({self.deliveries_per_second:.1f}/s)",
            f"ack: p50 {self.percentile(50):.0f} ms, p99 {self.percentile(99):.0f} ms",
            f"drain: {self.drain_seconds:.1f} s until every accepted mention settled",
            "statuses: " + ", ".join(f"{k} {v}" for k, v in sorted(self.statuses.items())),
            f"lost: {len(self.lost)}, unsettled: {len(self.unsettled)}",
        ]


LOAD_RESPONDERS = tuple(
    Responder(
        responder_id=f"{'adv' if kind is ResponderKind.ADVOCATE else 'emp'}.load{i}",
        kind=kind,
        name=f"Load {i}",
        email=f"load{i}@example.com",
        languages=("en",),
        skills=("thermostat", "app", "billing", "router"),
        quiet_hours=QuietHours(start_hour=0, end_hour=0),  # never quiet
        max_open=100,
    )
    for i, kind in enumerate([ResponderKind.ADVOCATE] * 3 + [ResponderKind.EMPLOYEE] * 2)
)


def payload(run: str, index: int) -> dict[str, object]:
    """One generic delivery: a distinct post with one of a few realistic texts."""
    post_id = f"load-{run}-{index}"
    return {
        "platform": "generic",
        "post_id": post_id,
        "url": f"https://community.example.com/t/{post_id}",
        "author": {"id": f"u-{index}", "handle": f"@load_{index}", "followers": 50 + index},
        "text": TEXTS[index % len(TEXTS)],
        "lang": "en",
        "created_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
    }


def _send(url: str, key: bytes, body: bytes) -> tuple[int, float]:
    timestamp = int(time.time())
    request = urllib.request.Request(  # noqa: S310 - loopback URL
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-CrowdCare-Timestamp": str(timestamp),
            "X-CrowdCare-Signature": sign_generic(key, timestamp, body),
        },
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, (time.monotonic() - started) * 1000


def drive(
    stack: LocalStack,
    server: LocalApiServer,
    *,
    deliveries: int,
    concurrency: int,
    time_limit: float,
    drain_timeout: float,
    progress: Callable[[str], None] = lambda _: None,
) -> LoadReport:
    """Send the deliveries against a running stack and wait for them to settle."""
    report = LoadReport()
    run = uuid.uuid4().hex[:8]
    key = stack.secret_values()["generic_webhook_secret"].encode()
    url = server.url + "/webhooks/generic"
    accepted: list[str] = []
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = []
        for index in range(deliveries):
            if time.monotonic() - started > time_limit:
                break
            body = payload(run, index)
            futures.append((body, pool.submit(_send, url, key, json.dumps(body).encode())))
        for body, future in futures:
            status, ms = future.result()
            report.sent += 1
            report.ack_ms.append(ms)
            if status == 202:
                report.accepted += 1
                accepted.append(f"generic#{body['post_id']}")
            else:
                report.refused += 1
    report.send_seconds = time.monotonic() - started
    progress(f"sent {report.sent} in {report.send_seconds:.1f} s; draining")
    mentions = MentionRepository(stack.client("dynamodb"), stack.ref("MentionsTable"))
    drain_started = time.monotonic()
    pending = set(accepted)
    while pending and time.monotonic() - drain_started < drain_timeout:
        stack.pump_once()
        # One scan a second (a load tool, not a product path): per-mention reads would take
        # the emulator's time from the workflows being waited for.
        settled = {
            s.mention.mention_id for s in mentions.scan() if s.status not in UNSETTLED
        }
        pending -= settled
        if pending:
            time.sleep(1.0)
    report.drain_seconds = time.monotonic() - drain_started
    for mention_id in accepted:
        stored = mentions.get(mention_id)
        if stored is None:
            report.lost.append(mention_id)
            continue
        report.statuses[stored.status.value] += 1
        if stored.status in UNSETTLED:
            report.unsettled.append(mention_id)
    return report


def main(argv: list[str] | None = None) -> int:
    """Boot the local stack, run the load, print the figures; 1 when anything was lost."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", "-n", type=int, default=200)
    parser.add_argument("--concurrency", "-c", type=int, default=8)
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds of sending")
    parser.add_argument("--drain-timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    print("booting the local stack...", flush=True)
    stack = LocalStack().start()
    server = LocalApiServer(stack).start()
    try:
        responders = ResponderRepository(stack.client("dynamodb"), stack.ref("RespondersTable"))
        for responder in LOAD_RESPONDERS:
            responders.put(responder)
        report = drive(
            stack,
            server,
            deliveries=args.deliveries,
            concurrency=args.concurrency,
            time_limit=args.time_limit,
            drain_timeout=args.drain_timeout,
            progress=lambda line: print(line, flush=True),
        )
    finally:
        server.stop()
        stack.stop()
    for line in report.lines():
        print(line)
    return 1 if report.lost or report.unsettled or report.accepted < report.sent else 0


if __name__ == "__main__":
    sys.exit(main())
