"""SES: the assignment email, sent through the configuration set that reports its feedback."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from crowdcare.adapters.provider_outages import outage_of

if TYPE_CHECKING:
    from collections.abc import Mapping

    from mypy_boto3_ses import SESClient

    from crowdcare.domain.messages import Message


class SesEmailSender:
    """Sends the email through SES from the configured, verified sender address.

    With a configuration set, SES publishes the email's bounces and complaints (with its
    tags) to the feedback topic; see crowdcare.services.ses_feedback.
    """

    def __init__(
        self, client: SESClient, sender: str, configuration_set: str | None = None
    ) -> None:
        self._client = client
        self._sender = sender
        self._configuration_set = configuration_set

    def send(self, to: str, message: Message, tags: Mapping[str, str] | None = None) -> str:
        """Send one email; returns SES's message id.

        Raises `ProviderUnavailableError` while SES throttles or fails (retry later).
        """
        extra: dict[str, Any] = {}
        if self._configuration_set is not None:
            extra["ConfigurationSetName"] = self._configuration_set
        if tags:
            extra["Tags"] = [{"Name": name, "Value": value} for name, value in tags.items()]
        with outage_of("email"):
            response = self._client.send_email(
                Source=self._sender,
                Destination={"ToAddresses": [to]},
                Message={
                    "Subject": {"Data": message.subject, "Charset": "UTF-8"},
                    "Body": {
                        "Text": {"Data": message.text, "Charset": "UTF-8"},
                        "Html": {"Data": message.html, "Charset": "UTF-8"},
                    },
                },
                **extra,
            )
        return response["MessageId"]

