"""Composition of the daily FAQ job, and what the API and the analytics function need of it."""

from __future__ import annotations

from datetime import timedelta

from crowdcare.adapters.dynamodb.faq import FaqPostIndex, FaqRunStore
from crowdcare.adapters.dynamodb.replies import ReplyRepository
from crowdcare.config.clients import AwsClients
from crowdcare.config.settings import SettingsModel
from crowdcare.services.faq_job import FaqJob


class FaqSettings(SettingsModel):
    """The FAQ function's environment (see FaqFunction in template.yaml)."""

    aggregates_table: str
    replies_table: str
    faq_window_days: int = 14  # the last week against the week before


def build_faq_job(settings: FaqSettings, clients: AwsClients) -> FaqJob:
    """The daily job: posts by day from the AggregatesTable, best answers from Replies."""
    ddb = clients.dynamodb
    return FaqJob(
        posts=FaqPostIndex(
            ddb, settings.aggregates_table, ReplyRepository(ddb, settings.replies_table)
        ),
        runs=FaqRunStore(ddb, settings.aggregates_table),
        window=timedelta(days=settings.faq_window_days),
    )


def build_faq_posts(aggregates_table: str, clients: AwsClients) -> FaqPostIndex:
    """What the analytics function writes a triaged question or complaint into."""
    return FaqPostIndex(clients.dynamodb, aggregates_table)


def build_faq_runs(aggregates_table: str, clients: AwsClients) -> FaqRunStore:
    """What `GET /api/faq` reads."""
    return FaqRunStore(clients.dynamodb, aggregates_table)
