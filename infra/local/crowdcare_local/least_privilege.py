"""Least privilege, checked: every AWS call a function makes is allowed by its own policy.

moto enforces no IAM, so a policy in template.yaml that misses an action (a new Query on an
index, a transaction touching one more table) would pass every local test and fail in the
cloud with AccessDenied. The local stack therefore records each call a function makes (the
IAM action and the resource ARN AWS would authorise), and `violations` evaluates them against
the function's `Policies` as IAM would (Allow statements, `*` and `?` wildcards; SAM policy
templates expanded as SAM expands them). The demo reports the result; the e2e test requires
no violation.
"""

from __future__ import annotations

import contextlib
import contextvars
import fnmatch
import json
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from botocore.handlers import BUILTIN_HANDLERS

from crowdcare_local.template import ACCOUNT_ID, REGION

RUNNING_FUNCTION: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "running_function", default=None
)

# botocore signing names whose IAM prefix differs.
IAM_PREFIX = {"monitoring": "cloudwatch", "email": "ses", "bedrock-runtime": "bedrock"}
DYNAMODB_TRANSACT = {
    "Put": "PutItem",
    "Update": "UpdateItem",
    "Delete": "DeleteItem",
    "ConditionCheck": "ConditionCheckItem",
}


@dataclass(frozen=True, order=True)
class AwsCall:
    """One authorisation AWS would make: this function, this action, on this resource."""

    function: str
    action: str
    resource: str


@dataclass(frozen=True)
class Statement:
    """An Allow (or Deny) statement, its intrinsics resolved."""

    actions: tuple[str, ...]
    resources: tuple[str, ...]
    deny: bool = False

    def allows(self, action: str, resource: str) -> bool:
        return not self.deny and self.matches(action, resource, partly_known=True)

    def denies(self, action: str, resource: str) -> bool:
        return self.deny and self.matches(action, resource)

    def matches(self, action: str, resource: str, *, partly_known: bool = False) -> bool:
        # IAM matches actions case-insensitively and resources case-sensitively, both with * ?.
        return any(fnmatch.fnmatch(action.lower(), a.lower()) for a in self.actions) and any(
            fnmatch.fnmatchcase(resource, r)
            # A call whose exact resource is unknowable here (a task token names its state
            # machine only inside the token) is covered by a grant on any such resource.
            or (partly_known and resource != "*" and fnmatch.fnmatchcase(r, resource))
            for r in self.resources
        )


@contextlib.contextmanager
def running(logical_id: str) -> Iterator[None]:
    """Mark the calls made in this block (this thread) as the function's own."""
    token = RUNNING_FUNCTION.set(logical_id)
    try:
        yield
    finally:
        RUNNING_FUNCTION.reset(token)


class CallRecorder:
    """Records the distinct (function, action, resource) of every call made inside a function."""

    def __init__(self) -> None:
        self._calls: set[AwsCall] = set()
        self._lock = threading.Lock()
        self._installed = False

    def install(self) -> None:
        """Listen to every botocore session created from now on (as moto's own mock does):
        the functions build their own sessions on first use."""
        with self._lock:
            if not self._installed:
                BUILTIN_HANDLERS.append(("before-parameter-build", self._record))
                self._installed = True

    @property
    def calls(self) -> list[AwsCall]:
        with self._lock:
            return sorted(self._calls)

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        function = RUNNING_FUNCTION.get()
        if function is None:
            return  # the harness itself (provisioning, the demo driver, a test)
        signing = model.service_model.signing_name or model.service_model.endpoint_prefix
        prefix = IAM_PREFIX.get(signing, signing)
        found = {AwsCall(function, a, r) for a, r in requests(prefix, model.name, params)}
        with self._lock:
            self._calls |= found


def _arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT_ID}:{resource}"


def _queue(params: dict[str, Any]) -> list[str]:
    return [_arn("sqs", str(params["QueueUrl"]).rstrip("/").rsplit("/", 1)[-1])]


def _sender(params: dict[str, Any]) -> list[str]:
    # SES authorises the sending identity and the configuration set, each on its own ARN
    # (SES v1 names the sender `Source`, v2 `FromEmailAddress`).
    sender = str(params.get("Source") or params["FromEmailAddress"])
    sender = sender.rsplit("<", 1)[-1].rstrip(">")
    found = [_arn("ses", f"identity/{sender}")]
    if "ConfigurationSetName" in params:
        found.append(_arn("ses", f"configuration-set/{params['ConfigurationSetName']}"))
    return found


# (IAM prefix, the parameter naming the resource) -> the resource ARNs that parameter means.
RESOURCES: dict[tuple[str, str], Callable[[dict[str, Any]], list[str]]] = {
    ("sqs", "QueueUrl"): _queue,
    ("sns", "TopicArn"): lambda p: [str(p["TopicArn"])],
    ("states", "stateMachineArn"): lambda p: [str(p["stateMachineArn"])],
    ("ssm", "Name"): lambda p: [_arn("ssm", f"parameter/{str(p['Name']).lstrip('/')}")],
    ("secretsmanager", "SecretId"): lambda p: [str(p["SecretId"])],
    # IAM authorises a task token's answer on the state machine that issued it.
    ("states", "taskToken"): lambda p: [_arn("states", "stateMachine:*")],
    ("ses", "FromEmailAddress"): _sender,
    ("ses", "Source"): _sender,
    ("cognito-idp", "UserPoolId"): lambda p: [_arn("cognito-idp", f"userpool/{p['UserPoolId']}")],
}


def requests(prefix: str, operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    """The (action, resource) pairs IAM checks for one API call."""
    if prefix == "dynamodb":
        return _dynamodb(operation, params)
    resources: list[str] = []
    for (service, parameter), resolve in RESOURCES.items():
        if service == prefix and parameter in params:
            resources = resolve(params)
    return [(f"{prefix}:{operation}", resource) for resource in resources or ["*"]]


def _table_arn(table: str, index: str | None = None) -> str:
    arn = _arn("dynamodb", f"table/{table}")
    return f"{arn}/index/{index}" if index else arn


def _dynamodb(operation: str, params: dict[str, Any]) -> list[tuple[str, str]]:
    if operation == "TransactWriteItems":
        return [
            (f"dynamodb:{DYNAMODB_TRANSACT[kind]}", _table_arn(body["TableName"]))
            for item in params.get("TransactItems", [])
            for kind, body in item.items()
        ]
    if operation == "TransactGetItems":
        return [
            ("dynamodb:GetItem", _table_arn(item["Get"]["TableName"]))
            for item in params.get("TransactItems", [])
        ]
    if operation in {"BatchGetItem", "BatchWriteItem"}:
        return [(f"dynamodb:{operation}", _table_arn(t)) for t in params.get("RequestItems", {})]
    if "TableName" in params:
        return [(f"dynamodb:{operation}", _table_arn(params["TableName"], params.get("IndexName")))]
    return [(f"dynamodb:{operation}", "*")]


RECORDER = CallRecorder()
"""One per process: every local stack started in it records here."""


# ---------------------------------------------------------------------------- policies


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def sam_policy_template(name: str, args: dict[str, Any]) -> list[Statement]:  # noqa: PLR0911 - one return per template reads best
    """The statements SAM generates for the policy templates the template uses."""
    match name:
        case "DynamoDBReadPolicy":
            table = _arn("dynamodb", f"table/{args['TableName']}")
            actions = ("GetItem", "Scan", "Query", "BatchGetItem", "DescribeTable")
            return [Statement(tuple(f"dynamodb:{a}" for a in actions), (table, f"{table}/index/*"))]
        case "SQSSendMessagePolicy":
            return [Statement(("sqs:SendMessage*",), (_arn("sqs", str(args["QueueName"])),))]
        case "SNSPublishMessagePolicy":
            return [Statement(("sns:Publish",), (_arn("sns", str(args["TopicName"])),))]
        case "StepFunctionsExecutionPolicy":
            machine = _arn("states", f"stateMachine:{args['StateMachineName']}")
            return [Statement(("states:StartExecution",), (machine,))]
        case "SSMParameterReadPolicy":
            parameter = _arn("ssm", f"parameter/{str(args['ParameterName']).lstrip('/')}")
            reads = ("ssm:GetParameters", "ssm:GetParameter", "ssm:GetParametersByPath")
            return [
                Statement(("ssm:DescribeParameters",), ("*",)),
                Statement(reads, (parameter,)),
            ]
        case "AWSSecretsManagerGetSecretValuePolicy":
            return [Statement(("secretsmanager:GetSecretValue",), (str(args["SecretArn"]),))]
        case "ComprehendBasicAccessPolicy":
            return [Statement(("comprehend:Detect*", "comprehend:BatchDetect*"), ("*",))]
        case "LambdaInvokePolicy":
            function = _arn("lambda", f"function:{args['FunctionName']}*")
            return [Statement(("lambda:InvokeFunction",), (function,))]
    raise ValueError(f"policy template {name} is not known to the least-privilege check")


def statements(policies: Iterable[Any]) -> list[Statement]:
    """A function's resolved `Policies` as statements (conditions are not evaluated)."""
    found: list[Statement] = []
    for policy in policies:
        if isinstance(policy, str):
            raise ValueError(f"managed policy {policy} is not allowed: write the statements")
        for name, body in policy.items():
            if name != "Statement":
                found += sam_policy_template(name, body)
                continue
            for statement in _as_list(body):
                if "NotAction" in statement or "NotResource" in statement:
                    raise ValueError("NotAction / NotResource are not supported by the check")
                actions = tuple(str(a) for a in _as_list(statement["Action"]))
                resources = tuple(str(r) for r in _as_list(statement["Resource"]))
                found.append(Statement(actions, resources, statement["Effect"] == "Deny"))
    return found


def violations(calls: Iterable[AwsCall], policies: dict[str, list[Statement]]) -> list[AwsCall]:
    """The calls the calling function's policy does not allow (or explicitly denies)."""
    denied = []
    for call in calls:
        own = policies.get(call.function, [])
        allowed = any(s.allows(call.action, call.resource) for s in own)
        if not allowed or any(s.denies(call.action, call.resource) for s in own):
            denied.append(call)
    return denied


def report(calls: list[AwsCall], denied: list[AwsCall]) -> dict[str, Any]:
    """The least-privilege section of the demo's summary."""
    return {
        "calls_checked": len(calls),
        "functions": len({c.function for c in calls}),
        "checked_functions": sorted({c.function for c in calls}),
        "denied": [json.loads(json.dumps(c.__dict__)) for c in denied],
    }
