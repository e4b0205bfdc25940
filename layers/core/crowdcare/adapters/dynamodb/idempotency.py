"""Doing a side effect once per key, however often the event is delivered."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import (
    PydanticSerializer,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.exceptions import ClientError
from pydantic import BaseModel

from crowdcare.adapters.dynamodb.conditional import is_conditional_failure

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

ONE_DAY_SECONDS = 24 * 60 * 60


class OncePerKey[R]:
    """A function that runs once per key; call `register(context)` in each invocation."""

    def __init__(self, func: Callable[..., R], config: IdempotencyConfig) -> None:
        self._func = func
        self._config = config

    def register(self, context: LambdaContext) -> None:
        """Let powertools size in-progress locks by the invocation's remaining time."""
        self._config.register_lambda_context(context)

    def __call__(self, **kwargs: Any) -> R:
        return self._func(**kwargs)


def once_per_key[R](
    func: Callable[..., R],
    *,
    table: str,
    client: DynamoDBClient,
    key: str,
    expires_after_seconds: int = ONE_DAY_SECONDS,
    result_model: type[BaseModel] | None = None,
) -> OncePerKey[R]:
    """Wrap `func` so that a call whose keyword argument `key` was seen before is a no-op.

    The argument is a pydantic model; its JSON is the idempotency key. The earlier result is
    returned for a repeat call, from the powertools idempotency table (`result_model` says how
    to store and rebuild a pydantic result).
    """
    store = DynamoDBPersistenceLayer(table_name=table, boto3_client=client)
    config = IdempotencyConfig(
        expires_after_seconds=expires_after_seconds, raise_on_no_idempotency_key=True
    )
    wrapped: Callable[..., Any] = idempotent_function(
        func,
        data_keyword_argument=key,
        persistence_store=store,
        config=config,
        output_serializer=None if result_model is None else PydanticSerializer(result_model),
    )
    return OncePerKey(wrapped, config)


CHANNEL_LOCK_SECONDS = 120


class SentChannelsTable:
    """`SentChannels` on the idempotency table: one item per (notice, channel) send, and one
    per notice with the channels its first delivery chose.

    A send first claims its key (conditional put, locked for CHANNEL_LOCK_SECONDS so a
    concurrent delivery of the same notice does not send too), then stores the provider's
    message id. A failed send gives its claim back, so only what failed is tried again: an SMS
    failure never sends the email twice. (As with any at-least-once queue, a crash between the
    provider's answer and the write below may send that one channel again.) The notice's item
    (one conditional put, never updated) keeps a redelivery to the first delivery's channels.
    """

    def __init__(
        self,
        client: DynamoDBClient,
        table: str,
        clock: Callable[[], float],
        expires_after_seconds: int = ONE_DAY_SECONDS,
    ) -> None:
        self._client = client
        self._table = table
        self._clock = clock
        self._expires_after = expires_after_seconds

    def once(self, key: str, send: Callable[[], str]) -> str:
        """The message id of `key`'s send: sent now, or remembered from an earlier delivery."""
        item_key = {"id": {"S": f"channel#{key}"}}
        now = int(self._clock())
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    **item_key,
                    "status": {"S": "sending"},
                    "locked_until": {"N": str(now + CHANNEL_LOCK_SECONDS)},
                    "expiration": {"N": str(now + self._expires_after)},
                },
                ConditionExpression=(
                    "attribute_not_exists(id) OR (#status = :sending AND locked_until < :now)"
                ),
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":sending": {"S": "sending"}, ":now": {"N": str(now)}},
            )
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise
            return self._earlier(item_key, key)
        try:
            message_id = send()
        except Exception:
            self._client.delete_item(TableName=self._table, Key=item_key)
            raise
        self._client.update_item(
            TableName=self._table,
            Key=item_key,
            UpdateExpression="SET #status = :sent, message_id = :id REMOVE locked_until",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={":sent": {"S": "sent"}, ":id": {"S": message_id}},
        )
        return message_id

    def decided(self, notice: str, channels: tuple[str, ...]) -> tuple[str, ...]:
        """The channels the notice's first delivery chose: `channels` now, else the stored ones."""
        item_key = {"id": {"S": f"notice#{notice}"}}
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    **item_key,
                    "channels": {"L": [{"S": channel} for channel in channels]},
                    "expiration": {"N": str(int(self._clock()) + self._expires_after)},
                },
                ConditionExpression="attribute_not_exists(id)",
            )
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise
            item = self._client.get_item(
                TableName=self._table, Key=item_key, ConsistentRead=True
            ).get("Item")
            if item is not None:
                return tuple(value["S"] for value in item["channels"]["L"])
        return channels

    def earlier(self, key: str) -> str | None:
        """The message id `key` was sent with, or None when it was not (or not yet) sent."""
        item = self._client.get_item(
            TableName=self._table, Key={"id": {"S": f"channel#{key}"}}, ConsistentRead=True
        ).get("Item", {})
        return item["message_id"]["S"] if item.get("status", {}).get("S") == "sent" else None

    def _earlier(self, item_key: dict[str, Any], key: str) -> str:
        item = self._client.get_item(TableName=self._table, Key=item_key, ConsistentRead=True).get(
            "Item", {}
        )
        if item.get("status", {}).get("S") == "sent":
            return item["message_id"]["S"]
        raise ChannelBusyError(key)


class ChannelBusyError(Exception):
    """Another delivery of the same notice is sending on this channel right now: retry later."""
