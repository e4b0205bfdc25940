"""Seed moto fast: items put straight into moto's in-memory tables, no HTTP, no boto3.

Seeding 1M items through boto3 takes hours on one core; through moto's `Table.put_item` it
still re-measures the whole item for every attribute it adds (`LimitedSizeDict.__setitem__`
sums every attribute so far: quadratic in attributes) and reads the old item first. The items
here come from the repositories' own builders (`codec.to_item` over the same values the
adapters write), so they are valid DynamoDB items already: `put_many` builds moto's `Item`
once and files it under its keys, which is all `put_item` does after its checks. moto evaluates
GSIs at query time from the table's items, so the indexes see seeded items as they would see
written ones (`check_seeded` reads a few back through the real API to make sure).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

REGION = "us-east-1"


def backend_table(name: str, region: str = REGION) -> Any:
    """moto's table object (the process's default account)."""
    from moto.core.models import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[DEFAULT_ACCOUNT_ID][region].get_table(name)


def put_many(table_name: str, items: Iterable[dict[str, Any]]) -> int:
    """File DynamoDB-JSON items into moto's table as `put_item` would; returns the count."""
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict

    table = backend_table(table_name)
    hash_name, range_name = table.hash_key_attr, table.range_key_attr
    count = 0
    for attributes in items:
        item: Any = Item.__new__(Item)
        item.hash_key = DynamoType(attributes[hash_name])
        item.range_key = None if range_name is None else DynamoType(attributes[range_name])
        # dict.update does not call LimitedSizeDict.__setitem__ (the quadratic size check)
        item.attrs = LimitedSizeDict()
        dict.update(item.attrs, {k: DynamoType(v) for k, v in attributes.items()})
        if item.range_key is None:
            table.items[item.hash_key] = item
        else:
            table.items[item.hash_key][item.range_key] = item
        count += 1
    return count


def check_seeded(client: Any, table_name: str, keys: Iterable[dict[str, Any]]) -> None:
    """Read seeded items back through the API: a bad seed fails loudly, not as a figure."""
    for key in keys:
        if "Item" not in client.get_item(TableName=table_name, Key=key):
            raise RuntimeError(f"seeded item {key} is not readable from {table_name}")


def like(
    build: Callable[[int], dict[str, Any]],
    vary: Callable[[int], dict[str, Any]],
    numbers: Iterable[int],
    checks: int = 3,
) -> Iterator[dict[str, Any]]:
    """Items of `build` (the repository's own builder) at seeding speed: the first item built,
    then only the attributes `vary` names replaced; the first `checks` are compared with what
    `build` gives, so a prototype that drifts from the builder fails instead of lying."""
    prototype: dict[str, Any] | None = None
    for index, n in enumerate(numbers):
        if prototype is None:
            prototype = build(n)
        item = prototype | vary(n)
        if index < checks and item != build(n):
            raise RuntimeError(f"seeded item {n} differs from the repository's: {item}")
        yield item
