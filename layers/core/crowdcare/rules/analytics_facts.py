"""What analytics knows about one mention, and which counters its facts add (pure).

Each mention has a small *card*: the facts the streams have told about it so far (received,
triaged, replied, reassigned, escalated, overdue) and the list of what has already been
counted. `absorb` merges an event's facts into the card; `settle` returns the counter
increments for every fact not counted yet, in every dimension that is known by then.

Counting by fact, not by stream event, is what makes the counts exactly-once and order-free:
a redelivered record, or a second MODIFY carrying the same triage, adds no new fact and so no
increment; an audit entry that arrives before the mention's INSERT is kept on the card and
counted the moment the mention's receipt (its bucket) is known. Any order of the same facts
ends with the same counters.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from pydantic import field_validator

from crowdcare.domain.faq import FaqPost
from crowdcare.domain.models import Frozen, Platform, ResponderKind
from crowdcare.domain.triage import RouteKind, SentimentLabel, Triage
from crowdcare.rules.analytics import (
    ALL,
    ESCALATED,
    MAX_TOPICS,
    NEEDS_REPLY,
    OVERDUE,
    REASSIGNED,
    RECEIVED,
    REPLIED,
    REPLIED_ADVOCATE,
    REPLIED_EMPLOYEE,
    RESPONSE_SECONDS,
    SENTIMENT_PREFIX,
    TOPIC_NEGATIVE_PREFIX,
    TOPIC_PREFIX,
    WITHIN_SLA,
    Counters,
    DimensionKind,
    bucket_key,
    dimension,
    five_minute_bucket,
    grains_of,
    histogram_counter,
    spike_counters,
)

# (dimension, bucket) -> counter increments: one aggregate item update each.
Increments = dict[tuple[str, str], Counters]
# DynamoDB's limit on the items of one transaction: a batch's cards, counters and posts are
# committed in groups that fit.
MAX_TRANSACTION_ITEMS = 100


class TriageFacts(Frozen):
    """What analytics keeps of a mention's triage."""

    language: str
    route: RouteKind
    band: str
    sentiment: SentimentLabel
    topics: tuple[str, ...] = ()

    @field_validator("topics")
    @classmethod
    def _first_topics(cls, topics: tuple[str, ...]) -> tuple[str, ...]:
        # A mention counts under its first few topics: that bounds the writes per event.
        return tuple(dict.fromkeys(t.strip() for t in topics if t.strip()))[:MAX_TOPICS]

    @classmethod
    def of(cls, triage: Triage) -> TriageFacts:
        analysis = triage.analysis
        return cls(
            language=analysis.language or "und",
            route=triage.decision.route,
            band=triage.priority.band,
            sentiment=analysis.sentiment.label,
            topics=analysis.topics,
        )

    @property
    def needs_reply(self) -> bool:
        return self.route is not RouteKind.NONE


class ReplyFacts(Frozen):
    """The first response: when, and whether an advocate or an employee gave it."""

    at: datetime
    kind: ResponderKind | None = None


# --- events: what one stream record tells ---------------------------------------------------


class MentionSeen(Frozen):
    """A Mentions table image (INSERT or MODIFY): receipt, and triage and status once known."""

    mention_id: str
    received_at: datetime
    platform: Platform
    triage: TriageFacts | None = None
    overdue: bool = False


class ReplyRecorded(Frozen):
    """An audit `replied` entry; `kind` is filled in by the service from the responder."""

    mention_id: str
    at: datetime
    responder_id: str
    kind: ResponderKind | None = None


class Reassigned(Frozen):
    """An audit `timed_out` or `declined` entry: the mention goes to someone else."""

    mention_id: str
    entry_key: str


class Escalated(Frozen):
    """An audit `escalated` entry: handed to an employee."""

    mention_id: str
    entry_key: str


AnalyticsEvent = MentionSeen | ReplyRecorded | Reassigned | Escalated


class StreamRecord(Frozen):
    """One record of a stream batch, as the recorder counts it: its id (the sequence number
    the partial batch response names), the event it tells (None when it tells nothing) and
    the FAQ post its image makes (a triaged question or complaint of the Mentions stream)."""

    record_id: str
    event: AnalyticsEvent | None = None
    post: FaqPost | None = None


# --- the card -------------------------------------------------------------------------------


class MentionCard(Frozen):
    """Everything analytics knows about one mention, and what it has counted of it."""

    mention_id: str
    version: int = 0  # optimistic concurrency: the store writes only over the version it read
    received_at: datetime | None = None
    platform: Platform | None = None
    triage: TriageFacts | None = None
    reply: ReplyFacts | None = None
    reassignments: tuple[str, ...] = ()
    escalations: tuple[str, ...] = ()
    overdue: bool = False
    counted: tuple[str, ...] = ()  # "<group>:<fact>" tokens


def absorb(card: MentionCard, event: AnalyticsEvent) -> MentionCard:
    """The card with the event's facts added (facts already known are kept as they are)."""
    update: dict[str, object] = {}
    match event:
        case MentionSeen():
            if card.received_at is None:
                update.update(received_at=event.received_at, platform=event.platform)
            if card.triage is None and event.triage is not None:
                update["triage"] = event.triage
            if event.overdue and not card.overdue:
                update["overdue"] = True
        case ReplyRecorded():
            # One reply, one life: the first response recorded is the one that counts.
            if card.reply is None:
                update["reply"] = ReplyFacts(at=event.at, kind=event.kind)
        case Reassigned():
            if event.entry_key not in card.reassignments:
                update["reassignments"] = (*card.reassignments, event.entry_key)
        case Escalated():
            if event.entry_key not in card.escalations:
                update["escalations"] = (*card.escalations, event.entry_key)
    return card.model_copy(update=update) if update else card


SPIKE_FACTS = frozenset({"received", "triage"})


def settle(card: MentionCard, sla_for: Callable[[str], int]) -> tuple[MentionCard, Increments]:
    """Count every fact of the card not counted yet, in every dimension group known now.

    Two groups: `base` (all, platform) is known once the mention's receipt is; `triage`
    (language, route, band, topics) once its triage is too. A group learnt late counts every
    fact known by then, so each (group, fact) is counted once whatever the order.
    """
    if card.received_at is None or card.platform is None:
        return card, {}  # no bucket yet: wait for the mention's receipt
    groups: dict[str, tuple[str, ...]] = {
        "base": (ALL, dimension(DimensionKind.PLATFORM, card.platform.value))
    }
    if card.triage is not None:
        triage = card.triage
        groups["triage"] = (
            dimension(DimensionKind.LANGUAGE, triage.language),
            dimension(DimensionKind.ROUTE, triage.route.value),
            dimension(DimensionKind.BAND, triage.band),
            *(dimension(DimensionKind.TOPIC, topic) for topic in triage.topics),
        )
    facts = _facts(card, sla_for)
    counted = list(card.counted)
    increments: Increments = {}
    for group, dimensions in groups.items():
        for fact, counters in facts.items():
            token = f"{group}:{fact}"
            if token in counted:
                continue
            counted.append(token)
            for dimension_key in dict.fromkeys(dimensions):
                for grain in grains_of(dimension_key):
                    _add(increments, (dimension_key, bucket_key(card.received_at, grain)), counters)
                if dimension_key == ALL and fact in SPIKE_FACTS:
                    # The spike watch's volume series: one more small item per mention.
                    bucket = five_minute_bucket(card.received_at)
                    _add(increments, (ALL, bucket), spike_counters(counters))
    if len(counted) == len(card.counted):
        return card, {}
    return card.model_copy(update={"counted": tuple(counted)}), increments


def _facts(card: MentionCard, sla_for: Callable[[str], int]) -> dict[str, Counters]:
    """Each fact the card knows, with the counters it adds (empty when it adds none)."""
    assert card.received_at is not None
    facts: dict[str, Counters] = {"received": {RECEIVED: 1}}
    triage, reply = card.triage, card.reply
    if triage is not None:
        counters = {SENTIMENT_PREFIX + triage.sentiment.value: 1}
        if triage.needs_reply:
            counters[NEEDS_REPLY] = 1
        for topic in triage.topics:
            counters[TOPIC_PREFIX + topic] = 1
            if triage.sentiment is SentimentLabel.NEGATIVE:
                counters[TOPIC_NEGATIVE_PREFIX + topic] = 1
        facts["triage"] = counters
    if reply is not None:
        seconds = max(0.0, (reply.at - card.received_at).total_seconds())
        counters = {REPLIED: 1, histogram_counter(seconds): 1, RESPONSE_SECONDS: round(seconds)}
        if reply.kind is ResponderKind.ADVOCATE:
            counters[REPLIED_ADVOCATE] = 1
        elif reply.kind is ResponderKind.EMPLOYEE:
            counters[REPLIED_EMPLOYEE] = 1
        facts["reply"] = counters
        if triage is not None:
            # Decided once both are known; a reply over the SLA is a fact that adds nothing.
            facts["sla"] = {WITHIN_SLA: 1} if seconds <= sla_for(triage.band) else {}
    for key in card.reassignments:
        facts[f"reassigned:{key}"] = {REASSIGNED: 1}
    for key in card.escalations:
        facts[f"escalated:{key}"] = {ESCALATED: 1}
    if card.overdue:
        facts["overdue"] = {OVERDUE: 1}
    return facts


def merge_increments(into: Increments, more: Increments) -> None:
    """Add `more` into `into`, item by item (a batch's mentions share their counter items)."""
    for item, counters in more.items():
        _add(into, item, counters)


def _add(increments: Increments, item: tuple[str, str], counters: Counters) -> None:
    if not counters:
        return
    target = increments.setdefault(item, {})
    for name, value in counters.items():
        target[name] = target.get(name, 0) + value
