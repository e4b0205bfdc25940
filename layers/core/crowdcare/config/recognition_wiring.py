"""Composition of the monthly recognition."""

from __future__ import annotations

import time
from typing import Annotated

from pydantic import Field

from crowdcare.adapters.digest import CognitoAdmins
from crowdcare.adapters.dynamodb.ledger import LedgerRepository
from crowdcare.adapters.dynamodb.responder_profiles import ResponderStore
from crowdcare.adapters.recognition import SesRecognitionMailer, recognition_claims
from crowdcare.adapters.ses import SesEmailSender
from crowdcare.config.clients import AwsClients
from crowdcare.config.settings import SettingsModel
from crowdcare.services.rewards.recognition import DEFAULT_TOP, MonthlyRecognition


class RecognitionSettings(SettingsModel):
    """The recognition function's environment (see RecognitionFunction in template.yaml)."""

    ledger_table: str
    responders_table: str
    idempotency_table: str
    user_pool_id: str
    sender_email: str
    brand_name: str
    ses_configuration_set: str | None = None
    recognition_top: Annotated[int, Field(ge=1, le=100)] = DEFAULT_TOP


def build_monthly_recognition(
    settings: RecognitionSettings, clients: AwsClients
) -> MonthlyRecognition:
    ddb = clients.dynamodb
    return MonthlyRecognition(
        ledger=LedgerRepository(ddb, settings.ledger_table),
        responders=ResponderStore(ddb, settings.responders_table),
        admins=CognitoAdmins(clients.client("cognito-idp"), settings.user_pool_id),
        mailer=SesRecognitionMailer(
            SesEmailSender(clients.ses, settings.sender_email, settings.ses_configuration_set)
        ),
        sent=recognition_claims(ddb, settings.idempotency_table, time.time),
        brand=settings.brand_name,
        top=settings.recognition_top,
    )
