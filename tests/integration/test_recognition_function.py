"""The monthly recognition function on moto: March's board from the LedgerTable, advocates from
the RespondersTable, admins from the Cognito `admin` group, the emails through SES (moto records
them) and the month's claims on the IdempotencyTable, so a rerun sends nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from crowdcare.adapters.dynamodb.ledger import LedgerRepository
from crowdcare.adapters.dynamodb.responder_profiles import ResponderStore
from crowdcare.domain.models import ResponderKind
from crowdcare.domain.points import PointsReason, entry_for
from crowdcare.testing.builders import a_responder
from crowdcare_local.stack import create_template_table
from moto.ses.models import ses_backends

from tests.integration.conftest import CORE_REGION, CoreAws

LEDGER_TABLE = "recognition-test-ledger"
RESPONDERS_TABLE = "recognition-test-responders"
IDEMPOTENCY_TABLE = "recognition-test-idempotency"
SENDER = "care@example.com"
MOTO_ACCOUNT = "123456789012"  # moto's default account


class Context:
    function_name = "recognition"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:recognition"
    aws_request_id = "req-1"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 60_000


def _admin_pool() -> str:
    cognito = boto3.client("cognito-idp", region_name=CORE_REGION)
    pool = cognito.create_user_pool(PoolName="responders")["UserPool"]["Id"]
    cognito.create_group(UserPoolId=pool, GroupName="admin")
    cognito.admin_create_user(
        UserPoolId=pool,
        Username="zoe",
        UserAttributes=[{"Name": "email", "Value": "zoe@example.com"}],
        MessageAction="SUPPRESS",
    )
    cognito.admin_add_user_to_group(UserPoolId=pool, Username="zoe", GroupName="admin")
    return str(pool)


def test_last_months_top_advocates_and_the_admin_are_mailed_once(
    core_aws: CoreAws, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN March's points for two advocates and an employee WHEN the function runs twice on
    1 April THEN the advocates got their thanks and the admin the list, once each."""
    for logical_id, name in (
        ("LedgerTable", LEDGER_TABLE),
        ("RespondersTable", RESPONDERS_TABLE),
        ("IdempotencyTable", IDEMPOTENCY_TABLE),
    ):
        create_template_table(core_aws.dynamodb, logical_id, name)
    responders = ResponderStore(core_aws.dynamodb, RESPONDERS_TABLE)
    ledger = LedgerRepository(core_aws.dynamodb, LEDGER_TABLE)
    march = datetime(2026, 3, 20, tzinfo=UTC)
    for n, (rid, points) in enumerate({"adv.ana": 30, "adv.ben": 12, "emp.owen": 50}.items()):
        kind = ResponderKind.EMPLOYEE if rid.startswith("emp") else ResponderKind.ADVOCATE
        responders.upsert(a_responder(rid, kind))
        ledger.append(entry_for(rid, PointsReason.REPLY_POSTED, f"x#{n}", march, points=points))
    boto3.client("ses", region_name=CORE_REGION).verify_email_identity(EmailAddress=SENDER)
    for name, value in {
        "LEDGER_TABLE": LEDGER_TABLE,
        "RESPONDERS_TABLE": RESPONDERS_TABLE,
        "IDEMPOTENCY_TABLE": IDEMPOTENCY_TABLE,
        "USER_POOL_ID": _admin_pool(),
        "SENDER_EMAIL": SENDER,
        "BRAND_NAME": "Brightwave",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SES_CONFIGURATION_SET", raising=False)
    from functions.recognition import app as recognition_app

    recognition_app.recognition.cache_clear()
    first_of_april = datetime(2026, 4, 1, 8, 0, tzinfo=UTC)
    monkeypatch.setattr(recognition_app, "utc_now", lambda: first_of_april)
    try:
        first = recognition_app.lambda_handler({}, Context())
        again = recognition_app.lambda_handler({}, Context())
    finally:
        recognition_app.recognition.cache_clear()
    assert first == {"month": "2026-03", "advocates": 2, "emails": 3}
    assert again == {"month": "2026-03", "advocates": 2, "emails": 0}
    sent: list[Any] = ses_backends[MOTO_ACCOUNT][CORE_REGION].sent_messages
    assert [m.destinations["ToAddresses"] for m in sent] == [
        ["adv.ana@example.com"],
        ["adv.ben@example.com"],
        ["zoe@example.com"],
    ]
    assert sent[2].subject == "Brightwave: top advocates of March 2026"
    assert "#1 Adv.Ana &lt;adv.ana@example.com&gt;: 30 points, 1 replies" in sent[2].body
