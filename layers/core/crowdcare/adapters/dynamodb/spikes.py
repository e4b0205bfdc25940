"""The spike watch on the AggregatesTable: 5-minute volumes, detector states and the banner.

Items (PK `dimension`, SK `bucket`), beside the analytics counters:
  * volumes: PK `all`, SK `min5#2026-11-30T14:05`, written by the analytics function (a mention's
    receipt and triage facts, `crowdcare.rules.analytics.spike_counters`); a series is one
    counter of those items (`received`, `sentiment.negative`, `topic.app`, `topic_negative.app`).
  * states: PK `spike#<series>`, SK `state`: the detector state as JSON and a `version` that
    makes the save conditional (two overlapping runs cannot both advance a series).
  * banner: PK `alerts`, SK `<alert timestamp>#<series>`: the alert as JSON, expiring after a
    day (`GET /api/alerts` reads the last day's with one Query).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from crowdcare.adapters.dynamodb.conditional import is_conditional_failure
from crowdcare.rules.analytics import (
    ALL,
    RECEIVED,
    SENTIMENT_PREFIX,
    TOPIC_NEGATIVE_PREFIX,
    TOPIC_PREFIX,
    five_minute_bucket,
    five_minute_start,
)
from crowdcare.rules.spikes import SpikeAlert, SpikeState
from crowdcare.services.spike_watch import NEGATIVE, TOTAL

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

BANNER = "alerts"
BANNER_TTL = timedelta(days=1)
STATE_BUCKET = "state"


def counter_of(series: str) -> str:
    """The counter of the 5-minute items that holds a series' volume."""
    if series == TOTAL:
        return RECEIVED
    if series == NEGATIVE:
        return SENTIMENT_PREFIX + "negative"
    if series.startswith(f"{NEGATIVE}:topic:"):
        return TOPIC_NEGATIVE_PREFIX + series.removeprefix(f"{NEGATIVE}:topic:")
    if series.startswith("topic:"):
        return TOPIC_PREFIX + series.removeprefix("topic:")
    raise ValueError(f"unknown spike series {series!r}")


class FiveMinuteVolumes:
    """BucketCounts over the `all` 5-minute items the analytics function keeps."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def add(self, series: str, bucket: datetime, count: int) -> None:
        """Add to a series' counter directly (the analytics function is the usual writer)."""
        self._client.update_item(
            TableName=self._table,
            Key={"dimension": {"S": ALL}, "bucket": {"S": five_minute_bucket(bucket)}},
            UpdateExpression="ADD #c :n",
            ExpressionAttributeNames={"#c": counter_of(series)},
            ExpressionAttributeValues={":n": {"N": str(count)}},
        )

    def between(self, series: str, after: datetime, until: datetime) -> Mapping[datetime, int]:
        """Counts of the buckets starting after `after` and before `until` (one Query)."""
        counter = counter_of(series)
        paginator = self._client.get_paginator("query")
        counts: dict[datetime, int] = {}
        for page in paginator.paginate(
            TableName=self._table,
            # `bucket` is a DynamoDB reserved word: every expression names it by placeholder.
            KeyConditionExpression="#d = :d AND #b BETWEEN :first AND :last",
            ProjectionExpression="#b, #c",
            ExpressionAttributeNames={"#d": "dimension", "#b": "bucket", "#c": counter},
            ExpressionAttributeValues={
                ":d": {"S": ALL},
                ":first": {"S": five_minute_bucket(after)},
                ":last": {"S": five_minute_bucket(until)},
            },
            ConsistentRead=True,
        ):
            for item in page.get("Items", []):
                start = five_minute_start(item["bucket"]["S"])
                if after < start < until and counter in item:
                    counts[start] = int(item[counter]["N"])
        return counts


class SpikeStateItems:
    """SpikeStates: one item per series, saved over the version it was loaded at."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name
        self._versions: dict[str, tuple[SpikeState, int]] = {}

    def _key(self, series: str) -> dict[str, Any]:
        return {"dimension": {"S": f"spike#{series}"}, "bucket": {"S": STATE_BUCKET}}

    def load(self, series: str) -> SpikeState | None:
        item = self._client.get_item(
            TableName=self._table, Key=self._key(series), ConsistentRead=True
        ).get("Item")
        if item is None:
            return None
        state = SpikeState.model_validate_json(item["state"]["S"])
        self._versions[series] = (state, int(item["version"]["N"]))
        return state

    def save(self, series: str, state: SpikeState, previous: SpikeState | None) -> bool:
        known = self._versions.get(series)
        version = known[1] if known is not None and known[0] == previous else 0
        if previous is not None and version == 0:
            return False  # not the state this container loaded: someone else's run
        try:
            # Versions start at 1, so "none stored" and "version 0" are the same condition.
            self._client.put_item(
                TableName=self._table,
                Item={
                    **self._key(series),
                    "state": {"S": state.model_dump_json()},
                    "version": {"N": str(version + 1)},
                },
                ConditionExpression="attribute_not_exists(#d) OR version = :v",
                ExpressionAttributeNames={"#d": "dimension"},
                ExpressionAttributeValues={":v": {"N": str(version)}},
            )
        except ClientError as exc:
            if is_conditional_failure(exc):
                return False
            raise
        self._versions[series] = (state, version + 1)
        return True


class SpikeBanner:
    """The dashboard's banner: the last day's alerts, newest first."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def show(self, series: str, alert: SpikeAlert) -> None:
        expires = alert.timestamp + BANNER_TTL
        self._client.put_item(
            TableName=self._table,
            Item={
                "dimension": {"S": BANNER},
                "bucket": {"S": f"{alert.timestamp.isoformat()}#{series}"},
                "series": {"S": series},
                "alert": {"S": alert.model_dump_json()},
                "expires_at": {"N": str(int(expires.timestamp()))},
            },
        )

    def since(self, moment: datetime) -> list[dict[str, Any]]:
        """Alerts raised since `moment` (TTL deletes lag, so the age is checked here)."""
        response = self._client.query(
            TableName=self._table,
            KeyConditionExpression="#d = :d AND #b >= :since",
            ExpressionAttributeNames={"#d": "dimension", "#b": "bucket"},
            ExpressionAttributeValues={
                ":d": {"S": BANNER},
                ":since": {"S": moment.isoformat()},
            },
            ScanIndexForward=False,
            Limit=20,
        )
        shown = []
        for item in response.get("Items", []):
            alert = SpikeAlert.model_validate_json(item["alert"]["S"])
            shown.append({"series": item["series"]["S"], **alert.model_dump(mode="json")})
        return shown
