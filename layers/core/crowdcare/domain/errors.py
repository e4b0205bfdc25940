"""Errors a request can end in, each with the HTTP status the edge maps it to.

Services raise these in plain words a responder or operator can act on; the Chalice apps turn
them into responses (crowdcare.config.http_edge), nothing else matches on their text.
"""

from __future__ import annotations


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
