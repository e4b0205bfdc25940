"""Webhook signatures: pure functions over bytes, no I/O and no clock of their own.

Every comparison of a received digest with the expected one goes through
`hmac.compare_digest`, so the time a check takes does not reveal how many bytes matched.
The current time is always passed in (`now`), which keeps the freshness rule testable.

Two schemes are supported:

* the generic CrowdCare webhook: ``X-CrowdCare-Timestamp: <unix seconds>`` and
  ``X-CrowdCare-Signature: sha256=<hex HMAC-SHA256(secret, f"{timestamp}." + body)>``; binding the
  timestamp into the digest and bounding its age stops a captured delivery being replayed later;
* the X Account Activity API: the CRC challenge answer and the
  ``x-twitter-webhooks-signature: sha256=<base64 HMAC-SHA256(consumer secret, body)>`` header;
* Meta webhooks (Facebook Pages, Instagram): ``X-Hub-Signature-256: sha256=<hex
  HMAC-SHA256(app secret, raw body)>``. Meta signs no timestamp and redelivers for up to 36
  hours, so freshness cannot be checked: replays are harmless because storing is idempotent.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from datetime import datetime

GENERIC_TIMESTAMP_HEADER = "X-CrowdCare-Timestamp"
GENERIC_SIGNATURE_HEADER = "X-CrowdCare-Signature"
X_SIGNATURE_HEADER = "x-twitter-webhooks-signature"
META_SIGNATURE_HEADER = "X-Hub-Signature-256"

_SCHEME = "sha256="
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_HEX_DIGEST = re.compile(r"[0-9a-f]{64}")
_SHA256_BYTES = 32


class SignatureError(ValueError):
    """A delivery's signature is missing, malformed, stale or wrong.

    `reason` is short and safe to return to the sender: it never contains a digest or a secret.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _hmac_sha256(secret: bytes, message: bytes) -> bytes:
    return hmac.new(secret, message, hashlib.sha256).digest()


def sign_generic(secret: bytes, timestamp: int, body: bytes) -> str:
    """The `X-CrowdCare-Signature` value a sender computes for `body` sent at `timestamp`."""
    digest = _hmac_sha256(secret, f"{timestamp}.".encode() + body)
    return _SCHEME + digest.hex()


def verify_generic(  # noqa: PLR0917 - positional signature agreed with demo and callers
    secret: bytes,
    headers_timestamp: str | None,
    headers_signature: str | None,
    body: bytes,
    now: datetime,
    tolerance_seconds: int,
) -> None:
    """Accept a generic delivery or raise `SignatureError` saying why not.

    `headers_timestamp` and `headers_signature` are the raw header values (None when absent);
    `now` must be time-zone aware. The timestamp may differ from `now` by at most
    `tolerance_seconds` in either direction (clocks drift both ways).
    """
    if now.tzinfo is None:
        raise ValueError("now must be time-zone aware")
    if not headers_signature:
        raise SignatureError("missing signature")
    if not headers_timestamp:
        raise SignatureError("missing timestamp")
    if _TIMESTAMP.fullmatch(headers_timestamp) is None:
        raise SignatureError("malformed timestamp")
    if not headers_signature.startswith(_SCHEME) or (
        _HEX_DIGEST.fullmatch(headers_signature.removeprefix(_SCHEME)) is None
    ):
        raise SignatureError("malformed signature")
    timestamp = int(headers_timestamp)
    age = now.timestamp() - timestamp
    if age > tolerance_seconds:
        raise SignatureError("stale timestamp")
    if -age > tolerance_seconds:
        raise SignatureError("timestamp in the future")
    received = bytes.fromhex(headers_signature.removeprefix(_SCHEME))
    expected = _hmac_sha256(secret, f"{timestamp}.".encode() + body)
    if not hmac.compare_digest(expected, received):
        raise SignatureError("signature mismatch")


def x_crc_response(consumer_secret: bytes, crc_token: str) -> str:
    """The `response_token` answering an X Account Activity API CRC challenge."""
    digest = _hmac_sha256(consumer_secret, crc_token.encode())
    return _SCHEME + base64.b64encode(digest).decode("ascii")


def sign_x(secret: bytes, body: bytes) -> str:
    """The `x-twitter-webhooks-signature` value X sends with `body`."""
    return _SCHEME + base64.b64encode(_hmac_sha256(secret, body)).decode("ascii")


def verify_x(secret: bytes, header: str | None, body: bytes) -> None:
    """Accept an X Account Activity delivery or raise `SignatureError` saying why not."""
    if not header:
        raise SignatureError("missing signature")
    if not header.startswith(_SCHEME):
        raise SignatureError("malformed signature")
    try:
        received = base64.b64decode(header.removeprefix(_SCHEME), validate=True)
    except (binascii.Error, ValueError):
        raise SignatureError("malformed signature") from None
    if len(received) != _SHA256_BYTES:
        raise SignatureError("malformed signature")
    if not hmac.compare_digest(_hmac_sha256(secret, body), received):
        raise SignatureError("signature mismatch")


def sign_meta(app_secret: bytes, body: bytes) -> str:
    """The `X-Hub-Signature-256` value Meta sends with `body`."""
    return _SCHEME + _hmac_sha256(app_secret, body).hex()


def verify_meta(app_secret: bytes, header: str | None, body: bytes) -> None:
    """Accept a Meta webhook delivery or raise `SignatureError` saying why not.

    Only the SHA-256 header is accepted; Meta's legacy SHA-1 `X-Hub-Signature` is not.
    Meta sends lower-case hex; upper-case is accepted too (hex is case-insensitive).
    """
    if not header:
        raise SignatureError("missing signature")
    digest = header.removeprefix(_SCHEME).lower()
    if not header.startswith(_SCHEME) or _HEX_DIGEST.fullmatch(digest) is None:
        raise SignatureError("malformed signature")
    if not hmac.compare_digest(_hmac_sha256(app_secret, body), bytes.fromhex(digest)):
        raise SignatureError("signature mismatch")
