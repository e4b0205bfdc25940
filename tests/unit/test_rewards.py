"""crowdcare.services.rewards and the leaderboard: points through the ledger, reach bonuses as
differences, reversals, boards that always equal the ledger's sums, and an advocate's page."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from crowdcare.adapters.cognito_auth import Principal, Role
from crowdcare.domain.assignments import Assignment
from crowdcare.domain.dashboard import LeaderboardQuery
from crowdcare.domain.errors import PlatformError, RequestError
from crowdcare.domain.models import Author, MentionStatus, Platform, ResponderKind
from crowdcare.domain.points import Figures, Period, PointsReason, entry_for
from crowdcare.domain.replies import (
    PostedReply,
    Reach,
    Reaction,
    ReactionKind,
    Reply,
    ReplyStatus,
)
from crowdcare.domain.stored import StoredMention
from crowdcare.domain.triage import RouteKind, Triage
from crowdcare.rules.points import PointsRules
from crowdcare.rules.ranks import RankRules, badges, badges_from_stats, rank_of, stats_of
from crowdcare.rules.standings import board_from_entries, ranked
from crowdcare.services.dashboard.leaderboard import LeaderboardService
from crowdcare.services.dashboard.trust import TrustPolicy
from crowdcare.services.replies.reach import ReachTracker
from crowdcare.services.rewards.awards import PointsAwarder
from crowdcare.services.rewards.page import PointsPage
from crowdcare.testing.builders import a_decision, a_mention, a_priority, a_responder, an_analysis
from crowdcare.testing.replies import (
    InMemoryAssignments,
    InMemoryLedger,
    InMemoryMentions,
    InMemoryReplies,
    InMemoryResponders,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)  # a Wednesday


@dataclass
class Rewards:
    """The awarder, leaderboard and page wired to fakes (as config/*_wiring wires them)."""

    rules: PointsRules = field(default_factory=PointsRules)
    now: datetime = NOW
    ledger: InMemoryLedger = field(default_factory=InMemoryLedger)
    mentions: InMemoryMentions = field(default_factory=InMemoryMentions)
    assignments: InMemoryAssignments = field(default_factory=InMemoryAssignments)
    replies: InMemoryReplies = field(default_factory=InMemoryReplies)
    responders: InMemoryResponders = field(default_factory=InMemoryResponders)

    def __post_init__(self) -> None:
        for rid in ("adv.ana", "adv.ben"):
            self.responders.upsert(a_responder(rid, handles=(f"@{rid}_home",)))
        self.responders.upsert(a_responder("emp.owen", ResponderKind.EMPLOYEE))

    def clock(self) -> datetime:
        return self.now

    @property
    def awarder(self) -> PointsAwarder:
        return PointsAwarder(
            self.ledger,
            lambda: self.rules,
            self.mentions,
            self.assignments,
            self.responders,
            self.clock,
        )

    @property
    def board(self) -> LeaderboardService:
        return LeaderboardService(self.ledger, self.responders, self.clock, lambda: self.rules)

    def reply(
        self,
        n: int,
        responder_id: str = "adv.ana",
        author: str = "u1",
        language: str = "en",
        took: timedelta | None = None,
        *,
        topics: tuple[str, ...] = (),
    ) -> Reply:
        """A posted reply #n to its own mention by `author`, assigned with a 4-hour SLA."""
        mention = a_mention(str(n), author=Author(id=author, handle=f"@{author}"))
        triage = Triage(
            analysis=an_analysis(language=language).model_copy(update={"topics": topics}),
            priority=a_priority(),
            decision=a_decision(),
        )
        self.mentions.add(StoredMention(mention, NOW, MentionStatus.ASSIGNED, triage))
        if took is not None:
            self.assignments.put(
                Assignment(
                    mention_id=mention.mention_id,
                    responder_id=responder_id,
                    responder_kind=ResponderKind.ADVOCATE,
                    route=RouteKind.COMMUNITY,
                    priority=60,
                    band="P2",
                    assigned_at=self.now - took,
                    deadline=self.now - took + timedelta(hours=4),
                )
            )
        reply = Reply(
            reply_id=f"r-{n}",
            mention_id=mention.mention_id,
            responder_id=responder_id,
            platform=Platform.X,
            text="Hold the dial for 10 s.",
            status=ReplyStatus.POSTED,
            requested_at=self.now,
            posted=PostedReply(platform=Platform.X, post_id=f"p{n}", url="", posted_at=self.now),
        )
        self.replies.create(reply)
        return reply

    def total(self, responder_id: str = "adv.ana") -> int:
        return sum(e.points for e in self.ledger.for_responder(responder_id))

    def check_boards(self) -> None:
        """Every board equals the ledger's sums for it."""
        for key, lines in self.ledger.boards.items():
            expected = board_from_entries(self.ledger.all(), key)
            assert ranked(lines.values()) == ranked(expected)

    def check_pages_and_badges(self) -> None:
        """Every board read a page at a time ranks as the whole board does, and each line's
        level and badges (from the kept figures) are those of the owner's whole history."""
        ranks = self.rules.ranks
        for key, lines in self.ledger.boards.items():
            period, _, scope = key.partition("#")
            if period != "all" or scope.startswith("topic"):
                continue  # this week's and month's boards: the clock has moved on
            language = scope.removeprefix("lang#") or None
            shown: list[dict[str, object]] = []
            cursor = None
            while True:
                page = self.board.board(Period.ALL, language, cursor, page_size=3)
                assert len(page["items"]) <= 3
                shown += page["items"]
                cursor = page["next"]
                if cursor is None:
                    break
            expected = ranked(lines.values())
            assert [(i["rank"], i["points"]) for i in shown] == [
                (s.rank, s.points) for s in expected
            ]
            for item in shown:
                entries = self.ledger.for_responder(str(item["responder_id"]))
                assert item["level"] == rank_of(ranks, sum(e.points for e in entries)).rank
                assert item["badges"] == [
                    b.badge for b in badges(ranks, entries, self.now) if b.earned
                ]


def test_a_posted_reply_earns_its_points_once_with_figures() -> None:
    """GIVEN a reply posted 30 min into a 4-hour SLA WHEN confirmed twice THEN post + SLA +
    speed once, each entry with its reason, figures and language."""
    w = Rewards()
    reply = w.reply(1, language="es", took=timedelta(minutes=30))
    first = w.awarder.posted(reply)
    assert w.awarder.posted(reply) == []
    assert {(e.reason, e.points) for e in first} == {
        (PointsReason.REPLY_POSTED, 10),
        (PointsReason.WITHIN_SLA, 3),
        (PointsReason.SPEED_BONUS, 5),
    }
    speed = next(e for e in first if e.reason is PointsReason.SPEED_BONUS)
    assert speed.figures == {"sla_seconds": 14400, "took_seconds": 1800, "fraction": 0.25}
    assert {e.language for e in first} == {"es"}
    assert w.board.board(Period.WEEK, "es")["items"][0]["points"] == 18


def test_no_points_for_employees_own_posts_or_past_the_daily_limit_per_author() -> None:
    """An employee's reply, a reply to one's own post, and the 4th reply to one author in a day
    earn nothing; a reply to another author still does."""
    w = Rewards()
    assert w.awarder.posted(w.reply(1, "emp.owen")) == []
    assert w.awarder.posted(w.reply(2, author="adv.ana_home")) == []
    for n in range(3, 6):
        w.awarder.posted(w.reply(n, author="u7"))
    assert w.awarder.posted(w.reply(6, author="u7")) == []
    assert [e.points for e in w.awarder.posted(w.reply(7, author="u8"))] == [10]
    assert w.total() == 40


def test_reach_adds_only_the_difference_and_going_down_stops_at_the_reach_bonus() -> None:
    """Measuring 7 likes twice gives +9 once; 31 likes adds +6; all likes gone takes back
    exactly the 15 reach gave, never the reply's own points."""
    w = Rewards()
    reply = w.reply(1)
    w.awarder.posted(reply)
    assert [e.points for e in w.awarder.reach_measured(reply, Reach(likes=7))] == [9]
    assert w.awarder.reach_measured(reply, Reach(likes=7)) == []
    assert [e.points for e in w.awarder.reach_measured(reply, Reach(likes=31))] == [6]
    assert [e.points for e in w.awarder.reach_measured(reply, Reach())] == [-15]
    assert w.total() == 10
    reach = [e.entry_id for e in w.ledger.all() if e.reason is PointsReason.REACH_BONUS]
    assert reach == ["r-1#reach_bonus#0", "r-1#reach_bonus#1", "r-1#reach_bonus#2"]
    w.check_boards()


def test_a_reply_the_platform_deleted_is_reversed_with_a_reason() -> None:
    """GIVEN a reply with reach WHEN the tracker gets 404 for it THEN one reply_removed entry
    takes back all it earned, and later readings earn nothing."""
    w = Rewards()
    reply = w.reply(1)
    w.awarder.posted(reply)
    w.awarder.reach_measured(reply, Reach(likes=3))

    @dataclass
    class GoneAdapter:
        def reach(self, posted: PostedReply) -> Reach:
            raise PlatformError("not found", status=404, retryable=False)

    tracker = ReachTracker(
        replies=w.replies,
        adapters=lambda platform: GoneAdapter(),  # type: ignore[arg-type]
        clock=w.clock,
        window=timedelta(hours=72),
        on_measured=w.awarder.reach_measured,
        on_removed=w.awarder.removed,
    )
    run = tracker.run()
    assert (run.read, run.removed, run.failed) == (0, ("r-1",), ())
    tracker.run()
    removed = [e for e in w.ledger.all() if e.reason is PointsReason.REPLY_REMOVED]
    assert [(e.points, e.figures) for e in removed] == [(-16, {"reversed": 16})]
    assert w.awarder.reach_measured(reply, Reach(likes=100)) == []
    assert w.total() == 0


def test_leaderboards_by_period_and_language_paginated_with_badges() -> None:
    """Last week's points count all time only; pages of one line; Spanish board alone."""
    w = Rewards()
    w.now = NOW - timedelta(days=7)
    w.awarder.posted(w.reply(1, "adv.ben"))
    w.awarder.posted(w.reply(2, "adv.ben", author="u2"))
    w.now = NOW
    w.awarder.posted(w.reply(3, "adv.ana", language="es"))
    week = w.board.board(Period.WEEK, page_size=1)
    assert ([i["responder_id"] for i in week["items"]], week["next"]) == (["adv.ana"], None)
    first = w.board.board(Period.ALL, page_size=1)
    assert [i["responder_id"] for i in first["items"]] == ["adv.ben"]
    all_time = w.board.board(Period.ALL, cursor=first["next"], page_size=1)
    assert all_time["next"] is None
    assert [(i["rank"], i["responder_id"], i["points"]) for i in all_time["items"]] == [
        (2, "adv.ana", 10)
    ]
    assert all_time["items"][0]["badges"] == ["first_reply"]
    # AND a cursor of another board, or one whose position was forged, is refused (a 400)
    with pytest.raises(RequestError, match="cursor"):
        w.board.board(Period.WEEK, cursor=first["next"], page_size=1)
    forged = base64.urlsafe_b64encode(
        json.dumps(json.loads(base64.urlsafe_b64decode(first["next"])) | {"a": "x"}).encode()
    ).decode()
    with pytest.raises(RequestError, match="cursor"):
        w.board.board(Period.ALL, cursor=forged, page_size=1)
    assert [i["responder_id"] for i in w.board.board(Period.ALL, "es")["items"]] == ["adv.ana"]


def test_topic_boards_count_each_topic_once_and_pages_carry_the_choices() -> None:
    """GIVEN replies tagged billing and app WHEN the billing board is read THEN only those
    replies count there (reach and thanks too), the language and topic selectors' choices come
    with the page, and asking for a language and a topic at once is refused."""
    w = Rewards()
    billing = w.reply(1, "adv.ana", topics=("billing", "app", "billing"))
    w.awarder.posted(billing)
    w.awarder.reach_measured(billing, Reach(likes=7))
    w.awarder.posted(w.reply(2, "adv.ben", author="u2", topics=("app",)))
    board = w.board.board(Period.MONTH, topic="billing")
    assert board["board"] == "month#2026-03#topic#billing"
    assert [(i["responder_id"], i["points"], i["replies"]) for i in board["items"]] == [
        ("adv.ana", 19, 1)
    ]
    app = w.board.board(Period.WEEK, topic="app")["items"]
    assert [(i["rank"], i["responder_id"]) for i in app] == [(1, "adv.ana"), (2, "adv.ben")]
    assert "es" in board["choices"]["languages"]
    w.check_boards()
    with pytest.raises(ValidationError, match="not both"):
        LeaderboardQuery.model_validate({"language": "es", "topic": "app"})


def test_the_advocates_page_shows_history_reach_rank_and_feedback() -> None:
    """Points by reason, the reply's reach and points, rank progress, next badge, and the
    note of a rejected reply."""
    w = Rewards()
    reply = w.reply(1)
    w.awarder.posted(reply)
    w.replies.record_reach(reply.reply_id, Reach(likes=7), NOW)
    w.awarder.reach_measured(reply, Reach(likes=7))
    rejected = w.reply(2).model_copy(
        update={"status": ReplyStatus.REJECTED, "decided_by": "emp.owen", "note": "Too curt."}
    )
    w.replies.items[rejected.reply_id] = rejected
    w.awarder.rejected(rejected)
    page = PointsPage(w.ledger, w.replies, lambda: w.rules, w.clock).page("adv.ana")
    assert page["points"] == 14
    assert page["by_reason"] == {"reply_posted": 10, "reach_bonus": 9, "reply_rejected": -5}
    assert page["rank"] == {
        "points": 14,
        "rank": "newcomer",
        "next_rank": "helper",
        "points_to_next": 16,
    }
    assert {r["reply_id"]: (r["points"], r["reach"]) for r in page["replies"]} == {
        "r-1": (19, {"likes": 7, "reposts": 0, "replies": 0, "author_thanked": False}),
        "r-2": (-5, None),
    }
    assert [(f["reply_id"], f["note"]) for f in page["feedback"]] == [("r-2", "Too curt.")]
    assert [b["badge"] for b in page["badges"]] == ["first_reply"]
    assert page["next_badge"]["badge"] == "language_replies"


# ------------------------------------------------------------------------- properties

EVENTS = st.lists(
    st.one_of(
        st.tuples(st.just("post"), st.integers(0, 5), st.sampled_from(["adv.ana", "adv.ben"])),
        st.tuples(st.just("reach"), st.integers(0, 5), st.integers(0, 300)),
        st.tuples(st.just("remove"), st.integers(0, 5), st.just(0)),
        st.tuples(st.just("reject"), st.integers(0, 5), st.sampled_from(["adv.ana", "adv.ben"])),
        st.tuples(st.just("day"), st.integers(1, 10), st.just(0)),
    ),
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(EVENTS)
def test_every_board_equals_the_ledgers_sum_and_replayed_measurements_change_nothing(
    events: list[tuple[str, int, object]],
) -> None:
    """For any sequence of posts, reach readings (up and down), removals, rejections and days
    passing: every board equals the ledger's sums, a reply's reach bonus never goes below zero,
    and replaying the same reach measurement adds no entry."""
    w = Rewards()
    replies: dict[int, Reply] = {}
    for kind, n, arg in events:
        if kind == "day":
            w.now += timedelta(days=n)
        elif kind == "post" and n not in replies:
            topics = (("billing", "app", "shipping", "account")[: n % 5], ("app",))[n % 2]
            replies[n] = w.reply(
                n, str(arg), author=f"u{n}", language="es" if n % 2 else "en", topics=topics
            )
            w.awarder.posted(replies[n])
        elif kind == "reject":
            w.awarder.rejected(replies.get(n) or w.reply(100 + n, str(arg)))
        elif kind == "reach" and n in replies:
            reach = Reach(likes=int(str(arg)), reposts=int(str(arg)) // 7)
            w.awarder.reach_measured(replies[n], reach)
            before = len(w.ledger.entries)
            w.awarder.reach_measured(replies[n], reach)
            assert len(w.ledger.entries) == before
        elif kind == "remove" and n in replies:
            w.awarder.removed(replies[n])
        for reply in replies.values():
            bonus = sum(
                e.points
                for e in w.ledger.for_responder(reply.responder_id)
                if e.reply_id == reply.reply_id and e.reason is PointsReason.REACH_BONUS
            )
            assert bonus >= 0
    w.check_boards()
    assert set(w.ledger.boards) >= {"all"} or not w.ledger.entries
    w.check_pages_and_badges()


def test_a_trusted_rank_skips_approval_until_a_rejection() -> None:
    """GIVEN an advocate at helper rank (40 points) under a post-count threshold of 10 THEN no
    approval is needed; WHEN an employee rejects a reply THEN approval is needed again, for
    30 days (still a helper at 35)."""
    w = Rewards()
    for n in range(4):
        w.awarder.posted(w.reply(n, author=f"u{n}"))
    trust = TrustPolicy(w.ledger, w.clock, 10, lambda: w.rules)
    ana = Principal(subject="s", username="adv.ana", roles=frozenset({Role.ADVOCATE}))
    responder = w.responders.get("adv.ana")
    assert trust.needs_approval(ana, responder) is False
    w.awarder.rejected(w.reply(9))
    assert trust.needs_approval(ana, responder) is True
    w.now += timedelta(days=31)
    assert trust.needs_approval(ana, responder) is False


def test_the_tracker_awards_the_authors_thanks_once_per_reply() -> None:
    """GIVEN a reply its mention's author answered with "thank you!" WHEN the tracker reads it
    twice THEN one author_thanks entry (by reply) is written, and a stranger's thanks or the
    author's complaint earn nothing."""
    w = Rewards()
    thanked, strangers, complained = w.reply(1, author="u1"), w.reply(2, author="u2"), w.reply(3)
    for reply in (thanked, strangers, complained):
        w.awarder.posted(reply)
    answers = {
        "p1": Reaction(kind=ReactionKind.REPLY, author_id="u1", text="Thank you! Works again"),
        "p2": Reaction(kind=ReactionKind.REPLY, author_id="u9", text="thanks"),
        "p3": Reaction(kind=ReactionKind.REPLY, handle="@u1", text="still broken"),
    }

    @dataclass
    class AnsweredAdapter:
        def reach(self, posted: PostedReply) -> Reach:
            return Reach(replies=1, reactions=(answers[posted.post_id],))

    tracker = ReachTracker(
        replies=w.replies,
        adapters=lambda platform: AnsweredAdapter(),  # type: ignore[arg-type]
        clock=w.clock,
        window=timedelta(hours=72),
        on_measured=w.awarder.reach_measured,
    )
    tracker.run()
    tracker.run()
    thanks = [e for e in w.ledger.all() if e.reason is PointsReason.AUTHOR_THANKS]
    assert [(e.reply_id, e.points, e.figures) for e in thanks] == [("r-1", 5, {"by": "reply"})]
    w.check_boards()


def test_the_authors_like_is_thanks_matched_by_handle() -> None:
    """GIVEN the author's like, named by handle only WHEN reach is measured THEN the thanks is
    awarded (by like); with thanks set to 0 points in the rules THEN nothing is written."""
    w = Rewards()
    reply = w.reply(1, author="u1")
    w.awarder.posted(reply)
    like = Reach(likes=1, reactions=(Reaction(kind=ReactionKind.LIKE, handle="U1"),))
    written = w.awarder.reach_measured(reply, like)
    assert [(e.reason, e.figures.get("by")) for e in written if e.points == 5] == [
        (PointsReason.AUTHOR_THANKS, "like")
    ]
    stingy = Rewards(rules=PointsRules(author_thanks=0))
    other = stingy.reply(2, author="u1")
    stingy.awarder.posted(other)
    stingy.awarder.reach_measured(other, like)
    assert PointsReason.AUTHOR_THANKS not in {e.reason for e in stingy.ledger.all()}


ENTRIES = st.lists(
    st.tuples(
        st.sampled_from(list(PointsReason)),
        st.sampled_from([None, "en", "es", "de"]),
        st.integers(0, 400),  # days before NOW
        st.integers(-20, 30),  # points
        st.integers(0, 250),  # likes (a reach bonus's figures)
    ),
    max_size=40,
)


@settings(max_examples=100, deadline=None)
@given(ENTRIES)
def test_badges_from_the_kept_figures_equal_badges_from_the_whole_history(
    events: list[tuple[PointsReason, str | None, int, int, int]],
) -> None:
    """For any history of every kind of entry (languages, months, reach, thanks, rejections),
    the level and badges read from the ledger's kept figures equal those computed from the
    responder's whole history, for the default rules and tighter ones."""
    ledger = InMemoryLedger()
    for n, (reason, language, days, points, likes) in enumerate(events):
        at = NOW - timedelta(days=days)
        figures: Figures = {"likes": likes} if reason is PointsReason.REACH_BONUS else {}
        ledger.append(
            entry_for(
                "adv.ana", reason, f"x#{n}", at, points=points, language=language, figures=figures
            )
        )
    entries = ledger.for_responder("adv.ana")
    kept = ledger.stats(["adv.ana"])["adv.ana"]
    assert kept == stats_of(entries)
    assert kept.points == sum(e.points for e in entries)
    for rules in (RankRules(), RankRules(language_badge_replies=2, reach_badge=120)):
        assert badges_from_stats(rules, kept, NOW) == badges(rules, entries, NOW)
