"""Pick plans, Notify takes the slot, on moto with 50 concurrent mentions and reads that never
learn a slot was taken: nobody over max_open, one assignment write per offer, never a loop."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from crowdcare.adapters.dynamodb.assignments import AssignmentRepository
from crowdcare.adapters.dynamodb.audit import AuditAction, AuditTrail
from crowdcare.adapters.dynamodb.repositories import MentionRepository, ResponderRepository
from crowdcare.domain.messages import AssignmentNotice, LifecycleCase, NextStep, WaitFailure
from crowdcare.domain.models import Responder, ResponderKind
from crowdcare.rules.deeplinks import DeepLinkSigner
from crowdcare.rules.triage.rules import TriageRules
from crowdcare.services.assignment_callbacks import SLOT_TAKEN_ERROR, SlotTakenError
from crowdcare.services.assignment_steps import LifecycleSteps
from crowdcare.testing import ManualClock
from crowdcare.testing.builders import NOON, a_case, a_mention, a_responder
from crowdcare_local.stack import create_template_table

from tests.integration.test_assignments import AtomicCalls

if TYPE_CHECKING:
    from collections.abc import Sequence

    from tests.integration.conftest import CoreAws

ADVOCATES = tuple(f"r{n}" for n in range(5))
RULES = TriageRules.default()


class CountedWrites(AtomicCalls):
    """AtomicCalls that counts the writes of assignment items (a transaction's Put, an
    UpdateItem) on one table; releases are not part of these tests."""

    def __init__(self, client: Any, table: str) -> None:
        super().__init__(client)
        self.table = table
        self.puts = 0
        self.updates = 0

    def __getattr__(self, name: str) -> Any:
        call = super().__getattr__(name)
        if name not in {"transact_write_items", "update_item"}:
            return call

        def counted(*args: Any, **kwargs: Any) -> Any:
            result = call(*args, **kwargs)
            if name == "update_item" and kwargs.get("TableName") == self.table:
                self.updates += 1
            for item in kwargs.get("TransactItems", []):
                if item.get("Put", {}).get("TableName") == self.table:
                    self.puts += 1
            return result

        return counted


class StaleReads:
    """The responders as read once: everyone looks free forever (try_assign is the guard)."""

    def __init__(self, repo: ResponderRepository, snapshot: Sequence[Responder]) -> None:
        self._repo = repo
        self._snapshot = {r.responder_id: r for r in snapshot}

    def get_many(self, responder_ids: Sequence[str]) -> list[Responder]:
        return [self._snapshot[rid] for rid in responder_ids if rid in self._snapshot]

    def available(self, kind: ResponderKind, language: str | None, limit: int) -> list[Responder]:
        return [r for r in self._snapshot.values() if r.kind is kind][:limit]

    def __getattr__(self, name: str) -> Any:
        return getattr(self._repo, name)


class Published:
    def __init__(self) -> None:
        self.notices: list[AssignmentNotice] = []

    def publish(self, notice: AssignmentNotice) -> None:
        self.notices.append(notice)


def _until_offered(steps: LifecycleSteps, case: LifecycleCase) -> tuple[LifecycleCase, int]:
    """Pick ▶ Notify as assignment.asl.json runs them (SlotTakenError's Catch: back to Pick)."""
    for lost in range(len(ADVOCATES) + 2):
        case = steps.pick(case)
        if case.next is not NextStep.WAIT:
            return case, lost
        try:
            steps.notify(case, f"token-{case.mention_id}-{case.attempt}")
        except SlotTakenError as exc:
            failure = WaitFailure(Error=SLOT_TAKEN_ERROR, Cause=str(exc))
            case = case.model_copy(update={"failure": failure})
            continue
        return case, lost
    raise AssertionError(f"{case.mention_id} kept going back to Pick")


def test_fifty_concurrent_mentions_with_stale_reads_never_overload_and_never_loop(
    core_aws: CoreAws,
) -> None:
    """GIVEN 5 advocates with 3 slots, read once as all free, and no employee WHEN 50 mentions
    run Pick ▶ Notify from 8 threads THEN exactly 15 are offered (one assignment write each,
    no second write for the token), nobody is over max_open, each offered mention counts one
    attempt, and the other 35 are queued having counted none."""
    create_template_table(core_aws.dynamodb, "AuditTable", "audit")
    client: Any = CountedWrites(core_aws.dynamodb, core_aws.assignments_table)
    responders = ResponderRepository(client, core_aws.responders_table)
    mentions = MentionRepository(client, core_aws.mentions_table)
    for rid in ADVOCATES:
        responders.put(a_responder(rid, max_open=3))
    stale = StaleReads(responders, responders.get_many(ADVOCATES))
    audit = AuditTrail(client, "audit")
    published = Published()
    steps = LifecycleSteps(
        mentions=mentions,
        responders=stale,
        assignments=AssignmentRepository(
            client, core_aws.assignments_table, core_aws.responders_table
        ),
        audit=audit,
        publisher=published,
        signer=lambda: DeepLinkSigner(b"k" * 32),
        rules=lambda: RULES,
        dashboard_url="https://care.example.com",
        clock=ManualClock(NOON),
    )
    start = threading.Barrier(8)

    def run(index: int) -> tuple[LifecycleCase, int]:
        mention = a_mention(f"m{index}")
        assert mentions.put_if_new(mention, NOON)
        if index < 8:
            start.wait()
        return _until_offered(steps, a_case(mention, *ADVOCATES))

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(run, range(50)))

    offered = [case for case, _ in outcomes if case.next is NextStep.WAIT]
    queued = [case for case, _ in outcomes if case.next is NextStep.QUEUED]
    counters = {r.responder_id: r.open_count for r in responders.get_many(ADVOCATES)}
    holders = Counter(case.assignment.responder_id for case in offered if case.assignment)
    assert (len(offered), len(queued)) == (15, 35)
    assert counters == dict(holders) == dict.fromkeys(ADVOCATES, 3)
    assert (client.puts, client.updates) == (15, 0)
    assert {(c.attempt, c.community_attempts, len(c.tried)) for c in offered} == {(1, 1, 1)}
    assert {(c.attempt, c.community_attempts, c.tried) for c in queued} == {(0, 0, ())}
    assert sum(lost for _, lost in outcomes) > 0  # the stale reads did send plans back
    assert len(published.notices) == 15
    for case in queued:
        actions = [e.action for e in audit.history(case.mention_id)]
        assert AuditAction.ASSIGNED not in actions
