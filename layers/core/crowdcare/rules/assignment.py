"""Whom to ask, in order: the ranking the assignment workflow's pick and the queue drain share.

Community stage: triage's ranked candidates, untried. Employee stage: triage's ranked
candidates first, then every other employee by load (open / max) with a per-mention hash to
break ties fairly; never the author of the mention. Pure: no I/O, no clock.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence

from crowdcare.domain.models import Mention, Responder, ResponderKind
from crowdcare.domain.triage import RouteDecision


def _handle(handle: str) -> str:
    return handle.lower().lstrip("@")


def is_author(responder: Responder, mention: Mention) -> bool:
    """Whether one of the responder's own handles wrote the mention."""
    return _handle(mention.author.handle) in {_handle(h) for h in responder.handles}


def community_candidates(
    decision: RouteDecision, responders: Mapping[str, Responder], tried: Collection[str]
) -> list[Responder]:
    """Triage's ranked advocates who were not asked yet."""
    return [
        responders[rid]
        for rid in decision.candidates
        if rid not in tried and rid in responders
    ]


def employee_candidates(
    mention: Mention,
    decision: RouteDecision,
    responders: Mapping[str, Responder],
    tried: Collection[str],
) -> list[Responder]:
    """Untried employees: triage's ranked ones first, then the least loaded (fair ties)."""
    ranked = [rid for rid in decision.candidates if rid in responders]
    others = sorted(
        (
            r
            for r in responders.values()
            if r.kind is ResponderKind.EMPLOYEE
            and r.responder_id not in ranked
            and not is_author(r, mention)
        ),
        key=lambda r: (
            r.open_count / r.max_open,
            hashlib.sha256(f"{mention.mention_id}|{r.responder_id}".encode()).hexdigest(),
        ),
    )
    ordered = [responders[rid] for rid in ranked] + others
    return [
        r for r in ordered if r.kind is ResponderKind.EMPLOYEE and r.responder_id not in tried
    ]


def who_would_take(
    mention: Mention,
    decision: RouteDecision,
    responders: Sequence[Responder],
    free: Mapping[str, int],
) -> str | None:
    """The responder the workflow's pick would reach first with a free slot, or None.

    Mirrors the pick: the ranked candidates, then any employee who is not the author.
    """
    for rid in decision.candidates:
        if free.get(rid, 0) > 0:
            return rid
    for responder in responders:
        if (
            responder.kind is ResponderKind.EMPLOYEE
            and free.get(responder.responder_id, 0) > 0
            and not is_author(responder, mention)
        ):
            return responder.responder_id
    return None
