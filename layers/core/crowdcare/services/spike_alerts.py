"""The scheduled spike run: which series to watch, and where an alert goes.

Every 5 minutes `SpikeRun.run(now)` evaluates the brand's total and negative volume and, for
each of the period's top topics, that topic's total and negative volume
(`crowdcare.services.spike_watch.SpikeWatch` over `crowdcare.rules.spikes`). Volumes are the
analytics function's 5-minute counters; a mention's triage lands in its receipt's bucket a few
seconds later, so the run looks at buckets that closed at least `settle` ago.

An alert fans out three ways (`SpikeAlertFanout`): a message on AdminAlertsTopic, an audit
entry (`spike_alerted`, under `spike#<series>`), and the dashboard banner.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from crowdcare.domain.audit import SYSTEM, AuditAction, AuditEntry
from crowdcare.ports import AlertBanner, AuditLog, SpikeAlertTopic
from crowdcare.rules.spikes import SpikeAlert
from crowdcare.services.spike_watch import NEGATIVE, TOTAL, SpikeWatch

SETTLE = timedelta(minutes=2)
TOP_TOPICS = 5


class SpikeAlertFanout:
    """SpikeAlerts: the banner and the audit entry first (they are idempotent), then SNS."""

    def __init__(self, topic: SpikeAlertTopic, audit: AuditLog, banner: AlertBanner) -> None:
        self._topic = topic
        self._audit = audit
        self._banner = banner

    def publish(self, series: str, alert: SpikeAlert) -> None:
        self._banner.show(series, alert)
        self._audit.append(
            AuditEntry(
                mention_id=f"spike#{series}",
                at=alert.timestamp,
                action=AuditAction.SPIKE_ALERTED,
                actor=SYSTEM,
                reason=alert.reason,
            )
        )
        self._topic.notify(series, alert)


def watched_series(topics: Sequence[str]) -> list[str]:
    """The series of one run: total, negative, then each topic's total and negative."""
    series = [TOTAL, NEGATIVE]
    for topic in topics:
        series += [f"topic:{topic}", f"{NEGATIVE}:topic:{topic}"]
    return series


class SpikeRun:
    """One scheduled evaluation of every watched series."""

    def __init__(
        self,
        watch: SpikeWatch,
        top_topics: Callable[[datetime], Sequence[str]],
        settle: timedelta = SETTLE,
    ) -> None:
        self._watch = watch
        self._top_topics = top_topics
        self._settle = settle

    def run(self, now: datetime) -> list[tuple[str, SpikeAlert]]:
        """Evaluate each series over its newly closed buckets; the alerts raised, by series."""
        until = now - self._settle
        raised: list[tuple[str, SpikeAlert]] = []
        for series in watched_series(list(self._top_topics(now))[:TOP_TOPICS]):
            raised.extend((series, alert) for alert in self._watch.evaluate(series, until))
        return raised
