"""The two JSON secrets in AWS Secrets Manager: webhook signing secrets and platform credentials.

Both are read through powertools' `SecretsProvider`, which caches them for `max_age` seconds,
so warm invocations do not call Secrets Manager and a rotated secret is picked up within five
minutes. Secret values never appear in logs, reprs or error messages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from aws_lambda_powertools.utilities.parameters.exceptions import (
    GetParameterError,
    TransformParameterError,
)
from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError, field_validator

from crowdcare.config.settings import ConfigurationError

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.parameters import SecretsProvider

SECRETS_MAX_AGE_SECONDS = 300
CREDENTIALS_MAX_AGE_SECONDS = 300

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


def _load_json_secret[ModelT: BaseModel](
    provider: SecretsProvider, name: str, model: type[ModelT], max_age: int
) -> ModelT:
    """Read the JSON secret `name` (cached by powertools for `max_age`) as `model`.

    A problem raises `ConfigurationError` naming the keys and what is wrong with them, never
    their values.
    """
    try:
        value = provider.get(name, transform="json", max_age=max_age)
    except TransformParameterError:
        # Not JSON (a hand-edited secret): the operator's to fix, so a 503, never a 500; the
        # parser's message would quote the secret, so it is not kept.
        raise ConfigurationError(f"secret {name} is not valid JSON") from None
    except GetParameterError as exc:
        raise ConfigurationError(f"secret {name} could not be read: {type(exc).__name__}") from None
    if not isinstance(value, dict):
        raise ConfigurationError(f"secret {name} must be a JSON object")
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}"
            for err in exc.errors(include_input=False, include_url=False, include_context=False)
        )
        # `from None`: the ValidationError's text would include the secret values.
        raise ConfigurationError(f"secret {name} is not usable: {problems}") from None


def load_webhook_secrets(
    provider: SecretsProvider, name: str, max_age: int = SECRETS_MAX_AGE_SECONDS
) -> WebhookSecrets:
    """Read and validate the secret `name`; a missing key raises `ConfigurationError`."""
    return _load_json_secret(provider, name, WebhookSecrets, max_age)


class PlatformCredentials(BaseModel):
    """The PlatformCredentials secret: the brand accounts' API credentials, one JSON object.

    The poller reads with some keys, the reply adapters and the webhook's Graph API lookups
    with others, and some serve both (Reddit, Mastodon, Bluesky). A missing or empty key
    (the template's placeholders are empty) means "not set": that platform's source, adapter
    or lookup is then left out with that reason, and the others keep working.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    # X: an app-only bearer token reads (recent search); posting needs a user-context token.
    x_bearer_token: str | None = None
    x_user_access_token: str | None = None
    # Meta: the Page token replies on Facebook; the Instagram token replies and looks up.
    facebook_page_access_token: str | None = None
    instagram_access_token: str | None = None
    # Reddit: a "script" app's password grant, for reading and replying alike.
    reddit_client_id: str | None = None
    reddit_client_secret: str | None = None
    reddit_username: str | None = None
    reddit_password: str | None = None
    mastodon_access_token: str | None = None
    bluesky_handle: str | None = None
    bluesky_app_password: str | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if value == "" else value

    def __repr_args__(self) -> Any:
        # Only the names of the keys that are set: never a credential in a log line.
        return [("set", sorted(k for k, v in self.model_dump().items() if v))]


def load_platform_credentials(
    provider: SecretsProvider, name: str, max_age: int = CREDENTIALS_MAX_AGE_SECONDS
) -> PlatformCredentials:
    """Read and validate the platform credentials secret; a non-string value raises
    `ConfigurationError`."""
    return _load_json_secret(provider, name, PlatformCredentials, max_age)
