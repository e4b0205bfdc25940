"""What the workflows cost: executions, outcomes and state transitions, from their histories."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crowdcare_local.stack import LocalStack


@dataclass(frozen=True)
class WorkflowStats:
    executions: int
    statuses: dict[str, int]
    transitions: int
    transitions_by_path: dict[str, int]
    executions_by_path: dict[str, int]

    @property
    def failed(self) -> int:
        return (
            self.statuses.get("FAILED", 0)
            + self.statuses.get("TIMED_OUT", 0)
            + self.statuses.get("ABORTED", 0)
        )

    @property
    def transitions_per_execution(self) -> float:
        return self.transitions / self.executions if self.executions else 0.0


def workflow_stats(stack: LocalStack, machine: str | None = None) -> WorkflowStats:
    """Count every execution's state transitions (each state entered is one, as billed), of
    every state machine or only of `machine` (a logical id, e.g. "AssignmentStateMachine")."""
    sfn = stack.client("stepfunctions")
    statuses: Counter[str] = Counter()
    transitions = 0
    by_path: Counter[str] = Counter()
    executions_by_path: Counter[str] = Counter()
    machines = sfn.list_state_machines()["stateMachines"]
    if machine is not None:
        machines = [m for m in machines if m["stateMachineArn"] == stack.ref(machine)]
    for machine_info in machines:
        machine_arn = machine_info["stateMachineArn"]
        for page in sfn.get_paginator("list_executions").paginate(
            stateMachineArn=machine_arn
        ):
            for execution in page["executions"]:
                statuses[execution["status"]] += 1
                events = sfn.get_execution_history(
                    executionArn=execution["executionArn"], maxResults=1000
                )["events"]
                entered = [e for e in events if e["type"].endswith("StateEntered")]
                transitions += len(entered)
                final = entered[-1]["stateEnteredEventDetails"]["name"] if entered else "none"
                by_path[final] += len(entered)
                executions_by_path[final] += 1
    return WorkflowStats(
        sum(statuses.values()),
        dict(statuses),
        transitions,
        dict(by_path),
        dict(executions_by_path),
    )
