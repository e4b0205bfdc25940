"""The weekly digest function on moto: admins from the Cognito `admin` group, figures from the
AggregatesTable, the email through SES (moto records it), and a rerun that sends nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from crowdcare.adapters.dynamodb.aggregates import AggregatesTable
from crowdcare.rules.analytics_facts import MentionCard
from crowdcare_local.stack import create_template_table
from moto.ses.models import ses_backends

from tests.integration.conftest import CORE_REGION, CoreAws

AGGREGATES_TABLE = "digest-test-aggregates"
SENDER = "care@example.com"
MOTO_ACCOUNT = "123456789012"  # moto's default account


class Context:
    function_name = "digest"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:digest"
    aws_request_id = "req-1"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 60_000


def test_admins_get_the_digest_once(core_aws: CoreAws, monkeypatch: pytest.MonkeyPatch) -> None:
    """GIVEN an admin, an employee and last week's counters WHEN the function runs twice on
    a Monday THEN only the admin got one email, with the week's figures."""
    create_template_table(core_aws.dynamodb, "AggregatesTable", AGGREGATES_TABLE)
    AggregatesTable(core_aws.dynamodb, AGGREGATES_TABLE).commit(
        MentionCard(mention_id="seed", version=1),
        0,
        {("all", "day#2026-11-25"): {"received": 80, "needs_reply": 40, "replied": 30}},
    )
    cognito = boto3.client("cognito-idp", region_name=CORE_REGION)
    pool = cognito.create_user_pool(PoolName="responders")["UserPool"]["Id"]
    for group in ("admin", "employee"):
        cognito.create_group(UserPoolId=pool, GroupName=group)
    for name, group in (("zoe", "admin"), ("owen", "employee")):
        cognito.admin_create_user(
            UserPoolId=pool,
            Username=name,
            UserAttributes=[{"Name": "email", "Value": f"{name}@example.com"}],
            MessageAction="SUPPRESS",
        )
        cognito.admin_add_user_to_group(UserPoolId=pool, Username=name, GroupName=group)
    boto3.client("ses", region_name=CORE_REGION).verify_email_identity(EmailAddress=SENDER)
    for name, value in {
        "AGGREGATES_TABLE": AGGREGATES_TABLE,
        "USER_POOL_ID": pool,
        "SENDER_EMAIL": SENDER,
        "BRAND_NAME": "Brightwave",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SES_CONFIGURATION_SET", raising=False)
    from functions.digest import app as digest_app

    digest_app.weekly_digest.cache_clear()
    monday = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    monkeypatch.setattr(digest_app, "utc_now", lambda: monday)
    try:
        assert digest_app.lambda_handler({}, Context()) == {"sent": 1}
        assert digest_app.lambda_handler({}, Context()) == {"sent": 0}
    finally:
        digest_app.weekly_digest.cache_clear()
    sent: list[Any] = ses_backends[MOTO_ACCOUNT][CORE_REGION].sent_messages
    assert [m.destinations["ToAddresses"] for m in sent] == [["zoe@example.com"]]
    assert sent[0].subject == "Brightwave weekly digest: 80 mentions, 75% answered"
    assert "Mentions: 80 (before: 0)" in sent[0].body
