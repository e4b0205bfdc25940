"""The in-memory fakes (crowdcare.testing) keep the DynamoDB adapters' contract.

Each scenario runs against the fake and against the real repository on moto, so a service
unit-tested on the fakes behaves the same on DynamoDB.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

import pytest
from crowdcare.adapters.dynamodb.assignments import AssignmentRepository
from crowdcare.adapters.dynamodb.mentions import MentionRepository
from crowdcare.adapters.dynamodb.responders import ResponderRepository
from crowdcare.domain.assignments import Assignment, AssignmentStatus
from crowdcare.domain.errors import AlreadyAssignedError
from crowdcare.domain.models import Mention, MentionStatus, Responder, ResponderKind
from crowdcare.domain.triage import RouteKind
from crowdcare.ports import AssignmentStore, MentionStore, ResponderStore, StuckMentionStore
from crowdcare.testing import FakeAssignments, FakeMentions, FakeResponders
from crowdcare.testing.builders import NOON, a_mention, a_responder

from tests.integration.conftest import CoreAws


@dataclass
class Stores:
    """One implementation of each port, plus how to store a mention in it."""

    mentions: MentionStore
    responders: ResponderStore
    assignments: AssignmentStore
    put_responder: Callable[[Responder], None]
    put_mention: Callable[[Mention], object]


@pytest.fixture(params=["fake", "dynamodb"])
def stores(request: pytest.FixtureRequest) -> Stores:
    """The fakes, or the DynamoDB repositories on moto."""
    if request.param == "fake":
        mentions = FakeMentions()
        responders = FakeResponders()
        return Stores(
            mentions,
            responders,
            FakeAssignments(responders),
            responders.put,
            lambda m: mentions.add(m, received_at=NOON),
        )
    aws: CoreAws = request.getfixturevalue("core_aws")
    mentions_repo = MentionRepository(aws.dynamodb, aws.mentions_table)
    responders_repo = ResponderRepository(aws.dynamodb, aws.responders_table)
    return Stores(
        mentions_repo,
        responders_repo,
        AssignmentRepository(aws.dynamodb, aws.assignments_table, aws.responders_table),
        responders_repo.put,
        lambda m: mentions_repo.put_if_new(m, NOON),
    )


def _assignment(responder_id: str, attempt: int = 1) -> Assignment:
    return Assignment(
        mention_id="x#1",
        responder_id=responder_id,
        responder_kind=ResponderKind.ADVOCATE,
        route=RouteKind.COMMUNITY,
        priority=50,
        band="P3",
        assigned_at=NOON,
        attempt=attempt,
    )


def _put_responder(stores: Stores, **fields: int) -> None:
    stores.put_responder(a_responder("ana", ResponderKind.ADVOCATE, **fields))


def test_a_full_responder_is_not_assigned(stores: Stores) -> None:
    """try_assign answers False, and takes nothing, when the responder has no free slot."""
    # GIVEN ana with one slot, taken
    _put_responder(stores, max_open=1, open_count=1)
    # WHEN a mention is assigned to her
    # THEN it is refused and nothing is stored
    assert stores.assignments.try_assign(_assignment("ana")) is False
    assert stores.assignments.get("x#1") is None


def test_a_second_open_assignment_is_refused(stores: Stores) -> None:
    """A mention with an open assignment cannot be assigned again (a retried step)."""
    # GIVEN x#1 assigned to ana
    _put_responder(stores)
    assert stores.assignments.try_assign(_assignment("ana"))
    # WHEN it is assigned again
    # THEN the store refuses it as already assigned
    with pytest.raises(AlreadyAssignedError):
        stores.assignments.try_assign(_assignment("ana", attempt=2))


def test_release_closes_only_its_attempt_and_only_once(stores: Stores) -> None:
    """Releasing another attempt does nothing; releasing twice gives the slot back once."""
    # GIVEN x#1 assigned to ana as attempt 1
    _put_responder(stores)
    stores.assignments.try_assign(_assignment("ana"))
    # WHEN attempt 2 is released, then attempt 1 twice
    other = stores.assignments.release("x#1", AssignmentStatus.EXPIRED, attempt=2)
    first = stores.assignments.release("x#1", AssignmentStatus.DECLINED, attempt=1)
    second = stores.assignments.release("x#1", AssignmentStatus.DECLINED, attempt=1)
    # THEN only the first release of attempt 1 closed it, and ana's slot is back
    assert other is None
    assert first is not None
    assert first.status is AssignmentStatus.DECLINED
    assert second is None
    ana = stores.responders.get("ana")
    assert ana is not None
    assert ana.open_count == 0


def test_a_token_is_kept_only_on_the_open_attempt(stores: Stores) -> None:
    """store_token refuses a closed attempt and another responder's."""
    # GIVEN x#1 assigned to ana
    _put_responder(stores)
    stores.assignments.try_assign(_assignment("ana"))
    deadline = NOON + timedelta(hours=1)
    # WHEN tokens are stored for someone else, then for her, then after she declined
    wrong = stores.assignments.store_token("x#1", "ben", 1, "t", deadline)
    right = stores.assignments.store_token("x#1", "ana", 1, "t", deadline)
    stores.assignments.release("x#1", AssignmentStatus.DECLINED)
    late = stores.assignments.store_token("x#1", "ana", 1, "t2", deadline)
    # THEN only her open attempt took it, and closing it removed the token
    assert (wrong, right, late) == (False, True, False)
    closed = stores.assignments.get("x#1")
    assert closed is not None
    assert closed.task_token is None


def test_a_queued_mention_is_taken_once(stores: Stores) -> None:
    """take_from_queue succeeds once per queueing; return_to_queue undoes it."""
    # GIVEN a queued mention
    stores.put_mention(a_mention())
    stores.mentions.set_status("x#1", MentionStatus.QUEUED, "full")
    # WHEN two drains take it, it is returned, and taken again
    first = stores.mentions.take_from_queue("x#1")
    second = stores.mentions.take_from_queue("x#1")
    returned = stores.mentions.return_to_queue("x#1", "did not start")
    again = stores.mentions.take_from_queue("x#1")
    # THEN the second drain got nothing and the count goes on
    assert (first, second, returned, again) == (1, None, True, 2)
    assert [s.mention.mention_id for s in stores.mentions.with_status(MentionStatus.ASSIGNING)] == [
        "x#1"
    ]


def test_suppressing_an_email_twice_changes_it_once(stores: Stores) -> None:
    """suppress_email answers True once, then False (and False for nobody)."""
    # GIVEN ana, still emailed
    _put_responder(stores)
    # WHEN her email is suppressed twice, and a stranger's once
    # THEN only the first call changed anything
    assert stores.responders.suppress_email("ana") is True
    assert stores.responders.suppress_email("ana") is False
    assert stores.responders.suppress_email("ghost") is False


def test_a_responder_is_found_by_address_whatever_its_case(stores: Stores) -> None:
    """by_email finds ana by her address in any case, and nobody for a stranger's."""
    # GIVEN ana, with a mixed-case address
    stores.put_responder(a_responder("ana", email="Ana@Example.com"))
    # WHEN looked up as SES reports addresses (lower-cased), and by an unknown one
    # THEN ana alone, then nobody
    assert [r.responder_id for r in stores.responders.by_email("ana@example.com")] == ["ana"]
    assert list(stores.responders.by_email("ghost@example.com")) == []


def test_a_stuck_mention_is_found_and_claimed_once_and_leaves_the_index_when_final(
    stores: Stores,
) -> None:
    """GIVEN a received mention, WHEN the sweeper looks for received mentions older than a
    later time, THEN it is found, a claim counts once (a second claim of the same finding is
    refused), and once replied it is never found again."""
    # both implementations are StuckMentionStores too (the sweeper's port)
    mentions = cast("StuckMentionStore", stores.mentions)
    stores.put_mention(a_mention())
    later = NOON + timedelta(days=3650)
    [stuck] = mentions.stuck(MentionStatus.RECEIVED, later, limit=5)
    assert (stuck.mention_id, stuck.status) == ("x#1", MentionStatus.RECEIVED)
    assert mentions.claim_redrive(stuck) == 1
    assert mentions.claim_redrive(stuck) is None
    mentions.set_status("x#1", MentionStatus.REPLIED, "https://x.com/brand/status/9")
    assert mentions.stuck(MentionStatus.RECEIVED, later, limit=5) == []
    assert mentions.stuck(MentionStatus.REPLIED, later, limit=5) == []
