"""Signed deep links: a link in a notification opens one assignment, for its responder, until
it expires.

The link is `<dashboard>/assignments/<mention id>?t=<token>` and the token is
`<attempt>.<expiry, base 36 unix seconds>.<MAC>`, where the MAC is the first 16 bytes of
HMAC-SHA256(secret, "mention_id|responder_id|attempt|expiry"), base64url. The responder is not
in the link: the dashboard verifies the token against the signed-in responder, so a forwarded
link opens nothing for anyone else. Short enough to fit an SMS; compared in constant time; the
secret comes from Secrets Manager, never from code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from urllib.parse import quote

from crowdcare.domain.models import Frozen

MIN_SECRET_BYTES = 32
MAC_BYTES = 16


class DeepLinkError(ValueError):
    """A link token that is malformed, forged, expired or meant for someone else."""


class DeepLinkClaims(Frozen):
    """What a token vouches for."""

    mention_id: str
    responder_id: str
    attempt: int
    expires: datetime


def _b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if number == 0:
            return out


class DeepLinkSigner:
    """Signs and verifies assignment link tokens with one secret."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"the deep-link secret needs at least {MIN_SECRET_BYTES} bytes")
        self._secret = secret

    def _mac(self, mention_id: str, responder_id: str, attempt: int, expires: int) -> str:
        message = f"{mention_id}|{responder_id}|{attempt}|{expires}".encode()
        digest = hmac.new(self._secret, message, hashlib.sha256).digest()[:MAC_BYTES]
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def sign(self, claims: DeepLinkClaims) -> str:
        """The token for these claims."""
        for value in (claims.mention_id, claims.responder_id):
            if "|" in value:
                raise ValueError("ids must not contain '|'")
        expires = int(claims.expires.timestamp())
        mac = self._mac(claims.mention_id, claims.responder_id, claims.attempt, expires)
        return f"{claims.attempt}.{_b36(expires)}.{mac}"

    def verify(
        self, token: str, *, mention_id: str, responder_id: str, now: datetime
    ) -> DeepLinkClaims:
        """The claims of a genuine, unexpired token for this mention and this responder."""
        try:
            attempt_text, expires_text, mac = token.split(".")
            attempt, expires = int(attempt_text), int(expires_text, 36)
        except ValueError as exc:
            raise DeepLinkError("malformed link") from exc
        expected = self._mac(mention_id, responder_id, attempt, expires)
        if not hmac.compare_digest(mac.encode(), expected.encode()):
            # Forged, altered, or for another mention or responder: indistinguishable on purpose.
            raise DeepLinkError("link not valid for this responder")
        claims = DeepLinkClaims(
            mention_id=mention_id,
            responder_id=responder_id,
            attempt=attempt,
            expires=datetime.fromtimestamp(expires, UTC),
        )
        if now >= claims.expires:
            raise DeepLinkError("link expired")
        return claims

    def link(self, dashboard_url: str, claims: DeepLinkClaims) -> str:
        """The dashboard URL of the assignment with its signed token."""
        return (
            f"{dashboard_url.rstrip('/')}/assignments/{quote(claims.mention_id, safe='')}"
            f"?t={self.sign(claims)}"
        )
