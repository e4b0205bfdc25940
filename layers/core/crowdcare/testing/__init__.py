"""In-memory fakes of the ports (`crowdcare.ports`), public so tests and tools share one set.

Each fake keeps its state in plain dicts and lists a test can read back; none does I/O.
"""

from crowdcare.testing.fakes import (
    Callback,
    FakeAssignments,
    FakeAuditLog,
    FakeEmailSender,
    FakeExecutions,
    FakeMentions,
    FakeResponders,
    FakeSentChannels,
    FakeSmsSender,
    FakeWorkflowCallbacks,
    FixedSentiment,
    ManualClock,
    RecordingAlertPublisher,
    RecordingNoticePublisher,
    RecordingNotificationFailures,
    SentEmail,
)

__all__ = [
    "Callback",
    "FakeAssignments",
    "FakeAuditLog",
    "FakeEmailSender",
    "FakeExecutions",
    "FakeMentions",
    "FakeResponders",
    "FakeSentChannels",
    "FakeSmsSender",
    "FakeWorkflowCallbacks",
    "FixedSentiment",
    "ManualClock",
    "RecordingAlertPublisher",
    "RecordingNoticePublisher",
    "RecordingNotificationFailures",
    "SentEmail",
]
