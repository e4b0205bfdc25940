"""The webhook signing secrets: one JSON secret in AWS Secrets Manager.

The secret is read through powertools' `SecretsProvider`, which caches it for `max_age`
seconds, so warm invocations do not call Secrets Manager and a rotated secret is picked up
within five minutes. Secret values never appear in logs, reprs or error messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from crowdcare.config.settings import ConfigurationError

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

SECRETS_MAX_AGE_SECONDS = 300

_Secret = Annotated[str, StringConstraints(min_length=16)]


class WebhookSecrets(BaseModel):
    """The shared secrets webhooks are signed with; other platforms' keys may be added."""

    model_config = ConfigDict(frozen=True, extra="allow")

    generic_webhook_secret: _Secret
    # Optional: template.yaml generates only the generic secret; the X consumer secret is X's
    # and is added after deploying. Until then the generic webhook must keep working.
    x_consumer_secret: _Secret | None = None
    # Optional for the same reason: the Meta app secret is Meta's, and the verify token is
    # chosen by the operator when subscribing the webhook in the Meta app dashboard.
    meta_app_secret: _Secret | None = None
    meta_verify_token: _Secret | None = None

    def __repr_args__(self) -> Any:
        # Only key names: a stray log line or traceback must not carry a secret.
        return [("keys", sorted(self.model_dump()))]

    @property
    def generic_key(self) -> bytes:
        """The generic webhook HMAC key as bytes."""
        return self.generic_webhook_secret.encode()

    @property
    def x_key(self) -> bytes:
        """The X app's consumer secret as bytes; ConfigurationError while it is not set."""
        if self.x_consumer_secret is None:
            raise ConfigurationError("x_consumer_secret is not set in the webhook secret")
        return self.x_consumer_secret.encode()

    @property
    def meta_key(self) -> bytes:
        """The Meta app secret as bytes; ConfigurationError while it is not set."""
        if self.meta_app_secret is None:
            raise ConfigurationError("meta_app_secret is not set in the webhook secret")
        return self.meta_app_secret.encode()

    @property
    def meta_token(self) -> str:
        """The token Meta echoes in its verification request; ConfigurationError while unset."""
        if self.meta_verify_token is None:
            raise ConfigurationError("meta_verify_token is not set in the webhook secret")
        return self.meta_verify_token


def load_webhook_secrets(
    provider: SecretsProvider, name: str, max_age: int = SECRETS_MAX_AGE_SECONDS
) -> WebhookSecrets:
    """Read and validate the secret `name`; a missing key raises `ConfigurationError`."""
    value = provider.get(name, transform="json", max_age=max_age)
    if not isinstance(value, dict):
        raise ConfigurationError(f"secret {name} must be a JSON object")
    try:
        return WebhookSecrets.model_validate(value)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
            for err in exc.errors(include_input=False, include_url=False, include_context=False)
        )
        # `from None`: the ValidationError's text would include the secret values.
        raise ConfigurationError(f"secret {name} is not usable: {problems}") from None
