"""Starting the workflows: triage for each new mention, assignment again for a queued one.

Each start is named after the mention (and attempt), so a repeated start is recognised as
the same execution.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import TYPE_CHECKING

from crowdcare.domain.errors import ExecutionAlreadyStartedError
from crowdcare.domain.messages import TriageCase

if TYPE_CHECKING:
    from crowdcare.domain.models import Mention
    from crowdcare.domain.triage import Priority, RouteDecision
    from crowdcare.ports import WorkflowExecutions

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

    def __init__(self, triage: WorkflowExecutions) -> None:
        self._triage = triage

    def start(self, mention: Mention, attempt: str = "") -> str:
        """Start triage for `mention` and return the execution ARN.

        The raw payload stays in the table: the workflow needs only the normalised mention,
        and the state payload limit is 256 KB.
        """
        case = TriageCase(mention=mention.model_copy(update={"raw": ""}))
        name = execution_name(mention.mention_id, attempt)
        return self._triage.start(name, case.model_dump_json())


class AssignmentStarter:
    """Starts the assignment workflow for a mention that waited in the queue.

    Triage starts the first execution under the triage execution's name; each later start
    carries an attempt suffix ("drain1", "drain2"...) so names stay unique, and a retried
    start with the same suffix is the same execution.
    """

    def __init__(self, assignment: WorkflowExecutions) -> None:
        self._assignment = assignment

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
            return self._assignment.start(name, json.dumps(document))
        except ExecutionAlreadyStartedError as exc:
            return exc.execution_arn
