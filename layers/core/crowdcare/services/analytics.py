"""Response analytics: stream events in, counter items kept; figures out.

`AnalyticsRecorder.record_batch` is called once per stream batch (Mentions or Audit table)
with the events the adapter read from its records. It merges each mention's events into the
mention's card and, in one atomic commit per group of mentions, stores the cards and adds the
summed counters of every fact newly countable (`crowdcare.rules.analytics_facts`): a card is
written once per batch, and a counter item the batch's mentions share (the day, the hour, the
platform) once per group, not once per mention. The cards' versions make each commit
conditional, so two batches telling the same mention at once (the two streams run in
parallel) cannot both count: the loser counts its records one by one (`record`), reading
the card again and finding the fact already counted.

`AnalyticsQuery` answers `GET /api/analytics`: one query of a dimension's buckets over the
period, summed into figures, plus the per-bucket series for the charts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from crowdcare.domain.faq import FaqPost
from crowdcare.domain.models import Frozen
from crowdcare.rules.analytics import (
    ALL,
    Figures,
    Grain,
    day_bucket,
    figures_from_counters,
    first_hour_bucket,
    last_hour_bucket,
    sum_counters,
)
from crowdcare.rules.analytics_facts import (
    MAX_TRANSACTION_ITEMS,
    AnalyticsEvent,
    Increments,
    MentionCard,
    ReplyRecorded,
    StreamRecord,
    absorb,
    merge_increments,
    settle,
)

if TYPE_CHECKING:
    from crowdcare.ports import AggregateReader, AnalyticsStore, ResponderKindLookup

logger = logging.getLogger(__name__)

COMMIT_ATTEMPTS = 5
MAX_PERIOD_DAYS = 400


class AnalyticsConflictError(RuntimeError):
    """The mention's card kept changing under us; the stream record is retried later."""


@dataclass
class _CardWrite:
    """What one mention of a batch writes: its card over the version read, the counters its
    new facts add, the FAQ post its triage makes, and the records that told it all."""

    card: MentionCard
    expected_version: int
    increments: Increments
    post: FaqPost | None
    records: list[StreamRecord]

    @property
    def items(self) -> int:
        return 1 + len(self.increments) + (self.post is not None)


class BatchOutcome(Frozen):
    """What counting a stream batch did: the records to report as failed (Lambda retries
    them), the items written, the commits tried, and how many groups lost a race and were counted
    record by record."""

    failed: tuple[str, ...] = ()
    items_written: int = 0
    commits: int = 0  # transactions (or a lone card's conditional put) tried
    fallbacks: int = 0


class AnalyticsRecorder:
    """Turns stream events into counter increments, each fact counted exactly once."""

    def __init__(
        self,
        store: AnalyticsStore,
        responder_kinds: ResponderKindLookup,
        sla_for: Callable[[str], int],
    ) -> None:
        self._store = store
        self._kinds = responder_kinds
        self._sla_for = sla_for

    def record(self, event: AnalyticsEvent, post: FaqPost | None = None) -> int:
        """Count what the event adds; returns the items written (0 when it adds nothing).

        `post` (the FAQ post of a Mentions image) is kept with the card in the same commit
        when this event is the one that tells the card the mention's triage."""
        event = self._with_kind(event)
        for _attempt in range(COMMIT_ATTEMPTS):
            stored = self._store.load_card(event.mention_id)
            card = stored or MentionCard(mention_id=event.mention_id)
            updated, increments = settle(absorb(card, event), self._sla_for)
            if stored is not None and updated == card:
                return 0  # nothing new: a redelivery, or a fact already known
            new_version = updated.model_copy(update={"version": card.version + 1})
            posts = [post] if post is not None and _learns_triage(card, updated) else []
            if self._store.commit_cards(((new_version, card.version),), increments, posts):
                return 1 + len(increments) + len(posts)
        raise AnalyticsConflictError(
            f"mention {event.mention_id}: card changed {COMMIT_ATTEMPTS} times while counting"
        )

    def record_batch(self, records: Sequence[StreamRecord]) -> BatchOutcome:
        """Count a whole stream batch: each mention's card is read once (one batch read),
        all its events merged into it and written once; the counters of the batch are summed
        per item and committed with the cards in transactions of at most 100 items.

        Each group's cards are conditional on the versions read, so a group commits its
        counters exactly once; a group that loses a race is counted record by record
        (`record`, which reads the cards again). A record whose mention cannot be counted,
        or whose group fails, is reported failed; a redelivery adds nothing the cards know.
        """
        by_mention: dict[str, list[StreamRecord]] = {}
        for record in records:
            if record.event is not None:
                by_mention.setdefault(record.event.mention_id, []).append(record)
        if not by_mention:
            return BatchOutcome()
        stored = self._store.load_cards(list(by_mention))
        failed: list[str] = []
        writes: list[_CardWrite] = []
        for mention_id, told in by_mention.items():
            try:
                write = self._merge(mention_id, stored.get(mention_id), told)
            except Exception:
                # The record-failure boundary: reported for Lambda to retry, never dropped.
                logger.exception("analytics: mention %s not counted", mention_id)
                failed.extend(r.record_id for r in told)
                continue
            if write is not None:
                writes.append(write)
        written = commits = fallbacks = 0
        for group in transaction_groups(writes):
            increments: Increments = {}
            for write in group:
                merge_increments(increments, write.increments)
            posts = [w.post for w in group if w.post is not None]
            try:
                committed = self._store.commit_cards(
                    [(w.card, w.expected_version) for w in group], increments, posts
                )
            except Exception:
                logger.exception("analytics: a group of %d mentions not counted", len(group))
                failed.extend(r.record_id for w in group for r in w.records)
                continue
            commits += 1
            if committed:
                written += len(group) + len(increments) + len(posts)
                continue
            fallbacks += 1
            for record in (r for w in group for r in w.records):
                assert record.event is not None  # grouped by its event's mention
                try:
                    written += self.record(record.event, record.post)
                except Exception:
                    logger.exception("analytics: record %s not counted", record.record_id)
                    failed.append(record.record_id)
        return BatchOutcome(
            failed=tuple(failed),
            items_written=written,
            commits=commits,
            fallbacks=fallbacks,
        )

    def _merge(
        self, mention_id: str, stored: MentionCard | None, told: list[StreamRecord]
    ) -> _CardWrite | None:
        """One mention's card with every event of the batch absorbed in order, settled once
        (settling is order-free: the same facts give the same counters); None when the
        batch tells the card nothing new."""
        card = stored or MentionCard(mention_id=mention_id)
        merged, post = card, None
        for record in told:
            assert record.event is not None
            before = merged
            merged = absorb(merged, self._with_kind(record.event))
            if _learns_triage(before, merged):
                post = record.post
        updated, increments = settle(merged, self._sla_for)
        if stored is not None and updated == card:
            return None
        return _CardWrite(
            card=updated.model_copy(update={"version": card.version + 1}),
            expected_version=card.version,
            increments=increments,
            post=post,
            records=told,
        )

    def _with_kind(self, event: AnalyticsEvent) -> AnalyticsEvent:
        if isinstance(event, ReplyRecorded) and event.kind is None:
            return event.model_copy(update={"kind": self._kinds(event.responder_id)})
        return event


def _learns_triage(before: MentionCard, after: MentionCard) -> bool:
    return before.triage is None and after.triage is not None


def transaction_groups(writes: Sequence[_CardWrite]) -> Iterator[list[_CardWrite]]:
    """The writes in order, cut into groups whose cards, posts and distinct counter items fit
    one transaction (a counter item shared by two groups is added in each: each group adds
    only its own mentions' increments)."""
    group: list[_CardWrite] = []
    keys: set[tuple[str, str]] = set()
    size = 0
    for write in writes:
        grows = write.items - len(write.increments.keys() & keys)
        if group and size + grows > MAX_TRANSACTION_ITEMS:
            yield group
            group, keys, size = [], set(), 0
            grows = write.items
        group.append(write)
        keys |= write.increments.keys()
        size += grows
    if group:
        yield group


class BucketFigures(Frozen):
    """The figures of one bucket of the series (a day, or an hour)."""

    bucket: str
    figures: Figures


class AnalyticsReport(Frozen):
    """What `GET /api/analytics` returns: the period's totals and its series, oldest first."""

    start: date
    end: date
    dimension: str
    grain: Grain
    totals: Figures
    series: tuple[BucketFigures, ...]


class AnalyticsQuery:
    """Figures of a period for one dimension, read from the aggregates in one query."""

    def __init__(self, reader: AggregateReader, max_days: int = MAX_PERIOD_DAYS) -> None:
        self._reader = reader
        self._max_days = max_days

    def figures(
        self, start: date, end: date, dimension: str = ALL, grain: Grain = Grain.DAY
    ) -> AnalyticsReport:
        """The figures of the days start..end (inclusive, UTC) under `dimension`.

        Every bucket of the period is in the series, zeros for the empty ones, so a chart
        shows gaps as gaps. Hourly series exist for the `all` dimension only.
        """
        if end < start:
            raise ValueError("the period ends before it starts")
        days = (end - start).days + 1
        if days > self._max_days:
            raise ValueError(f"a period is at most {self._max_days} days")
        if grain is Grain.HOUR:
            if dimension != ALL:
                raise ValueError("hourly figures are kept for all mentions only, not per filter")
            rows = self._reader.buckets(dimension, first_hour_bucket(start), last_hour_bucket(end))
            keys = [
                f"{first_hour_bucket(start + timedelta(days=d))[:-2]}{h:02d}"
                for d in range(days)
                for h in range(24)
            ]
        else:
            rows = self._reader.buckets(dimension, day_bucket(start), day_bucket(end))
            keys = [day_bucket(start + timedelta(days=d)) for d in range(days)]
        by_bucket = dict(rows)
        return AnalyticsReport(
            start=start,
            end=end,
            dimension=dimension,
            grain=grain,
            totals=figures_from_counters(sum_counters(by_bucket.values())),
            series=tuple(
                BucketFigures(bucket=key, figures=figures_from_counters(by_bucket.get(key, {})))
                for key in keys
            ),
        )
