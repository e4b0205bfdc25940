"""A customer's history on every card: the author's earlier mentions and what was answered
(the feed and the approvals queue), on the in-memory fakes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crowdcare.adapters.cognito_auth import Principal, Role
from crowdcare.adapters.platforms.outbound.base import default_limits
from crowdcare.domain.assignments import Assignment
from crowdcare.domain.models import Author, Mention, MentionStatus, Platform, ResponderKind
from crowdcare.domain.replies import PostedReply, Reply, ReplyStatus
from crowdcare.domain.stored import StoredMention
from crowdcare.domain.triage import RouteKind
from crowdcare.services.dashboard.access import HISTORY_DEPTH, earlier_mentions
from crowdcare.services.dashboard.feed import FeedService
from crowdcare.testing.replies import (
    InMemoryAssignments,
    InMemoryMentions,
    InMemoryReplies,
    InMemoryRulesStore,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
DANA = Author(id="u1", handle="@dana")
ANA = Principal(subject="s-ana", username="adv.ana", roles=frozenset({Role.ADVOCATE}))


def _mention(post_id: str, hours_ago: int, author: Author = DANA) -> Mention:
    return Mention(
        platform=Platform.X,
        post_id=post_id,
        author=author,
        text=f"post {post_id}",
        created_at=NOW - timedelta(hours=hours_ago),
    )


def _reply(mention_id: str, status: ReplyStatus, text: str, minutes: int = 0) -> Reply:
    posted = (
        PostedReply(platform=Platform.X, post_id="r", url="", posted_at=NOW)
        if status is ReplyStatus.POSTED
        else None
    )
    return Reply(
        reply_id=f"{mention_id}-{minutes}",
        mention_id=mention_id,
        responder_id="adv.ben",
        platform=Platform.X,
        text=text,
        status=status,
        requested_at=NOW - timedelta(hours=1, minutes=-minutes),
        posted=posted,
    )


def _history() -> tuple[InMemoryMentions, InMemoryReplies]:
    """Dana's current post (x#now) and three earlier ones: answered, refused once then
    answered, rejected only; plus another author's post."""
    mentions, replies = InMemoryMentions(), InMemoryReplies()
    for post_id, hours in (("now", 0), ("a", 3), ("b", 2), ("c", 1)):
        mentions.add(StoredMention(_mention(post_id, hours), NOW, MentionStatus.REPLIED))
    zed = _mention("z", 1, Author(id="u9", handle="@zed"))
    mentions.add(StoredMention(zed, NOW, MentionStatus.REPLIED))
    replies.items["x#a-0"] = _reply("x#a", ReplyStatus.POSTED, "Sent a new one")
    replies.items["x#b-0"] = _reply("x#b", ReplyStatus.FAILED, "first try", 0)
    replies.items["x#b-5"] = _reply("x#b", ReplyStatus.POSTED, "second try", 5)
    replies.items["x#c-0"] = _reply("x#c", ReplyStatus.REJECTED, "not approved")
    return mentions, replies


def test_a_card_lists_the_authors_earlier_mentions_newest_first_with_the_posted_reply() -> None:
    """GIVEN an author with three earlier mentions (answered, answered on a retry, only a
    rejected reply) WHEN the history of their new mention is read THEN the three come newest
    first, each with the reply posted, or none and the status of the latest attempt."""
    mentions, replies = _history()
    current = mentions.stored["x#now"].mention

    earlier = earlier_mentions(mentions, replies, current)

    assert [(e.mention_id, e.reply_text, e.reply_status) for e in earlier] == [
        ("x#c", None, "rejected"),
        ("x#b", "second try", "posted"),
        ("x#a", "Sent a new one", "posted"),
    ]
    assert earlier[0].text == "post c"
    assert earlier[0].posted_at == NOW - timedelta(hours=1)


def test_the_history_is_bounded_whatever_the_authors_past() -> None:
    """GIVEN an author with twenty earlier mentions WHEN a card's history is read THEN only
    the last HISTORY_DEPTH come back."""
    mentions, replies = InMemoryMentions(), InMemoryReplies()
    for n in range(21):
        mentions.add(StoredMention(_mention(str(n), 21 - n), NOW, MentionStatus.REPLIED))

    earlier = earlier_mentions(mentions, replies, mentions.stored["x#20"].mention)

    assert [e.mention_id for e in earlier] == [f"x#{n}" for n in range(19, 19 - HISTORY_DEPTH, -1)]


def test_the_feed_card_carries_the_history() -> None:
    """GIVEN Dana's new mention assigned to Ana WHEN Ana reads her feed THEN its card carries
    Dana's earlier mentions."""
    mentions, replies = _history()
    assignments = InMemoryAssignments()
    assignments.put(
        Assignment(
            mention_id="x#now",
            responder_id="adv.ana",
            responder_kind=ResponderKind.ADVOCATE,
            route=RouteKind.COMMUNITY,
            priority=60,
            band="P2",
            assigned_at=NOW,
        )
    )
    rules, limits = InMemoryRulesStore(), default_limits()
    feed = FeedService(mentions, assignments, replies, rules, limits, lambda: NOW, mentions)

    (item,) = feed.feed(ANA)

    assert [e.mention_id for e in item.earlier] == ["x#c", "x#b", "x#a"]
