"""Demo sign-ins for the responder dashboard, created in the emulator's Cognito user pool.

Each demo user's username is a responder_id of the bundled sample (so the dashboard shows that
responder's assignments), with a permanent password and the group that is their role. The
passwords are for the local emulator only; nothing here touches a real account.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
import time
import urllib.request
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

from crowdcare.adapters.dynamodb.assignments import AssignmentRepository
from crowdcare.adapters.dynamodb.repositories import ResponderRepository
from crowdcare.adapters.platforms.inbound.signatures import sign_generic

if TYPE_CHECKING:
    from crowdcare_local.stack import LocalStack

USER_POOL = "ResponderUserPool"

# (username, password, groups): the first group is the role shown to the person.
DEMO_USERS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("adv.maria.lopez", "Advocate-demo-1", ("advocate",)),
    ("adv.jonas.weber", "Advocate-demo-2", ("advocate",)),
    ("emp.rachel.kim", "Employee-demo-1", ("employee",)),
    ("emp.owen.price", "Admin-demo-1", ("admin", "employee")),
)


def seed_users(stack: LocalStack) -> list[tuple[str, str, str]]:
    """Create the demo users with their groups; returns (username, password, role) per user.

    Idempotent: a user that already exists only gets its password and groups set again.
    """
    cognito = stack.client("cognito-idp")
    pool_id = stack.ref(USER_POOL)
    existing = {u["Username"] for u in cognito.list_users(UserPoolId=pool_id)["Users"]}
    seeded = []
    for username, password, groups in DEMO_USERS:
        if username not in existing:
            cognito.admin_create_user(
                UserPoolId=pool_id,
                Username=username,
                UserAttributes=[
                    {"Name": "email", "Value": f"{username}@example.com"},
                    {"Name": "email_verified", "Value": "true"},
                ],
                MessageAction="SUPPRESS",
            )
        cognito.admin_set_user_password(
            UserPoolId=pool_id, Username=username, Password=password, Permanent=True
        )
        for group in groups:
            cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)
        seeded.append((username, password, groups[0]))
    return seeded


def print_sign_in(users: list[tuple[str, str, str]], url: str, out: TextIO) -> None:
    """How to sign in to the local dashboard, for the demo's closing output."""
    out.write(f"Dashboard   {url}/  (sign in as one of these)\n")
    for username, password, role in users:
        out.write(f"                {role:<9} {username:<18} password {password}\n")


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
    """Deliver one mention through the signed generic webhook, as a platform would."""
    body = json.dumps({**payload, "created_at": datetime.now(UTC).isoformat()}).encode()
    timestamp = int(time.time())
    key = stack.secret_values()["generic_webhook_secret"].encode()
    request = urllib.request.Request(  # noqa: S310 - loopback URL
        api_url + "/webhooks/generic",
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-CrowdCare-Timestamp": str(timestamp),
            "X-CrowdCare-Signature": sign_generic(key, timestamp, body),
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return int(response.status)


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


def main(argv: list[str] | None = None) -> int:
    """Serve a small dashboard demo: the sample responders, demo sign-ins, one live mention.

    Prints one JSON line ({"url", "endpoint", "users", "assigned_to"}) once ready, then serves
    until standard input closes (the browser tests drive it this way) or Ctrl-C.
    """
    from crowdcare_local.demo import load_responders  # noqa: PLC0415 - heavy local imports
    from crowdcare_local.fake_platforms.server import FakePlatformServer  # noqa: PLC0415
    from crowdcare_local.reply_demo import (  # noqa: PLC0415
        configure_reply_adapters,
        reply_parameters,
    )
    from crowdcare_local.server import LocalApiServer  # noqa: PLC0415
    from crowdcare_local.stack import LocalStack  # noqa: PLC0415

    parser = argparse.ArgumentParser(prog="python -m crowdcare_local.dashboard_demo")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    # Approved replies are posted by the real reply poster, to the fake platforms.
    platforms = FakePlatformServer().start()
    stack = LocalStack(stack_name="crowdcare-dashboard", parameters=reply_parameters(platforms))
    with stack:
        configure_reply_adapters(stack, platforms)
        server = LocalApiServer(stack, port=args.port).start()
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
            ready = {
                "url": server.url,
                "endpoint": stack.endpoint_url,
                "users": [{"username": u, "password": p, "role": r} for u, p, r in users],
                "assigned_to": assigned,
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
