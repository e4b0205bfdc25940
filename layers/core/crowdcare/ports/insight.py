"""Ports of analytics and insight: counters, spikes, FAQ, digests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from crowdcare.domain.faq import FaqPost, FaqRun
    from crowdcare.domain.models import ResponderKind
    from crowdcare.rules.analytics import Counters
    from crowdcare.rules.analytics_facts import Increments, MentionCard
    from crowdcare.rules.spikes import SpikeAlert, SpikeState

from crowdcare.domain.messages import Message


class AnalyticsStore(Protocol):
    """Per-mention analytics cards and the counter items they add to (AggregatesTable)."""

    def load_card(self, mention_id: str) -> MentionCard | None: ...

    def load_cards(self, mention_ids: Sequence[str]) -> Mapping[str, MentionCard]:
        """The stored cards of these mentions (strongly consistent); unknown ones are absent."""
        ...

    def commit_cards(
        self,
        cards: Sequence[tuple[MentionCard, int]],
        increments: Increments,
        posts: Sequence[FaqPost] = (),
    ) -> bool:
        """Store each (card, expected_version), add `increments` and keep `posts`, atomically
        (at most 100 items in all); False, with nothing written, when any card moved on."""
        ...


class AggregateReader(Protocol):
    """Counter items of one dimension over a range of buckets (one query)."""

    def buckets(self, dimension: str, first: str, last: str) -> list[tuple[str, Counters]]:
        """(bucket, counters) of every item with first <= bucket <= last, in bucket order."""
        ...


class ResponderKindLookup(Protocol):
    """Whether a responder is an advocate or an employee (None when unknown)."""

    def __call__(self, responder_id: str) -> ResponderKind | None: ...


class BucketCounts(Protocol):
    """Mention counts per series and bucket start (an atomic counter item each)."""

    def add(self, series: str, bucket: datetime, count: int) -> None: ...

    def between(self, series: str, after: datetime, until: datetime) -> Mapping[datetime, int]:
        """Counts of buckets starting after `after` and before `until`."""
        ...


class SpikeStates(Protocol):
    """The spike detector's state of each series, saved only if nobody saved it meanwhile."""

    def load(self, series: str) -> SpikeState | None: ...

    def save(self, series: str, state: SpikeState, previous: SpikeState | None) -> bool:
        """Store `state` if the stored one is still `previous`; False if it moved on."""
        ...


class SpikeAlerts(Protocol):
    """Where spike alerts go (SNS AdminAlertsTopic, an audit entry, the dashboard banner)."""

    def publish(self, series: str, alert: SpikeAlert) -> None: ...


class RecentPosts(Protocol):
    """Questions and complaints created in [since, until), for the daily FAQ job."""

    def between(self, since: datetime, until: datetime) -> Sequence[FaqPost]: ...


class FaqRuns(Protocol):
    """Where FAQ runs are kept for the Analytics screen and the export."""

    def save(self, run: FaqRun) -> None: ...


class SpikeAlertTopic(Protocol):
    """AdminAlertsTopic, as the spike alerts use it."""

    def notify(self, series: str, alert: SpikeAlert) -> None: ...


class AlertBanner(Protocol):
    """The dashboard's banner of the last day's spike alerts."""

    def show(self, series: str, alert: SpikeAlert) -> None: ...


class AdminDirectory(Protocol):
    """Who the weekly digest goes to."""

    def admin_emails(self) -> Sequence[str]: ...


class LatestFaqRun(Protocol):
    """The last stored FAQ run, if any."""

    def latest(self) -> FaqRun | None: ...


class DigestMailer(Protocol):
    """Sends one digest email; returns the provider's message id."""

    def send(self, to: str, message: Message) -> str: ...


class DigestLog(Protocol):
    """Which weeks' digests were sent."""

    def claim(self, week_start: date) -> bool:
        """True the first time a week is claimed, False ever after."""
        ...
