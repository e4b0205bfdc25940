"""The Assignments table's by_responder index: one responder's assignments (the feed)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crowdcare.adapters.dynamodb.assignments import Assignment, AssignmentRepository
from crowdcare.adapters.dynamodb.repositories import from_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class AssignmentIndex:
    """One mention's assignment, and one responder's (the by_responder index)."""

    def __init__(
        self, client: DynamoDBClient, assignments_table: str, responders_table: str
    ) -> None:
        self._client = client
        self._table = assignments_table
        self._repository = AssignmentRepository(client, assignments_table, responders_table)

    def get(self, mention_id: str) -> Assignment | None:
        """The mention's assignment, or None."""
        return self._repository.get(mention_id)

    def for_responder(self, responder_id: str) -> list[Assignment]:
        """Every assignment of one responder, whatever its status."""
        paginator = self._client.get_paginator("query")
        return [
            Assignment.model_validate(from_item(item))
            for page in paginator.paginate(
                TableName=self._table,
                IndexName="by_responder",
                KeyConditionExpression="responder_id = :rid",
                ExpressionAttributeValues={":rid": {"S": responder_id}},
            )
            for item in page.get("Items", [])
        ]
