"""Provisioning: every resource of template.yaml created in the emulator, in dependency order.

An unknown resource type is an error, so the template and the local stack cannot drift. The
functions are registered (code, handler, environment) with their event sources; their
environments are merged into this process's, since every function runs here.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from typing import Any

from crowdcare_local.least_privilege import Statement, statements
from crowdcare_local.stack.pump import EventSource
from crowdcare_local.template import (
    ACCOUNT_ID,
    REGION,
    REPO_ROOT,
    FunctionSpec,
    IntrinsicResolver,
    PhysicalResource,
    TemplateError,
    function_properties,
    template_resource,
)

# Secrets an operator adds after deploying (see template.yaml); the local stack makes its own.
LOCAL_ONLY_SECRETS = ("x_consumer_secret", "meta_app_secret", "meta_verify_token")

# Resource types with nothing to emulate locally (dashboards, the edge, account settings):
# accepted so that the template stays whole, and given an ARN for references to them.
LOCAL_NO_OPS = (
    "AWS::CloudWatch::Dashboard",
    "AWS::WAFv2::WebACL",
    "AWS::WAFv2::WebACLAssociation",
    "AWS::IAM::Role",
    "AWS::ApiGateway::Account",
    "AWS::CloudFormation::WaitConditionHandle",
)


def create_table(dynamodb: Any, name: str, props: dict[str, Any]) -> dict[str, Any]:
    """Create a DynamoDB table from its AWS::DynamoDB::Table properties; returns its description.

    The local stack and the tests both call this, so their tables are the template's.
    """
    args: dict[str, Any] = {
        "TableName": name,
        "KeySchema": props["KeySchema"],
        "AttributeDefinitions": props["AttributeDefinitions"],
        "BillingMode": props.get("BillingMode", "PAY_PER_REQUEST"),
    }
    if "GlobalSecondaryIndexes" in props:
        args["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    if "StreamSpecification" in props:
        args["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    table: dict[str, Any] = dynamodb.create_table(**args)["TableDescription"]
    if "TimeToLiveSpecification" in props:
        dynamodb.update_time_to_live(
            TableName=name, TimeToLiveSpecification=props["TimeToLiveSpecification"]
        )
    return table


def create_template_table(dynamodb: Any, logical_id: str, name: str) -> dict[str, Any]:
    """Create the table `logical_id` of template.yaml under `name` (table properties hold no
    intrinsic functions)."""
    props = template_resource(logical_id)["Properties"]
    return create_table(dynamodb, name, props)



class Provisioner:
    """Creates the template's resources through `client` (a boto3 client factory pointed at
    the emulator) and records what it made: physical resources, functions, event sources."""

    def __init__(
        self,
        template: dict[str, Any],
        parameters: dict[str, str],
        stack_name: str,
        client: Callable[[str], Any],
    ) -> None:
        self._template = template
        self._parameters = parameters
        self.stack_name = stack_name
        self._client = client
        self.resources: dict[str, PhysicalResource] = {}
        self.functions: dict[str, FunctionSpec] = {}
        self.sources: list[EventSource] = []
        self.policies: dict[str, list[Statement]] = {}

    def provision(self) -> None:
        """Create every resource, then register the functions and their event sources."""
        resources = self._template["Resources"]
        resolver = IntrinsicResolver(
            self._template, self._parameters, self.stack_name, self.resources
        )
        # Functions first: their names and ARNs are known up front, and the state machine
        # refers to them while the starter's environment refers to the state machine.
        for logical_id, spec in resources.items():
            if spec["Type"] == "AWS::Serverless::Function":
                name = f"{self.stack_name}-{logical_id}"
                arn = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"
                self.resources[logical_id] = PhysicalResource(name, {"Arn": arn})
        pending = [
            lid for lid, spec in resources.items() if spec["Type"] != "AWS::Serverless::Function"
        ]
        while pending:
            deferred: list[str] = []
            for logical_id in pending:
                spec = resources[logical_id]
                if "Condition" in spec and not resolver.condition(spec["Condition"]):
                    continue
                try:
                    properties = resolver.resolve(spec.get("Properties", {}))
                except TemplateError:
                    deferred.append(logical_id)
                    continue
                self.resources[logical_id] = self._create(logical_id, spec["Type"], properties)
            if deferred == pending:
                raise TemplateError(f"cannot resolve references of {', '.join(deferred)}")
            pending = deferred
        for logical_id, spec in resources.items():
            if spec["Type"] == "AWS::Serverless::Function":
                self._register_function(logical_id, resolver)
                policies = resolver.resolve(spec["Properties"].get("Policies", []))
                self.policies[logical_id] = statements(policies)
        self._apply_function_environment()

    def _name(self, logical_id: str) -> str:
        return f"{self.stack_name}-{logical_id}"

    def _create(self, logical_id: str, kind: str, props: dict[str, Any]) -> PhysicalResource:
        creator = {
            "AWS::DynamoDB::Table": self._create_table,
            "AWS::SQS::Queue": self._create_queue,
            "AWS::SQS::QueuePolicy": self._create_queue_policy,
            "AWS::SNS::Topic": self._create_topic,
            "AWS::SNS::Subscription": self._create_subscription,
            "AWS::SecretsManager::Secret": self._create_secret,
            "AWS::SSM::Parameter": self._create_parameter,
            "AWS::SES::EmailIdentity": self._create_email_identity,
            "AWS::SES::ConfigurationSet": self._create_configuration_set,
            "AWS::SES::ConfigurationSetEventDestination": self._create_event_destination,
            "AWS::SNS::TopicPolicy": self._create_topic_policy,
            "AWS::Logs::LogGroup": self._create_log_group,
            "AWS::CloudWatch::Alarm": self._create_alarm,
            "AWS::Serverless::StateMachine": self._create_state_machine,
            "AWS::Serverless::LayerVersion": self._create_layer,
            "AWS::Serverless::Api": self._create_api,
            **self._cognito_creators(),
            **dict.fromkeys(LOCAL_NO_OPS, self._accept),
        }.get(kind)
        if creator is None:
            raise TemplateError(f"{logical_id}: the local stack cannot provision {kind}")
        return creator(logical_id, props)

    def _create_table(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        name = self._name(logical_id)
        table = create_table(self._client("dynamodb"), name, props)
        attributes = {"Arn": table["TableArn"]}
        if "LatestStreamArn" in table:
            attributes["StreamArn"] = table["LatestStreamArn"]
        return PhysicalResource(name, attributes)

    def _create_queue(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        name = self._name(logical_id)
        attributes: dict[str, str] = {}
        for key in ("VisibilityTimeout", "MessageRetentionPeriod"):
            if key in props:
                attributes[key] = str(props[key])
        if "RedrivePolicy" in props:
            attributes["RedrivePolicy"] = json.dumps(props["RedrivePolicy"])
        sqs = self._client("sqs")
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        return PhysicalResource(url, {"Arn": arn, "QueueName": name})

    def _create_queue_policy(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        sqs = self._client("sqs")
        for url in props["Queues"]:
            sqs.set_queue_attributes(
                QueueUrl=url, Attributes={"Policy": json.dumps(props["PolicyDocument"])}
            )
        return PhysicalResource(self._name(logical_id))

    def _create_topic(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        name = self._name(logical_id)
        arn = self._client("sns").create_topic(Name=name)["TopicArn"]
        return PhysicalResource(arn, {"TopicName": name})

    def _create_subscription(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        attributes = {}
        if props.get("RawMessageDelivery"):
            attributes["RawMessageDelivery"] = "true"
        arn = self._client("sns").subscribe(
            TopicArn=props["TopicArn"],
            Protocol=props["Protocol"],
            Endpoint=props["Endpoint"],
            Attributes=attributes,
            ReturnSubscriptionArn=True,
        )["SubscriptionArn"]
        return PhysicalResource(arn)

    def _create_secret(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        generate = props.get("GenerateSecretString", {})
        value = json.loads(props.get("SecretString") or generate.get("SecretStringTemplate", "{}"))
        # Placeholders the operator fills after deploying get a local value, so that clients
        # pointed at the fake platforms have something to send.
        value = {k: v or f"local-{k}" for k, v in value.items()}
        if "GenerateStringKey" in generate:
            value[generate["GenerateStringKey"]] = secrets.token_urlsafe(36)
        for key in LOCAL_ONLY_SECRETS:
            value.setdefault(key, secrets.token_urlsafe(36))
        arn = self._client("secretsmanager").create_secret(
            Name=self._name(logical_id), SecretString=json.dumps(value)
        )["ARN"]
        return PhysicalResource(arn)

    def _create_parameter(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        name = f"/{self.stack_name}/{logical_id}"
        self._client("ssm").put_parameter(
            Name=name, Type=props.get("Type", "String"), Value=props["Value"]
        )
        return PhysicalResource(name)

    def _create_email_identity(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        self._client("ses").verify_email_identity(EmailAddress=props["EmailIdentity"])
        return PhysicalResource(props["EmailIdentity"])

    def _create_configuration_set(
        self, logical_id: str, props: dict[str, Any]
    ) -> PhysicalResource:
        name = props.get("Name") or self._name(logical_id)
        self._client("ses").create_configuration_set(ConfigurationSet={"Name": name})
        return PhysicalResource(name)

    def _create_event_destination(
        self, logical_id: str, props: dict[str, Any]
    ) -> PhysicalResource:
        # moto records the destination; it does not publish bounces (nothing bounces locally).
        destination = props["EventDestination"]
        self._client("ses").create_configuration_set_event_destination(
            ConfigurationSetName=props["ConfigurationSetName"],
            EventDestination={
                "Name": destination["Name"],
                "Enabled": destination.get("Enabled", False),
                "MatchingEventTypes": destination["MatchingEventTypes"],
                "SNSDestination": {"TopicARN": destination["SnsDestination"]["TopicARN"]},
            },
        )
        return PhysicalResource(destination["Name"])

    def _create_topic_policy(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        sns = self._client("sns")
        for arn in props["Topics"]:
            sns.set_topic_attributes(
                TopicArn=arn,
                AttributeName="Policy",
                AttributeValue=json.dumps(props["PolicyDocument"]),
            )
        return PhysicalResource(self._name(logical_id))

    def _create_log_group(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        name = f"/{self.stack_name}/{logical_id}"
        self._client("logs").create_log_group(logGroupName=name)
        return PhysicalResource(
            name, {"Arn": f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{name}:*"}
        )

    def _create_alarm(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        name = self._name(logical_id)
        args = {k: v for k, v in props.items() if k != "TreatMissingData"}
        self._client("cloudwatch").put_metric_alarm(
            AlarmName=name,
            TreatMissingData=props.get("TreatMissingData", "missing"),
            **{k: (float(v) if k == "Threshold" else v) for k, v in args.items()},
        )
        return PhysicalResource(
            name, {"Arn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT_ID}:alarm:{name}"}
        )

    def _accept(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        name = self._name(logical_id)
        return PhysicalResource(name, {"Arn": f"arn:aws:local:{REGION}:{ACCOUNT_ID}:{name}"})

    def _create_state_machine(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        definition = (REPO_ROOT / props["DefinitionUri"]).read_text(encoding="utf-8")
        for key, value in props.get("DefinitionSubstitutions", {}).items():
            definition = definition.replace("${" + key + "}", str(value))
        if "${" in definition:
            raise TemplateError(f"{logical_id}: unresolved substitution left in the definition")
        name = self._name(logical_id)
        arn = self._client("stepfunctions").create_state_machine(
            name=name,
            definition=definition,
            type=props.get("Type", "STANDARD"),
            roleArn=f"arn:aws:iam::{ACCOUNT_ID}:role/{name}-role",
        )["stateMachineArn"]
        return PhysicalResource(arn, {"Name": name, "Arn": arn})

    def _create_layer(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        # The layer is the crowdcare package itself, already importable in this process.
        return PhysicalResource(
            f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:layer:{self._name(logical_id)}:1"
        )

    def _create_api(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        return PhysicalResource(f"{self.stack_name}-local-api")

    # ------------------------------------------------------------------ Cognito (dashboard)
    # The responder dashboard's user pool, app client and groups. moto issues real RS256
    # tokens and serves the pool's JWKS, so the API verifies them exactly as in the cloud.
    def _cognito_creators(self) -> dict[str, Callable[[str, dict[str, Any]], PhysicalResource]]:
        return {
            "AWS::Cognito::UserPool": self._create_user_pool,
            "AWS::Cognito::UserPoolClient": self._create_user_pool_client,
            "AWS::Cognito::UserPoolGroup": self._create_user_pool_group,
        }

    def _create_user_pool(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        args: dict[str, Any] = {"PoolName": props.get("UserPoolName", self._name(logical_id))}
        for key in ("Policies", "AutoVerifiedAttributes", "AdminCreateUserConfig"):
            if key in props:
                args[key] = props[key]
        pool = self._client("cognito-idp").create_user_pool(**args)["UserPool"]
        return PhysicalResource(pool["Id"], {"Arn": pool["Arn"], "ProviderName": pool["Id"]})

    def _create_user_pool_client(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        client = self._client("cognito-idp").create_user_pool_client(
            UserPoolId=props["UserPoolId"],
            ClientName=props.get("ClientName", self._name(logical_id)),
            GenerateSecret=bool(props.get("GenerateSecret", False)),
            ExplicitAuthFlows=props.get("ExplicitAuthFlows", []),
        )["UserPoolClient"]
        return PhysicalResource(client["ClientId"])

    def _create_user_pool_group(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        self._client("cognito-idp").create_group(
            UserPoolId=props["UserPoolId"],
            GroupName=props["GroupName"],
            Description=props.get("Description", ""),
        )
        return PhysicalResource(props["GroupName"])

    def _register_function(self, logical_id: str, resolver: IntrinsicResolver) -> None:
        props = resolver.resolve(function_properties(self._template, logical_id))
        spec = FunctionSpec(
            logical_id=logical_id,
            code_uri=REPO_ROOT / props["CodeUri"],
            handler=props["Handler"],
            environment={
                k: str(v) for k, v in props.get("Environment", {}).get("Variables", {}).items()
            },
            events=props.get("Events", {}),
        )
        self.functions[logical_id] = spec
        for event in spec.events.values():
            self._register_event_source(logical_id, event)

    def _register_event_source(self, logical_id: str, event: dict[str, Any]) -> None:
        props = event.get("Properties", {})
        if event["Type"] == "DynamoDB":
            filters = [
                json.loads(f["Pattern"]) for f in props.get("FilterCriteria", {}).get("Filters", [])
            ]
            failure = props.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
            self.sources.append(
                EventSource(
                    logical_id,
                    "DynamoDB",
                    props["Stream"],
                    int(props.get("BatchSize", 100)),
                    filters=filters,
                    max_retries=int(props.get("MaximumRetryAttempts", 3)),
                    on_failure_queue_arn=failure,
                )
            )
        elif event["Type"] == "SQS":
            queue_arn = props["Queue"]
            url = next(
                r.ref for r in self.resources.values() if r.attributes.get("Arn") == queue_arn
            )
            self.sources.append(
                EventSource(
                    logical_id, "SQS", queue_arn, int(props.get("BatchSize", 10)), queue_url=url
                )
            )
        # Api events are served by crowdcare_local.server; other kinds are not used yet.

    def _apply_function_environment(self) -> None:
        """All functions share this process, so their variables must agree where they overlap."""
        merged: dict[str, str] = {}
        for spec in self.functions.values():
            for key, value in spec.environment.items():
                if key == "POWERTOOLS_SERVICE_NAME":
                    continue
                if merged.get(key, value) != value:
                    raise TemplateError(
                        f"functions disagree on {key}; the local run needs one value"
                    )
                merged[key] = value
        merged.update(
            POWERTOOLS_LOG_LEVEL=os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
            POWERTOOLS_METRICS_DISABLED="true",
            POWERTOOLS_TRACE_DISABLED="true",
            POWERTOOLS_DEV="false",
        )
        os.environ.update(merged)
