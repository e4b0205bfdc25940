"""The scaling bench's fast seeding never files an item that differs from the builder's."""

from __future__ import annotations

from typing import Any

import pytest

from tools.bench.seeding import like


def _build(n: int) -> dict[str, Any]:
    return {"id": {"S": f"m{n}"}, "kind": {"S": "even" if n % 2 == 0 else "odd"}}


def test_items_follow_the_builder_when_only_the_varied_attributes_change() -> None:
    """GIVEN a builder whose items differ only in `id` WHEN seeded with `id` varied THEN every
    item equals the builder's."""
    items = list(like(lambda n: {"id": {"S": f"m{n}"}, "k": {"S": "x"}}, _vary, range(5)))

    assert items == [{"id": {"S": f"m{n}"}, "k": {"S": "x"}} for n in range(5)]


def test_a_prototype_that_drifts_from_the_builder_fails_loudly() -> None:
    """GIVEN a builder with an attribute the variation leaves out WHEN seeded THEN the check
    of the first items raises instead of filing wrong items."""
    with pytest.raises(RuntimeError, match="differs"):
        list(like(_build, _vary, range(5)))


def _vary(n: int) -> dict[str, Any]:
    return {"id": {"S": f"m{n}"}}
