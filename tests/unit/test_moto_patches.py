"""The local stack's fixes to moto: a cancelled transaction rolls back exactly what it did."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from crowdcare_local.stack import moto_patches
from moto import mock_aws
from moto.backends import get_backend

REGION = "us-east-1"


def _records(table: Any) -> int:
    """How many stream records the table holds."""
    return len(table.stream_shard.items)


def _table(client: Any) -> None:
    client.create_table(
        TableName="t",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )


def test_a_cancelled_transaction_restores_its_items_and_drops_its_stream_records() -> None:
    """GIVEN stored items, WHEN a transaction updates one and fails on another, THEN the
    updated item is back as it was, its stream record is gone, and untouched items are the
    very same objects (not copies)."""
    moto_patches.apply()
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        _table(client)
        for key in ("a", "b", "c"):
            client.put_item(TableName="t", Item={"k": {"S": key}, "n": {"N": "1"}})
        backend = get_backend("dynamodb")["123456789012"][REGION]
        untouched = backend.get_item("t", {"k": {"S": "c"}})
        table = backend.tables["t"]
        records_before = _records(table)
        with pytest.raises(ClientError) as cancelled:
            client.transact_write_items(
                TransactItems=[
                    {
                        "Update": {
                            "TableName": "t",
                            "Key": {"k": {"S": "a"}},
                            "UpdateExpression": "SET n = :two",
                            "ExpressionAttributeValues": {":two": {"N": "2"}},
                        }
                    },
                    {
                        "Put": {
                            "TableName": "t",
                            "Item": {"k": {"S": "b"}},
                            "ConditionExpression": "attribute_not_exists(k)",
                        }
                    },
                ]
            )
        assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
        table = get_backend("dynamodb")["123456789012"][REGION].tables["t"]
        item = client.get_item(TableName="t", Key={"k": {"S": "a"}})["Item"]
        assert item["n"] == {"N": "1"}
        assert _records(table) == records_before
        assert backend.get_item("t", {"k": {"S": "c"}}) is untouched


def test_a_transaction_that_succeeds_keeps_every_write_and_record() -> None:
    """GIVEN an empty table, WHEN a transaction puts two items, THEN both and both stream
    records are there."""
    moto_patches.apply()
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        _table(client)
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "t", "Item": {"k": {"S": key}}}} for key in ("x", "y")
            ]
        )
        table = get_backend("dynamodb")["123456789012"][REGION].tables["t"]
        assert len(table.items) == 2
        assert _records(table) == 2
