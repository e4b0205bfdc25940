"""Points rules: what a reply earns, as configuration (pure: no I/O).

The document lives in an SSM parameter like the triage rules (fields left out keep their
defaults) and is validated by `PointsRules`: a document that does not validate is refused with
the field at fault. The functions below turn the facts of a reply (when it was posted against
its SLA, whether an employee approved it untouched, how far it travelled) into `Award`s; the
rewards service writes each as one ledger entry.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated

from pydantic import Field, model_validator

from crowdcare.domain.models import Frozen
from crowdcare.domain.points import Figures, PointsReason
from crowdcare.domain.replies import Reach
from crowdcare.rules.ranks import RankRules

Bonus = Annotated[int, Field(ge=0, le=1000)]
Penalty = Annotated[int, Field(ge=-1000, le=0)]


class ReachWeights(Frozen):
    """How much one like, repost or reply counts towards a reply's reach score."""

    likes: Annotated[float, Field(ge=0.0, le=100.0)] = 1.0
    reposts: Annotated[float, Field(ge=0.0, le=100.0)] = 3.0
    replies: Annotated[float, Field(ge=0.0, le=100.0)] = 2.0


class PointsRules(Frozen):
    """Every figure points are computed from (the admin Rules screen edits them)."""

    reply_posted: Bonus = Field(default=10, description="a reply the platform confirmed")
    reply_rejected: Penalty = Field(default=-5, description="a reply an employee rejected")
    within_sla: Bonus = Field(default=3, description="posted before the assignment's deadline")
    speed_bonus: Bonus = Field(default=5, description="posted in the first part of the SLA")
    speed_fraction: Annotated[float, Field(gt=0.0, le=1.0)] = Field(
        default=0.25, description="the first part of the SLA that earns the speed bonus"
    )
    approved_unedited: Bonus = Field(default=2, description="approved without an edit")
    author_thanks: Bonus = Field(
        default=5, description="the mention's author liked the reply or thanked for it"
    )
    reach_weights: ReachWeights = ReachWeights()
    reach_points_per_doubling: Annotated[float, Field(ge=0.0, le=100.0)] = Field(
        default=3.0, description="reach points grow by this each time the reach score doubles"
    )
    reach_cap: Bonus = Field(default=30, description="the most reach points one reply earns")
    ranks: RankRules = RankRules()
    employees_earn: bool = Field(default=False, description="employees earn points too")
    max_replies_per_author_per_day: Annotated[int, Field(ge=1, le=1000)] = Field(
        default=3, description="replies to one author a day that earn points (anti-farming)"
    )

    @model_validator(mode="after")
    def _reach_can_pay(self) -> PointsRules:
        # A cap with no growth would silently mean reach never pays: refuse it so the admin
        # sees why rather than wondering where the bonus went.
        if self.reach_cap > 0 and self.reach_points_per_doubling == 0:
            raise ValueError("reach_cap needs reach_points_per_doubling above 0")
        return self

    @classmethod
    def default(cls) -> PointsRules:
        """The built-in rules (an empty document)."""
        return cls()


class Award(Frozen):
    """Points one fact earns, with the figures behind them."""

    reason: PointsReason
    points: int
    figures: Figures = Field(default_factory=dict)


class PostingFacts(Frozen):
    """What is known about a reply when the platform confirms it."""

    posted_at: datetime
    author: str = Field(default="", description="the mention author's platform id")
    employee: bool = False
    own_post: bool = False
    replies_to_author_today: int = Field(
        default=0, ge=0, description="points-earning replies to this author earlier today"
    )
    assigned_at: datetime | None = None
    deadline: datetime | None = None
    approved_unedited: bool = False


def refusal(rules: PointsRules, facts: PostingFacts) -> str | None:
    """Why a posted reply earns nothing, or None when it earns its points."""
    if facts.employee and not rules.employees_earn:
        return "employees earn no points"
    if facts.own_post:
        return "a reply to one's own post"
    if facts.replies_to_author_today >= rules.max_replies_per_author_per_day:
        return f"more than {rules.max_replies_per_author_per_day} replies to one author a day"
    return None


def posting_awards(rules: PointsRules, facts: PostingFacts) -> list[Award]:
    """The awards of a confirmed post: the reply, the SLA, the speed, an untouched approval."""
    if refusal(rules, facts) is not None:
        return []
    posted: Figures = {"author": facts.author} if facts.author else {}
    awards = [Award(reason=PointsReason.REPLY_POSTED, points=rules.reply_posted, figures=posted)]
    if facts.assigned_at is not None and facts.deadline is not None:
        sla = (facts.deadline - facts.assigned_at).total_seconds()
        took = (facts.posted_at - facts.assigned_at).total_seconds()
        figures: Figures = {"sla_seconds": round(sla), "took_seconds": round(took)}
        if took <= sla:
            awards.append(
                Award(reason=PointsReason.WITHIN_SLA, points=rules.within_sla, figures=figures)
            )
        if sla > 0 and took <= sla * rules.speed_fraction:
            awards.append(
                Award(
                    reason=PointsReason.SPEED_BONUS,
                    points=rules.speed_bonus,
                    figures=figures | {"fraction": rules.speed_fraction},
                )
            )
    if facts.approved_unedited:
        awards.append(Award(reason=PointsReason.APPROVED_UNEDITED, points=rules.approved_unedited))
    return [a for a in awards if a.points != 0]


def reach_score(rules: PointsRules, reach: Reach) -> float:
    """Likes, reposts and replies weighted into one figure."""
    w = rules.reach_weights
    return reach.likes * w.likes + reach.reposts * w.reposts + reach.replies * w.replies


def reach_points(rules: PointsRules, reach: Reach) -> int:
    """The reach bonus a reply's current reach is worth: logarithmic, capped per reply, so one
    viral reply cannot dominate the board."""
    score = reach_score(rules, reach)
    return min(rules.reach_cap, math.floor(rules.reach_points_per_doubling * math.log2(1 + score)))


def reach_award(rules: PointsRules, reach: Reach, awarded: int) -> Award | None:
    """The reach bonus still owed (or to take back, when reach went down) after `awarded` points
    already given for it; None when nothing changes. The total never goes below zero, so
    reach going down takes back at most the reply's own reach bonus."""
    target = max(0, reach_points(rules, reach))
    delta = target - awarded
    if delta == 0:
        return None
    figures: Figures = {
        "likes": reach.likes,
        "reposts": reach.reposts,
        "replies": reach.replies,
        "score": round(reach_score(rules, reach), 2),
        "previous": awarded,
        "total": target,
    }
    return Award(reason=PointsReason.REACH_BONUS, points=delta, figures=figures)
