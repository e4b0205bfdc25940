"""execution_name: valid, readable, deterministic and unique Step Functions execution names."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from crowdcare.domain.models import Author, Mention, Platform
from crowdcare.services.starter import TriageStarter, execution_name

VALID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


@pytest.mark.parametrize(
    ("mention_id", "attempt"),
    [
        ("x#1890000000000000001", ""),
        ("x#1890000000000000001", "replay-2025-03-01T12:00:00Z"),
        ("reddit#t3_abc/def?g=h&i=j", "2"),
        ("generic#" + "é" * 300, ""),
        ("facebook#" + "9" * 250, "a" * 200),
        ("####", ""),
        ("", ""),
    ],
)
def test_name_is_valid_for_step_functions(mention_id: str, attempt: str) -> None:
    """Whatever the id and attempt, the name has 1-80 characters of [A-Za-z0-9_-]."""
    # GIVEN an awkward mention id and attempt
    # WHEN a name is made
    name = execution_name(mention_id, attempt)
    # THEN Step Functions accepts it
    assert VALID.fullmatch(name), name


def test_name_is_readable() -> None:
    """The name starts with the cleaned mention id so operators can find it in the console."""
    # GIVEN an X mention id
    # WHEN a name is made
    name = execution_name("x#1890000000000000001")
    # THEN it starts with the readable id
    assert name.startswith("x-1890000000000000001-")


def test_name_is_deterministic() -> None:
    """The same mention and attempt always give the same name (what makes a start idempotent)."""
    # GIVEN the same inputs twice
    # WHEN names are made
    first = execution_name("x#42", "1")
    second = execution_name("x#42", "1")
    # THEN they are equal
    assert first == second


def test_name_differs_by_attempt() -> None:
    """A replay attempt gets its own name, so a replay is not rejected as a duplicate."""
    # GIVEN one mention and three attempts
    # WHEN names are made
    names = {execution_name("x#42", attempt) for attempt in ("", "1", "2")}
    # THEN all differ
    assert len(names) == 3


@pytest.mark.parametrize(
    ("left", "right"),
    [("x#1", "x_1"), ("x#1", "x-1"), ("x#1", "x/1"), ("a" * 60 + "1", "a" * 60 + "2")],
)
def test_ids_that_clean_alike_get_different_names(left: str, right: str) -> None:
    """Ids whose readable part is the same after cleaning or cutting still get different names."""
    # GIVEN two ids that differ only in an unsafe character or after the readable cut
    # WHEN names are made
    # THEN the hash keeps them apart
    assert execution_name(left) != execution_name(right)


def test_attempts_that_clean_alike_get_different_names() -> None:
    """Attempts that clean to the same text ("r#1" and "r_1") still give different names."""
    # GIVEN two attempts equal after cleaning
    # WHEN names are made
    # THEN they differ
    assert execution_name("x#1", "r#1") != execution_name("x#1", "r/1")


class RecordingSfn:
    """A Step Functions client double that records start_execution calls."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def start_execution(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        prefix = "arn:aws:states:us-east-1:123456789012:execution:triage"
        return {"executionArn": f"{prefix}:{kwargs['name']}"}


def test_starter_starts_one_named_execution_without_the_raw_payload() -> None:
    """The starter names the execution after the mention and leaves the raw payload behind."""
    # GIVEN a mention carrying a large raw payload
    mention = Mention(
        platform=Platform.X,
        post_id="42",
        author=Author(id="u1", handle="@bob"),
        text="where is my order?",
        created_at=datetime(2025, 3, 1, 12, 0, tzinfo=UTC),
        raw="{" + "x" * 10_000 + "}",
    )
    sfn = RecordingSfn()
    starter = TriageStarter(sfn, "arn:aws:states:us-east-1:123456789012:stateMachine:triage")  # type: ignore[arg-type]
    # WHEN triage is started
    arn = starter.start(mention, attempt="1")
    # THEN one execution with the deterministic name and a raw-free input was started
    assert len(sfn.calls) == 1
    call = sfn.calls[0]
    assert call["name"] == execution_name("x#42", "1")
    assert call["stateMachineArn"].endswith(":stateMachine:triage")
    assert json.loads(call["input"])["mention"]["raw"] == ""
    assert json.loads(call["input"])["mention"]["text"] == "where is my order?"
    assert arn.endswith(call["name"])
