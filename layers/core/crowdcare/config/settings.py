"""Settings built once per cold start from the environment, failing fast and clearly.

Each function declares the settings it needs as a small frozen model; `load_settings` maps every
field to the upper-case environment variable of the same name. A required variable that is
missing or malformed raises `ConfigurationError` naming each one, so a misconfigured deployment
fails at its first invocation with a message an operator can act on.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, ValidationError


class ConfigurationError(RuntimeError):
    """The environment does not describe a usable deployment."""


class SettingsModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


def load_settings[SettingsT: SettingsModel](
    model: type[SettingsT], environ: Mapping[str, str]
) -> SettingsT:
    """Build `model` from `environ`, e.g. field `mentions_table` from `MENTIONS_TABLE`."""
    values = {
        name: environ[name.upper()]
        for name in model.model_fields
        if environ.get(name.upper(), "") != ""
    }
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        problems = "; ".join(f"{str(err['loc'][0]).upper()}: {err['msg']}" for err in exc.errors())
        raise ConfigurationError(f"{model.__name__} is not configured: {problems}") from exc


class AwsSettings(SettingsModel):
    """Where AWS is: the real one by default, the local emulator when AWS_ENDPOINT_URL is set."""

    aws_region: str = "us-east-1"
    aws_endpoint_url: str | None = None


class IngestSettings(SettingsModel):
    mentions_table: str
    mentions_retention_days: int = 90
    webhook_secrets_name: str
    max_webhook_body_bytes: int = 256 * 1024
    signature_tolerance_seconds: int = 300


class ParkingSettings(SettingsModel):
    """Where batched webhooks (Meta) park the entries they could not store."""

    ingest_parking_queue_url: str


class PollerSettings(SettingsModel):
    """The scheduled poller: where to store, which sources to read, and where the platforms are.

    `poll_sources` is a comma-separated subset of
    crowdcare.adapters.platforms.inbound.sources.SOURCE_NAMES (empty: poll nothing). Base URLs are
    configuration so that self-hosted Mastodon instances, tests and the local run can point
    elsewhere; the template gives the public defaults.
    """

    mentions_table: str
    mentions_retention_days: int = 90
    cursors_table: str
    platform_credentials_name: str
    poll_sources: str = ""
    poll_query: str = "brightwave"
    mastodon_hashtag: str = "brightwave"
    reddit_base_url: str = "https://oauth.reddit.com"
    reddit_auth_url: str = "https://www.reddit.com"
    reddit_user_agent: str = "crowdcare-poller/0.1"
    mastodon_base_url: str = "https://mastodon.social"
    bluesky_base_url: str = "https://bsky.social"
    x_api_base_url: str = "https://api.x.com"
    x_brand_user_id: str | None = None  # the brand's own tweets (quote-retweets) are not mentions
    poll_safety_margin_seconds: float = 10.0

    @property
    def source_names(self) -> list[str]:
        """The configured sources, in order, without blanks or repeats."""
        names = [name.strip() for name in self.poll_sources.split(",") if name.strip()]
        return list(dict.fromkeys(names))


class StarterSettings(SettingsModel):
    triage_state_machine_arn: str
    idempotency_table: str


class TriageSettings(SettingsModel):
    mentions_table: str
    responders_table: str
    assignments_table: str
    brand_name: str
    brand_keywords: str = ""
    sentiment_provider: str = "embedded"
    bedrock_model_id: str = "amazon.nova-micro-v1:0"
    routing_rules_parameter: str | None = None


class NotifierSettings(SettingsModel):
    responders_table: str
    idempotency_table: str
    sender_email: str
    brand_name: str
    dashboard_url: str
    # The lifecycle: a notice that cannot be delivered moves its workflow on (task failure).
    assignments_table: str
    audit_table: str
    sms_min_priority: int = 70
    notify_attempts: int = 3
    # SES publishes bounces and complaints of emails sent through this configuration set to
    # the feedback topic (template.yaml sets it; without it, no feedback reaches CrowdCare).
    ses_configuration_set: str | None = None


class LifecycleSettings(SettingsModel):
    """The assignment workflow's steps and the lifecycle API."""

    mentions_table: str
    responders_table: str
    assignments_table: str
    audit_table: str
    assignments_topic_arn: str
    deep_link_secret_name: str
    dashboard_url: str
    routing_rules_parameter: str | None = None


class SesFeedbackSettings(SettingsModel):
    """The SES feedback function: who to suppress, whom to alert, where to audit."""

    responders_table: str
    admin_alerts_topic_arn: str
    audit_table: str


class QueueDrainSettings(SettingsModel):
    """The scheduled queue drain: offers freed slots to queued mentions."""

    mentions_table: str
    responders_table: str
    assignments_table: str
    assignment_state_machine_arn: str
    routing_rules_parameter: str | None = None


class SweeperSettings(SettingsModel):
    """The scheduled sweeper: how long each non-final status may last, and how much per run.

    `assigning` covers the longest wait out a notification outage (15 minutes) with room;
    `assigned` lasts the rules' longest hold limit plus `assigned_margin_seconds`.
    """

    mentions_table: str
    responders_table: str
    assignments_table: str
    audit_table: str
    triage_state_machine_arn: str
    assignment_state_machine_arn: str
    routing_rules_parameter: str | None = None
    received_deadline_seconds: int = 900
    triaged_deadline_seconds: int = 900
    assigning_deadline_seconds: int = 1800
    assigned_margin_seconds: int = 900
    sweep_batch: int = 25
    max_redrives: int = 3
