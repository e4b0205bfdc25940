"""`crowdcare demo`: boot, replay, wait, summarise, and (unless --no-serve) keep serving."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from crowdcare.adapters.dynamodb.repositories import ResponderRepository
from crowdcare.services.polling import SOURCE_NAMES

from crowdcare_local.dashboard_users import print_sign_in, seed_users
from crowdcare_local.demo.arrivals import (
    PlatformReport,
    attribute_replay,
    ingest_from_platforms,
    stored_ids,
)
from crowdcare_local.demo.render import render_serving, render_summary
from crowdcare_local.demo.replay import Replayer, ReplayReport
from crowdcare_local.demo.responders import DemoResponders, answering_services, track_reach
from crowdcare_local.demo.samples import Delivery, load_deliveries, load_responders
from crowdcare_local.demo.scenario import DEMO_RULES
from crowdcare_local.demo.summary import (
    build_summary,
    ingest_parking_summary,
    platforms_summary,
    replies_summary,
)
from crowdcare_local.fake_platforms import feeds
from crowdcare_local.fake_platforms.server import FakePlatformServer
from crowdcare_local.logfile import logs_to_file
from crowdcare_local.progress import ProgressBar
from crowdcare_local.reply_demo import configure_reply_adapters, reply_parameters
from crowdcare_local.stack import LocalStack
from crowdcare_local.stack.outbox import sent_emails, sent_sms, write_outbox

DEFAULT_OUTBOX = Path(".crowdcare/outbox")
# The wait lasts minutes; looking more often only takes CPU from the workflows waited for.
SETTLE_POLL_SECONDS = 0.25


def wait_for_everything(
    stack: LocalStack, responders: DemoResponders, platforms: FakePlatformServer, stderr: TextIO
) -> tuple[bool, Any]:
    """Wait for every workflow and every reply, then run the reach tracker once."""
    waiting = ProgressBar("Waiting for workflows", None, stderr)
    settled = stack.settle(
        timeout=300,
        on_progress=lambda running: waiting.status(f"{running} running"),
        poll_seconds=SETTLE_POLL_SECONDS,
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
    outbox: Path = DEFAULT_OUTBOX,
    log_file: Path | None = None,
    stdout: TextIO = sys.stdout,
    stderr: TextIO = sys.stderr,
) -> int:
    """Boot the local stack, replay the sample, wait for every workflow, print the summary.

    Progress goes to stderr, the summary to stdout, everything else to `log_file` (by default
    demo.log next to the outbox, so `.crowdcare/demo.log`). Returns 0 when every workflow
    finished, 1 when the wait timed out or the port is taken.
    """
    # Imported here: the server imports Chalice, which `load_deliveries` users do not need.
    from crowdcare_local.server import PortInUseError, check_port_free  # noqa: PLC0415

    try:
        check_port_free(port)
        with logs_to_file(log_file or outbox.parent / "demo.log") as log:
            stderr.write(f"Logs of the functions and libraries: {log}\n")
            return _run(
                serve=serve, as_json=as_json, port=port, outbox=outbox, stdout=stdout, stderr=stderr
            )
    except PortInUseError as error:
        stderr.write(port_in_use_message(error.port))
        return 1


def port_in_use_message(port: int) -> str:
    """What to do when the API port is taken: one line for the error, one for the hint."""
    other = port + 1
    return (
        f"crowdcare demo: port {port} on 127.0.0.1 is already in use "
        "(another crowdcare demo still running?)\n"
        f"hint: stop it, or use another port: crowdcare demo --port {other} "
        f"(make demo PORT={other}); --port 0 picks a free one\n"
    )


def _run(
    *, serve: bool, as_json: bool, port: int, outbox: Path, stdout: TextIO, stderr: TextIO
) -> int:
    from crowdcare_local.server import LocalApiServer  # noqa: PLC0415 - imports Chalice apps

    started = time.monotonic()
    stderr.write(
        "Starting the fake platforms and the local stack "
        "(moto on 127.0.0.1, provisioned from template.yaml)…\n"
    )
    platforms = FakePlatformServer().start()
    feeds.register(platforms)  # the poller's read endpoints; replies are registered below
    stack: LocalStack | None = None
    server: LocalApiServer | None = None
    responders: DemoResponders | None = None
    try:
        stack = LocalStack(
            parameters={**reply_parameters(platforms), "PollSources": ",".join(SOURCE_NAMES)}
        ).start()
        server = LocalApiServer(stack, port=port).start()
        responders = _prepare(stack, platforms)

        now = datetime.now(UTC)
        replayer = Replayer(server.url, stack.secret_values(), now)
        deliveries = replayer.rebase(load_deliveries())
        report = _replay(replayer, deliveries, stderr)
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
            "least_privilege": stack.least_privilege(),
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
            out = stderr if as_json else stdout
            render_serving(server.url, platforms.url, stack.endpoint_url, out)
            _wait_for_ctrl_c(out)
        return 0 if settled else 1
    finally:
        if responders is not None:
            responders.stop()
        if server is not None:
            server.stop()
        if stack is not None:
            stack.stop()
        platforms.stop()


def _prepare(stack: LocalStack, platforms: FakePlatformServer) -> DemoResponders:
    """Reply adapters aimed at the fake platforms, the sample responders, the demo's rules,
    and the responders who answer (already watching for assignments)."""
    configure_reply_adapters(stack, platforms)
    responders_repo = ResponderRepository(stack.client("dynamodb"), stack.ref("RespondersTable"))
    for responder in load_responders():
        responders_repo.put(responder)
    stack.set_rules(json.dumps(DEMO_RULES))
    lifecycle, service = answering_services(stack)
    return DemoResponders(stack, lifecycle, service, platforms).start()


def _replay(replayer: Replayer, deliveries: list[Delivery], stderr: TextIO) -> ReplayReport:
    """Send every delivery in order, with a progress bar; the report says how long it took."""
    report = ReplayReport()
    started = time.monotonic()
    bar = ProgressBar("Replaying webhooks", len(deliveries), stderr)
    for delivery in deliveries:
        report.outcomes.append(replayer.send(delivery))
        bar.advance()
    bar.done()
    report.seconds = time.monotonic() - started
    return report


def _wait_for_ctrl_c(out: TextIO) -> None:
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        out.write("stopping\n")
