"""The Replies table: one item per reply, its whole life (crowdcare.domain.replies).

Indexes: `by_mention` and `by_responder` (both sorted by requested_at), `by_status` (pending
approvals) and the sparse `posted_by_time` (only posted replies carry posted_at: the reach
tracker's window).

One live reply per mention: a live reply (pending approval, approved, posting, posted) is
written together with a guard item keyed ``live#<mention_id>`` that names it; a second live
reply for the mention fails that guard's condition in the same transaction. A reply that ends
rejected or failed gives the guard up in the transaction that records it; an operator's retry
takes it back. A reply parked in doubt (its last answer was lost, it may be public) keeps the
guard: no second reply can go out beside it. The guard has no status, requested_at or
responder_id, so no index holds it.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from crowdcare.adapters.dynamodb.conditional import cancellation_reasons, is_conditional_failure
from crowdcare.adapters.dynamodb.repositories import from_item, to_item
from crowdcare.domain.errors import MentionHeldError
from crowdcare.domain.replies import PostedReply, Reach, Reply, ReplyStatus

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_STATUS = {"#status": "status"}
_FAILED_CHECK = "ConditionalCheckFailed"


def guard_key(mention_id: str) -> dict[str, Any]:
    """The key of the item that names a mention's live reply."""
    return {"reply_id": {"S": f"live#{mention_id}"}}


class ReplyRepository:
    """The Replies table (see the module docstring)."""

    BY_MENTION = "by_mention"
    BY_RESPONDER = "by_responder"
    BY_STATUS = "by_status"
    POSTED_BY_TIME = "posted_by_time"

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    # ------------------------------------------------------------------ codec
    @staticmethod
    def _item(reply: Reply) -> dict[str, Any]:
        values = reply.model_dump(mode="json", exclude_none=True)
        if reply.posted is not None:
            values["posted_at"] = reply.posted.posted_at.isoformat()  # the index's sort key
        return to_item(values)

    @staticmethod
    def _reply(item: dict[str, Any]) -> Reply:
        values = from_item(item)
        values.pop("posted_at", None)  # the index copy of posted.posted_at
        return Reply.model_validate(values)

    @staticmethod
    def _key(reply_id: str) -> dict[str, Any]:
        return {"reply_id": {"S": reply_id}}

    def _guard(self, reply: Reply) -> dict[str, Any]:
        return {
            "TableName": self._table,
            "Item": {
                **guard_key(reply.mention_id),
                "mention_id": {"S": reply.mention_id},
                "holder": {"S": reply.reply_id},
            },
            "ConditionExpression": "attribute_not_exists(reply_id)",
        }

    def _give_up_guard(self, reply_id: str, mention_id: str) -> dict[str, Any]:
        return {
            "TableName": self._table,
            "Key": guard_key(mention_id),
            "ConditionExpression": "holder = :me",
            "ExpressionAttributeValues": {":me": {"S": reply_id}},
        }

    def _transact(self, items: list[dict[str, Any]]) -> list[str] | None:
        """Run a transaction; None when it committed, else the per-item reasons."""
        try:
            self._client.transact_write_items(TransactItems=items)  # type: ignore[arg-type]
        except ClientError as exc:
            reasons = cancellation_reasons(exc)
            if reasons is None:
                raise
            return reasons
        return None

    def _write_freeing_guard(self, write: dict[str, Any], reply_id: str, mention_id: str) -> bool:
        """Write the reply (one TransactItem) and give its mention's guard up, together.

        A guard that names another reply (it should not) does not block the reply's own
        write: that is retried alone. False when the reply's own condition failed.
        """
        reasons = self._transact([write, {"Delete": self._give_up_guard(reply_id, mention_id)}])
        if reasons is None:
            return True
        if reasons[0] == _FAILED_CHECK:
            return False
        return self._transact([write]) is None

    def _conditional_update(self, reply_id: str, **kwargs: Any) -> bool:
        try:
            self._client.update_item(TableName=self._table, Key=self._key(reply_id), **kwargs)
        except ClientError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        return True

    # ------------------------------------------------------------------ reads
    def get(self, reply_id: str) -> Reply | None:
        """The reply, or None."""
        item = self._client.get_item(
            TableName=self._table, Key=self._key(reply_id), ConsistentRead=True
        ).get("Item")
        return None if item is None or "status" not in item else self._reply(item)

    def live_for(self, mention_id: str) -> Reply | None:
        """The reply that holds the mention, if any (read consistently)."""
        guard = self._client.get_item(
            TableName=self._table, Key=guard_key(mention_id), ConsistentRead=True
        ).get("Item")
        return None if guard is None else self.get(guard["holder"]["S"])

    def _query(self, index: str, condition: str, values: dict[str, Any]) -> list[Reply]:
        names = {"ExpressionAttributeNames": _STATUS} if "#status" in condition else {}
        paginator = self._client.get_paginator("query")
        pages = paginator.paginate(
            TableName=self._table,
            IndexName=index,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
            **names,  # type: ignore[arg-type]
        )
        return [self._reply(item) for page in pages for item in page.get("Items", [])]

    def for_mention(self, mention_id: str) -> list[Reply]:
        """Every reply to a mention, oldest first."""
        return self._query(self.BY_MENTION, "mention_id = :v", {":v": {"S": mention_id}})

    def by_responder(self, responder_id: str) -> list[Reply]:
        """One responder's replies, oldest first."""
        return self._query(self.BY_RESPONDER, "responder_id = :v", {":v": {"S": responder_id}})

    def with_status(self, status: ReplyStatus) -> list[Reply]:
        """Replies in one status, oldest first (pending approvals)."""
        return self._query(self.BY_STATUS, "#status = :v", {":v": {"S": status.value}})

    def posted_since(self, since: datetime) -> list[Reply]:
        """Replies posted at or after `since` (the reach tracker's window)."""
        return self._query(
            self.POSTED_BY_TIME,
            "#status = :posted AND posted_at >= :since",
            {":posted": {"S": ReplyStatus.POSTED.value}, ":since": {"S": since.isoformat()}},
        )

    # ------------------------------------------------------------------ writes
    def create(self, reply: Reply) -> bool:
        """Store a new reply; False when one with its id exists (the same submission again).

        A live reply takes its mention's guard in the same transaction: `MentionHeldError`
        when another live reply holds it.
        """
        put: dict[str, Any] = {
            "TableName": self._table,
            "Item": self._item(reply),
            "ConditionExpression": "attribute_not_exists(reply_id)",
        }
        if not reply.live:
            try:
                self._client.put_item(**put)
            except ClientError as exc:
                if is_conditional_failure(exc):
                    return False
                raise
            return True
        reasons = self._transact([{"Put": put}, {"Put": self._guard(reply)}])
        if reasons is None:
            return True
        if reasons[0] == _FAILED_CHECK:
            return False
        if len(reasons) > 1 and reasons[1] == _FAILED_CHECK:
            holder = self.live_for(reply.mention_id)
            raise MentionHeldError(
                "another reply to this mention is live", None if holder is None else holder.reply_id
            )
        raise RuntimeError(f"reply transaction cancelled: {reasons}")

    def decide(self, reply: Reply) -> bool:
        """Store a decision on a pending reply; a rejection frees the mention in the same
        transaction. False when the reply was no longer pending."""
        put = {
            "TableName": self._table,
            "Item": self._item(reply),
            "ConditionExpression": "#status = :pending",
            "ExpressionAttributeNames": _STATUS,
            "ExpressionAttributeValues": {":pending": {"S": ReplyStatus.PENDING_APPROVAL.value}},
        }
        if reply.live:
            return self._transact([{"Put": put}]) is None
        return self._write_freeing_guard({"Put": put}, reply.reply_id, reply.mention_id)

    def claim(self, reply_id: str, now: datetime, lease: timedelta) -> Reply | None:
        """Take the reply for one posting attempt, remembering in the same write that an
        attempt is under way (`attempted_at`); the record as it was before, or None when it is
        not cleared to post or another delivery holds an unexpired lease (one that crashed
        mid-attempt expires)."""
        try:
            answer = self._client.update_item(
                TableName=self._table,
                Key=self._key(reply_id),
                UpdateExpression=(
                    "SET #status = :posting, lease_until = :until, attempted_at = :now"
                    " ADD attempts :one"
                ),
                ConditionExpression=(
                    "#status = :approved OR (#status = :posting AND lease_until < :now)"
                ),
                ExpressionAttributeNames=_STATUS,
                ExpressionAttributeValues={
                    ":posting": {"S": ReplyStatus.POSTING.value},
                    ":approved": {"S": ReplyStatus.APPROVED.value},
                    ":until": {"S": (now + lease).isoformat()},
                    ":now": {"S": now.isoformat()},
                    ":one": {"N": "1"},
                },
                ReturnValues="ALL_OLD",
            )
        except ClientError as exc:
            if is_conditional_failure(exc):
                return None
            raise
        return self._reply(answer["Attributes"])

    def release(self, reply_id: str, error: str, *, settled: bool) -> None:
        """Back to approved after a retryable failure, keeping the error for the operator; a
        `settled` attempt (the platform refused it) is forgotten, one in doubt is not."""
        removed = "lease_until, attempted_at" if settled else "lease_until"
        self._conditional_update(
            reply_id,
            UpdateExpression=f"SET #status = :approved, last_error = :error REMOVE {removed}",
            ConditionExpression="#status = :posting",
            ExpressionAttributeNames=_STATUS,
            ExpressionAttributeValues={
                ":approved": {"S": ReplyStatus.APPROVED.value},
                ":posting": {"S": ReplyStatus.POSTING.value},
                ":error": {"S": error},
            },
        )

    def mark_posted(self, reply_id: str, posted: PostedReply) -> None:
        """Record the platform's confirmation; the reply enters the reach tracker's index."""
        self._client.update_item(
            TableName=self._table,
            Key=self._key(reply_id),
            UpdateExpression=(
                "SET #status = :status, posted = :posted, posted_at = :posted_at "
                "REMOVE lease_until, failed_at"
            ),
            ConditionExpression="attribute_exists(reply_id)",
            ExpressionAttributeNames=_STATUS,
            ExpressionAttributeValues=to_item(
                {
                    ":posted": posted.model_dump(mode="json"),
                    ":posted_at": posted.posted_at.isoformat(),
                    ":status": ReplyStatus.POSTED.value,
                }
            ),
        )

    def mark_failed(
        self, reply_id: str, error: str, now: datetime, *, in_doubt: bool = False
    ) -> bool:
        """Park the reply: failed with the platform's reason, and the mention freed for another
        reply. A reply `in_doubt` (its last attempt's answer was lost: it may be public) keeps
        the mention and its `attempted_at`, so no second reply can be posted beside it and the
        operator's retry looks it up first. False when it was already posted (or is unknown)."""
        reply = self.get(reply_id)
        if reply is None or reply.status is ReplyStatus.POSTED:
            return False
        removed = "lease_until" if in_doubt else "lease_until, attempted_at"
        update = {
            "TableName": self._table,
            "Key": self._key(reply_id),
            "UpdateExpression": (
                f"SET #status = :failed, last_error = :error, failed_at = :now REMOVE {removed}"
            ),
            "ConditionExpression": "#status <> :posted",
            "ExpressionAttributeNames": _STATUS,
            "ExpressionAttributeValues": {
                ":failed": {"S": ReplyStatus.FAILED.value},
                ":posted": {"S": ReplyStatus.POSTED.value},
                ":error": {"S": error},
                ":now": {"S": now.isoformat()},
            },
        }
        if in_doubt or not reply.live:
            return self._transact([{"Update": update}]) is None
        return self._write_freeing_guard({"Update": update}, reply_id, reply.mention_id)

    def reopen(self, reply_id: str) -> bool:
        """A parked reply goes back to approved for another try, taking its mention back (or
        keeping it, when parked in doubt); False unless it was failed and no other reply holds
        the mention now."""
        reply = self.get(reply_id)
        if reply is None or reply.status is not ReplyStatus.FAILED:
            return False
        update = {
            "TableName": self._table,
            "Key": self._key(reply_id),
            "UpdateExpression": "SET #status = :approved REMOVE failed_at",
            "ConditionExpression": "#status = :failed",
            "ExpressionAttributeNames": _STATUS,
            "ExpressionAttributeValues": {
                ":approved": {"S": ReplyStatus.APPROVED.value},
                ":failed": {"S": ReplyStatus.FAILED.value},
            },
        }
        guard = self._guard(reply)
        guard["ConditionExpression"] = "attribute_not_exists(reply_id) OR holder = :me"
        guard["ExpressionAttributeValues"] = {":me": {"S": reply_id}}
        return self._transact([{"Update": update}, {"Put": guard}]) is None

    def record_reach(self, reply_id: str, reach: Reach, read_at: datetime) -> None:
        """Store the latest likes/reposts/replies of a posted reply."""
        self._client.update_item(
            TableName=self._table,
            Key=self._key(reply_id),
            UpdateExpression="SET reach = :reach, reach_read_at = :read_at",
            ConditionExpression="attribute_exists(reply_id)",
            ExpressionAttributeValues=to_item(
                {":reach": reach.model_dump(mode="json"), ":read_at": read_at.isoformat()}
            ),
        )
