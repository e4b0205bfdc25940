"""crowdcare.rules.points and crowdcare.rules.ranks: points as configuration, ranks, badges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from crowdcare.domain.points import PointsReason, entry_for
from crowdcare.domain.replies import Reach
from crowdcare.rules.points import (
    PointsRules,
    PostingFacts,
    posting_awards,
    reach_award,
    reach_points,
)
from crowdcare.rules.ranks import RankRules, badges, next_badge, rank_of, trusted
from pydantic import ValidationError

NOW = datetime(2026, 3, 18, 12, 0, tzinfo=UTC)
RULES = PointsRules.default()


def reasons(facts: PostingFacts, rules: PointsRules = RULES) -> dict[str, int]:
    return {a.reason.value: a.points for a in posting_awards(rules, facts)}


def test_a_fast_reply_earns_the_post_the_sla_and_the_speed_bonus() -> None:
    """GIVEN a 4-hour SLA WHEN posted after 30 minutes THEN post + within SLA + speed."""
    facts = PostingFacts(
        posted_at=NOW,
        assigned_at=NOW - timedelta(minutes=30),
        deadline=NOW + timedelta(hours=3, minutes=30),
    )
    assert reasons(facts) == {"reply_posted": 10, "within_sla": 3, "speed_bonus": 5}


def test_a_late_reply_earns_the_post_only_and_an_untouched_approval_its_bonus() -> None:
    """Past the deadline: no SLA or speed bonus; approved without edits: +2."""
    facts = PostingFacts(
        posted_at=NOW,
        assigned_at=NOW - timedelta(hours=5),
        deadline=NOW - timedelta(hours=1),
        approved_unedited=True,
    )
    assert reasons(facts) == {"reply_posted": 10, "approved_unedited": 2}


def test_employees_own_posts_and_farming_earn_nothing() -> None:
    """Employees (by default), a reply to one's own post, and the N+1-th reply to one author
    in a day earn nothing; employees earn when the rules say so."""
    assert reasons(PostingFacts(posted_at=NOW, employee=True)) == {}
    assert reasons(PostingFacts(posted_at=NOW, own_post=True)) == {}
    assert reasons(PostingFacts(posted_at=NOW, replies_to_author_today=3)) == {}
    assert reasons(PostingFacts(posted_at=NOW, replies_to_author_today=2)) == {"reply_posted": 10}
    staff = PointsRules(employees_earn=True)
    assert reasons(PostingFacts(posted_at=NOW, employee=True), staff) == {"reply_posted": 10}


def test_reach_has_diminishing_returns_and_a_cap() -> None:
    """Doubling the reach adds a constant; a viral reply stops at the cap."""
    assert reach_points(RULES, Reach()) == 0
    assert reach_points(RULES, Reach(likes=1)) == 3
    assert reach_points(RULES, Reach(likes=3)) == 6
    assert reach_points(RULES, Reach(likes=7)) == 9
    assert reach_points(RULES, Reach(likes=10**9)) == RULES.reach_cap


def test_reach_award_is_the_difference_and_never_below_zero_overall() -> None:
    """Re-measuring adds only the difference; reach going down takes back at most what reach
    gave; the same measurement again changes nothing."""
    first = reach_award(RULES, Reach(likes=7), 0)
    assert first is not None and first.points == 9
    assert reach_award(RULES, Reach(likes=7), 9) is None
    down = reach_award(RULES, Reach(), 9)
    assert down is not None and down.points == -9
    assert down.figures["total"] == 0


def test_rules_that_do_not_validate_are_refused_with_the_field_at_fault() -> None:
    """A positive rejection, or a trusted rank that does not exist, names the field."""
    with pytest.raises(ValidationError) as bad:
        PointsRules.model_validate_json('{"reply_rejected": 5}')
    assert bad.value.errors()[0]["loc"] == ("reply_rejected",)
    with pytest.raises(ValidationError) as unknown:
        PointsRules.model_validate_json('{"ranks": {"trusted_rank": "king"}}')
    assert unknown.value.errors()[0]["loc"] == ("ranks",)
    with pytest.raises(ValidationError) as extra:
        PointsRules.model_validate_json('{"bonus_for_everyone": 1}')
    assert extra.value.errors()[0]["loc"] == ("bonus_for_everyone",)


def test_ranks_follow_all_time_points_with_progress_to_the_next() -> None:
    """29 points: newcomer, 1 to helper; the last rank has no next."""
    ranks = RankRules()
    assert rank_of(ranks, 29).model_dump() == {
        "points": 29,
        "rank": "newcomer",
        "next_rank": "helper",
        "points_to_next": 1,
    }
    assert rank_of(ranks, 10_000).next_rank is None


def test_a_trusted_rank_loses_trust_on_a_recent_rejection() -> None:
    """Helper rank is trusted; a rejection within 30 days takes it away, an older one not."""
    ranks = RankRules()
    earned = [
        entry_for("a", PointsReason.REPLY_POSTED, f"m{i}", NOW - timedelta(days=60), points=10)
        for i in range(4)
    ]
    assert trusted(ranks, earned, NOW)
    old = entry_for("a", PointsReason.REPLY_REJECTED, "r1", NOW - timedelta(days=40), points=-5)
    assert trusted(ranks, [*earned, old], NOW)
    recent = entry_for("a", PointsReason.REPLY_REJECTED, "r2", NOW - timedelta(days=2), points=-5)
    assert not trusted(ranks, [*earned, recent], NOW)


def test_badges_first_reply_language_reach_and_a_clean_month() -> None:
    """One posted Spanish reply last month with 120 reach: first reply, wide reach and a clean
    month are earned; 10 replies in a language is next, at 1 of 10."""
    last_month = NOW - timedelta(days=30)
    entries = [
        entry_for("a", PointsReason.REPLY_POSTED, "m1", last_month, points=10, language="es"),
        entry_for(
            "a",
            PointsReason.REACH_BONUS,
            "r1",
            last_month,
            points=20,
            figures={"likes": 100, "reposts": 10, "replies": 10},
            sequence=0,
        ),
    ]
    earned = badges(RankRules(), entries, NOW)
    assert {b.badge for b in earned if b.earned} == {"first_reply", "wide_reach", "clean_month"}
    ahead = next_badge(earned)
    assert ahead is not None
    assert (ahead.badge, ahead.progress, ahead.goal) == ("language_replies", 1, 10)
