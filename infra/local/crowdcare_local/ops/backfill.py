"""`crowdcare backfill`: give items written before issue 11 the keys its indexes read.

Three sparse indexes only see items that carry their keys, and items written before the
indexes existed do not:
  * Responders: the candidate pools (`pool_0..2`, `pool_rank`) and `email_key` (by_email),
    all derived from the profile by `responder_pool.pool_values`;
  * Mentions: queued mentions need `queue` and `queue_order` (the queue index);
  * Assignments: open assignments need `open_for` (the open_by_responder index).

Each table is read with a paginated Scan: ADMIN ONLY, run by an operator once after deploying,
never on a per-mention or per-request path. Every write is conditional on what it was computed
from (a responder's counter and pause, a mention still queued, an assignment still open), so
a live write in between wins and the item is left to it; items that already carry the right
keys are not written, so a second run changes nothing. `--dry-run` counts and writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError
from crowdcare.adapters.dynamodb.assignment_gauge import OpenAssignmentsGauge
from crowdcare.adapters.dynamodb.assignments import OPEN_FOR
from crowdcare.adapters.dynamodb.codec import to_item
from crowdcare.adapters.dynamodb.conditional import is_conditional_failure
from crowdcare.adapters.dynamodb.mentions import (
    AUTHOR_KEY,
    AUTHOR_ORDER,
    QUEUE_KEY,
    QUEUE_ORDER,
    QUEUED,
    author_key,
    author_order,
    queue_order,
)
from crowdcare.adapters.dynamodb.repositories import stored_mention_from_item
from crowdcare.adapters.dynamodb.responder_pool import (
    POOL_ATTRIBUTES,
    ResponderPool,
    pool_values,
    responder_from_item,
)
from crowdcare.domain.assignments import AssignmentStatus
from crowdcare.domain.models import MentionStatus

from crowdcare_local.progress import ProgressBar

if TYPE_CHECKING:
    from crowdcare_local.ops.commands import Report
    from crowdcare_local.ops.target import Target


@dataclass
class TableBackfill:
    """What one table's pass found and did."""

    table: str
    scanned: int = 0
    to_fix: int = 0
    fixed: int = 0
    changed_meanwhile: int = 0


def scan(client: Any, table: str, **options: Any) -> Iterator[dict[str, Any]]:
    """ADMIN ONLY: every item of the table, page by page (strongly consistent)."""
    for page in client.get_paginator("scan").paginate(
        TableName=table, ConsistentRead=True, **options
    ):
        yield from page.get("Items", [])


def _update_if(client: Any, **update: Any) -> bool:
    """One conditional UpdateItem; False when its condition no longer held."""
    try:
        client.update_item(**update)
    except ClientError as exc:
        if is_conditional_failure(exc):
            return False
        raise
    return True


def responders_pass(
    client: Any, table: str, dry_run: bool, tick: Callable[[], None]
) -> TableBackfill:
    """Responders whose index keys differ from what their profile says they should be."""
    result = TableBackfill("Responders")
    pool = ResponderPool(client, table)
    for item in scan(client, table):
        result.scanned += 1
        tick()
        wanted = to_item(pool_values(responder_from_item(item)))
        present = {name: item[name] for name in POOL_ATTRIBUTES if name in item}
        if present == wanted:
            continue
        result.to_fix += 1
        if dry_run:
            continue
        # refresh() re-reads the item and writes conditionally on what it read.
        pool.refresh(item["responder_id"]["S"])
        result.fixed += 1
    return result


def mentions_pass(
    client: Any, table: str, dry_run: bool, tick: Callable[[], None]
) -> TableBackfill:
    """Queued mentions missing from the queue index."""
    result = TableBackfill("Mentions")
    for item in scan(
        client,
        table,
        FilterExpression="#status = :queued AND attribute_not_exists(#queue)",
        ExpressionAttributeNames={"#status": "status", "#queue": QUEUE_KEY},
        ExpressionAttributeValues={":queued": {"S": MentionStatus.QUEUED.value}},
    ):
        result.scanned += 1
        tick()
        result.to_fix += 1
        if dry_run:
            continue
        order = queue_order(stored_mention_from_item(item))
        done = _update_if(
            client,
            TableName=table,
            Key={"mention_id": item["mention_id"]},
            UpdateExpression=f"SET #queue = :queue, {QUEUE_ORDER} = :order",
            ConditionExpression="#status = :queued AND attribute_not_exists(#queue)",
            ExpressionAttributeNames={"#status": "status", "#queue": QUEUE_KEY},
            ExpressionAttributeValues={
                ":queue": {"S": QUEUED},
                ":order": {"S": order},
                ":queued": {"S": MentionStatus.QUEUED.value},
            },
        )
        result.fixed += done
        result.changed_meanwhile += not done
    return result


def authors_pass(client: Any, table: str, dry_run: bool, tick: Callable[[], None]) -> TableBackfill:
    """Mentions missing from the by_author index (the cards' earlier mentions)."""
    result = TableBackfill("Authors")
    for item in scan(
        client,
        table,
        FilterExpression="attribute_not_exists(#author)",
        ExpressionAttributeNames={"#author": AUTHOR_KEY},
    ):
        result.scanned += 1
        tick()
        result.to_fix += 1
        if dry_run:
            continue
        mention = stored_mention_from_item(item).mention
        done = _update_if(
            client,
            TableName=table,
            Key={"mention_id": item["mention_id"]},
            UpdateExpression="SET #author = :author, #order = :order",
            ConditionExpression="attribute_exists(mention_id) AND attribute_not_exists(#author)",
            ExpressionAttributeNames={"#author": AUTHOR_KEY, "#order": AUTHOR_ORDER},
            ExpressionAttributeValues={
                ":author": {"S": author_key(mention)},
                ":order": {"S": author_order(mention)},
            },
        )
        result.fixed += done
        result.changed_meanwhile += not done
    return result


def assignments_pass(
    client: Any, table: str, dry_run: bool, tick: Callable[[], None]
) -> TableBackfill:
    """Open assignments missing from the open_by_responder index."""
    result = TableBackfill("Assignments")
    for item in scan(
        client,
        table,
        FilterExpression=f"#status = :open AND attribute_not_exists({OPEN_FOR})",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":open": {"S": AssignmentStatus.OPEN.value}},
    ):
        result.scanned += 1
        tick()
        result.to_fix += 1
        if dry_run:
            continue
        done = _update_if(
            client,
            TableName=table,
            Key={"mention_id": item["mention_id"]},
            UpdateExpression=f"SET {OPEN_FOR} = :responder",
            ConditionExpression=f"#status = :open AND attribute_not_exists({OPEN_FOR})",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":responder": item["responder_id"],
                ":open": {"S": AssignmentStatus.OPEN.value},
            },
        )
        result.fixed += done
        result.changed_meanwhile += not done
    return result


PASSES = (
    ("RespondersTable", responders_pass),
    ("MentionsTable", mentions_pass),
    ("MentionsTable", authors_pass),
    ("AssignmentsTable", assignments_pass),
)


def backfill(client: Any, tables: dict[str, str], dry_run: bool, err: Any) -> list[TableBackfill]:
    """Every pass in turn (`tables`: logical id -> table name); progress on `err`."""
    results = []
    for logical, run_pass in PASSES:
        progress = ProgressBar(logical, None, err)
        counted = [0]

        def tick(progress: ProgressBar = progress, counted: list[int] = counted) -> None:
            counted[0] += 1
            if counted[0] % 500 == 0:
                progress.status(f"{counted[0]:,} items looked at")

        result = run_pass(client, tables[logical], dry_run, tick)
        progress.done(
            f"{result.scanned:,} looked at, {result.to_fix:,} to fix, {result.fixed:,} fixed"
        )
        results.append(result)
    if not dry_run:
        # Last, once every open assignment is indexed: the gauge counts them afresh.
        gauge = OpenAssignmentsGauge(client, tables["AssignmentsTable"])
        open_now, corrected = gauge.rebuild()
        results.append(TableBackfill("Gauge", open_now, int(corrected), int(corrected)))
    return results


def run_backfill(target: Target, report: Report, dry_run: bool) -> int:
    """The `crowdcare backfill` command."""
    tables = {logical: target.physical(logical) for logical, _ in PASSES}
    results = backfill(target.clients.client("dynamodb"), tables, dry_run, report.err)
    if report.as_json:
        report.document({"dry_run": dry_run, "tables": [asdict(r) for r in results]})
    else:
        verb = "would fix" if dry_run else "fixed"
        for r in results:
            report.line(
                f"{r.table:<12} looked at {r.scanned:,}, {verb} "
                f"{r.to_fix if dry_run else r.fixed:,}"
                + (
                    f", {r.changed_meanwhile:,} changed meanwhile (left to the live write)"
                    if r.changed_meanwhile
                    else ""
                )
            )
    return 0
