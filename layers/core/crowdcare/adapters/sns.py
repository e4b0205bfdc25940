"""SNS: the assignments topic, the admin alerts topic and transactional SMS."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crowdcare.adapters.provider_outages import outage_of

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient

    from crowdcare.domain.messages import AssignmentNotice, Message, SuppressionAlert
    from crowdcare.rules.spikes import SpikeAlert


class SnsNoticePublisher:
    """Publishes assignment notices to the assignments topic (the notifier subscribes)."""

    def __init__(self, client: SNSClient, topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    def publish(self, notice: AssignmentNotice) -> None:
        """One SNS message per notice, with route and band as filterable attributes."""
        self._client.publish(
            TopicArn=self._topic_arn,
            Message=notice.model_dump_json(),
            MessageAttributes={
                "route": {"DataType": "String", "StringValue": notice.route.value},
                "band": {"DataType": "String", "StringValue": notice.band},
            },
        )


class SnsAlertPublisher:
    """Publishes suppression alerts to the admin alerts topic."""

    SUBJECT = "CrowdCare: responder email suppressed"

    def __init__(self, client: SNSClient, topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    def publish(self, alert: SuppressionAlert) -> None:
        """One message per suppressed responder."""
        self._client.publish(
            TopicArn=self._topic_arn, Subject=self.SUBJECT, Message=alert.model_dump_json()
        )


class SnsSmsSender:
    """Sends a transactional SMS through SNS."""

    def __init__(self, client: SNSClient) -> None:
        self._client = client

    def send(self, phone: str, message: Message) -> str:
        """Send one SMS; returns SNS's message id.

        Raises `ProviderUnavailableError` while SNS throttles or fails (retry later).
        """
        with outage_of("SMS"):
            response = self._client.publish(
                PhoneNumber=phone,
                Message=message.sms,
                MessageAttributes={
                    "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}
                },
            )
        return response["MessageId"]

    def opted_out(self, phone: str) -> bool:
        """Whether the number replied STOP (SNS keeps the opt-out list)."""
        return self._client.check_if_phone_number_is_opted_out(phoneNumber=phone)["isOptedOut"]


class SnsSpikeAlertPublisher:
    """Publishes spike alerts to the admin alerts topic (the reason is the readable part)."""

    def __init__(self, client: SNSClient, topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    def notify(self, series: str, alert: SpikeAlert) -> None:
        """One message per alert: its reason first, then the alert as JSON."""
        self._client.publish(
            TopicArn=self._topic_arn,
            Subject="CrowdCare: mention spike",
            Message=f"{alert.reason}\n\n{alert.model_dump_json()}",
            MessageAttributes={"series": {"DataType": "String", "StringValue": series}},
        )
