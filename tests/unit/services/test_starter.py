"""TriageStarter and AssignmentStarter: one named execution per mention and attempt."""

from __future__ import annotations

import json

import pytest
from crowdcare.domain.errors import ExecutionAlreadyStartedError
from crowdcare.services.starter import AssignmentStarter, TriageStarter, execution_name
from crowdcare.testing import FakeExecutions
from crowdcare.testing.builders import a_decision, a_mention, a_priority


def test_triage_starts_under_the_mention_name_without_the_raw_payload() -> None:
    """Triage starts once, named after the mention, with the raw payload left in the table."""
    # GIVEN a mention with a raw payload
    executions = FakeExecutions("triage")
    mention = a_mention("42", raw='{"big": true}')
    # WHEN triage is started for it
    arn = TriageStarter(executions).start(mention, attempt="1")
    # THEN one execution with the deterministic name and a raw-free case exists
    name = execution_name("x#42", "1")
    assert list(executions.started) == [name]
    assert arn.endswith(f":triage:{name}")
    assert json.loads(executions.started[name])["mention"]["raw"] == ""


def test_triage_started_twice_under_one_name_is_refused() -> None:
    """A second triage start under the same name is not silently taken for a new one."""
    # GIVEN triage was started for a mention
    executions = FakeExecutions("triage")
    starter = TriageStarter(executions)
    starter.start(a_mention("42"))
    # WHEN it is started again with the same attempt
    # THEN the state machine's refusal surfaces (the starter's idempotency layer owns repeats)
    with pytest.raises(ExecutionAlreadyStartedError):
        starter.start(a_mention("42"))


def test_assignment_restart_with_the_same_attempt_is_the_same_execution() -> None:
    """A retried drain start (same attempt suffix) returns the existing execution, not a second."""
    # GIVEN the assignment workflow was restarted for a queued mention as drain1
    executions = FakeExecutions("assignment")
    starter = AssignmentStarter(executions)
    first = starter.start(a_mention("7"), a_priority(), a_decision(), attempt="drain1")
    # WHEN the same start is retried
    again = starter.start(a_mention("7"), a_priority(), a_decision(), attempt="drain1")
    # THEN it is the same execution, started once
    assert again == first
    assert len(executions.started) == 1
