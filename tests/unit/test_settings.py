"""load_settings: every field from its upper-case variable, failing fast and by name."""

from __future__ import annotations

import pytest
from crowdcare.config.settings import (
    AwsSettings,
    ConfigurationError,
    NotifierSettings,
    StarterSettings,
    load_settings,
)

NOTIFIER_ENV = {
    "RESPONDERS_TABLE": "responders",
    "IDEMPOTENCY_TABLE": "idempotency",
    "SENDER_EMAIL": "care@example.com",
    "BRAND_NAME": "Brightwave",
    "DASHBOARD_URL": "https://care.example.com",
    "ASSIGNMENTS_TABLE": "assignments",
    "AUDIT_TABLE": "audit",
}


def test_fields_come_from_upper_case_variables() -> None:
    """Each field is read from the variable of the same name in upper case."""
    # GIVEN a complete notifier environment with an explicit SMS threshold
    environ = {**NOTIFIER_ENV, "SMS_MIN_PRIORITY": "85"}
    # WHEN settings are loaded
    settings = load_settings(NotifierSettings, environ)
    # THEN every field carries its variable's value, the integer parsed
    assert settings == NotifierSettings(
        responders_table="responders",
        idempotency_table="idempotency",
        sender_email="care@example.com",
        brand_name="Brightwave",
        dashboard_url="https://care.example.com",
        assignments_table="assignments",
        audit_table="audit",
        sms_min_priority=85,
    )


def test_missing_variable_is_named_in_upper_case() -> None:
    """A missing required variable raises ConfigurationError naming the variable, not the field."""
    # GIVEN a notifier environment without SENDER_EMAIL
    environ = {k: v for k, v in NOTIFIER_ENV.items() if k != "SENDER_EMAIL"}
    # WHEN settings are loaded
    with pytest.raises(ConfigurationError) as raised:
        load_settings(NotifierSettings, environ)
    # THEN the message names SENDER_EMAIL and the settings class
    message = str(raised.value)
    assert "SENDER_EMAIL" in message
    assert "NotifierSettings" in message
    assert "RESPONDERS_TABLE" not in message


def test_every_missing_variable_is_named() -> None:
    """With several variables missing, the one error names each of them."""
    # GIVEN an empty environment
    # WHEN starter settings are loaded
    with pytest.raises(ConfigurationError) as raised:
        load_settings(StarterSettings, {})
    # THEN both required variables are named
    assert "TRIAGE_STATE_MACHINE_ARN" in str(raised.value)
    assert "IDEMPOTENCY_TABLE" in str(raised.value)


def test_empty_variable_counts_as_missing() -> None:
    """An empty required variable is as missing as an absent one (no silent "" table name)."""
    # GIVEN BRAND_NAME set to the empty string
    environ = {**NOTIFIER_ENV, "BRAND_NAME": ""}
    # WHEN settings are loaded
    with pytest.raises(ConfigurationError, match="BRAND_NAME"):
        load_settings(NotifierSettings, environ)
    # THEN (raised above) the empty variable is reported


def test_malformed_int_is_an_error() -> None:
    """A value that is not an integer for an int field is a configuration error naming it."""
    # GIVEN SMS_MIN_PRIORITY set to text
    environ = {**NOTIFIER_ENV, "SMS_MIN_PRIORITY": "seventy"}
    # WHEN settings are loaded
    with pytest.raises(ConfigurationError) as raised:
        load_settings(NotifierSettings, environ)
    # THEN the error names the variable
    assert "SMS_MIN_PRIORITY" in str(raised.value)


def test_extra_variables_are_ignored() -> None:
    """Unrelated variables in the environment neither fail nor leak into the settings."""
    # GIVEN a complete environment plus unrelated variables
    environ = {**NOTIFIER_ENV, "PATH": "/usr/bin", "MENTIONS_TABLE": "mentions", "HOME": "/root"}
    # WHEN settings are loaded
    settings = load_settings(NotifierSettings, environ)
    # THEN only declared fields exist
    assert "mentions_table" not in settings.model_dump()
    assert settings.sms_min_priority == 70


def test_optional_fields_keep_their_defaults() -> None:
    """Without AWS_ENDPOINT_URL, AwsSettings points at real AWS in the given region."""
    # GIVEN only a region
    # WHEN AWS settings are loaded
    settings = load_settings(AwsSettings, {"AWS_REGION": "eu-west-1"})
    # THEN the endpoint is unset
    assert (settings.aws_region, settings.aws_endpoint_url) == ("eu-west-1", None)


def test_settings_are_frozen() -> None:
    """Loaded settings cannot be changed after the cold start."""
    # GIVEN loaded settings
    settings = load_settings(NotifierSettings, NOTIFIER_ENV)
    # WHEN a field is assigned
    with pytest.raises(ValueError, match="frozen"):
        settings.brand_name = "Other"
    # THEN (raised above) the assignment is refused
