"""AssignmentRepository against moto: one assignment per mention, never above max_open."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from crowdcare.adapters.dynamodb.assignment_gauge import OpenAssignmentsGauge
from crowdcare.adapters.dynamodb.assignments import (
    AlreadyAssignedError,
    Assignment,
    AssignmentRepository,
    AssignmentStatus,
)
from crowdcare.adapters.dynamodb.repositories import ResponderRepository
from crowdcare.domain.models import Responder, ResponderKind
from crowdcare.domain.triage import RouteKind

if TYPE_CHECKING:
    from tests.integration.conftest import CoreAws

ASSIGNED_AT = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def advocate(rid: str, **fields: object) -> Responder:
    values: dict[str, object] = {
        "responder_id": rid,
        "kind": ResponderKind.ADVOCATE,
        "name": rid.title(),
        "email": f"{rid}@example.com",
        "max_open": 3,
    }
    values.update(fields)
    return Responder.model_validate(values)


def assignment(mention_id: str, responder_id: str, minute: int = 0) -> Assignment:
    return Assignment(
        mention_id=mention_id,
        responder_id=responder_id,
        responder_kind=ResponderKind.ADVOCATE,
        route=RouteKind.COMMUNITY,
        priority=55,
        band="P2",
        assigned_at=ASSIGNED_AT + timedelta(minutes=minute),
    )


@pytest.fixture
def responders(core_aws: CoreAws) -> ResponderRepository:
    """The repository over the moto Responders table."""
    return ResponderRepository(core_aws.dynamodb, core_aws.responders_table)


@pytest.fixture
def repo(core_aws: CoreAws) -> AssignmentRepository:
    """The assignment repository over the moto Assignments and Responders tables."""
    return AssignmentRepository(
        core_aws.dynamodb, core_aws.assignments_table, core_aws.responders_table
    )


def open_count(responders: ResponderRepository, rid: str) -> int:
    responder = responders.get(rid)
    assert responder is not None
    return responder.open_count


def test_try_assign_takes_a_slot(
    repo: AssignmentRepository, responders: ResponderRepository
) -> None:
    """A successful assignment is stored and the responder's open count goes from 0 to 1."""
    # GIVEN an active advocate with no open assignments
    responders.put(advocate("ana"))
    # WHEN a mention is assigned to her
    taken = repo.try_assign(assignment("x#1", "ana"))
    # THEN the assignment is stored, open, and her counter is 1
    assert taken is True
    assert repo.get("x#1") == assignment("x#1", "ana")
    assert repo.get("x#1").status is AssignmentStatus.OPEN  # type: ignore[union-attr]
    assert open_count(responders, "ana") == 1


def test_second_assignment_of_a_mention_is_refused(
    repo: AssignmentRepository, responders: ResponderRepository
) -> None:
    """Assigning an already assigned mention raises AlreadyAssignedError and takes no slot."""
    # GIVEN a mention assigned to ana, and bob free
    responders.put(advocate("ana"))
    responders.put(advocate("bob"))
    repo.try_assign(assignment("x#1", "ana"))
    # WHEN it is assigned again, to bob
    with pytest.raises(AlreadyAssignedError):
        repo.try_assign(assignment("x#1", "bob", minute=1))
    # THEN ana keeps it and bob's counter did not move
    assert repo.get("x#1") == assignment("x#1", "ana")
    assert (open_count(responders, "ana"), open_count(responders, "bob")) == (1, 0)


def test_responder_at_capacity_is_refused(
    repo: AssignmentRepository, responders: ResponderRepository
) -> None:
    """A responder at max_open gets False and no assignment is stored."""
    # GIVEN an advocate already at max_open
    responders.put(advocate("ana", max_open=2, open_count=2))
    # WHEN a mention is offered to her
    taken = repo.try_assign(assignment("x#1", "ana"))
    # THEN it is refused, nothing stored, counter unchanged
    assert taken is False
    assert repo.get("x#1") is None
    assert open_count(responders, "ana") == 2


def test_paused_responder_is_refused(
    repo: AssignmentRepository, responders: ResponderRepository
) -> None:
    """A paused (inactive) responder gets False even with free slots."""
    # GIVEN a paused advocate with capacity
    responders.put(advocate("ana", active=False))
    # WHEN a mention is offered to her
    taken = repo.try_assign(assignment("x#1", "ana"))
    # THEN it is refused and nothing stored
    assert taken is False
    assert repo.get("x#1") is None
    assert open_count(responders, "ana") == 0


def test_unknown_responder_is_refused(repo: AssignmentRepository) -> None:
    """An assignment to a responder not in the table gets False and stores nothing."""
    # GIVEN no responders
    # WHEN a mention is offered to an unknown id
    taken = repo.try_assign(assignment("x#1", "ghost"))
    # THEN it is refused
    assert taken is False
    assert repo.list_all() == []


def test_release_returns_the_slot_once(
    repo: AssignmentRepository, responders: ResponderRepository
) -> None:
    """release closes the assignment and frees the slot; a second release changes nothing."""
    # GIVEN two open assignments held by ana
    responders.put(advocate("ana"))
    repo.try_assign(assignment("x#1", "ana"))
    repo.try_assign(assignment("x#2", "ana"))
    # WHEN one is released twice
    repo.release("x#1", AssignmentStatus.REPLIED)
    after_first = open_count(responders, "ana")
    repo.release("x#1", AssignmentStatus.EXPIRED)
    # THEN the counter went 2 -> 1 and stayed; the first closing status is kept
    assert (after_first, open_count(responders, "ana")) == (1, 1)
    assert repo.get("x#1").status is AssignmentStatus.REPLIED  # type: ignore[union-attr]
    assert repo.get("x#2").status is AssignmentStatus.OPEN  # type: ignore[union-attr]


def test_release_never_makes_the_counter_negative(
    repo: AssignmentRepository, responders: ResponderRepository
) -> None:
    """Releasing every assignment, each twice, ends at zero, never below."""
    # GIVEN one open assignment
    responders.put(advocate("ana"))
    repo.try_assign(assignment("x#1", "ana"))
    # WHEN it is released repeatedly and an unknown mention is released too
    for _ in range(3):
        repo.release("x#1", AssignmentStatus.REPLIED)
    repo.release("x#404", AssignmentStatus.REPLIED)
    # THEN the counter is 0
    assert open_count(responders, "ana") == 0


def test_released_slot_can_be_taken_again(
    repo: AssignmentRepository, responders: ResponderRepository
) -> None:
    """After a release a full responder can take a new mention."""
    # GIVEN an advocate with max_open 1 holding one mention
    responders.put(advocate("ana", max_open=1))
    assert repo.try_assign(assignment("x#1", "ana"))
    assert repo.try_assign(assignment("x#2", "ana")) is False
    # WHEN the first is released
    repo.release("x#1", AssignmentStatus.REPLIED)
    # THEN the second can be assigned
    assert repo.try_assign(assignment("x#2", "ana")) is True
    assert open_count(responders, "ana") == 1


def test_assignments_are_queryable_by_responder(
    core_aws: CoreAws, repo: AssignmentRepository, responders: ResponderRepository
) -> None:
    """The by_responder index lists a responder's assignments in assignment order."""
    # GIVEN ana and bob with assignments at different minutes
    responders.put(advocate("ana"))
    responders.put(advocate("bob"))
    repo.try_assign(assignment("x#2", "ana", minute=5))
    repo.try_assign(assignment("x#1", "ana", minute=1))
    repo.try_assign(assignment("x#3", "bob", minute=3))
    # WHEN ana's assignments are queried through the index
    items = core_aws.dynamodb.query(
        TableName=core_aws.assignments_table,
        IndexName="by_responder",
        KeyConditionExpression="responder_id = :r",
        ExpressionAttributeValues={":r": {"S": "ana"}},
    )["Items"]
    # THEN hers come back oldest first
    assert [i["mention_id"]["S"] for i in items] == ["x#1", "x#2"]
    assert len(repo.list_all()) == 3


RESPONDER_IDS = ("r1", "r2", "r3", "r4", "r5")
MAX_OPEN = 3
MENTIONS = 50
THREADS = 8


class AtomicCalls:
    """A DynamoDB client whose every call runs alone, as each call is atomic in DynamoDB itself.

    moto 5.2.1's transact_write_items is not thread-safe: it snapshots each table with
    deepcopy before the transaction and, on a cancelled transaction, puts the snapshots back,
    erasing writes other threads committed in between (and deepcopy can raise "dictionary
    changed size during iteration"). The real service runs each transaction atomically; this
    wrapper restores that guarantee, while the threads still interleave between calls, which
    is what the repository's conditional writes must cope with. (Without it, runs against
    moto showed extra Assignments rows and lost writes; the local stack makes moto's writes
    atomic for the same reason.)
    """

    def __init__(self, client: Any) -> None:
        self._client = client
        self._lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._client, name)
        if not callable(attribute):
            return attribute

        def call(*args: Any, **kwargs: Any) -> Any:
            with self._lock:
                return attribute(*args, **kwargs)

        return call


def test_concurrent_assignment_never_overloads_anyone(core_aws: CoreAws) -> None:
    """50 mentions from 8 threads fill exactly 5 x 3 slots, never more; releases empty them."""
    # GIVEN 5 advocates with max_open 3, and a client shared by all threads
    client: Any = AtomicCalls(core_aws.dynamodb)
    responders = ResponderRepository(client, core_aws.responders_table)
    repo = AssignmentRepository(client, core_aws.assignments_table, core_aws.responders_table)
    for rid in RESPONDER_IDS:
        responders.put(advocate(rid, max_open=MAX_OPEN))
    start = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def assign_first_free(index: int) -> str | None:
        """Like TriageSteps.assign: try candidates in order, first free slot wins."""
        if index < THREADS:
            start.wait()  # make the first wave really concurrent
        mention_id = f"x#{index}"
        # Rotate the order so threads contend for different responders, not one queue.
        order = RESPONDER_IDS[index % 5 :] + RESPONDER_IDS[: index % 5]
        for rid in order:
            try:
                if repo.try_assign(assignment(mention_id, rid)):
                    return rid
            except Exception as exc:  # noqa: BLE001 - collected and asserted empty below
                failures.append(exc)
                return None
        return None

    # WHEN every mention is assigned concurrently
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        winners = list(pool.map(assign_first_free, range(MENTIONS)))

    # THEN nothing raised (each mention is tried by one thread only: no AlreadyAssignedError)
    assert failures == []
    # AND no responder is above max_open, by counter and by stored assignments
    counters = {rid: open_count(responders, rid) for rid in RESPONDER_IDS}
    stored = repo.list_all()
    per_responder = Counter(a.responder_id for a in stored)
    assert all(count <= MAX_OPEN for count in counters.values()), counters
    assert all(count <= MAX_OPEN for count in per_responder.values()), per_responder
    # AND exactly 15 succeeded, each recorded once, the rest failed cleanly with no record
    succeeded = [w for w in winners if w is not None]
    assert len(succeeded) == len(RESPONDER_IDS) * MAX_OPEN
    assert len(stored) == len(succeeded)
    assert counters == dict(per_responder) == dict.fromkeys(RESPONDER_IDS, MAX_OPEN)
    failed_ids = {f"x#{i}" for i, w in enumerate(winners) if w is None}
    assert failed_ids.isdisjoint(a.mention_id for a in stored)

    # WHEN everything is released, concurrently
    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        list(pool.map(lambda a: repo.release(a.mention_id, AssignmentStatus.REPLIED), stored))

    # THEN every counter is back to 0 and every assignment is closed
    assert {rid: open_count(responders, rid) for rid in RESPONDER_IDS} == dict.fromkeys(
        RESPONDER_IDS, 0
    )
    assert {a.status for a in repo.list_all()} == {AssignmentStatus.REPLIED}


def test_open_assignments_gauge_follows_every_open_and_close(
    repo: AssignmentRepository, responders: ResponderRepository, core_aws: CoreAws
) -> None:
    """Opening, refusing, re-releasing and closing move the gauge exactly as the table moves."""
    # GIVEN two advocates with room for three each, and the gauge over their Assignments table
    gauge = OpenAssignmentsGauge(core_aws.dynamodb, core_aws.assignments_table)
    responders.put(advocate("ana"))
    responders.put(advocate("bo", max_open=1))
    # WHEN five mentions are offered (one of bo's is refused: full) and two are closed, one twice
    for index, rid in enumerate(["ana", "ana", "bo", "bo", "ana"]):
        repo.try_assign(assignment(f"x#{index}", rid))
    repo.release("x#0", AssignmentStatus.REPLIED)
    repo.release("x#0", AssignmentStatus.REPLIED)
    repo.release("x#2", AssignmentStatus.DECLINED)
    # THEN the gauge counts the two still open, which is what the table holds, and the gauge's
    # own items never show up as assignments
    still_open = [a for a in repo.list_all() if a.status is AssignmentStatus.OPEN]
    assert gauge.open_count() == len(still_open) == 2
    assert {a.mention_id for a in repo.list_all()} == {"x#0", "x#1", "x#2", "x#4"}


def test_gauge_rebuild_counts_assignments_written_before_it(
    repo: AssignmentRepository, responders: ResponderRepository, core_aws: CoreAws
) -> None:
    """An open assignment written without the gauge (an older stack) is counted by rebuild()."""
    # GIVEN one assignment opened through the repository and one written as an older stack did
    gauge = OpenAssignmentsGauge(core_aws.dynamodb, core_aws.assignments_table)
    responders.put(advocate("ana"))
    repo.try_assign(assignment("x#1", "ana"))
    core_aws.dynamodb.put_item(
        TableName=core_aws.assignments_table,
        Item={
            "mention_id": {"S": "x#old"},
            "responder_id": {"S": "ana"},
            "status": {"S": "open"},
        },
    )
    assert gauge.open_count() == 1
    # WHEN an operator rebuilds the gauge
    rebuilt = gauge.rebuild()
    # THEN both are counted, and later moves go on from there; a second rebuild changes nothing
    assert rebuilt == (2, True)
    assert gauge.open_count() == 2
    assert gauge.rebuild() == (2, False)
    repo.release("x#1", AssignmentStatus.REPLIED)
    assert gauge.open_count() == 1
