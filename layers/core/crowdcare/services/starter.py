"""Starting the triage workflow for each new mention, exactly once."""

from __future__ import annotations

import hashlib
import json
import re
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from crowdcare.domain.messages import TriageCase
from crowdcare.domain.models import Mention
from crowdcare.rules.triage.models import Priority, RouteDecision

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient

_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def execution_name(mention_id: str, attempt: str = "") -> str:
    """A readable, valid execution name unique to the mention (and replay attempt).

    Step Functions allows 80 characters of [A-Za-z0-9_-]; the hash keeps names unique after the
    readable part is cleaned and cut.
    """
    digest = hashlib.sha256(f"{mention_id}|{attempt}".encode()).hexdigest()[:16]
    readable = _NAME_UNSAFE.sub("-", mention_id)[:50].strip("-")
    suffix = f"-{_NAME_UNSAFE.sub('-', attempt)[:10]}" if attempt else ""
    return f"{readable}{suffix}-{digest}"


class TriageStarter:
    """Starts one triage execution per mention."""

    def __init__(self, client: SFNClient, state_machine_arn: str) -> None:
        self._client = client
        self._arn = state_machine_arn

    def start(self, mention: Mention, attempt: str = "") -> str:
        """Start triage for `mention` and return the execution ARN.

        The raw payload stays in the table: the workflow needs only the normalised mention,
        and the state payload limit is 256 KB.
        """
        case = TriageCase(mention=mention.model_copy(update={"raw": ""}))
        response = self._client.start_execution(
            stateMachineArn=self._arn,
            name=execution_name(mention.mention_id, attempt),
            input=case.model_dump_json(),
        )
        return response["executionArn"]


class AssignmentStarter:
    """Starts the assignment workflow for a mention that waited in the queue.

    Triage starts the first execution under the triage execution's name; each later start
    carries an attempt suffix ("drain1", "drain2"...) so names stay unique, and a retried
    start with the same suffix is the same execution.
    """

    def __init__(self, client: SFNClient, state_machine_arn: str) -> None:
        self._client = client
        self._arn = state_machine_arn

    def start(
        self, mention: Mention, priority: Priority, decision: RouteDecision, attempt: str
    ) -> str:
        """Start the assignment workflow with the case triage would have given it."""
        document = {
            "mention": mention.model_copy(update={"raw": ""}).model_dump(mode="json"),
            "priority": priority.model_dump(mode="json"),
            "decision": decision.model_dump(mode="json"),
        }
        name = execution_name(mention.mention_id, attempt)
        try:
            response = self._client.start_execution(
                stateMachineArn=self._arn, name=name, input=json.dumps(document)
            )
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "ExecutionAlreadyExists":
                raise
            return f"{self._arn.replace(':stateMachine:', ':execution:')}:{name}"
        return response["executionArn"]
