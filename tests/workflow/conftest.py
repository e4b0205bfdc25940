"""One local stack (moto server + template.yaml + in-process functions) for the workflow tests.

Booting the stack takes about a second, so it is shared by the session; every test starts
from empty tables and the bundled responders.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from crowdcare.adapters.dynamodb.repositories import MentionRepository, ResponderRepository
from crowdcare.adapters.platforms.inbound.signatures import sign_generic
from crowdcare.domain.models import QuietHours, Responder, ResponderKind
from crowdcare.services.starter import execution_name
from crowdcare_local.server import LocalApiServer
from crowdcare_local.stack import LocalStack

TABLES = (
    "MentionsTable",
    "RespondersTable",
    "AssignmentsTable",
    "IdempotencyTable",
    "AuditTable",
    # Kept small: moto deep-copies a table for each item of a transaction that touches it.
    "AggregatesTable",
)
QUEUES = (
    "TriageParkingQueue",
    "NotificationsQueue",
    "NotificationsDeadLetterQueue",
    "StreamFailureQueue",
)


@dataclass
class Deployed:
    """The running local stack, its API server, and helpers to drive it like a platform."""

    stack: LocalStack
    server: LocalApiServer

    @property
    def mentions(self) -> MentionRepository:
        return MentionRepository(self.stack.client("dynamodb"), self.stack.ref("MentionsTable"))

    @property
    def responders(self) -> ResponderRepository:
        return ResponderRepository(self.stack.client("dynamodb"), self.stack.ref("RespondersTable"))

    def post_generic(self, payload: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """POST a mention to the generic webhook, signed as a sender would sign it."""
        body = json.dumps(payload).encode()
        timestamp = int(time.time())
        key = self.stack.secret_values()["generic_webhook_secret"].encode()
        request = urllib.request.Request(  # noqa: S310 - loopback URL
            self.server.url + "/webhooks/generic",
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "X-CrowdCare-Timestamp": str(timestamp),
                "X-CrowdCare-Signature": sign_generic(key, timestamp, body),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def settle(self, *, until_done: bool = False) -> None:
        """Wait until only a person (or an SLA timer) can move anything on."""
        assert self.stack.settle(timeout=60, until_done=until_done), (
            "the local stack did not settle in 60 s"
        )

    def executions(self, mention_id: str) -> list[dict[str, Any]]:
        """The triage executions started for one mention (tests share the state machine)."""
        sfn = self.stack.client("stepfunctions")
        prefix = execution_name(mention_id)
        return [
            e
            for e in sfn.list_executions(stateMachineArn=self.stack.ref("TriageStateMachine"))[
                "executions"
            ]
            if e["name"] == prefix
        ]

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        sfn = self.stack.client("stepfunctions")
        return list(
            sfn.get_execution_history(executionArn=execution_arn, maxResults=1000)["events"]
        )

    def queue_messages(self, logical_id: str) -> list[dict[str, Any]]:
        sqs = self.stack.client("sqs")
        return list(
            sqs.receive_message(QueueUrl=self.stack.ref(logical_id), MaxNumberOfMessages=10).get(
                "Messages", []
            )
        )


@pytest.fixture(scope="session")
def deployed() -> Iterator[Deployed]:
    """The local stack, booted once for the session; at its end, every AWS call the functions
    made must have been allowed by their own policies in template.yaml (moto checks no IAM)."""
    stack = LocalStack().start()
    server = LocalApiServer(stack).start()
    yield Deployed(stack, server)
    checked = stack.least_privilege()
    server.stop()
    stack.stop()
    if checked["denied"]:
        pytest.fail(f"AWS calls the functions' policies do not allow: {checked['denied']}")


def _empty(deployed: Deployed) -> None:
    ddb = deployed.stack.client("dynamodb")
    for logical_id in TABLES:
        name = deployed.stack.ref(logical_id)
        key = [k["AttributeName"] for k in ddb.describe_table(TableName=name)["Table"]["KeySchema"]]
        for item in ddb.scan(TableName=name)["Items"]:
            ddb.delete_item(TableName=name, Key={k: item[k] for k in key})
    sqs = deployed.stack.client("sqs")
    for logical_id in QUEUES:
        sqs.purge_queue(QueueUrl=deployed.stack.ref(logical_id))


@pytest.fixture
def stack(deployed: Deployed) -> Deployed:
    """The shared stack, emptied, with a small known set of responders."""
    deployed.settle()
    _empty(deployed)
    for responder in RESPONDERS:
        deployed.responders.put(responder)
    return deployed


RESPONDERS = (
    Responder(
        responder_id="adv.ana",
        kind=ResponderKind.ADVOCATE,
        name="Ana",
        email="ana@example.com",
        languages=("en", "es"),
        skills=("thermostat", "app"),
        max_open=3,
    ),
    Responder(
        responder_id="emp.owen",
        kind=ResponderKind.EMPLOYEE,
        name="Owen",
        email="owen@example.com",
        phone="+15555550123",
        sms_opt_in=True,
        timezone="UTC",
        # equal start and end: never quiet, so the test does not depend on the wall clock
        quiet_hours=QuietHours(start_hour=0, end_hour=0),
        languages=("en",),
        skills=("billing", "security", "privacy"),
        max_open=5,
    ),
)


def mention_payload(post_id: str, text: str, **author: Any) -> dict[str, Any]:
    """A generic webhook body for one mention, posted a minute ago."""
    return {
        "platform": "facebook",
        "post_id": post_id,
        "url": f"https://facebook.com/brightwave/posts/{post_id}",
        "author": {"id": f"u-{post_id}", "handle": f"@user_{post_id}", "followers": 120, **author},
        "text": text,
        "lang": "en",
        "created_at": datetime.now(UTC).replace(microsecond=0).isoformat(),
    }
