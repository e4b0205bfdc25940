"""Which CrowdCare the operator commands act on: a deployed stack, or the local emulator.

A deployed stack is found by name (`--stack`) or through samconfig.toml (`--config-env`); its
resources come from CloudFormation (logical id -> physical id), with the standard AWS
credentials chain (`--profile`, environment, instance role). The local stack (`--local`) is the
moto emulator of `crowdcare demo` or of the tests (`--endpoint-url`, else AWS_ENDPOINT_URL);
its resource names follow the local stack's naming, read against template.yaml.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from crowdcare.config.clients import AwsClients
from crowdcare.config.settings import AwsSettings

from crowdcare_local.template import (
    ACCOUNT_ID,
    REGION,
    REPO_ROOT,
    IntrinsicResolver,
    load_template,
    parameter_values,
)

LOCAL_STACK_NAME = "crowdcare"


class TargetError(RuntimeError):
    """The stack cannot be found or reached (wrong name, no credentials, emulator down)."""


class Target(Protocol):
    """A CrowdCare stack: its name, its clients and its resources by logical id."""

    name: str
    clients: AwsClients

    def physical(self, logical_id: str) -> str:
        """What CloudFormation calls the resource's physical id (table name, queue URL, ...)."""
        ...

    def alarm_names(self) -> list[str]:
        """The names of the stack's CloudWatch alarms."""
        ...


@dataclass
class DeployedStack:
    """A stack deployed with `sam deploy`, read through CloudFormation."""

    name: str
    clients: AwsClients
    _resources: dict[str, tuple[str, str]] = field(default_factory=dict)

    def _load(self) -> dict[str, tuple[str, str]]:
        if not self._resources:
            cloudformation = self.clients.client("cloudformation")
            try:
                for page in cloudformation.get_paginator("list_stack_resources").paginate(
                    StackName=self.name
                ):
                    for summary in page["StackResourceSummaries"]:
                        self._resources[summary["LogicalResourceId"]] = (
                            summary["ResourceType"],
                            summary.get("PhysicalResourceId", ""),
                        )
            except (ClientError, BotoCoreError) as error:
                raise TargetError(f"cannot read stack {self.name}: {error}") from error
        return self._resources

    def physical(self, logical_id: str) -> str:
        resources = self._load()
        if logical_id not in resources or not resources[logical_id][1]:
            raise TargetError(f"stack {self.name} has no resource {logical_id}")
        return resources[logical_id][1]

    def alarm_names(self) -> list[str]:
        return sorted(
            physical
            for kind, physical in self._load().values()
            if kind == "AWS::CloudWatch::Alarm" and physical
        )


@dataclass
class LocalTarget:
    """The local stack on moto: names are `<stack>-<LogicalId>`, as LocalStack creates them."""

    name: str
    clients: AwsClients
    template: dict[str, Any] = field(default_factory=load_template)

    def _type(self, logical_id: str) -> str:
        spec = self.template["Resources"].get(logical_id)
        if spec is None:
            raise TargetError(f"template.yaml has no resource {logical_id}")
        return str(spec["Type"])

    def physical(self, logical_id: str) -> str:
        kind = self._type(logical_id)
        name = f"{self.name}-{logical_id}"
        if kind == "AWS::SQS::Queue":
            try:
                url: str = self.clients.client("sqs").get_queue_url(QueueName=name)["QueueUrl"]
            except (ClientError, BotoCoreError) as error:
                raise TargetError(f"no local queue {name}: {error}") from error
            return url
        if kind == "AWS::Serverless::StateMachine":
            return f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:{name}"
        if kind == "AWS::Cognito::UserPool":
            return self._user_pool_id(logical_id)
        return name

    def _user_pool_id(self, logical_id: str) -> str:
        resolver = IntrinsicResolver(
            self.template, parameter_values(self.template, {}), self.name, {}
        )
        props = self.template["Resources"][logical_id]["Properties"]
        pool_name = resolver.resolve(props.get("UserPoolName", f"{self.name}-{logical_id}"))
        pools = self.clients.client("cognito-idp").list_user_pools(MaxResults=60)["UserPools"]
        for pool in pools:
            if pool["Name"] == pool_name:
                return str(pool["Id"])
        raise TargetError(f"no local user pool {pool_name}")

    def alarm_names(self) -> list[str]:
        return sorted(
            f"{self.name}-{lid}"
            for lid, spec in self.template["Resources"].items()
            if spec["Type"] == "AWS::CloudWatch::Alarm"
        )


def samconfig_stack(config_file: Path, environment: str) -> tuple[str, str | None]:
    """(stack name, region) of an environment of samconfig.toml (deploy, else global)."""
    if not config_file.is_file():
        raise TargetError(f"{config_file} not found")
    config = tomllib.loads(config_file.read_text(encoding="utf-8"))
    if environment not in config:
        known = ", ".join(k for k in config if k != "version")
        raise TargetError(f"{config_file} has no environment {environment!r} (known: {known})")
    sections = config[environment]
    values: dict[str, Any] = {
        **sections.get("global", {}).get("parameters", {}),
        **sections.get("deploy", {}).get("parameters", {}),
    }
    if "stack_name" not in values:
        raise TargetError(f"environment {environment!r} of {config_file} names no stack_name")
    return str(values["stack_name"]), values.get("region")


def default_config_file() -> Path:
    """samconfig.toml of the current directory, else the project's."""
    here = Path("samconfig.toml")
    return here if here.is_file() else REPO_ROOT / "samconfig.toml"


def resolve_target(
    *,
    stack: str | None,
    config_env: str | None,
    config_file: Path | None,
    local: bool,
    endpoint_url: str | None,
    region: str | None,
    profile: str | None,
) -> Target:
    """The target the command-line options name; TargetError when they name none or two."""
    chosen = [bool(config_env), local]
    if sum(chosen) > 1:
        raise TargetError("choose one of --config-env and --local")
    if local:
        endpoint = endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
        if not endpoint:
            raise TargetError(
                "--local needs the emulator's address: --endpoint-url or AWS_ENDPOINT_URL"
            )
        settings = AwsSettings(aws_region=REGION, aws_endpoint_url=endpoint)
        # In the stack's own process (tests), its default session answers lambda.Invoke with
        # the project's handlers; from another process, any credentials do for moto.
        session = boto3.DEFAULT_SESSION or boto3.Session(
            aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "local"),
            aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "local"),
            region_name=REGION,
        )
        return LocalTarget(stack or LOCAL_STACK_NAME, AwsClients(settings, session))
    name, config_region = stack, None
    if config_env:
        name, config_region = samconfig_stack(config_file or default_config_file(), config_env)
        name = stack or name
    if not name:
        raise TargetError("say which stack: --stack NAME, --config-env ENV or --local")
    session = boto3.Session(profile_name=profile, region_name=region or config_region)
    if session.region_name is None:
        raise TargetError("no region: pass --region or set AWS_REGION")
    settings = AwsSettings(aws_region=session.region_name, aws_endpoint_url=endpoint_url)
    return DeployedStack(name, AwsClients(settings, session))
