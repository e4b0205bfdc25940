"""crowdcare.adapters.provider_outages: an outage is told apart from a refused message."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError
from crowdcare.adapters.provider_outages import is_outage, outage_of
from crowdcare.domain.errors import ProviderUnavailableError


def _client_error(code: str, status: int) -> ClientError:
    response: Any = {
        "Error": {"Code": code, "Message": code},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, "SendEmail")


@pytest.mark.parametrize(
    ("error", "outage"),
    [
        (_client_error("Throttling", 400), True),
        (_client_error("ServiceUnavailable", 503), True),
        (_client_error("SomethingNew", 502), True),
        (EndpointConnectionError(endpoint_url="https://email.us-east-1.amazonaws.com"), True),
        (_client_error("MessageRejected", 400), False),
        (_client_error("MailFromDomainNotVerifiedException", 400), False),
    ],
    ids=["throttled", "503", "any-5xx", "unreachable", "rejected", "unverified"],
)
def test_outages_are_throttling_5xx_and_network_errors_only(
    error: Exception, *, outage: bool
) -> None:
    """GIVEN an SES/SNS error, WHEN classified, THEN only throttling, 5xx and network errors
    count as the provider's outage (a refusal is about the message, not the provider)."""
    assert is_outage(error) is outage


def test_an_outage_becomes_provider_unavailable_and_a_refusal_passes_through() -> None:
    """GIVEN a send that raises, WHEN run inside outage_of, THEN a throttle is re-raised as
    ProviderUnavailableError naming the channel, and a rejection is re-raised unchanged."""
    throttled = _client_error("Throttling", 400)
    with pytest.raises(ProviderUnavailableError, match="email provider unavailable"), outage_of(
        "email"
    ):
        raise throttled
    rejected = _client_error("MessageRejected", 400)
    with pytest.raises(ClientError), outage_of("email"):
        raise rejected
