"""Items read per mention do not grow with the number of responders (a counting test).

The small version of `tools/bench/scaling.py`: 1k and then 10k responders seeded straight into
moto's backend, the same mentions routed through the candidate pools, DynamoDB items counted
from the client's responses. No timing is asserted.
"""

from __future__ import annotations

import random

import boto3
from crowdcare.adapters.dynamodb.responders import ResponderRepository
from crowdcare.rules.triage.rules import TriageRules
from crowdcare.services.triage_steps import CANDIDATES_KEPT, route_from_pools
from crowdcare.testing.builders import NOON, a_mention, a_priority, an_analysis
from moto import mock_aws

from tools.bench.scaling import RESPONDERS, Reads, create_tables, seed_responders
from tools.bench.seeding import REGION


def _reads_per_mention(count: int) -> list[tuple[int, int]]:
    """(items read, candidates kept) for three mentions, with `count` responders stored."""
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        reads = Reads()
        client.meta.events.register("after-call.dynamodb.*", reads.hook)
        create_tables(client, "RespondersTable")
        seed_responders(client, count, random.Random(11))  # noqa: S311 - synthetic data
        repo = ResponderRepository(client, RESPONDERS)
        figures = []
        for n, language in enumerate(("en", "es", "de")):
            with reads.counting():
                decision = route_from_pools(
                    a_mention(str(n)),
                    an_analysis(language=language),
                    a_priority(55),
                    repo,
                    TriageRules.default(),
                    NOON,
                )
            figures.append((reads.read, len(decision.candidates)))
        return figures


def test_items_read_per_mention_do_not_grow_with_responders() -> None:
    """GIVEN 1k and then 10k responders WHEN the same mentions are routed THEN each reads the
    same bounded number of items (at most two pools of CANDIDATES_KEPT) and keeps at most
    CANDIDATES_KEPT candidates."""
    small = _reads_per_mention(1_000)
    large = _reads_per_mention(10_000)

    assert small == large
    assert all(read <= 2 * CANDIDATES_KEPT for read, _ in large)
    assert all(0 < kept <= CANDIDATES_KEPT for _, kept in large)
