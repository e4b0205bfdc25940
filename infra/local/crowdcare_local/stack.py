"""The whole CrowdCare stack on one machine: moto in server mode, provisioned from template.yaml.

`LocalStack.start()` boots the emulator on 127.0.0.1, creates every resource the template
declares (an unknown resource type is an error, so the two cannot drift), points boto3 at the
emulator, installs the in-process Lambda runtime and starts the event-source pump.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from crowdcare_local.runtime import LocalLambdaRuntime, matches_filter, stream_record_event
from crowdcare_local.template import (
    ACCOUNT_ID,
    REGION,
    REPO_ROOT,
    TEMPLATE_PATH,
    FunctionSpec,
    IntrinsicResolver,
    PhysicalResource,
    TemplateError,
    function_properties,
    load_template,
    parameter_values,
)

logger = logging.getLogger(__name__)

# Secrets an operator adds after deploying (see template.yaml); the local stack makes its own.
LOCAL_ONLY_SECRETS = ("x_consumer_secret", "meta_app_secret", "meta_verify_token")

PUMP_INTERVAL_SECONDS = 0.02

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


@dataclass
class EventSource:
    """One event source mapping of the template: a stream or a queue feeding a function."""

    function: str
    kind: str  # "DynamoDB" or "SQS"
    source_arn: str
    batch_size: int
    filters: list[dict[str, Any]] = field(default_factory=list)
    max_retries: int = 3
    on_failure_queue_arn: str | None = None
    queue_url: str | None = None
    shard_iterators: dict[str, str] = field(default_factory=dict)


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
    props = load_template()["Resources"][logical_id]["Properties"]
    return create_table(dynamodb, name, props)


class LocalStack:
    """Emulated AWS + the project's own functions, wired as template.yaml says."""

    def __init__(
        self,
        *,
        parameters: dict[str, str] | None = None,
        stack_name: str = "crowdcare",
        port: int = 0,
        template_path: Path = TEMPLATE_PATH,
    ) -> None:
        self.stack_name = stack_name
        self._port = port
        self._template = load_template(template_path)
        self._parameters = parameter_values(self._template, parameters or {})
        self.resources: dict[str, PhysicalResource] = {}
        self.functions: dict[str, FunctionSpec] = {}
        self.sources: list[EventSource] = []
        self._server: Any = None
        self._pump: threading.Thread | None = None
        self._stop = threading.Event()
        self._busy = threading.Lock()
        self.runtime: LocalLambdaRuntime | None = None
        self.endpoint_url = ""

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> LocalStack:
        """Boot the emulator, provision the template, start pumping events."""
        self._start_emulator()
        self._provision()
        self.runtime = LocalLambdaRuntime(
            self.functions, {lid: self.resources[lid].ref for lid in self.functions}
        )
        self.runtime.install_invoke_hook()
        self._pump = threading.Thread(target=self._pump_forever, name="event-sources", daemon=True)
        self._pump.start()
        return self

    def stop(self) -> None:
        """Stop pumping and shut the emulator down."""
        self._stop.set()
        if self._pump is not None:
            self._pump.join(timeout=5)
        if self._server is not None:
            self._server.stop()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def _start_emulator(self) -> None:
        from moto.core.config import default_user_config  # noqa: PLC0415 - moto is local-only
        from moto.server import ThreadedMotoServer  # noqa: PLC0415

        for noisy in ("werkzeug", "moto"):
            logging.getLogger(noisy).setLevel(logging.ERROR)
        default_user_config["stepfunctions"]["execute_state_machine"] = True
        _let_executions_overlap()
        _fix_callback_gaps()
        _make_dynamodb_writes_atomic()
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self._port, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint_url = f"http://{host}:{port}"
        os.environ.update(
            {
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
                "AWS_DEFAULT_REGION": REGION,
                "AWS_REGION": REGION,
                "AWS_ENDPOINT_URL": self.endpoint_url,
                "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
                "MOTO_PORT": str(port),
                "MOTO_ACCOUNT_ID": ACCOUNT_ID,
            }
        )
        boto3.setup_default_session(region_name=REGION)

    def client(self, service: str) -> Any:
        """A boto3 client pointed at the emulator."""
        return boto3.client(service, region_name=REGION, endpoint_url=self.endpoint_url)  # type: ignore[call-overload]

    # ------------------------------------------------------------------ provisioning
    def _provision(self) -> None:
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
        table = create_table(self.client("dynamodb"), name, props)
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
        sqs = self.client("sqs")
        url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
            "QueueArn"
        ]
        return PhysicalResource(url, {"Arn": arn, "QueueName": name})

    def _create_queue_policy(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        sqs = self.client("sqs")
        for url in props["Queues"]:
            sqs.set_queue_attributes(
                QueueUrl=url, Attributes={"Policy": json.dumps(props["PolicyDocument"])}
            )
        return PhysicalResource(self._name(logical_id))

    def _create_topic(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        name = self._name(logical_id)
        arn = self.client("sns").create_topic(Name=name)["TopicArn"]
        return PhysicalResource(arn, {"TopicName": name})

    def _create_subscription(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        attributes = {}
        if props.get("RawMessageDelivery"):
            attributes["RawMessageDelivery"] = "true"
        arn = self.client("sns").subscribe(
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
        arn = self.client("secretsmanager").create_secret(
            Name=self._name(logical_id), SecretString=json.dumps(value)
        )["ARN"]
        return PhysicalResource(arn)

    def _create_parameter(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        name = f"/{self.stack_name}/{logical_id}"
        self.client("ssm").put_parameter(
            Name=name, Type=props.get("Type", "String"), Value=props["Value"]
        )
        return PhysicalResource(name)

    def _create_email_identity(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        self.client("ses").verify_email_identity(EmailAddress=props["EmailIdentity"])
        return PhysicalResource(props["EmailIdentity"])

    def _create_configuration_set(
        self, logical_id: str, props: dict[str, Any]
    ) -> PhysicalResource:
        name = props.get("Name") or self._name(logical_id)
        self.client("ses").create_configuration_set(ConfigurationSet={"Name": name})
        return PhysicalResource(name)

    def _create_event_destination(
        self, logical_id: str, props: dict[str, Any]
    ) -> PhysicalResource:
        # moto records the destination; it does not publish bounces (nothing bounces locally).
        destination = props["EventDestination"]
        self.client("ses").create_configuration_set_event_destination(
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
        sns = self.client("sns")
        for arn in props["Topics"]:
            sns.set_topic_attributes(
                TopicArn=arn,
                AttributeName="Policy",
                AttributeValue=json.dumps(props["PolicyDocument"]),
            )
        return PhysicalResource(self._name(logical_id))

    def _create_log_group(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        name = f"/{self.stack_name}/{logical_id}"
        self.client("logs").create_log_group(logGroupName=name)
        return PhysicalResource(
            name, {"Arn": f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:{name}:*"}
        )

    def _create_alarm(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        name = self._name(logical_id)
        args = {k: v for k, v in props.items() if k != "TreatMissingData"}
        self.client("cloudwatch").put_metric_alarm(
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
        arn = self.client("stepfunctions").create_state_machine(
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
        pool = self.client("cognito-idp").create_user_pool(**args)["UserPool"]
        return PhysicalResource(pool["Id"], {"Arn": pool["Arn"], "ProviderName": pool["Id"]})

    def _create_user_pool_client(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        client = self.client("cognito-idp").create_user_pool_client(
            UserPoolId=props["UserPoolId"],
            ClientName=props.get("ClientName", self._name(logical_id)),
            GenerateSecret=bool(props.get("GenerateSecret", False)),
            ExplicitAuthFlows=props.get("ExplicitAuthFlows", []),
        )["UserPoolClient"]
        return PhysicalResource(client["ClientId"])

    def _create_user_pool_group(self, logical_id: str, props: dict[str, Any]) -> PhysicalResource:
        self.client("cognito-idp").create_group(
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

    # ------------------------------------------------------------------ scheduled functions
    # A function's Schedule / ScheduleV2 events are EventBridge rules in the cloud; locally
    # they are metadata, and a scheduled function runs when asked to.
    def run_scheduled(self, logical_id: str) -> Any:
        """Invoke a function that has a Schedule event once, with EventBridge's event shape."""
        assert self.runtime is not None, "start() the stack first"
        events = self.functions[logical_id].events
        if not any(e.get("Type") in {"Schedule", "ScheduleV2"} for e in events.values()):
            raise TemplateError(f"{logical_id} has no Schedule event")
        event = {
            "version": "0",
            "id": secrets.token_hex(16),
            "detail-type": "Scheduled Event",
            "source": "aws.events",
            "account": ACCOUNT_ID,
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "region": REGION,
            "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{self._name(logical_id)}"],
            "detail": {},
        }
        return self.runtime.invoke(logical_id, event)

    # ------------------------------------------------------------------ lookups
    def ref(self, logical_id: str) -> str:
        """What Ref returns for a resource (table name, queue URL, topic ARN, ...)."""
        return self.resources[logical_id].ref

    def set_rules(self, document: str) -> None:
        """Store a rules document (JSON) in RoutingRulesParameter and make every function
        read it now rather than after its cache expires (a deploy would start cold)."""
        self.client("ssm").put_parameter(
            Name=self.ref("RoutingRulesParameter"), Value=document, Type="String", Overwrite=True
        )
        if self.runtime is not None:
            self.runtime.forget_built_dependencies()

    def secret_values(self, logical_id: str = "WebhookSecrets") -> dict[str, str]:
        """The secrets the local senders sign with (read back from the emulator)."""
        value = self.client("secretsmanager").get_secret_value(SecretId=self.ref(logical_id))
        secret: dict[str, str] = json.loads(value["SecretString"])
        return secret

    # ------------------------------------------------------------------ event sources
    def _pump_forever(self) -> None:
        while not self._stop.is_set():
            try:
                moved = self.pump_once()
            except Exception:
                logger.exception("event source pump failed; retrying")
                moved = 0
            if not moved:
                self._stop.wait(PUMP_INTERVAL_SECONDS)

    def pump_once(self) -> int:
        """Deliver one round of stream records and queue messages; returns how many moved."""
        moved = 0
        with self._busy:
            for source in self.sources:
                if source.kind == "DynamoDB":
                    moved += self._pump_stream(source)
                else:
                    moved += self._pump_queue(source)
        return moved

    def _pump_stream(self, source: EventSource) -> int:
        streams = self.client("dynamodbstreams")
        if not source.shard_iterators:
            shards = streams.describe_stream(StreamArn=source.source_arn)["StreamDescription"][
                "Shards"
            ]
            for shard in shards:
                source.shard_iterators[shard["ShardId"]] = streams.get_shard_iterator(
                    StreamArn=source.source_arn,
                    ShardId=shard["ShardId"],
                    ShardIteratorType="TRIM_HORIZON",
                )["ShardIterator"]
        moved = 0
        for shard_id, iterator in list(source.shard_iterators.items()):
            response = streams.get_records(ShardIterator=iterator, Limit=source.batch_size)
            source.shard_iterators[shard_id] = response["NextShardIterator"]
            records = [stream_record_event(r, source.source_arn) for r in response["Records"]]
            records = [r for r in records if matches_filter(r, source.filters)]
            if records:
                moved += len(records)
                self._deliver_stream_batch(source, records)
        return moved

    def _deliver_stream_batch(self, source: EventSource, records: list[dict[str, Any]]) -> None:
        assert self.runtime is not None
        for _attempt in range(source.max_retries + 1):
            try:
                result = self.runtime.invoke(source.function, {"Records": records})
            except Exception:
                logger.exception("stream batch failed in %s", source.function)
                continue
            failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
            if not failed:
                return
            records = [r for r in records if r["dynamodb"]["SequenceNumber"] in failed]
        if source.on_failure_queue_arn:
            url = next(
                r.ref
                for r in self.resources.values()
                if r.attributes.get("Arn") == source.on_failure_queue_arn
            )
            self.client("sqs").send_message(
                QueueUrl=url,
                MessageBody=json.dumps(
                    {"function": source.function, "records": records}, default=str
                ),
            )

    def _pump_queue(self, source: EventSource) -> int:
        assert self.runtime is not None
        assert source.queue_url is not None
        sqs = self.client("sqs")
        messages = sqs.receive_message(
            QueueUrl=source.queue_url,
            MaxNumberOfMessages=min(source.batch_size, 10),
            AttributeNames=["All"],
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not messages:
            return 0
        event = {
            "Records": [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": m.get("Attributes", {}),
                    "messageAttributes": m.get("MessageAttributes", {}),
                    "md5OfBody": m["MD5OfBody"],
                    "eventSource": "aws:sqs",
                    "eventSourceARN": source.source_arn,
                    "awsRegion": REGION,
                }
                for m in messages
            ]
        }
        try:
            result = self.runtime.invoke(source.function, event)
            failed = {f["itemIdentifier"] for f in (result or {}).get("batchItemFailures", [])}
        except Exception:
            logger.exception("queue batch failed in %s", source.function)
            failed = {m["MessageId"] for m in messages}
        for message in messages:
            if message["MessageId"] in failed:
                # Locally a failed message is retried at once instead of after the visibility
                # timeout; the redrive policy still moves it to the DLQ after maxReceiveCount.
                sqs.change_message_visibility(
                    QueueUrl=source.queue_url,
                    ReceiptHandle=message["ReceiptHandle"],
                    VisibilityTimeout=0,
                )
            else:
                sqs.delete_message(
                    QueueUrl=source.queue_url, ReceiptHandle=message["ReceiptHandle"]
                )
        return len(messages)

    # ------------------------------------------------------------------ waiting
    def running_executions(self, *, count_waiting: bool = True) -> int:
        """How many workflow executions are still running.

        With `count_waiting=False`, an execution parked on a task token (an assignment waiting
        for its responder) does not count: nothing happens there until someone answers or the
        SLA passes.
        """
        sfn = self.client("stepfunctions")
        count = 0
        for machine in sfn.list_state_machines()["stateMachines"]:
            paginator = sfn.get_paginator("list_executions")
            for page in paginator.paginate(
                stateMachineArn=machine["stateMachineArn"], statusFilter="RUNNING"
            ):
                for execution in page["executions"]:
                    if count_waiting or not self._waiting_for_callback(execution["executionArn"]):
                        count += 1
        return count

    def _waiting_for_callback(self, execution_arn: str) -> bool:
        events = self.client("stepfunctions").get_execution_history(
            executionArn=execution_arn, maxResults=1000
        )["events"]
        return bool(events) and events[-1]["type"] == "TaskSubmitted"

    def settle(
        self, timeout: float = 120.0, on_progress: Any = None, *, until_done: bool = True
    ) -> bool:
        """Wait until no event is in flight and no execution runs; False on timeout.

        With `until_done=False`, executions waiting for a person (task token) may stay: the
        stack is settled once only a human (or an SLA timer) can move anything on.
        """
        deadline = time.monotonic() + timeout
        quiet_rounds = 0
        while time.monotonic() < deadline:
            moved = self.pump_once()
            running = self.running_executions(count_waiting=until_done)
            if on_progress is not None:
                on_progress(running)
            quiet_rounds = quiet_rounds + 1 if moved == 0 and running == 0 else 0
            if quiet_rounds >= 3:
                return True
            time.sleep(0.05)
        return False


def _let_executions_overlap() -> None:
    """Work around moto deep-copying a state machine, running executions included.

    moto 5.2 clones the state machine on every StartExecution; a running execution holds a
    lock, so a second start while one runs fails with a 500. Executions are shared, not
    cloned: the clone only needs the definition.
    """
    from moto.stepfunctions.parser.backend.execution import Execution  # noqa: PLC0415

    def share(self: Execution, memo: dict[int, Any]) -> Execution:
        return self

    Execution.__deepcopy__ = share  # type: ignore[attr-defined]


def _fix_callback_gaps() -> None:
    """Work around three gaps of moto 5.2's Step Functions interpreter (cloud behaviour kept):

    * `arn:aws:states:::states:startExecution` passes `StateMachineArn`/`Input`/`Name` to boto3
      unconverted (KeyError): they are lower-camel-cased as the service integration does.
    * An answer (SendTaskSuccess/Failure) that arrives before a task with HeartbeatSeconds
      has set up its heartbeat watch is lost and the task times out: the watch now starts
      already notified when an answer is waiting.
    * SendTaskFailure drops its `cause`: it is passed on, so a decline keeps its reason.
    """
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (  # noqa: PLC0415
        state_task_service_sfn as sfn_service,
    )
    from moto.stepfunctions.parser.asl.eval.callback.callback import (  # noqa: PLC0415
        CallbackEndpoint,
    )
    from moto.stepfunctions.responses import StepFunctionResponse  # noqa: PLC0415

    service = sfn_service.StateTaskServiceSfn
    if getattr(service, "_crowdcare_patched", False):
        return
    original_normalise = service._normalise_parameters

    def normalise(self: Any, parameters: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        original_normalise(self, parameters, *args, **kwargs)
        if self._get_boto_service_action() == "start_execution":
            for key in ("StateMachineArn", "Input", "Name"):
                if key in parameters:
                    parameters[key[0].lower() + key[1:]] = parameters.pop(key)

    service._normalise_parameters = normalise  # type: ignore[method-assign]
    service._crowdcare_patched = True  # type: ignore[attr-defined]

    original_setup = CallbackEndpoint.setup_heartbeat_endpoint

    def setup(self: CallbackEndpoint, heartbeat_seconds: int) -> Any:
        endpoint = original_setup(self, heartbeat_seconds=heartbeat_seconds)
        if self.get_outcome() is not None:
            endpoint.notify()  # type: ignore[no-untyped-call]
        return endpoint

    CallbackEndpoint.setup_heartbeat_endpoint = setup  # type: ignore[method-assign]

    def send_task_failure(self: Any) -> Any:
        from moto.core.responses import EmptyResult  # noqa: PLC0415

        self.stepfunction_backend.send_task_failure(
            self._get_param("taskToken"),
            error=self._get_param("error"),
            cause=self._get_param("cause"),
        )
        return EmptyResult()

    StepFunctionResponse.send_task_failure = send_task_failure  # type: ignore[method-assign]


def _make_dynamodb_writes_atomic() -> None:
    """Make moto's DynamoDB writes atomic with respect to each other, as DynamoDB's are.

    moto 5.2 snapshots the tables a transaction touches and, when the transaction is cancelled,
    restores the snapshot, wiping writes other threads made meanwhile. The local stack runs many
    workflows at once, so every write takes one lock.
    """
    import functools  # noqa: PLC0415

    from moto.dynamodb.models import DynamoDBBackend  # noqa: PLC0415

    if getattr(DynamoDBBackend, "_crowdcare_atomic", False):
        return
    lock = threading.RLock()
    writes = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item")
    for name in writes:
        original = getattr(DynamoDBBackend, name)

        @functools.wraps(original)
        def atomic(*args: Any, _write: Any = original, **kwargs: Any) -> Any:
            with lock:
                return _write(*args, **kwargs)

        setattr(DynamoDBBackend, name, atomic)
    DynamoDBBackend._crowdcare_atomic = True  # type: ignore[attr-defined]


@dataclass(frozen=True)
class SentEmail:
    message_id: str
    source: str
    to: tuple[str, ...]
    subject: str
    body: str


@dataclass(frozen=True)
class SentSms:
    message_id: str
    phone: str
    text: str


def sent_emails() -> list[SentEmail]:
    """Emails SES accepted, read back from the in-process emulator."""
    from moto.ses.models import ses_backends  # noqa: PLC0415 - moto is local-only

    return [
        SentEmail(m.id, m.source, tuple(m.destinations.get("ToAddresses", [])), m.subject, m.body)
        for m in ses_backends[ACCOUNT_ID][REGION].sent_messages
        if hasattr(m, "subject")
    ]


def sent_sms() -> list[SentSms]:
    """SMS that SNS accepted, read back from the in-process emulator."""
    from moto.sns.models import sns_backends  # noqa: PLC0415

    return [
        SentSms(message_id, phone, text)
        for message_id, (phone, text) in sns_backends[ACCOUNT_ID][REGION].sms_messages.items()
    ]
