"""The weekly digest's adapters: admins from the Cognito `admin` group, the week's claim in the
AggregatesTable, and the email through SES."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from crowdcare.adapters.dynamodb.conditional import is_conditional_failure
from crowdcare.adapters.ses import SesEmailSender

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from crowdcare.domain.messages import Message

ADMIN_GROUP = "admin"


class CognitoAdmins:
    """AdminDirectory: the email of every member of the user pool's `admin` group."""

    def __init__(self, client: Any, user_pool_id: str) -> None:
        self._client = client  # a cognito-idp client
        self._pool = user_pool_id

    def admin_emails(self) -> list[str]:
        emails = []
        paginator = self._client.get_paginator("list_users_in_group")
        for page in paginator.paginate(UserPoolId=self._pool, GroupName=ADMIN_GROUP):
            for user in page.get("Users", []):
                attributes = {a["Name"]: a["Value"] for a in user.get("Attributes", [])}
                if attributes.get("email") and user.get("Enabled", True):
                    emails.append(attributes["email"])
        return emails


class DigestWeeks:
    """DigestLog: one `digest#<week start>` item per week sent (a conditional put)."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def claim(self, week_start: date) -> bool:
        try:
            self._client.put_item(
                TableName=self._table,
                Item={"dimension": {"S": "digest"}, "bucket": {"S": week_start.isoformat()}},
                ConditionExpression="attribute_not_exists(#d)",
                ExpressionAttributeNames={"#d": "dimension"},
            )
        except ClientError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True


class SesDigestMailer:
    """DigestMailer through the same SES sender the notifier uses."""

    def __init__(self, sender: SesEmailSender) -> None:
        self._sender = sender

    def send(self, to: str, message: Message) -> str:
        return self._sender.send(to, message, tags={"kind": "digest"})
