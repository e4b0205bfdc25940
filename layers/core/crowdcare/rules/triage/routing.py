"""The route step: no action, a community advocate, or an employee — and who, best first."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from crowdcare.domain.models import Mention, Responder, ResponderKind
from crowdcare.domain.triage import (
    Analysis,
    Intent,
    Priority,
    RouteDecision,
    RouteKind,
    SentimentLabel,
)
from crowdcare.rules.triage.rules import TriageRules

NO_ADVOCATE_REASON = "no qualified advocate available"


def route(  # noqa: PLR0917 - the step's contract: each input is a separate collaborator
    mention: Mention,
    analysis: Analysis,
    priority: Priority,
    responders: Sequence[Responder],
    rules: TriageRules,
    now: datetime,
    *,
    employees: Callable[[], Sequence[Responder]] | None = None,
) -> RouteDecision:
    """Decide none / community / employee and rank the candidates, with readable reasons.

    `now` is part of the contract (availability windows may use it later); quiet hours decide
    the notification channel, not who is asked, so routing does not read it today.
    `employees`, when given, is asked for more responders only if the decision goes to
    employees (a pool read that most mentions do not need); they are ranked with `responders`.
    """
    del now  # injected for future availability rules; see docstring
    if employees is not None:
        fetch = employees

        def to_employees(reasons: list[str]) -> RouteDecision:
            return _to_employees(mention, analysis, [*responders, *fetch()], rules, reasons)
    else:

        def to_employees(reasons: list[str]) -> RouteDecision:
            return _to_employees(mention, analysis, responders, rules, reasons)

    if analysis.spam and not analysis.offensive:
        return RouteDecision(route=RouteKind.NONE, reasons=("spam: no reply",))

    safety = _safety_reasons(analysis, rules)
    if not safety:
        quiet = _no_action_reason(analysis, priority, rules)
        if quiet is not None:
            return RouteDecision(route=RouteKind.NONE, reasons=(quiet,))

    # Unsure is not a route of its own: it forbids "none" (above) and is said in the reasons.
    unsure = [f"unsure ({'; '.join(analysis.unsure)}): a human sees it"] if analysis.unsure else []
    employee_reasons = [*safety, *_escalation_reasons(mention, analysis, priority, rules)]
    if employee_reasons:
        return to_employees([*employee_reasons, *unsure])

    language = analysis.language
    author = _normalise_handle(mention.author.handle)
    eligible = [
        r
        for r in responders
        if r.kind is ResponderKind.ADVOCATE and r.active and not _is_author(r, author)
    ]
    speakers = [r for r in eligible if _speaks(r, _base_language(language))]
    if not speakers:
        reason = (
            f"no advocate speaks '{language}'"
            if eligible
            else NO_ADVOCATE_REASON + " (no active advocate)"
        )
        return to_employees([*unsure, reason])
    available = [r for r in speakers if r.has_capacity]
    if not available:
        return to_employees(
            [
                *unsure,
                NO_ADVOCATE_REASON + f" (all {len(speakers)} '{language}' advocates at capacity)",
            ],
        )
    ranked = _rank(available, mention, analysis, rules, language_required=True)
    reasons = [
        *unsure,
        f"community: {len(ranked)} advocate(s) speak '{language}' and have capacity",
        _judgement(analysis),
    ]
    if analysis.topics:
        reasons.append("topics: " + ", ".join(analysis.topics))
    return RouteDecision(route=RouteKind.COMMUNITY, reasons=tuple(reasons), candidates=ranked)


def _judgement(analysis: Analysis) -> str:
    """The model's view in one reason: intent and sentiment with their confidence."""
    sentiment = analysis.sentiment
    return (
        f"{analysis.intent.value} (confidence {analysis.intent_confidence:.2f}), "
        f"{sentiment.label.value} sentiment (confidence {sentiment.confidence:.2f})"
    )


def _safety_reasons(analysis: Analysis, rules: TriageRules) -> list[str]:
    """What advocates must never handle, whatever the intent (the rules' employee_flags)."""
    flags = set(rules.employee_flags)
    signals = analysis.signals
    reasons = []
    if analysis.offensive and "offensive" in flags:
        detail = f" (model {signals.offensive:.2f})" if signals is not None else ""
        reasons.append(f"offensive or abusive language{detail}")
    if analysis.angry and "angry" in flags:
        detail = f" (model {signals.angry:.2f})" if signals is not None else ""
        reasons.append(f"angry author{detail}")
    if analysis.legal and "legal" in flags:
        reasons.append("legal language")
    if analysis.safety and "safety" in flags:
        reasons.append("safety hazard described")
    if analysis.pii and "pii" in flags:
        reasons.append("personal data in the post")
    if analysis.account_specific and "account" in flags and analysis.needs_reply:
        reasons.append("about the author's own account or order")
    return reasons


def _no_action_reason(analysis: Analysis, priority: Priority, rules: TriageRules) -> str | None:
    """No reply needed: plain praise, or a remark the models are sure needs no answer.

    Never when the analysis is unsure: a post that may need an answer is not dropped.
    """
    if analysis.needs_reply or analysis.unsure:
        return None
    if analysis.intent is Intent.PRAISE and analysis.sentiment.label is SentimentLabel.POSITIVE:
        return (
            f"plain praise (confidence {analysis.intent_confidence:.2f}): no reply needed"
            " (a thank-you is optional)"
        )
    if priority.score >= rules.no_action_max_priority:
        return None
    return (
        f"no action: {analysis.sentiment.label.value} remark that needs no reply"
        f" ({_judgement(analysis)})"
    )


def _escalation_reasons(
    mention: Mention, analysis: Analysis, priority: Priority, rules: TriageRules
) -> list[str]:
    """Reasons beyond safety that call for an employee: topic, audience, urgency."""
    reasons = []
    restricted = [t for t in analysis.topics if t in rules.employee_only_topics]
    if restricted:
        reasons.append("employee-only topic: " + ", ".join(restricted))
    author = mention.author
    influence = "high_influence" in rules.employee_flags
    if influence and author.followers >= rules.high_influence_followers:
        reasons.append(f"high-influence author ({author.followers:,} followers)")
    elif influence and author.verified and author.followers >= rules.verified_big_followers:
        reasons.append(f"verified author with {author.followers:,} followers")
    if priority.score >= rules.employee_priority:
        reasons.append(f"priority {priority.score} >= {rules.employee_priority}")
    return reasons


def _to_employees(
    mention: Mention,
    analysis: Analysis,
    responders: Iterable[Responder],
    rules: TriageRules,
    reasons: list[str],
) -> RouteDecision:
    author = _normalise_handle(mention.author.handle)
    employees = [
        r
        for r in responders
        if r.kind is ResponderKind.EMPLOYEE and r.has_capacity and not _is_author(r, author)
    ]
    ranked = _rank(employees, mention, analysis, rules, language_required=False)
    reasons = [*reasons, _judgement(analysis)]
    if not ranked:
        reasons = [*reasons, "no employee has capacity: the mention waits in the queue"]
    return RouteDecision(route=RouteKind.EMPLOYEE, reasons=tuple(reasons), candidates=ranked)


def _rank(
    candidates: Iterable[Responder],
    mention: Mention,
    analysis: Analysis,
    rules: TriageRules,
    *,
    language_required: bool,
) -> tuple[str, ...]:
    """Best first: skill overlap, spare capacity, reputation (and language for employees).

    Ties go to a stable hash of (mention, responder), so equal candidates take turns across
    mentions instead of the same person always winning, and a rerun decides the same way.
    """
    weights = rules.routing
    topics = set(analysis.topics)
    mention_id = mention.mention_id
    language = _base_language(analysis.language)

    def key(responder: Responder) -> tuple[float, str]:
        skills = {s.lower() for s in responder.skills}
        overlap = len(topics & skills) / len(topics) if topics else 0.0
        spare = 1.0 - responder.open_count / responder.max_open
        score = (
            weights.skill * overlap
            + weights.load * spare
            + weights.reputation * responder.reputation
        )
        if not language_required and _speaks(responder, language):
            score += weights.language
        # Rounded so float noise cannot break a genuine tie.
        return (-round(score, 6), _tie_break(mention_id, responder.responder_id))

    return tuple(r.responder_id for r in sorted(candidates, key=key))


def _tie_break(mention_id: str, responder_id: str) -> str:
    return hashlib.blake2b(f"{mention_id}|{responder_id}".encode(), digest_size=8).hexdigest()


def _base_language(language: str) -> str:
    """The base language ("pt" for "pt-BR"): advocates are matched on it."""
    return language.lower().split("-")[0]


def _speaks(responder: Responder, base_language: str) -> bool:
    # The mention's side is normalised once per route() call, not once per responder.
    return any(_base_language(lang) == base_language for lang in responder.languages)


def _normalise_handle(handle: str) -> str:
    return handle.strip().lstrip("@").lower()


def _is_author(responder: Responder, author: str) -> bool:
    """Whether the responder wrote the mention (`author`: its normalised handle): nobody
    answers their own post."""
    return any(_normalise_handle(h) == author for h in responder.handles)
