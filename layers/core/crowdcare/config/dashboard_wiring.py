"""Composition of the dashboard API: settings and shared clients in, services out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from crowdcare.adapters.cognito_auth import CognitoSessions
from crowdcare.adapters.cognito_invitations import CognitoInvitations
from crowdcare.adapters.dynamodb.assignment_index import AssignmentIndex
from crowdcare.adapters.dynamodb.ledger import LedgerRepository
from crowdcare.adapters.dynamodb.replies import ReplyRepository
from crowdcare.adapters.dynamodb.repositories import MentionRepository
from crowdcare.adapters.dynamodb.responder_profiles import ResponderStore
from crowdcare.adapters.dynamodb.sign_outs import SignOutMarks
from crowdcare.adapters.platforms.outbound import default_limits
from crowdcare.adapters.rules_parameter import SsmRulesStore
from crowdcare.adapters.stepfunctions import StepFunctionsExecutions
from crowdcare.config.clients import AwsClients
from crowdcare.config.reply_wiring import (
    PointsSettings,
    ReplySubmissionSettings,
    build_assignment_events,
    build_points_awarder,
    build_reply_submissions,
    points_rules_source,
)
from crowdcare.config.wiring import deep_link_signer
from crowdcare.ports import AssignmentEvents
from crowdcare.services.dashboard import (
    AdminService,
    ApprovalDesk,
    Dashboard,
    FeedService,
    LeaderboardService,
    LengthMeter,
    LinkDesk,
    ProfileService,
    QueueDesk,
    ReplyDesk,
    SavedReplies,
    SessionDesk,
)
from crowdcare.services.dashboard.trust import DEFAULT_TRUST_THRESHOLD, TrustPolicy
from crowdcare.services.rewards.page import PointsPage
from crowdcare.services.starter import AssignmentStarter


class ApiSettings(ReplySubmissionSettings, PointsSettings):
    """The API function's environment (see ApiFunction in template.yaml).

    Without `audit_table` (tests), a decline or a confirmed reply closes the assignment
    directly instead of answering the assignment workflow.
    """

    routing_rules_parameter: str
    user_pool_id: str
    user_pool_client_id: str
    deep_link_secret_name: str
    assignment_state_machine_arn: str
    saved_replies_parameter: str
    # Sign-out marks (short-lived keys under the table's TTL): adapters.dynamodb.sign_outs.
    idempotency_table: str
    # Advocates of this rank or above may take from the queue (unset: employees only).
    queue_take_min_rank: str | None = None
    # Saved replies of other brands are not offered ("" offers every brand's).
    brand_name: str = ""
    approval_trust_threshold: int = DEFAULT_TRUST_THRESHOLD


def build_dashboard(
    settings: ApiSettings,
    clients: AwsClients,
    clock: Callable[[], datetime],
    events: AssignmentEvents | None = None,
) -> Dashboard:
    """Every dashboard service wired to DynamoDB, SQS and SSM."""
    ddb = clients.dynamodb
    mentions = MentionRepository(ddb, settings.mentions_table)
    assignments = AssignmentIndex(ddb, settings.assignments_table, settings.responders_table)
    responders = ResponderStore(ddb, settings.responders_table)
    replies = ReplyRepository(ddb, settings.replies_table)
    ledger = LedgerRepository(ddb, settings.ledger_table)
    rules_store = SsmRulesStore(clients.ssm, settings.routing_rules_parameter)
    submissions = build_reply_submissions(settings, clients)
    limits = default_limits(settings.mastodon_max_chars)
    points_rules = points_rules_source(settings.points_rules_parameter, clients)
    points = build_points_awarder(settings, clients, clock)
    trust = TrustPolicy(ledger, clock, settings.approval_trust_threshold, points_rules)
    machine = settings.assignment_state_machine_arn
    executions = StepFunctionsExecutions(clients.stepfunctions, machine)
    return Dashboard(
        feed=FeedService(mentions, assignments, replies, rules_store, limits, clock, mentions),
        replies=ReplyDesk(
            mentions=mentions,
            assignments=assignments,
            responders=responders,
            replies=replies,
            submissions=submissions,
            events=events or build_assignment_events(settings, clients, clock),
            trust=trust,
            limits=limits,
            clock=clock,
        ),
        approvals=ApprovalDesk(
            mentions=mentions,
            assignments=assignments,
            responders=responders,
            replies=replies,
            submissions=submissions,
            points=points,
            limits=limits,
            clock=clock,
            history=mentions,
        ),
        profile=ProfileService(responders, trust),
        leaderboard=LeaderboardService(ledger, responders, clock, points_rules, rules_store),
        admin=AdminService(
            responders,
            rules_store,
            points_store=None
            if settings.points_rules_parameter is None
            else SsmRulesStore(clients.ssm, settings.points_rules_parameter),
            invitations=CognitoInvitations(clients.client("cognito-idp"), settings.user_pool_id),
        ),
        points=PointsPage(ledger, replies, points_rules, clock),
        links=LinkDesk(deep_link_signer(settings, clients), assignments, clock),
        composer=LengthMeter(limits),
        queue=QueueDesk(
            mentions,
            AssignmentStarter(executions),
            trust,
            settings.queue_take_min_rank,
        ),
        saved_replies=SavedReplies(
            SsmRulesStore(clients.ssm, settings.saved_replies_parameter), settings.brand_name
        ),
        sessions=SessionDesk(
            CognitoSessions(
                clients.client("cognito-idp"),
                settings.user_pool_id,
                SignOutMarks(ddb, settings.idempotency_table),
            ),
            clock,
        ),
    )
