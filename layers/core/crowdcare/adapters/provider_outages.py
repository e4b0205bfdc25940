"""Telling a provider's outage (throttled, 5xx, unreachable) from a refusal of one message.

SES and SNS answer an outage with a throttling code, a 5xx status or no answer at all; they
refuse a message (unverified sender, bad address, opted out) with a 4xx code that retrying
cannot fix. Only the former becomes `ProviderUnavailableError`, so the notifier waits for the
provider instead of treating the responder as unreachable.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from crowdcare.domain.errors import ProviderUnavailableError

# Error codes SES and SNS use for "not now" (the SDK already retried them a few times).
OUTAGE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalFailure",
        "InternalError",
        "InternalErrorException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)
NETWORK_ERRORS = (
    EndpointConnectionError,
    ConnectTimeoutError,
    ReadTimeoutError,
    ConnectionClosedError,
)


def is_outage(exc: BaseException) -> bool:
    """Whether `exc` says the provider is down or throttling, rather than refusing a message."""
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        return code in OUTAGE_CODES or status >= 500
    return isinstance(exc, NETWORK_ERRORS)


@contextmanager
def outage_of(channel: str) -> Iterator[None]:
    """Raise `ProviderUnavailableError` for an outage inside the block; other errors pass."""
    try:
        yield
    except (ClientError, *NETWORK_ERRORS) as exc:
        if is_outage(exc):
            raise ProviderUnavailableError(channel, f"{type(exc).__name__}: {exc}"[:300]) from exc
        raise
