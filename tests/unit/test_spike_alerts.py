"""The scheduled spike run on fakes: which series it watches, the settle delay, the fan-out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crowdcare.domain.audit import AuditAction, AuditEntry
from crowdcare.rules.spikes import SpikeAlert
from crowdcare.services.spike_alerts import SpikeAlertFanout, SpikeRun, watched_series
from crowdcare.services.spike_watch import SpikeWatch

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
ALERT = SpikeAlert(
    timestamp=NOW,
    value=60,
    expected=5,
    window_value=150,
    window_expected=15,
    z=9.0,
    reason="negative mentions about `app`: 150 in 15 min vs 15 expected",
)


class RecordingWatch(SpikeWatch):
    """A SpikeWatch that records what it is asked to evaluate and alerts on one series."""

    def __init__(self, alerting: str) -> None:
        self.asked: list[tuple[str, datetime]] = []
        self._alerting = alerting

    def evaluate(self, series: str, now: datetime) -> list[SpikeAlert]:
        self.asked.append((series, now))
        return [ALERT] if series == self._alerting else []


class Recorder:
    """Every fan-out port at once, recording calls in order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def notify(self, series: str, alert: SpikeAlert) -> None:
        self.calls.append(("sns", series))

    def append(self, entry: AuditEntry) -> bool:
        self.calls.append(("audit", entry))
        return True

    def show(self, series: str, alert: SpikeAlert) -> None:
        self.calls.append(("banner", series))


def test_a_run_watches_the_brand_and_its_top_topics_after_the_settle_delay() -> None:
    """GIVEN seven top topics WHEN the run fires THEN total, negative and the first five topics
    (each total and negative) are evaluated at now minus the settle delay."""
    watch = RecordingWatch(alerting="negative:topic:app")
    topics = ["app", "billing", "login", "wifi", "battery", "shipping", "refund"]
    run = SpikeRun(watch, lambda now: topics, settle=timedelta(minutes=2))
    raised = run.run(NOW)
    assert [series for series, _ in watch.asked] == watched_series(topics[:5])
    assert len(watch.asked) == 12
    assert {moment for _, moment in watch.asked} == {NOW - timedelta(minutes=2)}
    assert raised == [("negative:topic:app", ALERT)]


def test_an_alert_goes_to_the_banner_the_audit_trail_and_the_admins() -> None:
    """GIVEN an alert WHEN fanned out THEN banner, an audit entry naming the series, and SNS."""
    ports = Recorder()
    SpikeAlertFanout(topic=ports, audit=ports, banner=ports).publish("negative:topic:app", ALERT)
    kinds = [kind for kind, _ in ports.calls]
    assert kinds == ["banner", "audit", "sns"]
    entry = ports.calls[1][1]
    assert isinstance(entry, AuditEntry)
    assert entry.mention_id == "spike#negative:topic:app"
    assert entry.action is AuditAction.SPIKE_ALERTED
    assert entry.reason == ALERT.reason


def test_watched_series_of_no_topics_is_the_brand_only() -> None:
    """GIVEN no topics yet (a quiet day) WHEN listing series THEN total and negative only."""
    assert watched_series([]) == ["total", "negative"]
