"""The Assignments table's indexes: one responder's open assignments (the feed, the
open_by_responder index) and their history (by_responder, a page at a time)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crowdcare.adapters.dynamodb.assignments import (
    OPEN_FOR,
    OPEN_INDEX,
    Assignment,
    AssignmentRepository,
    assignment_from_item,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class AssignmentIndex:
    """One mention's assignment, and one responder's (open ones, or their history)."""

    def __init__(
        self, client: DynamoDBClient, assignments_table: str, responders_table: str
    ) -> None:
        self._client = client
        self._table = assignments_table
        self._repository = AssignmentRepository(client, assignments_table, responders_table)

    def get(self, mention_id: str) -> Assignment | None:
        """The mention's assignment, or None."""
        return self._repository.get(mention_id)

    def open_for_responder(self, responder_id: str) -> list[Assignment]:
        """The responder's open assignments (at most max_open of them: a bounded read)."""
        paginator = self._client.get_paginator("query")
        return [
            assignment_from_item(item)
            for page in paginator.paginate(
                TableName=self._table,
                IndexName=OPEN_INDEX,
                KeyConditionExpression=f"{OPEN_FOR} = :rid",
                ExpressionAttributeValues={":rid": {"S": responder_id}},
            )
            for item in page.get("Items", [])
        ]

    def history(
        self, responder_id: str, limit: int = 50, after: dict[str, Any] | None = None
    ) -> tuple[list[Assignment], dict[str, Any] | None]:
        """One page of the responder's assignments, newest first, and where the next starts
        (None on the last page)."""
        args: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": "by_responder",
            "KeyConditionExpression": "responder_id = :rid",
            "ExpressionAttributeValues": {":rid": {"S": responder_id}},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if after is not None:
            args["ExclusiveStartKey"] = after
        response = self._client.query(**args)
        page = [assignment_from_item(item) for item in response.get("Items", [])]
        return page, response.get("LastEvaluatedKey")

    def for_responder(self, responder_id: str) -> list[Assignment]:
        """Every assignment of one responder, whatever its status (pages through history)."""
        found: list[Assignment] = []
        after: dict[str, Any] | None = None
        while True:
            page, after = self.history(responder_id, limit=100, after=after)
            found.extend(page)
            if after is None:
                return found
