"""Candidate pools on moto: who has a free slot, read by key; a stale pool never overloads."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from crowdcare.adapters.dynamodb.assignment_index import AssignmentIndex
from crowdcare.adapters.dynamodb.assignments import AssignmentRepository
from crowdcare.adapters.dynamodb.responder_profiles import ResponderStore
from crowdcare.adapters.dynamodb.responders import ResponderRepository
from crowdcare.domain.assignments import Assignment, AssignmentStatus
from crowdcare.domain.models import Responder, ResponderKind
from crowdcare.domain.triage import RouteKind
from crowdcare.rules.triage.rules import TriageRules
from crowdcare.services.triage_steps import CANDIDATES_KEPT, route_from_pools
from crowdcare.testing.builders import NOON, a_mention, a_priority, a_responder, an_analysis

from tests.integration.test_assignments import AtomicCalls

if TYPE_CHECKING:
    from tests.integration.conftest import CoreAws


def _ids(responders: list[Responder]) -> set[str]:
    return {r.responder_id for r in responders}


def _assignment(mention_id: str, responder_id: str) -> Assignment:
    return Assignment(
        mention_id=mention_id,
        responder_id=responder_id,
        responder_kind=ResponderKind.ADVOCATE,
        route=RouteKind.COMMUNITY,
        priority=55,
        band="P2",
        assigned_at=NOON,
    )


def test_pools_are_by_kind_and_language_and_capped(core_aws: CoreAws) -> None:
    """GIVEN advocates in two languages and an employee WHEN pools are read THEN each holds its
    own, the best reputation first, never more than the limit; those who speak the language
    as a second one come after the first-language speakers."""
    repo = ResponderRepository(core_aws.dynamodb, core_aws.responders_table)
    for n in range(6):
        repo.put(a_responder(f"en{n}", languages=("en",), reputation=n / 10))
    repo.put(a_responder("bilingual", languages=("fr", "en-GB")))
    repo.put(a_responder("boss", ResponderKind.EMPLOYEE, languages=("fr",)))

    english = repo.available(ResponderKind.ADVOCATE, "en", limit=3)

    assert [r.responder_id for r in english] == ["en5", "en4", "en3"]
    everyone = repo.available(ResponderKind.ADVOCATE, "en", limit=10)
    assert [r.responder_id for r in everyone][-2:] == ["en0", "bilingual"]
    assert _ids(repo.available(ResponderKind.ADVOCATE, "fr-CA", limit=10)) == {"bilingual"}
    assert _ids(repo.available(ResponderKind.EMPLOYEE, None, limit=10)) == {"boss"}


def test_a_paused_responder_leaves_the_pool_at_once(core_aws: CoreAws) -> None:
    """GIVEN an advocate in the pool WHEN the dashboard pauses them THEN no pool offers them,
    and resuming puts them back."""
    profiles = ResponderStore(core_aws.dynamodb, core_aws.responders_table)
    repo = ResponderRepository(core_aws.dynamodb, core_aws.responders_table)
    profiles.upsert(a_responder("ana", languages=("es", "en")))
    assert _ids(repo.available(ResponderKind.ADVOCATE, "en", limit=10)) == {"ana"}

    profiles.update("ana", {"active": False})

    assert repo.available(ResponderKind.ADVOCATE, "en", limit=10) == []
    assert repo.available(ResponderKind.ADVOCATE, "es", limit=10) == []
    profiles.update("ana", {"active": True})
    assert _ids(repo.available(ResponderKind.ADVOCATE, "es", limit=10)) == {"ana"}


def test_a_full_responder_leaves_the_pool_and_a_release_brings_them_back(
    core_aws: CoreAws,
) -> None:
    """GIVEN an advocate with one slot WHEN it is taken THEN they leave the pool; WHEN the
    assignment closes THEN they are back, with their counter right."""
    repo = ResponderRepository(core_aws.dynamodb, core_aws.responders_table)
    assignments = AssignmentRepository(
        core_aws.dynamodb, core_aws.assignments_table, core_aws.responders_table
    )
    repo.put(a_responder("ana", max_open=1))

    assert assignments.try_assign(_assignment("x#1", "ana"))
    assert repo.available(ResponderKind.ADVOCATE, "en", limit=10) == []

    assert assignments.release("x#1", AssignmentStatus.REPLIED) is not None
    back = repo.available(ResponderKind.ADVOCATE, "en", limit=10)
    assert [(r.responder_id, r.open_count) for r in back] == [("ana", 0)]


class StalePool:
    """A pool read once and never again: every advocate looks free forever."""

    def __init__(self, snapshot: list[Responder]) -> None:
        self.snapshot = snapshot

    def available(self, kind: ResponderKind, language: str | None, limit: int) -> list[Responder]:
        return [r for r in self.snapshot if r.kind is kind][:limit]


def test_fifty_concurrent_mentions_with_a_stale_pool_never_overload_anyone(
    core_aws: CoreAws,
) -> None:
    """GIVEN 5 advocates with 3 slots and a pool that never learns they fill up WHEN 50
    mentions are routed and assigned from 8 threads THEN exactly 15 are assigned and nobody
    is over max_open (try_assign is the guard, not the pool)."""
    client: Any = AtomicCalls(core_aws.dynamodb)
    repo = ResponderRepository(client, core_aws.responders_table)
    assignments = AssignmentRepository(
        client, core_aws.assignments_table, core_aws.responders_table
    )
    for n in range(5):
        repo.put(a_responder(f"r{n}", max_open=3))
    stale = StalePool(repo.available(ResponderKind.ADVOCATE, "en", limit=CANDIDATES_KEPT))
    rules = TriageRules()
    start = threading.Barrier(8)

    def assign(index: int) -> str | None:
        if index < 8:
            start.wait()
        mention = a_mention(f"m{index}")
        decision = route_from_pools(mention, an_analysis(), a_priority(50), stale, rules, NOON)
        for rid in decision.candidates:
            if assignments.try_assign(_assignment(mention.mention_id, rid)):
                return rid
        return None

    with ThreadPoolExecutor(max_workers=8) as pool:
        winners = [w for w in pool.map(assign, range(50)) if w is not None]

    counters = {r.responder_id: r.open_count for r in repo.list_all()}
    assert len(winners) == 15
    assert counters == dict(Counter(winners)) == {f"r{n}": 3 for n in range(5)}
    assert repo.available(ResponderKind.ADVOCATE, "en", limit=10) == []


def test_the_feed_index_holds_open_assignments_only_and_history_pages(
    core_aws: CoreAws,
) -> None:
    """GIVEN a responder with one closed and two open assignments WHEN the feed index is read
    THEN only the open two come back; the history comes a page at a time, newest first."""
    repo = ResponderRepository(core_aws.dynamodb, core_aws.responders_table)
    assignments = AssignmentRepository(
        core_aws.dynamodb, core_aws.assignments_table, core_aws.responders_table
    )
    index = AssignmentIndex(
        core_aws.dynamodb, core_aws.assignments_table, core_aws.responders_table
    )
    repo.put(a_responder("ana", max_open=5))
    for n in range(3):
        assignments.try_assign(
            _assignment(f"x#{n}", "ana").model_copy(
                update={"assigned_at": NOON + timedelta(minutes=n)}
            )
        )
    assignments.release("x#0", AssignmentStatus.REPLIED)

    open_ids = {a.mention_id for a in index.open_for_responder("ana")}
    first, after = index.history("ana", limit=2)
    rest, last = index.history("ana", limit=2, after=after)

    assert open_ids == {"x#1", "x#2"}
    assert [a.mention_id for a in first + rest] == ["x#2", "x#1", "x#0"]
    assert last is None or rest == []


def test_an_assignment_that_leaves_a_slot_free_writes_the_responder_once(
    core_aws: CoreAws,
) -> None:
    """GIVEN an advocate with two slots WHEN the first is taken THEN the responder item is
    written once (the transaction) and they stay in the pool; WHEN the second is taken THEN
    the pool keys are removed by a second write."""
    repo = ResponderRepository(core_aws.dynamodb, core_aws.responders_table)
    assignments = AssignmentRepository(
        core_aws.dynamodb, core_aws.assignments_table, core_aws.responders_table
    )
    repo.put(a_responder("ana", max_open=2))
    writes: list[str] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        if params["TableName"] == core_aws.responders_table:
            writes.append(params["UpdateExpression"])

    core_aws.dynamodb.meta.events.register("before-parameter-build.dynamodb.UpdateItem", record)

    assert assignments.try_assign(_assignment("x#1", "ana"))
    assert writes == []
    assert _ids(repo.available(ResponderKind.ADVOCATE, "en", limit=10)) == {"ana"}
    assert assignments.try_assign(_assignment("x#2", "ana"))
    assert [w.split()[0] for w in writes] == ["REMOVE"]
    assert repo.available(ResponderKind.ADVOCATE, "en", limit=10) == []
