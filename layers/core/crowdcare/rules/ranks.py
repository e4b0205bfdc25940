"""Ranks from all-time points, badges for milestones, and the trust a rank earns (pure).

Thresholds are part of the points rules document (`PointsRules.ranks`), so an admin tunes them
on the Rules screen. Everything here is computed from one responder's ledger entries (a query
on their own partition, never a scan), or, for a leaderboard's lines, from their
`ResponderStats`: the few running figures the ledger keeps beside the entries (in the same
write), so a board page never reads anyone's history.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import Field, model_validator

from crowdcare.domain.models import Frozen
from crowdcare.domain.points import LedgerEntry, PointsReason


class RankThreshold(Frozen):
    """A rank and the all-time points it starts at."""

    name: Annotated[str, Field(min_length=1, max_length=40)]
    points: Annotated[int, Field(ge=0)]


DEFAULT_RANKS = (
    RankThreshold(name="newcomer", points=0),
    RankThreshold(name="helper", points=30),
    RankThreshold(name="advocate", points=150),
    RankThreshold(name="champion", points=500),
    RankThreshold(name="legend", points=1500),
)


class RankRules(Frozen):
    """Rank thresholds, the rank trusted to post without approval, badge milestones."""

    thresholds: tuple[RankThreshold, ...] = DEFAULT_RANKS
    trusted_rank: str = Field(default="helper", description="posts without approval from here")
    trust_lost_days: Annotated[int, Field(ge=0, le=365)] = Field(
        default=30, description="a rejection this recent means approval again"
    )
    language_badge_replies: Annotated[int, Field(ge=1, le=10_000)] = 10
    reach_badge: Annotated[int, Field(ge=1, le=10_000_000)] = Field(
        default=100, description="likes + reposts + replies of one reply"
    )

    @model_validator(mode="after")
    def _ordered(self) -> RankRules:
        points = [t.points for t in self.thresholds]
        if not points or points[0] != 0 or points != sorted(set(points)):
            raise ValueError("thresholds must start at 0 points and rise strictly")
        if self.trusted_rank not in {t.name for t in self.thresholds}:
            raise ValueError(f"trusted_rank {self.trusted_rank!r} is not one of the thresholds")
        return self


class RankProgress(Frozen):
    """Where a responder stands: their rank, the next one and the points still to earn."""

    points: int
    rank: str
    next_rank: str | None
    points_to_next: int | None


class Badge(Frozen):
    """A milestone, earned or (with progress) still ahead."""

    badge: str
    title: str
    earned: bool
    progress: int = 0
    goal: int = 1


def rank_of(rules: RankRules, points: int) -> RankProgress:
    """The rank `points` reach and how far the next one is."""
    current = rules.thresholds[0]
    ahead: RankThreshold | None = None
    for threshold in rules.thresholds:
        if points >= threshold.points:
            current = threshold
        elif ahead is None:
            ahead = threshold
    return RankProgress(
        points=points,
        rank=current.name,
        next_rank=None if ahead is None else ahead.name,
        points_to_next=None if ahead is None else ahead.points - points,
    )


def rank_level(rules: RankRules, name: str) -> int:
    """The position of a rank (0 for the first)."""
    return [t.name for t in rules.thresholds].index(name)


def trusted(rules: RankRules, entries: Sequence[LedgerEntry], now: datetime) -> bool:
    """Whether a responder's rank lets them post without approval: a trusted rank, and no
    rejection within `trust_lost_days` (a rejection takes the trust away until then)."""
    progress = rank_of(rules, sum(e.points for e in entries))
    if rank_level(rules, progress.rank) < rank_level(rules, rules.trusted_rank):
        return False
    since = now - timedelta(days=rules.trust_lost_days)
    return not any(e.reason is PointsReason.REPLY_REJECTED and e.at >= since for e in entries)


def reach_of(entry: LedgerEntry) -> int:
    return sum(int(entry.figures.get(k, 0)) for k in ("likes", "reposts", "replies"))


def _top_language(posted_by_language: Mapping[str, int]) -> tuple[str, int]:
    """The language with the most posted replies (ties: the first by name, so a history and
    the kept figures, whatever order they list languages in, name the same one)."""
    ordered = sorted(posted_by_language.items(), key=lambda item: (-item[1], item[0]))
    return ordered[0] if ordered else ("", 0)


def _clean_months(entries: Sequence[LedgerEntry], now: datetime) -> int:
    """Complete months with a posted reply and no rejected one."""
    posted = {f"{e.at:%Y-%m}" for e in entries if e.reason is PointsReason.REPLY_POSTED}
    rejected = {f"{e.at:%Y-%m}" for e in entries if e.reason is PointsReason.REPLY_REJECTED}
    return len({m for m in posted - rejected if m < f"{now:%Y-%m}"})


class ResponderStats(Frozen):
    """What ranks and badges need of one responder's whole ledger, kept as running figures
    (each bounded: languages are the detector's few, months at most twelve a year)."""

    points: int = 0
    posted: int = 0
    posted_by_language: dict[str, int] = Field(default_factory=dict)
    best_reach: int = 0
    thanked: int = 0
    posted_months: frozenset[str] = frozenset()
    rejected_months: frozenset[str] = frozenset()


def stats_with(stats: ResponderStats, entry: LedgerEntry) -> ResponderStats:
    """The figures once `entry` is added (the ledger adapter does the same in its write)."""
    month = f"{entry.at:%Y-%m}"
    update: dict[str, object] = {"points": stats.points + entry.points}
    if entry.reason is PointsReason.REPLY_POSTED:
        update["posted"] = stats.posted + 1
        update["posted_months"] = stats.posted_months | {month}
        if entry.language:
            by_language = dict(stats.posted_by_language)
            by_language[entry.language] = by_language.get(entry.language, 0) + 1
            update["posted_by_language"] = by_language
    elif entry.reason is PointsReason.REPLY_REJECTED:
        update["rejected_months"] = stats.rejected_months | {month}
    elif entry.reason is PointsReason.REACH_BONUS:
        update["best_reach"] = max(stats.best_reach, reach_of(entry))
    elif entry.reason is PointsReason.AUTHOR_THANKS:
        update["thanked"] = stats.thanked + 1
    return stats.model_copy(update=update)


def stats_of(entries: Sequence[LedgerEntry]) -> ResponderStats:
    """The figures of a whole history (the reference the kept figures must equal)."""
    stats = ResponderStats()
    for entry in entries:
        stats = stats_with(stats, entry)
    return stats


def badges(rules: RankRules, entries: Sequence[LedgerEntry], now: datetime) -> list[Badge]:
    """Every badge, earned or not, with progress towards it."""
    posted = [e for e in entries if e.reason is PointsReason.REPLY_POSTED]
    language, in_language = _top_language(Counter(e.language for e in posted if e.language))
    best_reach = max(
        (reach_of(e) for e in entries if e.reason is PointsReason.REACH_BONUS), default=0
    )
    thanked = sum(1 for e in entries if e.reason is PointsReason.AUTHOR_THANKS)
    clean = _clean_months(entries, now)
    return _badges(
        rules,
        posted=len(posted),
        language=language,
        in_language=in_language,
        best_reach=best_reach,
        thanked=thanked,
        clean=clean,
    )


def badges_from_stats(rules: RankRules, stats: ResponderStats, now: datetime) -> list[Badge]:
    """The same badges as `badges`, from the kept figures instead of the history."""
    language, in_language = _top_language(stats.posted_by_language)
    clean = len({m for m in stats.posted_months - stats.rejected_months if m < f"{now:%Y-%m}"})
    return _badges(
        rules,
        posted=stats.posted,
        language=language,
        in_language=in_language,
        best_reach=stats.best_reach,
        thanked=stats.thanked,
        clean=clean,
    )


def _badges(
    rules: RankRules,
    *,
    posted: int,
    language: str,
    in_language: int,
    best_reach: int,
    thanked: int,
    clean: int,
) -> list[Badge]:
    n_lang = rules.language_badge_replies
    return [
        Badge(
            badge="first_reply",
            title="First reply",
            earned=posted > 0,
            progress=min(posted, 1),
        ),
        Badge(
            badge="language_replies",
            title=f"{n_lang} replies in {language or 'one language'}",
            earned=in_language >= n_lang,
            progress=min(in_language, n_lang),
            goal=n_lang,
        ),
        Badge(
            badge="wide_reach",
            title=f"A reply with {rules.reach_badge}+ reach",
            earned=best_reach >= rules.reach_badge,
            progress=min(best_reach, rules.reach_badge),
            goal=rules.reach_badge,
        ),
        Badge(
            badge="thanked",
            title="Thanked by an author",
            earned=thanked > 0,
            progress=min(thanked, 1),
        ),
        Badge(
            badge="clean_month",
            title="A month without a rejected reply",
            earned=clean > 0,
            progress=min(clean, 1),
        ),
    ]


def next_badge(earned_or_not: Sequence[Badge]) -> Badge | None:
    """The unearned badge closest to done (by share of its goal)."""
    ahead = [b for b in earned_or_not if not b.earned]
    return max(ahead, key=lambda b: b.progress / b.goal, default=None)
