"""The whole CrowdCare stack on one machine: moto in server mode, provisioned from template.yaml.

`LocalStack.start()` boots the emulator on 127.0.0.1 (with `moto_patches`), creates every
resource the template declares (`provision`), points boto3 at the emulator, installs the
in-process Lambda runtime and starts the event-source pump (`pump`).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
from pathlib import Path
from typing import Any

import boto3

from crowdcare_local.least_privilege import RECORDER, report, violations
from crowdcare_local.runtime import LocalLambdaRuntime
from crowdcare_local.stack import moto_patches
from crowdcare_local.stack.provision import Provisioner
from crowdcare_local.stack.pump import EventPump, EventSource
from crowdcare_local.template import (
    ACCOUNT_ID,
    REGION,
    TEMPLATE_PATH,
    FunctionSpec,
    PhysicalResource,
    TemplateError,
    load_template,
    parameter_values,
)


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
        template = load_template(template_path)
        self._provisioner = Provisioner(
            template, parameter_values(template, parameters or {}), stack_name, self.client
        )
        self.resources: dict[str, PhysicalResource] = self._provisioner.resources
        self.functions: dict[str, FunctionSpec] = self._provisioner.functions
        self.sources: list[EventSource] = self._provisioner.sources
        self._server: Any = None
        self._pump: EventPump | None = None
        self.runtime: LocalLambdaRuntime | None = None
        self.endpoint_url = ""

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> LocalStack:
        """Boot the emulator, provision the template, start pumping events."""
        RECORDER.install()  # before any session exists (the default one is made just below)
        self._start_emulator()
        self._provisioner.provision()
        self.runtime = LocalLambdaRuntime(
            self.functions, {lid: self.resources[lid].ref for lid in self.functions}
        )
        self.runtime.install_invoke_hook()
        self._pump = EventPump(self.sources, self.runtime, self.client, self.resources)
        self._pump.start()
        return self

    def stop(self) -> None:
        """Stop pumping and shut the emulator down."""
        if self._pump is not None:
            self._pump.stop()
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
        moto_patches.apply()
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
            "resources": [f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/{self.ref(logical_id)}"],
            "detail": {},
        }
        return self.runtime.invoke(logical_id, event)

    # ------------------------------------------------------------------ least privilege
    def least_privilege(self) -> dict[str, Any]:
        """Every AWS call the functions made so far, checked against their own policies."""
        calls = RECORDER.calls
        return report(calls, violations(calls, self._provisioner.policies))

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
    def pump_once(self) -> int:
        """Deliver one round of stream records and queue messages; returns how many moved."""
        assert self._pump is not None, "start() the stack first"
        return self._pump.pump_once()

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
        self,
        timeout: float = 120.0,
        on_progress: Any = None,
        *,
        until_done: bool = True,
        poll_seconds: float = 0.05,
    ) -> bool:
        """Wait until no event is in flight and no execution runs; False on timeout.

        With `until_done=False`, executions waiting for a person (task token) may stay: the
        stack is settled once only a human (or an SLA timer) can move anything on. A long wait
        polls less often (`poll_seconds`): each look lists every execution, which takes CPU
        from the workflows being waited for.
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
            time.sleep(poll_seconds)
        return False
