"""Who is calling: Cognito ID tokens verified against the user pool's JWKS.

A token is accepted only when its RS256 signature verifies with a key the pool publishes, its
issuer is the pool, its audience is the dashboard's app client, it is an ID token, and the
injected clock says it has not expired, and (with `sign_outs`) it was issued after the
person's last sign-out everywhere. Roles come from the ``cognito:groups`` claim; the
responder a person acts as is their Cognito username (``cognito:username``), which is the
responder_id of their profile in the Responders table.

`CognitoSessions` signs a person out everywhere: Cognito revokes their refresh and access
tokens (AdminUserGlobalSignOut), and the mark makes the verifier refuse their ID tokens.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

import jwt
from jwt import PyJWK, PyJWKClient

from crowdcare.domain.models import Frozen

CLOCK_SKEW_SECONDS = 30
JWKS_CACHE_SECONDS = 3600


class Role(StrEnum):
    """What a person may do: the Cognito group they belong to."""

    ADVOCATE = "advocate"
    EMPLOYEE = "employee"
    ADMIN = "admin"


class Principal(Frozen):
    """A verified caller."""

    subject: str
    username: str
    email: str = ""
    roles: frozenset[Role]

    @property
    def responder_id(self) -> str:
        """The Responders table key this person acts as."""
        return self.username

    @property
    def is_staff(self) -> bool:
        """Employees and admins see the employee queue and approvals."""
        return bool(self.roles & {Role.EMPLOYEE, Role.ADMIN})

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    def has_any(self, *roles: Role) -> bool:
        """Whether the caller holds at least one of `roles`."""
        return bool(self.roles & set(roles))


class AuthenticationError(Exception):
    """No usable token: the request is answered 401 with `reason`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SigningKeys(Protocol):
    """Where the public keys come from (the pool's JWKS URL, or a fixed set in tests)."""

    def key_for(self, kid: str) -> Any:
        """The public key with key id `kid`; raises AuthenticationError when unknown."""
        ...


class StaticKeys:
    """A fixed JWKS document (tests, and deployments that pin their keys)."""

    def __init__(self, jwks: Mapping[str, Any]) -> None:
        self._keys = {k["kid"]: PyJWK.from_dict(dict(k)).key for k in jwks.get("keys", [])}

    @classmethod
    def from_json(cls, document: str) -> StaticKeys:
        return cls(json.loads(document))

    def key_for(self, kid: str) -> Any:
        try:
            return self._keys[kid]
        except KeyError:
            raise AuthenticationError("unknown signing key") from None


class RemoteKeys:
    """The pool's published JWKS, fetched on first use and cached (refetched for a new kid)."""

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        self._client = PyJWKClient(
            url, cache_keys=True, lifespan=JWKS_CACHE_SECONDS, timeout=timeout
        )

    def key_for(self, kid: str) -> Any:
        try:
            return self._client.get_signing_key(kid).key
        except jwt.PyJWKClientError as error:
            raise AuthenticationError("unknown signing key") from error


class SignOutLog(Protocol):
    """When each person last signed out everywhere (epoch seconds), if they did."""

    def signed_out_at(self, username: str) -> int | None: ...


def issuer_for(region: str, user_pool_id: str) -> str:
    """The `iss` claim Cognito puts in the pool's tokens."""
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"


def jwks_url_for(region: str, user_pool_id: str, endpoint_url: str | None = None) -> str:
    """Where the pool publishes its keys (the emulator serves the same path locally)."""
    base = (
        endpoint_url.rstrip("/") if endpoint_url else f"https://cognito-idp.{region}.amazonaws.com"
    )
    return f"{base}/{user_pool_id}/.well-known/jwks.json"


class TokenVerifier:
    """Checks signature, issuer, audience, token use and expiry; returns the Principal."""

    def __init__(
        self,
        *,
        keys: SigningKeys,
        issuer: str,
        audience: str,
        clock: Callable[[], datetime],
        leeway_seconds: int = CLOCK_SKEW_SECONDS,
        sign_outs: SignOutLog | None = None,
    ) -> None:
        self._keys = keys
        self._sign_outs = sign_outs
        self._issuer = issuer
        self._audience = audience
        self._clock = clock
        self._leeway = leeway_seconds

    def verify_header(self, authorization: str | None) -> Principal:
        """Verify an ``Authorization: Bearer <token>`` header value."""
        if not authorization:
            raise AuthenticationError("missing token")
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError("malformed authorization header")
        return self.verify(token.strip())

    def verify(self, token: str) -> Principal:
        """Verify one encoded ID token."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as error:
            raise AuthenticationError("malformed token") from error
        if header.get("alg") != "RS256":
            raise AuthenticationError("unexpected signing algorithm")
        key = self._keys.key_for(str(header.get("kid", "")))
        try:
            # Expiry is checked below against the injected clock, not PyJWT's own.
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=["RS256"],
                audience=self._audience,
                issuer=self._issuer,
                options={
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "require": ["exp", "iss", "aud", "sub", "token_use"],
                },
            )
        except jwt.InvalidAudienceError as error:
            raise AuthenticationError("wrong audience") from error
        except jwt.InvalidIssuerError as error:
            raise AuthenticationError("wrong issuer") from error
        except jwt.InvalidSignatureError as error:
            raise AuthenticationError("bad signature") from error
        except jwt.InvalidTokenError as error:
            raise AuthenticationError("invalid token") from error
        now = self._clock().timestamp()
        if float(claims["exp"]) + self._leeway <= now:
            raise AuthenticationError("token expired")
        if "nbf" in claims and float(claims["nbf"]) - self._leeway > now:
            raise AuthenticationError("token not yet valid")
        if claims["token_use"] != "id":  # noqa: S105 - a claim value, not a password
            raise AuthenticationError("not an id token")
        groups = claims.get("cognito:groups") or []
        roles = frozenset(Role(g) for g in groups if g in Role.__members__.values())
        username = str(claims.get("cognito:username") or claims["sub"])
        if self._sign_outs is not None:
            signed_out = self._sign_outs.signed_out_at(username)
            # `iat` is whole seconds: a token of the sign-out's own second is refused too
            # (a sign-in a moment after signing out is asked again, never one before let in).
            if signed_out is not None and int(claims.get("iat", 0)) <= signed_out:
                raise AuthenticationError("signed out")
        return Principal(
            subject=str(claims["sub"]),
            username=username,
            email=str(claims.get("email", "")),
            roles=roles,
        )


class CognitoSessions:
    """Signs a person out on every device: Cognito revokes their refresh and access tokens,
    and the sign-out log refuses the ID tokens issued before."""

    def __init__(self, client: Any, user_pool_id: str, log: SignOutRecorder) -> None:
        self._client = client  # a cognito-idp client
        self._pool = user_pool_id
        self._log = log

    def sign_out_everywhere(self, username: str, at: datetime) -> None:
        """Mark first (the ID tokens in hand stop working at once), then revoke the refresh
        tokens so no new ones are issued; a failure raises, and a retry repeats both."""
        self._log.mark(username, at)
        self._client.admin_user_global_sign_out(UserPoolId=self._pool, Username=username)


class SignOutRecorder(Protocol):
    """Records a sign-out everywhere (crowdcare.adapters.dynamodb.sign_outs)."""

    def mark(self, username: str, at: datetime) -> None: ...
