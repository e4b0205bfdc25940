"""Errors the services raise and their callers (handlers, the dashboard) tell apart.

Adapters raise the storage- and workflow-level ones (a concurrent write, a task that no longer
waits), named here so that services catch them without importing an adapter. Request errors
carry the HTTP status the edge maps them to (crowdcare.config.http_edge); nothing else matches
on their text.
"""

from __future__ import annotations


class AssignmentError(Exception):
    """A lifecycle call that does not apply to the assignment as it stands."""


class AssignmentClosedError(AssignmentError):
    """The mention has no open assignment waiting for an answer (answered, expired, moved on)."""


class NotYourAssignmentError(AssignmentError):
    """The caller is not the responder who holds the open assignment."""


class AlreadyAssignedError(Exception):
    """The mention already has an assignment; a retried step must not assign it again."""


class AssignmentConflictError(Exception):
    """DynamoDB cancelled the assignment because of a concurrent write: try again shortly."""


class TaskClosedError(Exception):
    """The workflow task a callback token names no longer waits (timed out, answered, bad token)."""


class ExecutionAlreadyStartedError(Exception):
    """An execution with that name exists already: the start was done before."""

    def __init__(self, execution_arn: str) -> None:
        super().__init__(execution_arn)
        self.execution_arn = execution_arn


class MissingStepError(Exception):
    """A step ran before the step it depends on: the definition and the code disagree."""


class UnknownResponderError(Exception):
    """The notice names a responder who is not in the table: parked for an operator."""


class UndeliverableError(Exception):
    """No channel can reach the responder (email suppressed and no SMS): asking them is moot."""


class RequestError(Exception):
    """A request CrowdCare refuses; `status` is the HTTP status it maps to."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFoundError(RequestError):
    status = 404


class ForbiddenError(RequestError):
    status = 403


class ConflictError(RequestError):
    status = 409


class UnknownMentionError(NotFoundError):
    """The reply is for a mention CrowdCare does not have."""


class UnsupportedPlatformError(RequestError):
    """CrowdCare cannot reply on this mention's platform."""


class RetryableReplyError(Exception):
    """Posting failed for now; SQS should deliver the ticket again later."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class MentionHeldError(ConflictError):
    """Another live reply holds the mention: one live reply per mention."""

    def __init__(self, message: str, holder_id: str | None = None) -> None:
        super().__init__(message)
        self.holder_id = holder_id


class PlatformError(Exception):
    """A platform call failed; `retryable` says whether trying later may succeed.

    `outcome_unknown`: the request may have been acted on although no answer said so (a lost
    answer to a POST). Sending it again could publish twice: look the result up first.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None,
        retryable: bool,
        retry_after: float | None = None,
        outcome_unknown: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after
        self.outcome_unknown = outcome_unknown


class CursorConflictError(RuntimeError):
    """The cursor changed since it was read: another run is polling the same source."""


class ProviderUnavailableError(Exception):
    """A notification provider (SES email, SNS SMS) fails for everyone right now: throttled,
    5xx or unreachable. Trying later helps, and the responder is not at fault (unlike a bounce).
    """

    def __init__(self, channel: str, detail: str) -> None:
        super().__init__(f"{channel} provider unavailable: {detail}")
        self.channel = channel
