"""The daily FAQ job on moto: triaged questions and complaints kept by day in the
AggregatesTable (as the analytics function writes them from Mentions images), best answers from
the Replies table's posted_by_time index, the run stored and exported by GET /api/faq."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from crowdcare.adapters.dynamodb.faq import FaqPostIndex, FaqRunStore
from crowdcare.adapters.dynamodb.mentions import MentionRepository
from crowdcare.adapters.dynamodb.replies import ReplyRepository
from crowdcare.domain.models import Author, Mention, MentionStatus, Platform
from crowdcare.domain.replies import PostedReply, Reach, Reply, ReplyStatus
from crowdcare.domain.triage import (
    Analysis,
    Intent,
    Priority,
    RouteDecision,
    RouteKind,
    Sentiment,
    SentimentLabel,
    SentimentScores,
    Triage,
)
from crowdcare.services.faq_job import FaqJob
from crowdcare_local.stack import create_template_table

from tests.integration.conftest import CORE_MENTIONS_TABLE, CoreAws

AGGREGATES_TABLE = "faq-test-aggregates"
REPLIES_TABLE = "faq-test-replies"
NOW = datetime(2026, 11, 30, 4, 30, tzinfo=UTC)

RESET = [
    "how do I reset my password",
    "how can I reset my password please",
    "password reset link how do I get it",
    "how do I reset the password on my account",
]
REFUND = [
    "still waiting for my refund, terrible service",
    "where is my refund it has been weeks, terrible",
    "refund not received, terrible support",
    "my refund never arrived terrible",
]


def _triage(intent: Intent, negative: bool) -> Triage:
    label = SentimentLabel.NEGATIVE if negative else SentimentLabel.NEUTRAL
    return Triage(
        analysis=Analysis(
            language="en",
            sentiment=Sentiment(
                label=label,
                scores=SentimentScores(
                    positive=0.0,
                    negative=0.9 if negative else 0.1,
                    neutral=0.1 if negative else 0.9,
                    mixed=0.0,
                ),
                compound=-0.7 if negative else 0.0,
            ),
            intent=intent,
            topics=("account",),
        ),
        priority=Priority(score=60, band="P2", reasons=("question",)),
        decision=RouteDecision(route=RouteKind.COMMUNITY, reasons=("account",)),
    )


def _store(
    core: CoreAws, post_id: str, text: str, intent: Intent, *, negative: bool, received: datetime
) -> dict[str, Any]:
    """Store and triage a mention; its item is the image the analytics function sees."""
    mentions = MentionRepository(core.dynamodb, CORE_MENTIONS_TABLE)
    mention = Mention(
        platform=Platform.X,
        post_id=post_id,
        url=f"https://x.example/{post_id}",
        author=Author(id=f"a{post_id}", handle=f"@a{post_id}"),
        text=text,
        created_at=received,
    )
    mentions.put_if_new(mention, received)
    mentions.record_triage(mention.mention_id, _triage(intent, negative), MentionStatus.TRIAGED)
    key = {"mention_id": {"S": mention.mention_id}}
    item: dict[str, Any] = core.dynamodb.get_item(TableName=CORE_MENTIONS_TABLE, Key=key)["Item"]
    return item


@pytest.fixture
def faq_tables(core_aws: CoreAws) -> CoreAws:
    create_template_table(core_aws.dynamodb, "AggregatesTable", AGGREGATES_TABLE)
    create_template_table(core_aws.dynamodb, "RepliesTable", REPLIES_TABLE)
    return core_aws


def test_the_job_clusters_the_windows_posts_with_the_best_answer(faq_tables: CoreAws) -> None:
    """GIVEN questions about resets (two answered) and rising refund complaints, plus a
    praise post WHEN the job runs THEN two candidates: the reset question with the reply of most
    reach, and the refund complaint flagged as a root cause; praise is never kept."""
    ddb = faq_tables.dynamodb
    index = FaqPostIndex(ddb, AGGREGATES_TABLE, ReplyRepository(ddb, REPLIES_TABLE))
    for n, text in enumerate(RESET):
        image = _store(
            faq_tables,
            f"r{n}",
            text,
            Intent.QUESTION,
            negative=False,
            received=NOW - timedelta(days=3 + n),
        )
        assert index.remember(image)
    for n, text in enumerate(REFUND):
        # One refund complaint in the earlier week, three in the last one: rising.
        days = 10 if n == 0 else 1 + n
        assert index.remember(
            _store(
                faq_tables,
                f"f{n}",
                text,
                Intent.COMPLAINT,
                negative=True,
                received=NOW - timedelta(days=days),
            )
        )
    praise = _store(
        faq_tables,
        "p0",
        "love the new app",
        Intent.PRAISE,
        negative=False,
        received=NOW - timedelta(days=1),
    )
    assert not index.remember(praise)
    replies = ReplyRepository(ddb, REPLIES_TABLE)
    for reply_id, mention_id, text, likes in (
        ("a1", "x#r1", "Use Settings > Reset password.", 3),
        ("a2", "x#r2", "Tap 'Forgot password' on the sign-in page.", 40),
    ):
        reply = Reply(
            reply_id=reply_id,
            mention_id=mention_id,
            responder_id="adv.ana",
            platform=Platform.X,
            text=text,
            status=ReplyStatus.POSTED,
            requested_at=NOW - timedelta(days=3),
            posted=PostedReply(
                platform=Platform.X,
                post_id=reply_id,
                url="https://x.example",
                posted_at=NOW - timedelta(days=3),
            ),
            reach=Reach(likes=likes),
        )
        assert replies.create(reply)
    runs = FaqRunStore(ddb, AGGREGATES_TABLE)
    run = FaqJob(posts=index, runs=runs, window=timedelta(days=14)).run(NOW)

    stored = runs.latest()
    assert stored == run
    by_kind = {c.kind: c for c in run.candidates}
    assert set(by_kind) == {"question", "complaint"}
    assert by_kind["question"].best_answer == "Tap 'Forgot password' on the sign-in page."
    assert by_kind["complaint"].root_cause
    assert by_kind["complaint"].negative_share == 1.0
    assert (by_kind["complaint"].size, by_kind["complaint"].previous_size) == (3, 1)
