"""The demo's responders: every ANSWER_EVERY-th notified responder replies through the real
reply pipeline and answers the waiting workflow; afterwards the reach tracker reads the replies."""

from __future__ import annotations

import os
import threading
from collections import Counter
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from crowdcare.adapters.dynamodb.assignments import (
    Assignment,
    AssignmentRepository,
    AssignmentStatus,
)
from crowdcare.adapters.dynamodb.audit import AuditTrail
from crowdcare.adapters.dynamodb.replies import ReplyRepository
from crowdcare.adapters.stepfunctions import StepFunctionsCallbacks
from crowdcare.config.clients import AwsClients
from crowdcare.config.reply_wiring import ReplySubmissionSettings, build_reply_submissions
from crowdcare.config.settings import AwsSettings
from crowdcare.domain.errors import (
    AssignmentClosedError,
    AssignmentError,
    NotYourAssignmentError,
    RequestError,
)
from crowdcare.domain.models import Platform
from crowdcare.domain.replies import ReplyRequest
from crowdcare.services.assignment_callbacks import AssignmentLifecycle
from crowdcare.services.replies.submission import ReplySubmissions as ReplyService

from crowdcare_local.demo.scenario import (
    ANSWER_EVERY,
    FAILING_PLATFORM,
    FLAKY_PLATFORM,
    REPLY_TEXT,
    RESPONDER_SCAN_SECONDS,
)
from crowdcare_local.fake_platforms import outbound
from crowdcare_local.fake_platforms.server import FakePlatformServer
from crowdcare_local.stack import LocalStack
from crowdcare_local.template import REGION


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
        except (RequestError, ValueError) as error:  # unknown, unsupported, mention answered
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


def answering_services(stack: LocalStack) -> tuple[AssignmentLifecycle, ReplyService]:
    """What a responder's reply goes through: the lifecycle API and the reply pipeline."""
    lifecycle = AssignmentLifecycle(
        assignments=AssignmentRepository(
            stack.client("dynamodb"), stack.ref("AssignmentsTable"), stack.ref("RespondersTable")
        ),
        audit=AuditTrail(stack.client("dynamodb"), stack.ref("AuditTable")),
        callbacks=StepFunctionsCallbacks(stack.client("stepfunctions")),
        clock=lambda: datetime.now(UTC),
    )
    clients = AwsClients(AwsSettings(aws_region=REGION, aws_endpoint_url=stack.endpoint_url))
    service = build_reply_submissions(
        ReplySubmissionSettings(
            mentions_table=stack.ref("MentionsTable"),
            replies_table=stack.ref("RepliesTable"),
            reply_queue_url=stack.ref("ReplyQueue"),
        ),
        clients,
    )
    return lifecycle, service


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
