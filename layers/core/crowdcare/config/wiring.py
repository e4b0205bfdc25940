"""Composition: builds each function's services from its settings and the shared clients.

Handlers call these once per cold start (behind functools.cache); tests and the local run call
them with their own settings and clients, so nothing needs patching.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from aws_lambda_powertools.utilities.parameters import SecretsProvider, SSMProvider

from crowdcare.adapters.dynamodb.assignment_gauge import OpenAssignmentsGauge
from crowdcare.adapters.dynamodb.assignments import AssignmentRepository
from crowdcare.adapters.dynamodb.audit import AuditTrail
from crowdcare.adapters.dynamodb.idempotency import OncePerKey, SentChannelsTable, once_per_key
from crowdcare.adapters.dynamodb.mentions import MentionRepository
from crowdcare.adapters.dynamodb.responders import ResponderRepository
from crowdcare.adapters.ses import SesEmailSender
from crowdcare.adapters.sns import SnsAlertPublisher, SnsNoticePublisher, SnsSmsSender
from crowdcare.adapters.stepfunctions import StepFunctionsCallbacks, StepFunctionsExecutions
from crowdcare.config.clients import AwsClients
from crowdcare.config.clock import utc_now
from crowdcare.config.settings import (
    ConfigurationError,
    LifecycleSettings,
    NotifierSettings,
    QueueDrainSettings,
    SesFeedbackSettings,
    StarterSettings,
    SweeperSettings,
    TriageSettings,
)
from crowdcare.domain.messages import AssignmentNotice
from crowdcare.domain.models import MentionStatus
from crowdcare.rules.deeplinks import DeepLinkSigner
from crowdcare.rules.triage.rules import TriageRules
from crowdcare.services.assignment_callbacks import AssignmentLifecycle
from crowdcare.services.assignment_steps import LifecycleSteps
from crowdcare.services.notifier import NoticeDelivery, NotificationResult, Notifier
from crowdcare.services.queue_drain import QueueDrain
from crowdcare.services.ses_feedback import SesFeedbackService
from crowdcare.services.starter import AssignmentStarter, TriageStarter
from crowdcare.services.sweeper import Sweeper, sweep_deadlines

if TYPE_CHECKING:
    from crowdcare.rules.triage.sentiment import SentimentProvider
    from crowdcare.services.triage_steps import TriageSteps

RULES_MAX_AGE_SECONDS = 60
SECRET_MAX_AGE_SECONDS = 300
DEEP_LINK_SECRET_KEY = "deep_link_secret"  # noqa: S105 - the key's name in the JSON secret


def rules_source(
    settings: TriageSettings | LifecycleSettings | QueueDrainSettings | SweeperSettings,
    clients: AwsClients,
) -> Callable[[], TriageRules]:
    """Triage rules from the SSM parameter (cached for a minute), or the defaults."""
    if settings.routing_rules_parameter is None:
        defaults = TriageRules.default()
        return lambda: defaults
    provider = SSMProvider(boto3_client=clients.ssm)
    name = settings.routing_rules_parameter

    def load() -> TriageRules:
        document = provider.get(name, max_age=RULES_MAX_AGE_SECONDS)
        return TriageRules.model_validate_json(str(document))

    return load


def build_triage_steps(
    settings: TriageSettings, clients: AwsClients, clock: Callable[[], datetime] = utc_now
) -> TriageSteps:
    """The analyze / prioritize / route steps wired to DynamoDB."""
    # Imported here: only the triage functions need the language and sentiment models, and
    # every other function imports this module in its cold start.
    from crowdcare.config.sentiment import provider_for  # noqa: PLC0415
    from crowdcare.services.triage_steps import TriageSteps  # noqa: PLC0415

    if settings.sentiment_provider.strip().lower() == "bedrock":
        from crowdcare.adapters.bedrock_classifier import (  # noqa: PLC0415
            CLIENT_CONFIG as BEDROCK_CLIENT_CONFIG,
        )
        from crowdcare.adapters.bedrock_classifier import (  # noqa: PLC0415
            BedrockClassifierProvider,
        )
        from crowdcare.rules.triage.model_provider import (  # noqa: PLC0415
            EmbeddedModelProvider,
        )

        sentiment: SentimentProvider = BedrockClassifierProvider(
            # Its own client: short timeouts, since the embedded model is the fallback.
            clients.session.client("bedrock-runtime", config=BEDROCK_CLIENT_CONFIG),
            fallback=EmbeddedModelProvider(),
            model_id=settings.bedrock_model_id,
        )
    else:
        sentiment = provider_for(settings.sentiment_provider, lambda: clients.client("comprehend"))
    return TriageSteps(
        mentions=MentionRepository(clients.dynamodb, settings.mentions_table),
        responders=ResponderRepository(clients.dynamodb, settings.responders_table),
        sentiment=sentiment,
        rules=rules_source(settings, clients),
        clock=clock,
    )


def build_starter(settings: StarterSettings, clients: AwsClients) -> TriageStarter:
    """The stream starter's Step Functions adapter."""
    return TriageStarter(
        StepFunctionsExecutions(clients.stepfunctions, settings.triage_state_machine_arn)
    )


def build_start_once(settings: StarterSettings, clients: AwsClients) -> OncePerKey[str]:
    """The triage start, once per mention: a stream batch can be delivered again."""
    return once_per_key(
        build_starter(settings, clients).start,
        table=settings.idempotency_table,
        client=clients.dynamodb,
        key="mention",
    )


def build_notifier(
    settings: NotifierSettings, clients: AwsClients, clock: Callable[[], datetime] = utc_now
) -> Notifier:
    """The notifier wired to SES and SNS SMS."""
    return Notifier(
        responders=ResponderRepository(clients.dynamodb, settings.responders_table),
        email=SesEmailSender(clients.ses, settings.sender_email, settings.ses_configuration_set),
        sms=SnsSmsSender(clients.sns),
        sent=SentChannelsTable(clients.dynamodb, settings.idempotency_table, time.time),
        brand=settings.brand_name,
        dashboard_url=settings.dashboard_url,
        sms_min_priority=settings.sms_min_priority,
        clock=clock,
    )


def build_notice_delivery(
    settings: NotifierSettings,
    clients: AwsClients,
    send: Callable[[AssignmentNotice], NotificationResult],
    clock: Callable[[], datetime] = utc_now,
) -> NoticeDelivery:
    """The notifier function's service: `send` (the notifier's notify), the audit trail,
    and the lifecycle API to move the workflow on when a notice cannot be delivered."""
    return NoticeDelivery(
        send=send,
        failures=build_lifecycle(
            assignments_table=settings.assignments_table,
            responders_table=settings.responders_table,
            audit_table=settings.audit_table,
            clients=clients,
            clock=clock,
        ),
        audit=AuditTrail(clients.dynamodb, settings.audit_table),
        clock=clock,
    )


class DeepLinkSecretSettings(Protocol):
    """Any settings naming the deep-link secret (the assignment workflow's, the API's)."""

    @property
    def deep_link_secret_name(self) -> str: ...


def deep_link_signer(
    settings: DeepLinkSecretSettings, clients: AwsClients
) -> Callable[[], DeepLinkSigner]:
    """The link signer, its secret read from Secrets Manager (cached; rotation within 5 min)."""
    provider = SecretsProvider(boto3_client=clients.secretsmanager)

    def load() -> DeepLinkSigner:
        document = provider.get(
            settings.deep_link_secret_name, transform="json", max_age=SECRET_MAX_AGE_SECONDS
        )
        if not isinstance(document, dict) or DEEP_LINK_SECRET_KEY not in document:
            raise ConfigurationError(f"the deep-link secret has no {DEEP_LINK_SECRET_KEY}")
        return DeepLinkSigner(str(document[DEEP_LINK_SECRET_KEY]).encode())

    return load


def build_lifecycle_steps(
    settings: LifecycleSettings, clients: AwsClients, clock: Callable[[], datetime] = utc_now
) -> LifecycleSteps:
    """The assignment workflow's steps wired to DynamoDB, SNS and the link secret."""
    return LifecycleSteps(
        mentions=MentionRepository(clients.dynamodb, settings.mentions_table),
        responders=ResponderRepository(clients.dynamodb, settings.responders_table),
        assignments=AssignmentRepository(
            clients.dynamodb, settings.assignments_table, settings.responders_table
        ),
        audit=AuditTrail(clients.dynamodb, settings.audit_table),
        publisher=SnsNoticePublisher(clients.sns, settings.assignments_topic_arn),
        signer=deep_link_signer(settings, clients),
        rules=rules_source(settings, clients),
        dashboard_url=settings.dashboard_url,
        clock=clock,
    )


def build_lifecycle(
    *,
    assignments_table: str,
    responders_table: str,
    audit_table: str,
    clients: AwsClients,
    clock: Callable[[], datetime] = utc_now,
) -> AssignmentLifecycle:
    """The public lifecycle API (reply, decline, heartbeat) for the dashboard and poster."""
    return AssignmentLifecycle(
        assignments=AssignmentRepository(clients.dynamodb, assignments_table, responders_table),
        audit=AuditTrail(clients.dynamodb, audit_table),
        callbacks=StepFunctionsCallbacks(clients.stepfunctions),
        clock=clock,
    )


def build_ses_feedback(
    settings: SesFeedbackSettings, clients: AwsClients, clock: Callable[[], datetime] = utc_now
) -> SesFeedbackService:
    """The SES bounce and complaint handler wired to DynamoDB and the admin alerts topic."""
    return SesFeedbackService(
        responders=ResponderRepository(clients.dynamodb, settings.responders_table),
        alerts=SnsAlertPublisher(clients.sns, settings.admin_alerts_topic_arn),
        audit=AuditTrail(clients.dynamodb, settings.audit_table),
        clock=clock,
    )


def build_queue_drain(
    settings: QueueDrainSettings, clients: AwsClients, clock: Callable[[], datetime] = utc_now
) -> QueueDrain:
    """The scheduled queue drain wired to DynamoDB and the assignment state machine."""
    return QueueDrain(
        mentions=MentionRepository(clients.dynamodb, settings.mentions_table),
        responders=ResponderRepository(clients.dynamodb, settings.responders_table),
        starter=AssignmentStarter(
            StepFunctionsExecutions(clients.stepfunctions, settings.assignment_state_machine_arn)
        ),
        rules=rules_source(settings, clients),
        clock=clock,
        gauge=OpenAssignmentsGauge(clients.dynamodb, settings.assignments_table),
    )


def build_sweeper(
    settings: SweeperSettings, clients: AwsClients, clock: Callable[[], datetime] = utc_now
) -> Sweeper:
    """The scheduled sweeper wired to the Mentions index and both state machines."""
    rules = rules_source(settings, clients)

    def deadlines() -> dict[MentionStatus, timedelta]:
        assignment = rules().assignment
        longest_sla = max([*assignment.sla_seconds.values(), assignment.employee_sla_seconds])
        return sweep_deadlines(
            received=settings.received_deadline_seconds,
            triaged=settings.triaged_deadline_seconds,
            assigning=settings.assigning_deadline_seconds,
            longest_hold=longest_sla * assignment.hold_limit_factor,
            margin=settings.assigned_margin_seconds,
        )

    return Sweeper(
        mentions=MentionRepository(clients.dynamodb, settings.mentions_table, clock),
        assignments=AssignmentRepository(
            clients.dynamodb, settings.assignments_table, settings.responders_table
        ),
        audit=AuditTrail(clients.dynamodb, settings.audit_table),
        triage=TriageStarter(
            StepFunctionsExecutions(clients.stepfunctions, settings.triage_state_machine_arn)
        ),
        assignment=AssignmentStarter(
            StepFunctionsExecutions(clients.stepfunctions, settings.assignment_state_machine_arn)
        ),
        deadlines=deadlines,
        clock=clock,
        max_redrives=settings.max_redrives,
        batch=settings.sweep_batch,
    )
