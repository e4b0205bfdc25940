"""`python -m crowdcare_local.dashboard_demo`: the responder dashboard with one live mention.

Boots the local stack with the sample responders and the demo sign-ins
(`crowdcare_local.dashboard_users`), delivers one mention through the signed generic webhook,
waits until it is assigned, and serves (the browser tests drive it this way).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import socket
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crowdcare.adapters.dynamodb.assignments import AssignmentRepository
from crowdcare.adapters.dynamodb.repositories import ResponderRepository

from crowdcare_local.dashboard_users import DEMO_USERS, seed_users
from crowdcare_local.demo.replay import Replayer
from crowdcare_local.demo.samples import Delivery, load_responders
from crowdcare_local.fake_platforms.server import FakePlatformServer
from crowdcare_local.reply_demo import configure_reply_adapters, reply_parameters
from crowdcare_local.server import LocalApiServer
from crowdcare_local.stack import LocalStack
from crowdcare_local.stack.outbox import sent_emails, sent_sms, write_outbox

SAMPLE_MENTION = {
    "platform": "facebook",
    "post_id": "dash-1",
    "url": "https://facebook.com/brightwave/posts/dash-1",
    "author": {
        "id": "u-dash-1",
        "handle": "@lena_at_home",
        "display_name": "Lena",
        "followers": 1840,
        "verified": False,
    },
    "text": "How do I set a weekly heating schedule on my Brightwave Thermo? "
    "The app keeps going back to the default.",
    "lang": "en",
}


def post_mention(stack: LocalStack, api_url: str, payload: dict[str, Any]) -> int:
    """Deliver one mention, created now, through the signed generic webhook (as the demo's
    replay does); raises when the webhook refuses it."""
    now = datetime.now(UTC)
    outcome = Replayer(api_url, stack.secret_values(), now).send(
        Delivery("generic", {**payload, "created_at": now.isoformat()}, None, "dashboard demo")
    )
    if outcome.status >= 400:
        raise RuntimeError(f"the webhook refused the dashboard's mention: {outcome.body}")
    return outcome.status


def wait_for_assignment(stack: LocalStack, mention_id: str, timeout: float = 60.0) -> str:
    """Who the workflow assigned the mention to (raises TimeoutError when nobody was)."""
    repository = AssignmentRepository(
        stack.client("dynamodb"), stack.ref("AssignmentsTable"), stack.ref("RespondersTable")
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assignment = repository.get(mention_id)
        if assignment is not None:
            return assignment.responder_id
        time.sleep(0.1)
    raise TimeoutError(f"{mention_id} was not assigned within {timeout} s")


def wait_for_email(address: str, timeout: float = 60.0) -> None:
    """Until the emulator has accepted an email to `address` (raises TimeoutError)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(address in sent.to for sent in sent_emails()):
            return
        time.sleep(0.1)
    raise TimeoutError(f"no notification email reached {address} within {timeout} s")


def free_port() -> int:
    """A loopback port free right now, so the notification links can name the server's URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main(argv: list[str] | None = None) -> int:
    """Serve a small dashboard demo: the sample responders, demo sign-ins, one live mention.

    Prints one JSON line ({"url", "endpoint", "users", "assigned_to", "outbox"}) once ready,
    then serves until standard input closes (the browser tests drive it this way) or Ctrl-C.
    """
    parser = argparse.ArgumentParser(prog="python -m crowdcare_local.dashboard_demo")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--outbox", type=Path, help="write the notifications sent here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    # Approved replies are posted by the real reply poster, to the fake platforms.
    platforms = FakePlatformServer().start()
    port = args.port or free_port()
    # Notification links point at this server, so a link in the outbox opens here.
    parameters = {**reply_parameters(platforms), "DashboardUrl": f"http://127.0.0.1:{port}"}
    stack = LocalStack(stack_name="crowdcare-dashboard", parameters=parameters)
    with stack:
        configure_reply_adapters(stack, platforms)
        server = LocalApiServer(stack, port=port).start()
        try:
            responders = ResponderRepository(stack.client("dynamodb"), stack.ref("RespondersTable"))
            advocates = {u[0] for u in DEMO_USERS if "advocate" in u[2]}
            for responder in load_responders():
                # Only the demo advocates take community mentions, so the live one reaches them.
                active = responder.kind.value == "employee" or responder.responder_id in advocates
                responders.put(responder.model_copy(update={"active": active}))
            users = seed_users(stack)
            post_mention(stack, server.url, SAMPLE_MENTION)
            assigned = wait_for_assignment(stack, "facebook#dash-1")
            if args.outbox:
                assignee = responders.get(assigned)
                if assignee is not None:
                    wait_for_email(assignee.email)
                write_outbox(args.outbox, sent_emails(), sent_sms())
            ready = {
                "url": server.url,
                "endpoint": stack.endpoint_url,
                "users": [{"username": u, "password": p, "role": r} for u, p, r in users],
                "assigned_to": assigned,
                "outbox": str(args.outbox or ""),
            }
            sys.stdout.write(json.dumps(ready) + "\n")
            sys.stdout.flush()
            with contextlib.suppress(KeyboardInterrupt):
                sys.stdin.read()  # until the parent closes our stdin
        finally:
            server.stop()
            platforms.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
