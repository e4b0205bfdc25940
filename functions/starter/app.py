"""Mentions table stream → one triage execution per newly stored mention."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from crowdcare.adapters.dynamodb.idempotency import OncePerKey, once_per_key
from crowdcare.adapters.dynamodb.repositories import stored_mention_from_item
from crowdcare.config.clients import default_clients
from crowdcare.config.settings import StarterSettings, load_settings
from crowdcare.config.wiring import build_starter

logger = Logger(service="starter")
tracer = Tracer(service="starter")
processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


@cache
def start_once() -> OncePerKey[Any]:
    settings = load_settings(StarterSettings, os.environ)
    starter = build_starter(settings, default_clients())
    # A stream batch can be delivered again after a partial failure: start each mention once.
    return once_per_key(
        starter.start, table=settings.idempotency_table, clients=default_clients(), key="mention"
    )


def start_triage(record: DynamoDBRecord) -> None:
    image = record.raw_event["dynamodb"]["NewImage"]
    mention = stored_mention_from_item(image).mention
    execution_arn = start_once()(mention=mention)
    logger.info(
        "triage started", extra={"mention_id": mention.mention_id, "execution": execution_arn}
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    start_once().register(context)
    return process_partial_response(
        event=event, record_handler=start_triage, processor=processor, context=context
    )
