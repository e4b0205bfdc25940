"""crowdcare.adapters.cognito_auth: Cognito ID tokens verified against a JWKS, injected clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from crowdcare.adapters.cognito_auth import (
    AuthenticationError,
    Role,
    StaticKeys,
    TokenVerifier,
    issuer_for,
    jwks_url_for,
)
from cryptography.hazmat.primitives.asymmetric import rsa

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
POOL = "us-east-1_TestPool"
CLIENT = "dashboard-client"
ISSUER = issuer_for("us-east-1", POOL)
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _jwks() -> dict[str, Any]:
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
    return {"keys": [public | {"kid": "k1", "alg": "RS256", "use": "sig"}]}


def _token(key: Any = KEY, kid: Any = "k1", **overrides: Any) -> str:
    claims = {
        "iss": ISSUER,
        "aud": CLIENT,
        "sub": "0000-sub",
        "token_use": "id",
        "exp": int((NOW + timedelta(hours=1)).timestamp()),
        "cognito:username": "adv.ana",
        "cognito:groups": ["advocate"],
        "email": "ana@example.com",
    } | overrides
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


@pytest.fixture
def verifier() -> TokenVerifier:
    return TokenVerifier(
        keys=StaticKeys(_jwks()), issuer=ISSUER, audience=CLIENT, clock=lambda: NOW
    )


def test_a_valid_token_gives_the_principal_with_roles(verifier: TokenVerifier) -> None:
    """Signature, issuer, audience and expiry hold: username, email and roles come back."""
    principal = verifier.verify_header(
        f"Bearer {_token(**{'cognito:groups': ['employee', 'admin', 'x']})}"
    )
    assert principal.responder_id == "adv.ana"
    assert principal.email == "ana@example.com"
    assert principal.roles == frozenset({Role.EMPLOYEE, Role.ADMIN})
    assert principal.is_staff
    assert principal.is_admin


def test_no_groups_means_no_roles(verifier: TokenVerifier) -> None:
    """A user in no group is signed in but holds no role."""
    principal = verifier.verify(_token(**{"cognito:groups": None}))
    assert principal.roles == frozenset()
    assert not principal.is_staff


@pytest.mark.parametrize(
    ("token_kwargs", "reason"),
    [
        ({"exp": int((NOW - timedelta(minutes=1)).timestamp())}, "token expired"),
        ({"aud": "another-client"}, "wrong audience"),
        ({"iss": issuer_for("us-east-1", "us-east-1_Other")}, "wrong issuer"),
        ({"token_use": "access"}, "not an id token"),
        ({"key": OTHER_KEY}, "bad signature"),
        ({"kid": "unknown"}, "unknown signing key"),
        ({"exp": None}, "invalid token"),
        ({"nbf": int((NOW + timedelta(minutes=5)).timestamp())}, "token not yet valid"),
    ],
    ids=["expired", "audience", "issuer", "access", "signature", "kid", "no-exp", "nbf"],
)
def test_each_failed_check_is_refused_with_its_reason(
    verifier: TokenVerifier, token_kwargs: dict[str, Any], reason: str
) -> None:
    """Every check has its own plain reason."""
    with pytest.raises(AuthenticationError) as caught:
        verifier.verify(_token(**token_kwargs))
    assert caught.value.reason == reason


def test_expiry_uses_the_injected_clock_with_leeway(verifier: TokenVerifier) -> None:
    """A token expired 10 s ago by the injected clock passes (30 s skew), 60 s ago fails."""
    fresh = _token(exp=int((NOW - timedelta(seconds=10)).timestamp()))
    stale = _token(exp=int((NOW - timedelta(seconds=60)).timestamp()))
    assert verifier.verify(fresh).username == "adv.ana"
    with pytest.raises(AuthenticationError):
        verifier.verify(stale)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "missing token"),
        ("", "missing token"),
        ("Basic dXNlcjpwYXNz", "malformed authorization header"),
        ("Bearer ", "malformed authorization header"),
        ("Bearer abc.def", "malformed token"),
    ],
)
def test_bad_headers_are_refused(verifier: TokenVerifier, header: str | None, reason: str) -> None:
    """Missing or malformed Authorization headers are refused, never crash."""
    with pytest.raises(AuthenticationError) as caught:
        verifier.verify_header(header)
    assert caught.value.reason == reason


def test_an_hs256_token_is_refused(verifier: TokenVerifier) -> None:
    """Only RS256 is accepted (no algorithm confusion)."""
    token = jwt.encode({"sub": "x"}, "a-shared-secret-of-enough-length-32b", algorithm="HS256")
    with pytest.raises(AuthenticationError) as caught:
        verifier.verify(token)
    assert caught.value.reason == "unexpected signing algorithm"


def test_jwks_url_points_at_the_emulator_when_one_is_set() -> None:
    """The pool's JWKS is at Cognito's URL, or the same path on the local endpoint."""
    assert jwks_url_for("eu-west-1", "eu-west-1_A") == (
        "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_A/.well-known/jwks.json"
    )
    assert jwks_url_for("us-east-1", "p", "http://127.0.0.1:5000/") == (
        "http://127.0.0.1:5000/p/.well-known/jwks.json"
    )


def test_tokens_issued_up_to_a_sign_out_everywhere_are_refused() -> None:
    """GIVEN Ana signed out everywhere at second S WHEN her tokens are verified THEN those
    issued at or before S are refused ("signed out"), a later one and Ben's are accepted."""
    mark = int(NOW.timestamp()) - 60
    verifier = TokenVerifier(
        keys=StaticKeys(_jwks()),
        issuer=ISSUER,
        audience=CLIENT,
        clock=lambda: NOW,
        sign_outs=SignOutsByName({"adv.ana": mark}),
    )
    for issued in (mark - 600, mark):
        with pytest.raises(AuthenticationError, match=r"^signed out$"):
            verifier.verify(_token(iat=issued))
    assert verifier.verify(_token(iat=mark + 1)).username == "adv.ana"
    ben = _token(iat=mark - 600, **{"cognito:username": "adv.ben"})
    assert verifier.verify(ben).username == "adv.ben"


class SignOutsByName:
    """A sign-out log from a dict (username -> epoch second)."""

    def __init__(self, marks: dict[str, int]) -> None:
        self._marks = marks

    def signed_out_at(self, username: str) -> int | None:
        return self._marks.get(username)
