"""The one place boto3 clients are made.

Every client shares standard retries and timeouts; `AWS_ENDPOINT_URL` (read through
`AwsSettings`) points all of them at the local emulator in the local run and the tests, so no
adapter needs to know where AWS is.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from botocore.config import Config

from crowdcare.config.settings import AwsSettings

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_ses import SESClient
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_ssm import SSMClient
    from mypy_boto3_stepfunctions import SFNClient

CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 5},
    connect_timeout=3,
    read_timeout=10,
)


class AwsClients:
    """Lazily created, cached boto3 clients for one region and endpoint."""

    def __init__(self, settings: AwsSettings, session: boto3.Session | None = None) -> None:
        self._settings = settings
        self._session = session or boto3.Session(region_name=settings.aws_region)
        self._clients: dict[str, Any] = {}

    @property
    def session(self) -> boto3.Session:
        return self._session

    def client(self, service: str) -> Any:
        """A client for `service`, created on first use and reused after."""
        if service not in self._clients:
            self._clients[service] = self._session.client(
                service,  # type: ignore[call-overload]
                region_name=self._settings.aws_region,
                endpoint_url=self._settings.aws_endpoint_url,
                config=CLIENT_CONFIG,
            )
        return self._clients[service]

    @property
    def dynamodb(self) -> DynamoDBClient:
        return self.client("dynamodb")  # type: ignore[no-any-return]

    @property
    def stepfunctions(self) -> SFNClient:
        return self.client("stepfunctions")  # type: ignore[no-any-return]

    @property
    def sns(self) -> SNSClient:
        return self.client("sns")  # type: ignore[no-any-return]

    @property
    def ses(self) -> SESClient:
        return self.client("ses")  # type: ignore[no-any-return]

    @property
    def secretsmanager(self) -> SecretsManagerClient:
        return self.client("secretsmanager")  # type: ignore[no-any-return]

    @property
    def ssm(self) -> SSMClient:
        return self.client("ssm")  # type: ignore[no-any-return]


@cache
def default_clients() -> AwsClients:
    """Clients for handlers: built on first use in a cold start, shared by warm invocations."""
    import os  # noqa: PLC0415 - read the environment only when a handler first asks

    from crowdcare.config.settings import load_settings  # noqa: PLC0415

    return AwsClients(load_settings(AwsSettings, os.environ))
