"""Shared fixtures for integration tests (moto-backed AWS, in-process Chalice apps).

Fixtures are named after the function they serve (`webhook_env`, ...) so that several
functions' fixtures can live here side by side.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from crowdcare_local.fake_platforms import outbound
from crowdcare_local.fake_platforms.server import FakePlatformServer
from crowdcare_local.stack import create_template_table
from moto import mock_aws

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_sqs import SQSClient

# --- webhooks -------------------------------------------------------------------------------

WEBHOOK_MENTIONS_TABLE = "crowdcare-test-mentions"
WEBHOOK_SECRETS_NAME = "crowdcare/test/webhooks"
WEBHOOK_GENERIC_SECRET = "generic-webhook-secret-0123456789"
WEBHOOK_X_CONSUMER_SECRET = "x-consumer-secret-abcdefghijklmnop"
INGEST_PARKING_QUEUE = "crowdcare-test-ingest-parking"


@dataclass(frozen=True)
class WebhookEnv:
    """What a webhooks test needs: the app module, its AWS resources and the secrets."""

    app_module: ModuleType
    dynamodb: DynamoDBClient
    secretsmanager: SecretsManagerClient
    mentions_table: str
    generic_secret: bytes
    x_consumer_secret: bytes
    sqs: SQSClient
    parking_queue_url: str

    def stored_ids(self) -> list[str]:
        """The mention_id of every item in the Mentions table, sorted."""
        items = self.dynamodb.scan(TableName=self.mentions_table, ConsistentRead=True)["Items"]
        return sorted(item["mention_id"]["S"] for item in items)

    def parked(self) -> list[dict[str, Any]]:
        """Every message in the ingest parking queue, parsed (received once, then left alone)."""
        messages = self.sqs.receive_message(
            QueueUrl=self.parking_queue_url, MaxNumberOfMessages=10, VisibilityTimeout=60
        ).get("Messages", [])
        return [json.loads(m["Body"]) for m in messages]


def create_mentions_table(dynamodb: DynamoDBClient, name: str) -> None:
    """The Mentions table as template.yaml declares it (read from the template)."""
    create_template_table(dynamodb, "MentionsTable", name)


@pytest.fixture
def webhook_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[WebhookEnv]:
    """functions/webhooks/app.py wired to moto: Mentions table, signing secret, ingest parking
    queue, fresh caches."""
    for name, value in {
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "MENTIONS_TABLE": WEBHOOK_MENTIONS_TABLE,
        "WEBHOOK_SECRETS_NAME": WEBHOOK_SECRETS_NAME,
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "MAX_WEBHOOK_BODY_BYTES"):
        monkeypatch.delenv(name, raising=False)

    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        secretsmanager = boto3.client("secretsmanager", region_name="us-east-1")
        create_mentions_table(dynamodb, WEBHOOK_MENTIONS_TABLE)
        sqs = boto3.client("sqs", region_name="us-east-1")
        queue_url = sqs.create_queue(QueueName=INGEST_PARKING_QUEUE)["QueueUrl"]
        monkeypatch.setenv("INGEST_PARKING_QUEUE_URL", queue_url)
        secretsmanager.create_secret(
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
        try:
            yield WebhookEnv(
                app_module=webhooks,
                dynamodb=dynamodb,
                secretsmanager=secretsmanager,
                mentions_table=WEBHOOK_MENTIONS_TABLE,
                generic_secret=WEBHOOK_GENERIC_SECRET.encode(),
                x_consumer_secret=WEBHOOK_X_CONSUMER_SECRET.encode(),
                sqs=sqs,
                parking_queue_url=queue_url,
            )
        finally:
            webhooks.reset_dependencies()


# --- core adapters (repositories, assignments, notifier, idempotency) ----------------------

CORE_MENTIONS_TABLE = "crowdcare-core-test-mentions"
CORE_RESPONDERS_TABLE = "crowdcare-core-test-responders"
CORE_ASSIGNMENTS_TABLE = "crowdcare-core-test-assignments"
CORE_IDEMPOTENCY_TABLE = "crowdcare-core-test-idempotency"
CORE_REGION = "us-east-1"
CORE_ACCOUNT = "123456789012"  # moto's default account


@dataclass(frozen=True)
class CoreAws:
    """moto clients and the four core tables, shaped as template.yaml declares them."""

    dynamodb: DynamoDBClient
    mentions_table: str
    responders_table: str
    assignments_table: str
    idempotency_table: str
    region: str
    account: str


@pytest.fixture
def core_aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[CoreAws]:
    """A fresh moto account with the Mentions, Responders, Assignments and Idempotency tables."""
    for name, value in {
        "AWS_DEFAULT_REGION": CORE_REGION,
        "AWS_REGION": CORE_REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
    }.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)

    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name=CORE_REGION)
        create_mentions_table(dynamodb, CORE_MENTIONS_TABLE)
        create_template_table(dynamodb, "RespondersTable", CORE_RESPONDERS_TABLE)
        create_template_table(dynamodb, "AssignmentsTable", CORE_ASSIGNMENTS_TABLE)
        create_template_table(dynamodb, "IdempotencyTable", CORE_IDEMPOTENCY_TABLE)
        yield CoreAws(
            dynamodb=dynamodb,
            mentions_table=CORE_MENTIONS_TABLE,
            responders_table=CORE_RESPONDERS_TABLE,
            assignments_table=CORE_ASSIGNMENTS_TABLE,
            idempotency_table=CORE_IDEMPOTENCY_TABLE,
            region=CORE_REGION,
            account=CORE_ACCOUNT,
        )


# --- Meta webhooks (facebook, instagram) ----------------------------------------------------

META_APP_SECRET = "meta-app-secret-0123456789abcdef"
META_VERIFY_TOKEN = "meta-verify-token-brightwave-42"
META_CREDENTIALS_NAME = "crowdcare/test/platform-credentials"


@dataclass(frozen=True)
class MetaWebhookEnv:
    """The webhooks app with the Meta secrets added and an ingest parking queue."""

    base: WebhookEnv
    sqs: SQSClient
    parking_queue_url: str
    app_secret: bytes
    verify_token: str
    graph: FakePlatformServer  # the fake Graph API the webhook's lookups go to

    def parked(self) -> list[dict[str, Any]]:
        """Every message in the parking queue, parsed (received once, then left alone)."""
        return self.base.parked()


@pytest.fixture
def meta_webhook_env(
    webhook_env: WebhookEnv, monkeypatch: pytest.MonkeyPatch
) -> Iterator[MetaWebhookEnv]:
    """webhook_env plus meta_app_secret/meta_verify_token in the secret, and the Graph API
    lookups pointed at the fake platforms with tokens in PlatformCredentials."""
    webhook_env.secretsmanager.create_secret(
        Name=META_CREDENTIALS_NAME,
        SecretString=json.dumps(
            {"instagram_access_token": "ig-token", "facebook_page_access_token": "fb-token"}
        ),
    )
    monkeypatch.setenv("PLATFORM_CREDENTIALS_NAME", META_CREDENTIALS_NAME)
    webhook_env.secretsmanager.put_secret_value(
        SecretId=WEBHOOK_SECRETS_NAME,
        SecretString=json.dumps(
            {
                "generic_webhook_secret": WEBHOOK_GENERIC_SECRET,
                "x_consumer_secret": WEBHOOK_X_CONSUMER_SECRET,
                "meta_app_secret": META_APP_SECRET,
                "meta_verify_token": META_VERIFY_TOKEN,
            }
        ),
    )
    graph = outbound.register(FakePlatformServer()).start()
    urls = outbound.base_urls(graph)
    monkeypatch.setenv("INSTAGRAM_GRAPH_BASE_URL", urls["instagram"])
    monkeypatch.setenv("FACEBOOK_GRAPH_BASE_URL", urls["facebook"])
    webhook_env.app_module.reset_dependencies()
    try:
        yield MetaWebhookEnv(
            base=webhook_env,
            sqs=webhook_env.sqs,
            parking_queue_url=webhook_env.parking_queue_url,
            app_secret=META_APP_SECRET.encode(),
            verify_token=META_VERIFY_TOKEN,
            graph=graph,
        )
    finally:
        graph.stop()


# --- poller (cursors table) -------------------------------------------------------------------

POLLER_CURSORS_TABLE = "crowdcare-test-cursors"


def create_cursors_table(dynamodb: DynamoDBClient, name: str = POLLER_CURSORS_TABLE) -> None:
    """The Cursors table as template.yaml declares it (read from the template)."""
    create_template_table(dynamodb, "CursorsTable", name)
