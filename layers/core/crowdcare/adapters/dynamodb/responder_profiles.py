"""Responders' profiles as the dashboard edits them: writes that never clobber open_count."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from crowdcare.adapters.dynamodb.conditional import is_conditional_failure
from crowdcare.adapters.dynamodb.repositories import ResponderRepository, to_item
from crowdcare.adapters.dynamodb.responder_pool import pool_values
from crowdcare.domain.models import Responder

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class ResponderStore:
    """Profile writes that never clobber the workflow's open_count."""

    _FIELDS = (
        "kind",
        "name",
        "email",
        "phone",
        "sms_opt_in",
        "languages",
        "skills",
        "handles",
        "timezone",
        "quiet_hours",
        "max_open",
        "active",
    )

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name
        self._repository = ResponderRepository(client, table_name)

    def get(self, responder_id: str) -> Responder | None:
        """The responder, or None."""
        return self._repository.get(responder_id)

    def list_all(self) -> list[Responder]:
        """Every responder."""
        return list(self._repository.list_all())

    def update(self, responder_id: str, values: dict[str, Any]) -> None:
        """SET the given fields (None removes) on an existing responder."""
        sets, removes, names, vals = [], [], {}, {}
        for index, (field, value) in enumerate(sorted(values.items())):
            names[f"#f{index}"] = field
            if value is None:
                removes.append(f"#f{index}")
            else:
                sets.append(f"#f{index} = :v{index}")
                vals[f":v{index}"] = value
        expression = ""
        if sets:
            expression += "SET " + ", ".join(sets)
        if removes:
            expression += " REMOVE " + ", ".join(removes)
        args: dict[str, Any] = {
            "TableName": self._table,
            "Key": {"responder_id": {"S": responder_id}},
            "UpdateExpression": expression.strip(),
            "ConditionExpression": "attribute_exists(responder_id)",
            "ExpressionAttributeNames": names,
        }
        if vals:
            args["ExpressionAttributeValues"] = to_item(vals)
        self._client.update_item(**args)
        # A pause, a new max_open or new languages move the responder in or out of the
        # candidate pools at once (a paused responder is never offered a mention again).
        self._repository.refresh_pool(responder_id)

    def upsert(self, responder: Responder) -> bool:
        """Create the responder, or update every profile field of an existing one.

        Returns True when it was created.
        """
        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_item(
                    responder.model_dump(mode="json")
                    | pool_values(responder.model_copy(update={"open_count": 0}))
                    | {"open_count": 0}
                ),
                ConditionExpression="attribute_not_exists(responder_id)",
            )
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise
            dumped = responder.model_dump(mode="json")
            self.update(responder.responder_id, {f: dumped.get(f) for f in self._FIELDS})
            return False
        return True
