"""FAQ candidates: the posts the daily FAQ job reads and the runs it keeps.

Value objects shared by the job (`crowdcare.services.faq_job`), its ports
(`crowdcare.ports`), the DynamoDB adapter, the Analytics API and the weekly digest.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, Field

from crowdcare.domain.models import Frozen

Kind = Literal["question", "complaint"]


class PostedReply(Frozen):
    """A reply that was posted to a mention, and how it did."""

    text: str
    reach: Annotated[int, Field(ge=0)] = 0
    thanked: bool = False


class FaqPost(Frozen):
    """A question or complaint of the period, as the job reads it."""

    id: str
    text: Annotated[str, Field(min_length=1)]
    kind: Kind
    negative: bool
    created_at: AwareDatetime
    reply: PostedReply | None = None


class FaqCandidate(Frozen):
    """One group of the same need, ready for the knowledge base."""

    label: str
    kind: Kind
    size: int
    previous_size: int
    trend: float  # size against the earlier half of the window, (now - before) / max(before, 1)
    negative_share: float
    samples: tuple[str, ...]
    representative: str
    best_answer: str | None
    root_cause: bool


class FaqRun(Frozen):
    """The result of one run: when, over which window, and the candidates, largest first."""

    run_at: AwareDatetime
    since: AwareDatetime
    candidates: tuple[FaqCandidate, ...]
    unclustered: int
