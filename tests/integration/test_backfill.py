"""`crowdcare backfill` on moto: items written before the indexes become visible to them."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from crowdcare.adapters.dynamodb.assignment_gauge import OpenAssignmentsGauge
from crowdcare.adapters.dynamodb.assignment_index import AssignmentIndex
from crowdcare.adapters.dynamodb.codec import to_item
from crowdcare.adapters.dynamodb.mentions import MentionRepository
from crowdcare.adapters.dynamodb.responders import ResponderRepository
from crowdcare.domain.assignments import Assignment
from crowdcare.domain.models import MentionStatus, ResponderKind
from crowdcare.domain.triage import RouteKind, Triage
from crowdcare.testing.builders import (
    NOON,
    a_decision,
    a_mention,
    a_priority,
    a_responder,
    an_analysis,
)
from crowdcare_local.ops.backfill import run_backfill
from crowdcare_local.ops.commands import Report

if TYPE_CHECKING:
    from tests.integration.conftest import CoreAws


@dataclass
class _Clients:
    dynamodb: Any

    def client(self, service: str) -> Any:
        assert service == "dynamodb"
        return self.dynamodb


@dataclass
class _Target:
    """The moto tables as a stack: logical ids to table names."""

    core: CoreAws
    name: str = "test"

    @property
    def clients(self) -> _Clients:
        return _Clients(self.core.dynamodb)

    def physical(self, logical_id: str) -> str:
        return {
            "RespondersTable": self.core.responders_table,
            "MentionsTable": self.core.mentions_table,
            "AssignmentsTable": self.core.assignments_table,
        }[logical_id]


def _old_shape_items(core: CoreAws) -> str:
    """A responder, a queued mention and an open assignment as written before issue 11."""
    ddb = core.dynamodb
    ddb.put_item(
        TableName=core.responders_table,
        Item=to_item(a_responder("ana", email="Ana@Example.com").model_dump(mode="json")),
    )
    mention = a_mention("7")
    triage = Triage(analysis=an_analysis(), priority=a_priority(70), decision=a_decision())
    values = mention.model_dump(mode="json") | {
        "mention_id": mention.mention_id,
        "received_at": NOON.isoformat(),
        "status": MentionStatus.QUEUED.value,
        "triage": triage.model_dump(mode="json"),
    }
    ddb.put_item(TableName=core.mentions_table, Item=to_item(values))
    assignment = Assignment(
        mention_id="x#9",
        responder_id="ana",
        responder_kind=ResponderKind.ADVOCATE,
        route=RouteKind.COMMUNITY,
        priority=50,
        band="P3",
        assigned_at=NOON,
    )
    ddb.put_item(TableName=core.assignments_table, Item=to_item(assignment.model_dump(mode="json")))
    return mention.mention_id


WRITES = {"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"}


def _run(core: CoreAws, *, dry_run: bool = False) -> tuple[dict[str, Any], list[str]]:
    """The command's JSON document and the write calls it made."""
    writes: list[str] = []
    core.dynamodb.meta.events.register(
        "before-parameter-build.dynamodb.*",
        lambda model, **_: writes.append(model.name) if model.name in WRITES else None,
    )
    out, err = io.StringIO(), io.StringIO()
    code = run_backfill(_Target(core), Report(True, out, err), dry_run)  # type: ignore[arg-type]
    core.dynamodb.meta.events.unregister("before-parameter-build.dynamodb.*")
    assert code == 0
    assert "Responders" in err.getvalue()  # progress goes to stderr, the document to stdout
    return json.loads(out.getvalue()), writes


def test_old_items_become_visible_to_the_indexes_and_a_second_run_changes_nothing(
    core_aws: CoreAws,
) -> None:
    """GIVEN a responder, a queued mention and an open assignment without index keys WHEN
    backfill runs THEN the pool, by_email, queue, by_author and open_by_responder queries find
    them and the open-assignments gauge counts the assignment;
    WHEN it runs again THEN it finds nothing to fix and writes nothing."""
    mention_id = _old_shape_items(core_aws)
    responders = ResponderRepository(core_aws.dynamodb, core_aws.responders_table)
    mentions = MentionRepository(core_aws.dynamodb, core_aws.mentions_table)
    index = AssignmentIndex(
        core_aws.dynamodb, core_aws.assignments_table, core_aws.responders_table
    )
    assert responders.available(ResponderKind.ADVOCATE, "en", 10) == []
    assert mentions.queued(10) == []
    assert index.open_for_responder("ana") == []

    first, writes = _run(core_aws)

    assert [t["table"] for t in first["tables"]] == [
        "Responders",
        "Mentions",
        "Authors",
        "Assignments",
        "Gauge",
    ]
    assert [t["fixed"] for t in first["tables"]] == [1, 1, 1, 1, 1]
    assert writes
    assert [r.responder_id for r in responders.available(ResponderKind.ADVOCATE, "en", 10)] == [
        "ana"
    ]
    assert [r.responder_id for r in responders.by_email("ana@example.com")] == ["ana"]
    assert [s.mention.mention_id for s in mentions.queued(10)] == [mention_id]
    assert [a.mention_id for a in index.open_for_responder("ana")] == ["x#9"]
    assert OpenAssignmentsGauge(core_aws.dynamodb, core_aws.assignments_table).open_count() == 1
    later = a_mention("8").model_copy(update={"created_at": NOON + timedelta(hours=1)})
    assert [p.mention_id for p in mentions.earlier_by_author(later, 5)] == [mention_id]

    second, writes = _run(core_aws)

    assert [(t["to_fix"], t["fixed"]) for t in second["tables"]] == [(0, 0)] * 5
    assert writes == []


def test_a_dry_run_counts_and_writes_nothing(core_aws: CoreAws) -> None:
    """GIVEN old-shape items WHEN backfill runs with --dry-run THEN it counts one to fix in
    each table, writes nothing, and the indexes still do not see them."""
    _old_shape_items(core_aws)

    document, writes = _run(core_aws, dry_run=True)

    assert document["dry_run"] is True
    assert [(t["to_fix"], t["fixed"]) for t in document["tables"]] == [(1, 0)] * 4
    assert writes == []
    assert MentionRepository(core_aws.dynamodb, core_aws.mentions_table).queued(10) == []
