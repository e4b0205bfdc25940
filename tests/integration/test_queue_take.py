"""Taking from the queue on moto: one conditional write decides, and it records the taker."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import TYPE_CHECKING

from crowdcare.adapters.dynamodb.mentions import MentionRepository
from crowdcare.domain.models import MentionStatus
from crowdcare.domain.triage import Triage
from crowdcare.testing.builders import NOON, a_decision, a_mention, a_priority, an_analysis
from crowdcare_local.stack import moto_patches

if TYPE_CHECKING:
    from tests.integration.conftest import CoreAws


def _queued(repo: MentionRepository, post_id: str) -> str:
    mention = a_mention(post_id)
    repo.put_if_new(mention, NOON)
    triage = Triage(analysis=an_analysis(), priority=a_priority(70), decision=a_decision())
    repo.record_triage(mention.mention_id, triage, MentionStatus.QUEUED)
    return mention.mention_id


def test_two_people_taking_at_once_one_wins_and_the_other_learns_who(core_aws: CoreAws) -> None:
    """GIVEN a queued mention WHEN two employees take it at the same moment (threads released
    together) THEN exactly one take succeeds and the mention names that one as its taker."""
    # DynamoDB applies one item's conditional writes one at a time; moto needs the local
    # stack's patch to do so across threads (the local run and the browser tests use it too).
    moto_patches.apply()
    repo = MentionRepository(core_aws.dynamodb, core_aws.mentions_table)
    mention_id = _queued(repo, "race")
    start = Barrier(2)

    def take(who: str) -> tuple[str, int | None]:
        start.wait()
        return who, repo.take_from_queue(mention_id, who)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = dict(pool.map(take, ["emp.kim", "emp.lee"]))

    winners = [who for who, offers in results.items() if offers is not None]
    assert len(winners) == 1
    assert repo.taken_by(mention_id) == winners[0]
    stored = repo.get(mention_id)
    assert stored is not None and stored.status is MentionStatus.ASSIGNING


def test_the_drain_take_forgets_an_earlier_taker(core_aws: CoreAws) -> None:
    """GIVEN a mention a person took, then returned to the queue WHEN the drain takes it THEN
    no person is named as its taker."""
    repo = MentionRepository(core_aws.dynamodb, core_aws.mentions_table)
    mention_id = _queued(repo, "again")
    assert repo.take_from_queue(mention_id, "emp.kim") == 1
    assert repo.return_to_queue(mention_id, "the assignment workflow did not start")

    assert repo.take_from_queue(mention_id) == 2

    assert repo.taken_by(mention_id) is None
