"""The FAQ job's storage on the AggregatesTable: the day's questions and complaints, and runs.

Items (PK `dimension`, SK `bucket`), beside the analytics counters:
  * posts: PK `faq#2026-11-30` (the receipt's UTC day), SK the mention id: a question or
    complaint as the clustering reads it (text cut to 500 characters, kind, negative, received
    at), written by the analytics function when the mention's triage arrives and expiring after
    30 days. The job reads a window with one Query per day, never a Scan.
  * runs: PK `faq`, SK `latest`: the last run's candidates (the largest `MAX_STORED`), which the
    Analytics screen shows and `GET /api/faq` exports.

The best answer of a cluster comes from the Replies table's `posted_by_time` index: one Query
of the replies posted since the window started, joined to the posts by mention id.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from crowdcare.adapters.dynamodb.mentions import stored_mention_from_item
from crowdcare.domain.faq import FaqPost, FaqRun, Kind, PostedReply
from crowdcare.domain.triage import Intent, SentimentLabel

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from crowdcare.adapters.dynamodb.replies import ReplyRepository
    from crowdcare.domain.stored import StoredMention

POST_TTL = timedelta(days=30)
MAX_TEXT = 500
MAX_STORED = 100  # candidates kept per run: bounds the item well under DynamoDB's 400 KB
KINDS: dict[Intent, Kind] = {Intent.QUESTION: "question", Intent.COMPLAINT: "complaint"}


def post_partition(at: datetime) -> str:
    return f"faq#{at.date().isoformat()}"


def post_of(stored: StoredMention) -> FaqPost | None:
    """The FAQ post a stored mention makes: a triaged question or complaint (text cut to
    `MAX_TEXT`), or None for anything else."""
    if stored.triage is None or stored.triage.analysis.intent not in KINDS:
        return None
    analysis = stored.triage.analysis
    return FaqPost(
        id=stored.mention.mention_id,
        text=stored.mention.text[:MAX_TEXT] or "-",
        kind=KINDS[analysis.intent],
        negative=analysis.sentiment.label is SentimentLabel.NEGATIVE,
        created_at=stored.received_at,
    )


def post_item(post: FaqPost) -> dict[str, Any]:
    """The AggregatesTable item of a post, expiring `POST_TTL` after its receipt."""
    expires = post.created_at + POST_TTL
    return {
        "dimension": {"S": post_partition(post.created_at)},
        "bucket": {"S": post.id},
        "text": {"S": post.text},
        "kind": {"S": post.kind},
        "negative": {"BOOL": post.negative},
        "created_at": {"S": post.created_at.isoformat()},
        "expires_at": {"N": str(int(expires.timestamp()))},
    }


class FaqPostIndex:
    """RecentPosts over the per-day post items, with replies joined from the Replies table."""

    def __init__(
        self, client: DynamoDBClient, table_name: str, replies: ReplyRepository | None = None
    ) -> None:
        self._client = client
        self._table = table_name
        self._replies = replies

    def remember(self, image: dict[str, Any]) -> bool:
        """Keep a triaged question or complaint from a Mentions table image (a redelivery writes
        the same item again); False when the mention is neither, or not triaged yet.

        The analytics function writes the post in its card's transaction instead (see
        `post_of`), once, when the card first learns the triage; this is the standalone put."""
        post = post_of(stored_mention_from_item(image))
        if post is None:
            return False
        self._client.put_item(TableName=self._table, Item=post_item(post))
        return True

    def between(self, since: datetime, until: datetime) -> list[FaqPost]:
        """The questions and complaints received in [since, until), oldest day first."""
        posts: list[FaqPost] = []
        day = since
        while day.date() <= until.date():
            posts.extend(self._day(post_partition(day), since, until))
            day += timedelta(days=1)
        if self._replies is None or not posts:
            return posts
        best: dict[str, PostedReply] = {}
        for reply in self._replies.posted_since(since):
            reach = reply.reach
            score = 0 if reach is None else reach.likes + reach.reposts + reach.replies
            known = best.get(reply.mention_id)
            if known is None or score > known.reach:
                best[reply.mention_id] = PostedReply(text=reply.text, reach=score)
        return [p.model_copy(update={"reply": best.get(p.id)}) for p in posts]

    def _day(self, partition: str, since: datetime, until: datetime) -> list[FaqPost]:
        paginator = self._client.get_paginator("query")
        found = []
        for page in paginator.paginate(
            TableName=self._table,
            KeyConditionExpression="#d = :d",
            ExpressionAttributeNames={"#d": "dimension"},
            ExpressionAttributeValues={":d": {"S": partition}},
        ):
            for item in page.get("Items", []):
                created = datetime.fromisoformat(item["created_at"]["S"])
                if since <= created < until:
                    found.append(
                        FaqPost.model_validate(
                            {
                                "id": item["bucket"]["S"],
                                "text": item["text"]["S"],
                                "kind": item["kind"]["S"],
                                "negative": item["negative"]["BOOL"],
                                "created_at": created,
                            }
                        )
                    )
        return found


RUN_KEY: dict[str, Any] = {"dimension": {"S": "faq"}, "bucket": {"S": "latest"}}


class FaqRunStore:
    """FaqRuns: the latest run in one item."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self._table = table_name

    def save(self, run: FaqRun) -> None:
        kept = run.model_copy(update={"candidates": run.candidates[:MAX_STORED]})
        self._client.put_item(
            TableName=self._table, Item={**RUN_KEY, "run": {"S": kept.model_dump_json()}}
        )

    def latest(self) -> FaqRun | None:
        item = self._client.get_item(TableName=self._table, Key=RUN_KEY).get("Item")
        return None if item is None else FaqRun.model_validate_json(item["run"]["S"])
