"""The numeric parts of the triage rules: priority weights and bands, routing weights and the
assignment workflow's SLAs and attempts (each a small model `TriageRules` holds)."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, field_validator, model_validator

from crowdcare.domain.models import Frozen

Weight = Annotated[float, Field(ge=0.0, le=100.0)]
Score = Annotated[int, Field(ge=0, le=100)]


class PriorityWeights(Frozen):
    """Points each cause adds to the 0-100 priority score (the maximum where it scales)."""

    base: Weight = 10.0
    negative_sentiment: Weight = Field(
        default=25.0, description="scaled by -compound when sentiment is negative"
    )
    complaint: Weight = 15.0
    question: Weight = 10.0
    urgency: Weight = 15.0
    angry: Weight = 10.0
    offensive: Weight = 5.0
    safety: Weight = 25.0
    legal: Weight = 20.0
    pii: Weight = 10.0
    influence: Weight = Field(
        default=20.0, description="reached at high_influence_followers, log-scaled below"
    )
    verified: Weight = 10.0
    waiting: Weight = Field(default=20.0, description="reached when the SLA is used up")


class PriorityBands(Frozen):
    """Lowest score of each band; below p3 is P4."""

    p1: Score = 75
    p2: Score = 50
    p3: Score = 25

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if not self.p1 > self.p2 > self.p3:
            raise ValueError("band cut-offs must satisfy p1 > p2 > p3")
        return self


class RoutingWeights(Frozen):
    """How candidates are ranked: a weighted sum, ties broken by a stable per-mention hash."""

    skill: Weight = 3.0
    load: Weight = 2.0
    reputation: Weight = 1.0
    language: Weight = Field(default=4.0, description="employees only: advocates must match")


class AssignmentRules(Frozen):
    """The assignment lifecycle's timers and bounds (SLA per priority band, reassignment)."""

    sla_seconds: dict[str, Annotated[int, Field(ge=1)]] = Field(
        default_factory=lambda: {"P1": 900, "P2": 1800, "P3": 3600, "P4": 7200},
        description="time a responder has to reply or show life (heartbeat), per band",
    )
    employee_sla_seconds: Annotated[int, Field(ge=1)] = Field(
        default=3600, description="time an employee has once a mention is escalated"
    )
    max_attempts: Annotated[int, Field(ge=1, le=20)] = Field(
        default=3, description="community responders tried before escalating to an employee"
    )
    hold_limit_factor: Annotated[int, Field(ge=1, le=48)] = Field(
        default=4,
        description="a responder who keeps sending heartbeats may hold a mention this many"
        " SLAs at most (the task's TimeoutSeconds); without heartbeats the SLA applies",
    )

    @field_validator("sla_seconds")
    @classmethod
    def _known_bands(cls, value: dict[str, int]) -> dict[str, int]:
        missing = {"P1", "P2", "P3", "P4"} - set(value)
        if missing:
            raise ValueError("sla_seconds needs every band; missing " + ", ".join(sorted(missing)))
        return value

    def sla_for(self, band: str) -> int:
        """The SLA of a priority band (the lowest band's for an unknown one)."""
        return self.sla_seconds.get(band, self.sla_seconds["P4"])
