"""Step Functions: answering a waiting task by its token, and starting named executions."""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from crowdcare.adapters.dynamodb.conditional import error_code
from crowdcare.domain.errors import ExecutionAlreadyStartedError, TaskClosedError

if TYPE_CHECKING:
    from collections.abc import Callable

    from mypy_boto3_stepfunctions import SFNClient

# What Step Functions answers when the token's task no longer waits.
TASK_GONE_ERRORS = frozenset({"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"})


class StepFunctionsCallbacks:
    """SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat."""

    def __init__(self, client: SFNClient) -> None:
        self._client = client

    def succeed(self, task_token: str, output: str) -> None:
        """The task succeeds with `output` (JSON)."""
        _answer(lambda: self._client.send_task_success(taskToken=task_token, output=output))

    def fail(self, task_token: str, error: str, cause: str) -> None:
        """The task fails with `error` (what the workflow's Catch matches) and `cause`."""
        _answer(
            lambda: self._client.send_task_failure(taskToken=task_token, error=error, cause=cause)
        )

    def heartbeat(self, task_token: str) -> None:
        """The task's heartbeat timer starts again."""
        _answer(lambda: self._client.send_task_heartbeat(taskToken=task_token))


def _answer(send: Callable[[], object]) -> None:
    try:
        send()
    except ClientError as exc:
        if error_code(exc) in TASK_GONE_ERRORS:
            raise TaskClosedError(error_code(exc)) from exc
        raise


class StepFunctionsExecutions:
    """StartExecution on one state machine."""

    def __init__(self, client: SFNClient, state_machine_arn: str) -> None:
        self._client = client
        self._arn = state_machine_arn

    def start(self, name: str, document: str) -> str:
        """Start an execution named `name` with input `document`; returns its ARN.

        Raises `ExecutionAlreadyStartedError` (with that execution's ARN) when the name is
        taken: an execution name is the start's idempotency key.
        """
        try:
            response = self._client.start_execution(
                stateMachineArn=self._arn, name=name, input=document
            )
        except ClientError as exc:
            if error_code(exc) != "ExecutionAlreadyExists":
                raise
            arn = f"{self._arn.replace(':stateMachine:', ':execution:')}:{name}"
            raise ExecutionAlreadyStartedError(arn) from exc
        return response["executionArn"]
