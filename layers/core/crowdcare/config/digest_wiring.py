"""Composition of the weekly digest."""

from __future__ import annotations

from crowdcare.adapters.digest import CognitoAdmins, DigestWeeks, SesDigestMailer
from crowdcare.adapters.dynamodb.aggregates import AggregatesTable
from crowdcare.adapters.dynamodb.faq import FaqRunStore
from crowdcare.adapters.ses import SesEmailSender
from crowdcare.config.clients import AwsClients
from crowdcare.config.settings import SettingsModel
from crowdcare.services.analytics import AnalyticsQuery
from crowdcare.services.weekly_digest import WeeklyDigest


class DigestSettings(SettingsModel):
    """The digest function's environment (see DigestFunction in template.yaml)."""

    aggregates_table: str
    user_pool_id: str
    sender_email: str
    brand_name: str
    ses_configuration_set: str | None = None


def build_weekly_digest(settings: DigestSettings, clients: AwsClients) -> WeeklyDigest:
    ddb = clients.dynamodb
    return WeeklyDigest(
        query=AnalyticsQuery(AggregatesTable(ddb, settings.aggregates_table)),
        faq=FaqRunStore(ddb, settings.aggregates_table),
        admins=CognitoAdmins(clients.client("cognito-idp"), settings.user_pool_id),
        mailer=SesDigestMailer(
            SesEmailSender(clients.ses, settings.sender_email, settings.ses_configuration_set)
        ),
        log=DigestWeeks(ddb, settings.aggregates_table),
        brand=settings.brand_name,
    )
