"""Doing a side effect once per key, however often the event is delivered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import (
    PydanticSerializer,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from crowdcare.config.clients import AwsClients

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
    clients: AwsClients,
    key: str,
    expires_after_seconds: int = ONE_DAY_SECONDS,
    result_model: type[BaseModel] | None = None,
) -> OncePerKey[R]:
    """Wrap `func` so that a call whose keyword argument `key` was seen before is a no-op.

    The argument is a pydantic model; its JSON is the idempotency key. The earlier result is
    returned for a repeat call, from the powertools idempotency table (`result_model` says how
    to store and rebuild a pydantic result).
    """
    store = DynamoDBPersistenceLayer(table_name=table, boto3_client=clients.dynamodb)
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
