"""Assignments: handing a mention to one responder without ever overloading anyone.

A mention has at most one open assignment (conditional put keyed on the mention; a closed one
may be replaced by the next attempt) and a responder's open-assignment counter only moves
through conditional writes in the same transaction, so two concurrent workflows can never push
a responder past `max_open`, and closing an assignment always gives its slot back.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from crowdcare.adapters.dynamodb.assignment_gauge import gauge_move, is_gauge_key
from crowdcare.adapters.dynamodb.codec import from_item, to_item
from crowdcare.adapters.dynamodb.conditional import cancellation_reasons, is_conditional_failure
from crowdcare.adapters.dynamodb.responder_pool import ResponderPool
from crowdcare.domain.assignments import Assignment, AssignmentStatus
from crowdcare.domain.errors import AlreadyAssignedError, AssignmentConflictError

if TYPE_CHECKING:
    from collections.abc import Sequence

    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

# The model and errors live in the domain; importable from here too for existing callers.
__all__ = [
    "AlreadyAssignedError",
    "Assignment",
    "AssignmentConflictError",
    "AssignmentRepository",
    "AssignmentStatus",
]


OPEN_FOR = "open_for"
"""Sparse hash key of the open_by_responder index: the responder, while the assignment is open."""
OPEN_INDEX = "open_by_responder"
# A release that keeps colliding with other writes (TransactionConflict) is tried this often,
# then left to the caller's retry (AssignmentConflictError).
RELEASE_TRIES = 4


def assignment_from_item(item: dict[str, Any]) -> Assignment:
    """An Assignment from its item, without the index attribute (derived from the status)."""
    values = from_item(item)
    values.pop(OPEN_FOR, None)
    return Assignment.model_validate(values)


class AssignmentRepository:
    """The Assignments table plus the responders' open counters, changed together."""

    def __init__(
        self, client: DynamoDBClient, assignments_table: str, responders_table: str
    ) -> None:
        self._client = client
        self._assignments = assignments_table
        self._responders = responders_table
        self._pool = ResponderPool(client, responders_table)

    def get(self, mention_id: str) -> Assignment | None:
        """The assignment of a mention, or None when it has none."""
        item = self._client.get_item(
            TableName=self._assignments,
            Key={"mention_id": {"S": mention_id}},
            ConsistentRead=True,
        ).get("Item")
        return None if item is None else assignment_from_item(item)

    def try_assign(self, assignment: Assignment) -> bool:
        """Record the assignment and take one of the responder's slots, atomically.

        Returns False when the responder is paused, unknown or at capacity. Raises
        `AlreadyAssignedError` when the mention already has an open assignment (a retried
        step); a closed one (declined, expired) is replaced by the next attempt.
        """
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._assignments,
                            "Item": to_item(
                                assignment.model_dump(mode="json")
                                | {OPEN_FOR: assignment.responder_id}
                            ),
                            "ConditionExpression": (
                                "attribute_not_exists(mention_id) OR #status <> :open"
                            ),
                            "ExpressionAttributeNames": {"#status": "status"},
                            "ExpressionAttributeValues": {
                                ":open": {"S": AssignmentStatus.OPEN.value}
                            },
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._responders,
                            "Key": {"responder_id": {"S": assignment.responder_id}},
                            "UpdateExpression": "SET open_count = open_count + :one",
                            "ConditionExpression": (
                                "attribute_exists(responder_id) AND active = :true "
                                "AND open_count < max_open"
                            ),
                            "ExpressionAttributeValues": {
                                ":one": {"N": "1"},
                                ":true": {"BOOL": True},
                            },
                        }
                    },
                    gauge_move(self._assignments, +1),
                ]
            )
        except ClientError as exc:
            reasons = cancellation_reasons(exc)
            if reasons is None:
                raise
            if reasons and reasons[0] == "ConditionalCheckFailed":
                raise AlreadyAssignedError(assignment.mention_id) from exc
            if "TransactionConflict" in reasons:
                # Another write touched the same item at that instant: the slot may well be
                # free, so the step fails and the workflow's Retry (backoff, jitter) tries again.
                raise AssignmentConflictError(assignment.mention_id) from exc
            return False
        # Outside the transaction (whether it filled the last slot is only known after it):
        # until this lands the pool may still offer the responder, and try_assign refuses.
        self._pool.leave_if_full(assignment.responder_id)
        return True

    def store_token(
        self, mention_id: str, responder_id: str, attempt: int, token: str, deadline: datetime
    ) -> bool:
        """Point the open assignment at a new task token of its workflow.

        The workflow's Notify writes the first token with the assignment (`try_assign`); this
        is for a retried Notify whose task waits on a new one. Returns False when that
        assignment is no longer open (it was closed meanwhile).
        """
        try:
            self._client.update_item(
                TableName=self._assignments,
                Key={"mention_id": {"S": mention_id}},
                UpdateExpression="SET task_token = :token, deadline = :deadline",
                ConditionExpression=(
                    "#status = :open AND responder_id = :responder AND attempt = :attempt"
                ),
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":token": {"S": token},
                    ":deadline": {"S": deadline.isoformat()},
                    ":open": {"S": AssignmentStatus.OPEN.value},
                    ":responder": {"S": responder_id},
                    ":attempt": {"N": str(attempt)},
                },
            )
        except ClientError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def release(
        self, mention_id: str, status: AssignmentStatus, attempt: int | None = None
    ) -> Assignment | None:
        """Close an open assignment and give the responder's slot back, atomically.

        With `attempt`, only that attempt is closed, so a late or repeated call never closes
        the next responder's assignment. Returns the closed assignment, or None when there was
        nothing open to close (already closed: releasing twice is a no-op).
        """
        for _ in range(RELEASE_TRIES):
            current = self.get(mention_id)
            if current is None or current.status is not AssignmentStatus.OPEN:
                return None
            if attempt is not None and current.attempt != attempt:
                return None
            try:
                self._client.transact_write_items(
                    TransactItems=self._release_items(current, status)
                )
                break
            except ClientError as exc:
                reasons = cancellation_reasons(exc)
                if reasons is None:
                    raise
                if "TransactionConflict" not in reasons:
                    # Someone closed it between our read and write: that caller released the slot.
                    return None
                # Another write touched the responder or a gauge shard at that instant: again.
        else:
            raise AssignmentConflictError(mention_id)
        self._pool.refresh(current.responder_id)
        return current.model_copy(update={"status": status, "task_token": None})

    def _release_items(
        self, current: Assignment, status: AssignmentStatus
    ) -> list[TransactWriteItemTypeDef]:
        return [
            {
                "Update": {
                    "TableName": self._assignments,
                    "Key": {"mention_id": {"S": current.mention_id}},
                    "UpdateExpression": f"SET #status = :closed REMOVE task_token, {OPEN_FOR}",
                    "ConditionExpression": "#status = :open AND attempt = :attempt",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {
                        ":closed": {"S": status.value},
                        ":open": {"S": AssignmentStatus.OPEN.value},
                        ":attempt": {"N": str(current.attempt)},
                    },
                }
            },
            {
                "Update": {
                    "TableName": self._responders,
                    "Key": {"responder_id": {"S": current.responder_id}},
                    "UpdateExpression": "SET open_count = open_count - :one",
                    "ConditionExpression": "open_count > :zero",
                    "ExpressionAttributeValues": {":one": {"N": "1"}, ":zero": {"N": "0"}},
                }
            },
            gauge_move(self._assignments, -1),
        ]

    def list_all(self) -> Sequence[Assignment]:
        """Every assignment: ADMIN ONLY (local summaries, exports), a paginated Scan."""
        paginator = self._client.get_paginator("scan")
        return [
            assignment_from_item(item)
            for page in paginator.paginate(TableName=self._assignments, ConsistentRead=True)
            for item in page.get("Items", [])
            if not is_gauge_key(item["mention_id"]["S"])
        ]
