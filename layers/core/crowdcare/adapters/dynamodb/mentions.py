"""The Mentions table: one item per platform post; its stream feeds the triage workflow."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from crowdcare.adapters.dynamodb.codec import from_item, to_item
from crowdcare.adapters.dynamodb.conditional import is_conditional_failure
from crowdcare.domain.dashboard import AuthorPost
from crowdcare.domain.models import SWEPT_STATUSES, Mention, MentionStatus
from crowdcare.domain.stored import StoredMention, StuckMention
from crowdcare.domain.triage import Triage

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


# The sparse index the sweeper reads: only items with `open_status` (set while the status is
# one of SWEPT_STATUSES, removed otherwise) are in it, sorted by when they entered it.
OPEN_STATUS_INDEX = "by_open_status"


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _index_update(status: MentionStatus) -> tuple[str, str]:
    """The SET and REMOVE parts that keep the open-status index in step with `status`."""
    if status in SWEPT_STATUSES:
        return ", open_status = :status, status_since = :since", ""
    return ", status_since = :since", " REMOVE open_status"


QUEUE_INDEX = "queue"
QUEUE_KEY = "queue"
"""Sparse hash key of the queue index: present (= QUEUED) only while the mention is queued."""
QUEUED = "queued"
QUEUE_ORDER = "queue_order"
"""Range key: inverted priority then arrival time, so ascending order is most urgent first."""
EXPIRES_AT = "expires_at"
"""The TTL attribute (epoch seconds): DynamoDB deletes a mention this long after it arrived."""
AUTHOR_INDEX = "by_author"
AUTHOR_KEY = "author_key"
"""Hash key of the author index: "<platform>#<author id>" (mentions stored since it exists)."""
AUTHOR_ORDER = "author_order"
"""Range key: when the author posted (UTC ISO), then the mention id, so it sorts by time."""


def author_key(mention: Mention) -> str:
    """The author index's key of a mention's author (author ids are per platform)."""
    return f"{mention.platform.value}#{mention.author.id}"


def author_order(mention: Mention) -> str:
    """The mention's place among its author's posts (oldest first)."""
    return f"{mention.created_at.astimezone(UTC).isoformat()}#{mention.mention_id}"


def queue_order(stored: StoredMention) -> str:
    """Most urgent first: higher priority, then older, then the id (a total order)."""
    score = stored.triage.priority.score if stored.triage is not None else 0
    return f"{100 - score:03d}#{stored.received_at.isoformat()}#{stored.mention.mention_id}"


class MentionRepository:
    """The Mentions table: one item per platform post; its stream feeds the triage workflow."""

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        clock: Callable[[], datetime] = _utc_now,
        retention_days: int = 90,
    ) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock
        self._retention_seconds = retention_days * 86_400

    def put_if_new(self, mention: Mention, received_at: datetime) -> bool:
        """Store a mention unless the same platform post is already stored.

        Returns False for a redelivery: the conditional write makes it a no-op.
        """
        values = mention.model_dump(mode="json")
        values.update(
            mention_id=mention.mention_id,
            received_at=received_at.isoformat(),
            status=MentionStatus.RECEIVED.value,
            open_status=MentionStatus.RECEIVED.value,
            status_since=received_at.astimezone(UTC).isoformat(),
        )
        values[AUTHOR_KEY] = author_key(mention)
        values[AUTHOR_ORDER] = author_order(mention)
        # Hot retention: the table's TTL deletes it after this (DynamoDB's TTL is free).
        values[EXPIRES_AT] = int(received_at.timestamp()) + self._retention_seconds
        try:
            self._client.put_item(
                TableName=self._table,
                Item=to_item(values),
                ConditionExpression="attribute_not_exists(mention_id)",
            )
        except ClientError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def get(self, mention_id: str) -> StoredMention | None:
        """The stored mention, or None when there is no such mention."""
        response = self._client.get_item(
            TableName=self._table, Key={"mention_id": {"S": mention_id}}, ConsistentRead=True
        )
        item = response.get("Item")
        return None if item is None else stored_mention_from_item(item)

    def record_triage(
        self, mention_id: str, triage: Triage, status: MentionStatus, detail: str = ""
    ) -> None:
        """Store what triage concluded and move the mention on, in one write.

        Triage itself records only the mentions nobody must answer (no_action); for the others
        the assignment workflow's first pick records the triage with the status it leads to
        (assigned, queued), so the item is written once between triage and the first offer.
        Queued, it joins the queue index in the same write (its place from this priority and
        the stored arrival), or nobody would see it; any other status leaves it (a retried
        first pick may assign a mention its first try queued).
        """
        index_set, index_remove = _index_update(status)
        removed = [index_remove.removeprefix(" REMOVE ")] if index_remove else []
        expression = f"SET triage = :triage, #status = :status{index_set}"
        values: dict[str, Any] = {
            ":triage": triage.model_dump(mode="json"),
            ":status": status.value,
            ":since": self._since(),
        }
        if status is MentionStatus.QUEUED:
            detail = detail or "every candidate was full"
            stored = self.get(mention_id)
            if stored is not None:
                placed = StoredMention(stored.mention, stored.received_at, status, triage)
                expression += f", {QUEUE_KEY} = :queue, {QUEUE_ORDER} = :order"
                values |= {":queue": QUEUED, ":order": queue_order(placed)}
        else:
            removed.append(QUEUE_KEY)
        if detail:
            expression += ", status_detail = :detail"
            values[":detail"] = detail
        if removed:
            expression += " REMOVE " + ", ".join(removed)
        self._client.update_item(
            TableName=self._table,
            Key={"mention_id": {"S": mention_id}},
            UpdateExpression=expression,
            ConditionExpression="attribute_exists(mention_id)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=to_item(values),
        )

    def set_status(self, mention_id: str, status: MentionStatus, detail: str = "") -> None:
        """Move the mention to `status`, with an optional operator-facing detail.

        Queued, it joins the `queue` index (most urgent first); any other status leaves it.
        The open-status index (the sweeper's) follows the status too.
        """
        index_set, index_remove = _index_update(status)
        values: dict[str, Any] = {
            ":status": {"S": status.value},
            ":detail": {"S": detail},
            ":since": {"S": self._since()},
        }
        expression = f"SET #status = :status, status_detail = :detail{index_set}"
        removed = [index_remove.removeprefix(" REMOVE ")] if index_remove else []
        if status is MentionStatus.QUEUED:
            stored = self.get(mention_id)
            if stored is not None:
                expression += f", {QUEUE_KEY} = :queue, {QUEUE_ORDER} = :order"
                values |= {":queue": {"S": QUEUED}, ":order": {"S": queue_order(stored)}}
        else:
            removed.append(QUEUE_KEY)
        if removed:
            expression += " REMOVE " + ", ".join(removed)
        self._client.update_item(
            TableName=self._table,
            Key={"mention_id": {"S": mention_id}},
            UpdateExpression=expression,
            ConditionExpression="attribute_exists(mention_id)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=values,
        )

    def queued(self, limit: int) -> list[StoredMention]:
        """The `limit` most urgent queued mentions (highest priority, then oldest), read from
        the sparse `queue` index: the cost follows the limit, not the table's size."""
        found: list[StoredMention] = []
        args: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": QUEUE_INDEX,
            "KeyConditionExpression": f"{QUEUE_KEY} = :queue",
            "ExpressionAttributeValues": {":queue": {"S": QUEUED}},
        }
        while len(found) < limit:
            response = self._client.query(**args, Limit=limit - len(found))
            found.extend(stored_mention_from_item(item) for item in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                break
            args["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        # The index is eventually consistent: a mention taken a moment ago may still be listed
        # (take_from_queue's condition refuses it), so keep only what still says queued.
        return [s for s in found if s.status is MentionStatus.QUEUED]

    def with_status(self, status: MentionStatus) -> list[StoredMention]:
        """Every mention in `status`: ADMIN ONLY (exports, local summaries), a paginated
        filtered Scan of the whole table. The drain and the dashboard read `queued()`."""
        if status is MentionStatus.QUEUED:
            return self.queued(limit=10_000)
        paginator = self._client.get_paginator("scan")
        return [
            stored_mention_from_item(item)
            for page in paginator.paginate(
                TableName=self._table,
                ConsistentRead=True,
                FilterExpression="#status = :status",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={":status": {"S": status.value}},
            )
            for item in page.get("Items", [])
        ]

    def take_from_queue(self, mention_id: str, taken_by: str = "") -> int | None:
        """Move a queued mention to `assigning`; the number of times it was taken, or None
        when it is no longer queued (another drain or taker, or it was answered).

        A person's take records who took it in the same conditional write, so whoever loses
        the race is told who won (`taken_by`); the drain's take clears it.
        """
        sets = [
            "#status = :assigning",
            "status_detail = :detail",
            "open_status = :assigning",
            "status_since = :since",
            "queue_offers = if_not_exists(queue_offers, :zero) + :one",
        ]
        removes = [QUEUE_KEY]
        values: dict[str, Any] = {}
        detail = f"taken from the queue by {taken_by}" if taken_by else "a slot freed up"
        if taken_by:
            sets.append("taken_by = :by")
            values[":by"] = {"S": taken_by}
        else:
            removes.append("taken_by")
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key={"mention_id": {"S": mention_id}},
                UpdateExpression=f"SET {', '.join(sets)} REMOVE {', '.join(removes)}",
                ConditionExpression="#status = :queued",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=values
                | {
                    ":assigning": {"S": MentionStatus.ASSIGNING.value},
                    ":queued": {"S": MentionStatus.QUEUED.value},
                    ":detail": {"S": detail},
                    ":since": {"S": self._since()},
                    ":zero": {"N": "0"},
                    ":one": {"N": "1"},
                },
                ReturnValues="UPDATED_NEW",
            )
        except ClientError as exc:
            if is_conditional_failure(exc):
                return None
            raise
        return int(response["Attributes"]["queue_offers"]["N"])

    def taken_by(self, mention_id: str) -> str | None:
        """Who took the mention from the dashboard, if a person did (strongly consistent)."""
        item = self._client.get_item(
            TableName=self._table,
            Key={"mention_id": {"S": mention_id}},
            ConsistentRead=True,
            ProjectionExpression="taken_by",
        ).get("Item")
        return None if not item or "taken_by" not in item else item["taken_by"]["S"]

    def return_to_queue(self, mention_id: str, detail: str) -> bool:
        """Undo `take_from_queue` when the workflow could not be started."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key={"mention_id": {"S": mention_id}},
                # Back in the queue index, at the place it had (queue_order stays on the item).
                UpdateExpression=(
                    f"SET #status = :queued, status_detail = :detail, {QUEUE_KEY} = :queue, "
                    "status_since = :since REMOVE open_status"
                ),
                ConditionExpression="#status = :assigning",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":assigning": {"S": MentionStatus.ASSIGNING.value},
                    ":queued": {"S": MentionStatus.QUEUED.value},
                    ":detail": {"S": detail[:500]},
                    ":since": {"S": self._since()},
                    ":queue": {"S": QUEUED},
                },
            )
        except ClientError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    def stuck(self, status: MentionStatus, before: datetime, limit: int) -> list[StuckMention]:
        """Up to `limit` mentions in `status` since before `before`, oldest first (a Query of
        the sparse open-status index: never a Scan)."""
        response = self._client.query(
            TableName=self._table,
            IndexName=OPEN_STATUS_INDEX,
            KeyConditionExpression="open_status = :status AND status_since < :before",
            ExpressionAttributeValues={
                ":status": {"S": status.value},
                ":before": {"S": before.astimezone(UTC).isoformat()},
            },
            Limit=limit,
        )
        return [
            StuckMention(
                mention_id=item["mention_id"]["S"],
                status=MentionStatus(item["open_status"]["S"]),
                since=item["status_since"]["S"],
            )
            for item in response.get("Items", [])
        ]

    def claim_redrive(self, stuck: StuckMention) -> int | None:
        """Take a stuck mention for one re-drive: its clock restarts and its re-drive count
        goes up (returned); None when it moved on since it was found (or another sweep took
        it), so two sweeps never re-drive it twice."""
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key={"mention_id": {"S": stuck.mention_id}},
                UpdateExpression=(
                    "SET status_since = :now, redrives = if_not_exists(redrives, :zero) + :one"
                ),
                ConditionExpression="open_status = :status AND status_since = :since",
                ExpressionAttributeValues={
                    ":status": {"S": stuck.status.value},
                    ":since": {"S": stuck.since},
                    ":now": {"S": self._since()},
                    ":zero": {"N": "0"},
                    ":one": {"N": "1"},
                },
                ReturnValues="UPDATED_NEW",
            )
        except ClientError as exc:
            if is_conditional_failure(exc):
                return None
            raise
        return int(response["Attributes"]["redrives"]["N"])

    def earlier_by_author(self, mention: Mention, limit: int) -> list[AuthorPost]:
        """At most `limit` posts of the mention's author posted before it, newest first: one
        Query of the author index (its projection carries what a card shows), never a Scan."""
        response = self._client.query(
            TableName=self._table,
            IndexName=AUTHOR_INDEX,
            KeyConditionExpression=f"{AUTHOR_KEY} = :author AND {AUTHOR_ORDER} < :before",
            ExpressionAttributeValues={
                ":author": {"S": author_key(mention)},
                ":before": {"S": author_order(mention)},
            },
            ScanIndexForward=False,
            Limit=limit,
        )
        posts = []
        for item in response.get("Items", []):
            values = from_item(item)
            posts.append(
                AuthorPost(
                    mention_id=values["mention_id"],
                    text=values.get("text", ""),
                    posted_at=datetime.fromisoformat(values[AUTHOR_ORDER].split("#", 1)[0]),
                    url=values.get("url", ""),
                )
            )
        return posts

    def _since(self) -> str:
        return self._clock().astimezone(UTC).isoformat()

    def scan(self) -> list[StoredMention]:
        """Every stored mention: ADMIN ONLY (local summary, exports), a paginated Scan."""
        paginator = self._client.get_paginator("scan")
        return [
            stored_mention_from_item(item)
            for page in paginator.paginate(TableName=self._table, ConsistentRead=True)
            for item in page.get("Items", [])
        ]


def stored_mention_from_item(item: dict[str, Any]) -> StoredMention:
    """Rebuild a StoredMention from a Mentions table item (also used for stream images)."""
    values = from_item(item)
    triage = values.pop("triage", None)
    received_at = datetime.fromisoformat(values.pop("received_at"))
    status = MentionStatus(values.pop("status", MentionStatus.RECEIVED.value))
    for derived in (
        "mention_id",
        "status_detail",
        "queue_offers",
        "open_status",
        "status_since",
        "redrives",
        QUEUE_KEY,
        QUEUE_ORDER,
        EXPIRES_AT,
        AUTHOR_KEY,
        AUTHOR_ORDER,
        "taken_by",
    ):
        values.pop(derived, None)
    return StoredMention(
        mention=Mention.model_validate(values),
        received_at=received_at,
        status=status,
        triage=None if triage is None else Triage.model_validate(triage),
    )
