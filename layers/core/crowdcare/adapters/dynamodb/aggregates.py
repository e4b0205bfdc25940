"""The AggregatesTable: analytics counter items and per-mention cards, and the stream images
analytics reads.

Items (PK `dimension`, SK `bucket`):
  * counters: PK `all` | `platform#x` | `language#en` | `route#community` | `band#P1` |
    `topic#billing`; SK `day#2026-11-30` (every dimension) or `hour#2026-11-30T14` (`all`
    only); attributes are counters (`received`, `replied`, `rt.07`, `topic.billing`, ...)
    that only ever grow by ADD. A period of one dimension is one Query (never a Scan).
  * cards: PK `mention#<mention_id>`, SK `card`: the mention's analytics card as JSON, its
    `version` (the commit's condition) and `expires_at` (TTL: 90 days after the receipt, or
    after the reply while the receipt is unknown).
  * FAQ posts (`crowdcare.adapters.dynamodb.faq`): put in the same transaction as the card
    that first learns the mention's triage.

A stream batch is committed in transactions of up to 100 items: its mentions' cards, each
conditional on the version read, the summed ADDs of their counter items, and their posts.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from crowdcare.adapters.dynamodb.audit import AuditAction, AuditEntry
from crowdcare.adapters.dynamodb.conditional import cancellation_reasons, is_conditional_failure
from crowdcare.adapters.dynamodb.faq import post_item, post_of
from crowdcare.adapters.dynamodb.repositories import from_item, stored_mention_from_item
from crowdcare.domain.faq import FaqPost
from crowdcare.domain.models import MentionStatus, ResponderKind
from crowdcare.rules.analytics import FIVE_MINUTES_PREFIX, Counters, five_minute_start
from crowdcare.rules.analytics_facts import (
    AnalyticsEvent,
    Escalated,
    Increments,
    MentionCard,
    MentionSeen,
    Reassigned,
    ReplyRecorded,
    StreamRecord,
    TriageFacts,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import (
        PutTypeDef,
        TransactWriteItemTypeDef,
        UpdateTypeDef,
    )

    from crowdcare.adapters.dynamodb.repositories import ResponderRepository
    from crowdcare.domain.stored import StoredMention

CARD_BUCKET = "card"
CARD_TTL = timedelta(days=90)
FIVE_MINUTE_TTL = timedelta(days=7)
KEY_ATTRIBUTES = ("dimension", "bucket")
# A transaction is cancelled by these when another writer got to the card first: the caller
# reads the card again and retries; anything else is a real error.
LOST_RACE = frozenset({"ConditionalCheckFailed", "TransactionConflict"})
BATCH_GET_KEYS = 100  # DynamoDB's limit per BatchGetItem
BATCH_GET_ATTEMPTS = 5
BATCH_GET_BACKOFF_SECONDS = 0.05


class UnprocessedCardsError(RuntimeError):
    """BatchGetItem left cards unread after every attempt (throttling): the batch fails."""


def card_key(mention_id: str) -> dict[str, Any]:
    return {"dimension": {"S": f"mention#{mention_id}"}, "bucket": {"S": CARD_BUCKET}}


class AggregatesTable:
    """AnalyticsStore and AggregateReader on DynamoDB."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def load_card(self, mention_id: str) -> MentionCard | None:
        """The mention's card (strongly consistent: the commit conditions on its version)."""
        item = self._client.get_item(
            TableName=self._table, Key=card_key(mention_id), ConsistentRead=True
        ).get("Item")
        return None if item is None else MentionCard.model_validate_json(item["card"]["S"])

    def load_cards(self, mention_ids: Sequence[str]) -> dict[str, MentionCard]:
        """The stored cards of these mentions: one strongly consistent BatchGetItem per 100
        (a stale card would only lose its commit's condition, but costs a fallback)."""
        wanted = list(dict.fromkeys(mention_ids))
        cards: dict[str, MentionCard] = {}
        for start in range(0, len(wanted), BATCH_GET_KEYS):
            keys = [card_key(m) for m in wanted[start : start + BATCH_GET_KEYS]]
            request: Any = {self._table: {"Keys": keys, "ConsistentRead": True}}
            for attempt in range(BATCH_GET_ATTEMPTS):
                if attempt:
                    time.sleep(BATCH_GET_BACKOFF_SECONDS * 2**attempt)
                response = self._client.batch_get_item(RequestItems=request)
                for item in response.get("Responses", {}).get(self._table, []):
                    card = MentionCard.model_validate_json(item["card"]["S"])
                    cards[card.mention_id] = card
                request = response.get("UnprocessedKeys") or {}
                if not request:
                    break
            else:
                raise UnprocessedCardsError("the table kept cards unread: the batch is retried")
        return cards

    def commit(self, card: MentionCard, expected_version: int, increments: Increments) -> bool:
        """Put the card over `expected_version` and ADD the increments, in one transaction
        (a plain conditional put when there is nothing to add)."""
        return self.commit_cards(((card, expected_version),), increments)

    def commit_cards(
        self,
        cards: Sequence[tuple[MentionCard, int]],
        increments: Increments,
        posts: Sequence[FaqPost] = (),
    ) -> bool:
        """Put each card over its expected version, ADD the increments and put the FAQ posts,
        in one transaction (a plain conditional put for a lone card)."""
        puts = [self._card_put(card, expected) for card, expected in cards]
        try:
            if len(puts) == 1 and not increments and not posts:
                self._client.put_item(**puts[0])
                return True
            items: list[TransactWriteItemTypeDef] = [{"Put": put} for put in puts]
            items.extend({"Update": self._add(key, c)} for key, c in increments.items())
            items.extend({"Put": {"TableName": self._table, "Item": post_item(p)}} for p in posts)
            self._client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            reasons = cancellation_reasons(exc) or []
            if is_conditional_failure(exc) or LOST_RACE & set(reasons):
                return False
            raise
        return True

    def _card_put(self, card: MentionCard, expected_version: int) -> PutTypeDef:
        put: PutTypeDef = {
            "TableName": self._table,
            "Item": self._card_item(card),
            "ConditionExpression": (
                "attribute_not_exists(dimension)" if expected_version == 0 else "version = :v"
            ),
        }
        if expected_version:
            put["ExpressionAttributeValues"] = {":v": {"N": str(expected_version)}}
        return put

    def buckets(self, dimension: str, first: str, last: str) -> list[tuple[str, Counters]]:
        """(bucket, counters) of one dimension from `first` to `last`, in order: one Query
        (paginated past 1 MB, which a year of day items does not reach)."""
        paginator = self._client.get_paginator("query")
        rows: list[tuple[str, Counters]] = []
        for page in paginator.paginate(
            TableName=self._table,
            # `bucket` is a DynamoDB reserved word: named by placeholder.
            KeyConditionExpression="#d = :d AND #b BETWEEN :first AND :last",
            ExpressionAttributeNames={"#d": "dimension", "#b": "bucket"},
            ExpressionAttributeValues={
                ":d": {"S": dimension},
                ":first": {"S": first},
                ":last": {"S": last},
            },
        ):
            for item in page.get("Items", []):
                values = from_item(item)
                bucket = str(values.pop("bucket"))
                values.pop("dimension")
                rows.append((bucket, {name: int(value) for name, value in values.items()}))
        return rows

    def _card_item(self, card: MentionCard) -> dict[str, Any]:
        item: dict[str, Any] = {
            **card_key(card.mention_id),
            "version": {"N": str(card.version)},
            "card": {"S": card.model_dump_json(exclude_defaults=True)},
        }
        # A card waiting for its mention's receipt (an audit entry of a mention stored before
        # analytics was deployed) expires after its reply just the same.
        anchor = card.received_at or (card.reply.at if card.reply else None)
        if anchor is not None:
            expires = anchor + CARD_TTL
            item["expires_at"] = {"N": str(int(expires.timestamp()))}
        return item

    def _add(self, key: tuple[str, str], counters: Counters) -> UpdateTypeDef:
        names = {f"#c{i}": name for i, name in enumerate(counters)}
        values = {f":c{i}": {"N": str(value)} for i, value in enumerate(counters.values())}
        expression = "ADD " + ", ".join(f"#c{i} :c{i}" for i in range(len(names)))
        if key[1].startswith(FIVE_MINUTES_PREFIX):
            # The spike watch reads a day of 5-minute buckets at most; they expire after that.
            expires = five_minute_start(key[1]) + FIVE_MINUTE_TTL
            expression += " SET expires_at = :expires"
            values[":expires"] = {"N": str(int(expires.timestamp()))}
        return {
            "TableName": self._table,
            "Key": {"dimension": {"S": key[0]}, "bucket": {"S": key[1]}},
            "UpdateExpression": expression,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }


class CachedResponderKinds:
    """ResponderKindLookup on the Responders table, cached for the life of the container
    (a responder's kind does not change; an unknown one is asked again next time)."""

    def __init__(self, responders: ResponderRepository) -> None:
        self._responders = responders
        self._kinds: dict[str, ResponderKind] = {}

    def __call__(self, responder_id: str) -> ResponderKind | None:
        if responder_id not in self._kinds:
            responder = self._responders.get(responder_id)
            if responder is None:
                return None
            self._kinds[responder_id] = responder.kind
        return self._kinds[responder_id]


class UnknownStreamError(ValueError):
    """A record from a table analytics does not read: a wiring mistake, never skipped."""


class AnalyticsStreams:
    """Reads the analytics event out of a Mentions or Audit table stream record."""

    def __init__(self, mentions_table: str, audit_table: str) -> None:
        self._mentions_table = mentions_table
        self._audit_table = audit_table

    def event(self, record: dict[str, Any]) -> AnalyticsEvent | None:
        """The event a stream record (Lambda's shape) tells, or None when it tells nothing
        analytics counts (a removal, an audit entry of another kind)."""
        table = table_of(str(record.get("eventSourceARN", "")))
        name = record.get("eventName")
        image = record.get("dynamodb", {}).get("NewImage")
        if table == self._mentions_table:
            return None if name == "REMOVE" or image is None else mention_event(image)
        if table == self._audit_table:
            return None if name != "INSERT" or image is None else audit_event(image)
        raise UnknownStreamError(f"analytics does not read the stream of table {table!r}")

    def record(self, record: dict[str, Any]) -> StreamRecord:
        """The stream record as the recorder counts it: its sequence number, its event and,
        for a Mentions image, the FAQ post it makes (read from one parse of the image)."""
        record_id = str(record["dynamodb"]["SequenceNumber"])
        table = table_of(str(record.get("eventSourceARN", "")))
        image = record["dynamodb"].get("NewImage")
        if table == self._mentions_table and record.get("eventName") != "REMOVE" and image:
            stored = stored_mention_from_item(image)
            return StreamRecord(
                record_id=record_id, event=event_of_stored(stored), post=post_of(stored)
            )
        return StreamRecord(record_id=record_id, event=self.event(record))


def table_of(stream_arn: str) -> str:
    """The table name in a stream ARN (arn:aws:dynamodb:<region>:<acct>:table/<name>/stream/..)."""
    return stream_arn.partition(":table/")[2].partition("/")[0]


def mention_event(image: dict[str, Any]) -> MentionSeen:
    """What a Mentions table image tells analytics."""
    return event_of_stored(stored_mention_from_item(image))


def event_of_stored(stored: StoredMention) -> MentionSeen:
    """What a stored mention tells analytics."""
    return MentionSeen(
        mention_id=stored.mention.mention_id,
        received_at=stored.received_at,
        platform=stored.mention.platform,
        triage=None if stored.triage is None else TriageFacts.of(stored.triage),
        overdue=stored.status is MentionStatus.OVERDUE,
    )


def audit_event(image: dict[str, Any]) -> AnalyticsEvent | None:
    """What an AuditTable entry tells analytics (None for the actions it does not count)."""
    values = from_item(image)
    entry_key = str(values.pop("entry_key"))
    entry = AuditEntry.model_validate(values)
    match entry.action:
        case AuditAction.REPLIED:
            return ReplyRecorded(
                mention_id=entry.mention_id,
                at=entry.at,
                responder_id=entry.responder_id or entry.actor,
            )
        case AuditAction.TIMED_OUT | AuditAction.DECLINED:
            return Reassigned(mention_id=entry.mention_id, entry_key=entry_key)
        case AuditAction.ESCALATED:
            return Escalated(mention_id=entry.mention_id, entry_key=entry_key)
        case _:
            return None
