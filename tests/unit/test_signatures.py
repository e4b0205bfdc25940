"""Webhook signature rules: generic HMAC with timestamp, X CRC and X delivery signatures."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest
from crowdcare.adapters.platforms.inbound.signatures import (
    SignatureError,
    sign_generic,
    sign_x,
    verify_generic,
    verify_x,
    x_crc_response,
)

SECRET = b"generic-secret-for-tests-0123456789"
X_SECRET = b"x-consumer-secret-for-tests-abcdef"
BODY = b'{"post_id":"p-1","text":"hello @brand"}'
NOW = datetime(2025, 3, 14, 12, 0, 0, tzinfo=UTC)
TS = int(NOW.timestamp())
TOLERANCE = 300


def _verify(
    timestamp: str | None,
    signature: str | None,
    body: bytes = BODY,
    now: datetime = NOW,
    secret: bytes = SECRET,
) -> None:
    verify_generic(secret, timestamp, signature, body, now, TOLERANCE)


def _reason(excinfo: pytest.ExceptionInfo[SignatureError]) -> str:
    return excinfo.value.reason


# --- generic --------------------------------------------------------------------------------


def test_sign_generic_matches_an_independent_hmac() -> None:
    """sign_generic is sha256= plus the hex HMAC-SHA256 of "<timestamp>." + body."""
    # GIVEN a timestamp and a body
    # WHEN the body is signed
    signature = sign_generic(SECRET, TS, BODY)
    # THEN it equals the digest computed here without the library
    expected = hmac.new(SECRET, f"{TS}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert signature == f"sha256={expected}"


def test_verify_generic_accepts_a_correct_signature() -> None:
    """A delivery signed with the shared secret, sent now, is accepted."""
    # GIVEN a delivery signed as a sender would
    signature = sign_generic(SECRET, TS, BODY)
    # WHEN it is verified / THEN no error is raised
    _verify(str(TS), signature)


def test_verify_generic_accepts_timestamps_within_tolerance_both_ways() -> None:
    """Clock drift up to the tolerance, past or future, is accepted."""
    # GIVEN deliveries stamped exactly at the tolerance edge
    for ts in (TS - TOLERANCE, TS + TOLERANCE):
        # WHEN each is verified / THEN none is rejected
        _verify(str(ts), sign_generic(SECRET, ts, BODY))


def test_verify_generic_rejects_a_wrong_secret() -> None:
    """A signature made with another secret is a mismatch."""
    # GIVEN a delivery signed with a different secret
    signature = sign_generic(b"some-other-secret-000000000", TS, BODY)
    # WHEN it is verified
    with pytest.raises(SignatureError) as excinfo:
        _verify(str(TS), signature)
    # THEN the reason is a mismatch
    assert _reason(excinfo) == "signature mismatch"


def test_verify_generic_rejects_a_tampered_body() -> None:
    """Changing one byte of the body after signing breaks the signature."""
    # GIVEN a signed body that is altered in transit
    signature = sign_generic(SECRET, TS, BODY)
    tampered = BODY.replace(b"hello", b"hellO")
    # WHEN the altered body is verified
    with pytest.raises(SignatureError) as excinfo:
        _verify(str(TS), signature, body=tampered)
    # THEN it is a mismatch
    assert _reason(excinfo) == "signature mismatch"


def test_verify_generic_rejects_a_timestamp_swapped_after_signing() -> None:
    """The timestamp is bound into the digest, so a replayer cannot refresh it."""
    # GIVEN an old signed delivery whose timestamp header is replaced with a fresh one
    old = TS - 3600
    signature = sign_generic(SECRET, old, BODY)
    # WHEN it is verified with the fresh timestamp
    with pytest.raises(SignatureError) as excinfo:
        _verify(str(TS), signature)
    # THEN it is a mismatch
    assert _reason(excinfo) == "signature mismatch"


@pytest.mark.parametrize(
    ("timestamp", "signature", "reason"),
    [
        pytest.param(str(TS), None, "missing signature", id="no-signature"),
        pytest.param(str(TS), "", "missing signature", id="empty-signature"),
        pytest.param(None, "sha256=" + "0" * 64, "missing timestamp", id="no-timestamp"),
        pytest.param("", "sha256=" + "0" * 64, "missing timestamp", id="empty-timestamp"),
    ],
)
def test_verify_generic_rejects_missing_headers(
    timestamp: str | None, signature: str | None, reason: str
) -> None:
    """A delivery without its timestamp or signature header is rejected, saying which."""
    # GIVEN a delivery lacking a header
    # WHEN it is verified
    with pytest.raises(SignatureError) as excinfo:
        _verify(timestamp, signature)
    # THEN the reason names what is missing
    assert _reason(excinfo) == reason


@pytest.mark.parametrize(
    ("timestamp", "signature", "reason"),
    [
        pytest.param("12.5", None, "malformed timestamp", id="fractional"),
        pytest.param("-1", None, "malformed timestamp", id="negative"),
        pytest.param("1e9", None, "malformed timestamp", id="exponent"),
        pytest.param(" 1700000000", None, "malformed timestamp", id="padded"),
        pytest.param("2025-03-14T12:00:00Z", None, "malformed timestamp", id="iso"),
        pytest.param(None, "md5=" + "0" * 32, "malformed signature", id="other-scheme"),
        pytest.param(None, "0" * 64, "malformed signature", id="no-scheme"),
        pytest.param(None, "sha256=" + "0" * 63, "malformed signature", id="short"),
        pytest.param(None, "sha256=" + "g" * 64, "malformed signature", id="not-hex"),
        pytest.param(None, "sha256=" + "A" * 64, "malformed signature", id="upper-hex"),
    ],
)
def test_verify_generic_rejects_malformed_headers(
    timestamp: str | None, signature: str | None, reason: str
) -> None:
    """Headers that do not follow the documented format are rejected as malformed."""
    # GIVEN one malformed header and a well-formed other one
    ts = timestamp if timestamp is not None else str(TS)
    sig = signature if signature is not None else sign_generic(SECRET, TS, BODY)
    # WHEN it is verified
    with pytest.raises(SignatureError) as excinfo:
        _verify(ts, sig)
    # THEN the reason says malformed
    assert _reason(excinfo) == reason


def test_verify_generic_rejects_a_stale_delivery_even_if_correctly_signed() -> None:
    """A correctly signed delivery older than the tolerance is a possible replay."""
    # GIVEN a delivery signed 301 seconds ago
    ts = TS - TOLERANCE - 1
    signature = sign_generic(SECRET, ts, BODY)
    # WHEN it is verified now
    with pytest.raises(SignatureError) as excinfo:
        _verify(str(ts), signature)
    # THEN it is stale
    assert _reason(excinfo) == "stale timestamp"


def test_verify_generic_rejects_a_timestamp_too_far_in_the_future() -> None:
    """A timestamp more than the tolerance ahead of now is rejected too."""
    # GIVEN a delivery stamped 301 seconds in the future
    ts = TS + TOLERANCE + 1
    signature = sign_generic(SECRET, ts, BODY)
    # WHEN it is verified now
    with pytest.raises(SignatureError) as excinfo:
        _verify(str(ts), signature)
    # THEN it is rejected as future-skewed
    assert _reason(excinfo) == "timestamp in the future"


def test_verify_generic_uses_the_injected_now() -> None:
    """Freshness is judged against the `now` passed in, not the machine clock."""
    # GIVEN a delivery signed in 2018, and `now` set to the same moment
    then = datetime(2018, 10, 10, 20, 19, 24, tzinfo=UTC)
    ts = int(then.timestamp())
    signature = sign_generic(SECRET, ts, BODY)
    # WHEN verified with now = then + 10 s / THEN it is accepted
    _verify(str(ts), signature, now=then + timedelta(seconds=10))


def test_verify_generic_refuses_a_naive_now() -> None:
    """A naive `now` is a programming error, not a rejected delivery."""
    # GIVEN a naive datetime / WHEN used as now / THEN ValueError (not SignatureError)
    with pytest.raises(ValueError, match="aware") as excinfo:
        _verify(str(TS), sign_generic(SECRET, TS, BODY), now=NOW.replace(tzinfo=None))
    assert not isinstance(excinfo.value, SignatureError)


def test_verify_generic_compares_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """The digest comparison goes through hmac.compare_digest with the expected digest."""
    # GIVEN a spy on hmac.compare_digest
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    signature = sign_generic(SECRET, TS, BODY)
    # WHEN a correct signature is verified
    _verify(str(TS), signature)
    # THEN compare_digest was called once, with the received digest
    assert len(calls) == 1
    assert bytes.fromhex(signature.removeprefix("sha256=")) in calls[0]


def test_verify_generic_rejects_when_compare_digest_says_no(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The verdict comes from compare_digest, not from an ordinary equality test."""
    # GIVEN compare_digest forced to report a difference
    monkeypatch.setattr(hmac, "compare_digest", lambda _a, _b: False)
    # WHEN a correct signature is verified
    with pytest.raises(SignatureError) as excinfo:
        _verify(str(TS), sign_generic(SECRET, TS, BODY))
    # THEN it is rejected
    assert _reason(excinfo) == "signature mismatch"


# --- X --------------------------------------------------------------------------------------


def test_x_crc_response_matches_an_independent_computation() -> None:
    """The CRC answer is sha256= plus base64 of HMAC-SHA256(consumer secret, crc_token)."""
    # GIVEN a crc_token as X sends it
    crc_token = "dGhpcyBpcyBhIHRlc3QgY3JjIHRva2Vu"
    # WHEN the answer is computed
    answer = x_crc_response(X_SECRET, crc_token)
    # THEN it equals the digest computed here with hmac and base64
    digest = hmac.new(X_SECRET, crc_token.encode(), hashlib.sha256).digest()
    assert answer == "sha256=" + base64.b64encode(digest).decode()


def test_x_crc_response_known_vector() -> None:
    """A fixed secret and token give a fixed, precomputed answer."""
    # GIVEN the secret "secret" and the token "token"
    # WHEN the answer is computed
    answer = x_crc_response(b"secret", "token")
    # THEN it is the value computed once with openssl (echo -n token | openssl dgst -sha256
    # -hmac secret -binary | base64)
    assert answer == "sha256=6UERDj0r/oJiHw4+FDRzDXMF0QbF9oyHFl0LJ6RhGko="


def test_sign_x_matches_an_independent_hmac() -> None:
    """sign_x is sha256= plus base64 HMAC-SHA256(consumer secret, body)."""
    # GIVEN a body / WHEN signed
    signature = sign_x(X_SECRET, BODY)
    # THEN it matches the independent computation
    digest = hmac.new(X_SECRET, BODY, hashlib.sha256).digest()
    assert signature == "sha256=" + base64.b64encode(digest).decode()


def test_verify_x_accepts_a_correct_signature() -> None:
    """A delivery signed with the consumer secret is accepted."""
    # GIVEN a signed delivery / WHEN verified / THEN no error
    verify_x(X_SECRET, sign_x(X_SECRET, BODY), BODY)


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        pytest.param(None, "missing signature", id="missing"),
        pytest.param("", "missing signature", id="empty"),
        pytest.param("sha1=abc", "malformed signature", id="other-scheme"),
        pytest.param("sha256=not base64!", "malformed signature", id="not-base64"),
        pytest.param(
            "sha256=" + base64.b64encode(b"short").decode(),
            "malformed signature",
            id="wrong-length",
        ),
        pytest.param(
            "sha256=" + base64.b64encode(b"\0" * 32).decode(),
            "signature mismatch",
            id="wrong-digest",
        ),
    ],
)
def test_verify_x_rejects_bad_headers(header: str | None, reason: str) -> None:
    """Missing, malformed or wrong X signatures are rejected with a short reason."""
    # GIVEN a bad header / WHEN verified
    with pytest.raises(SignatureError) as excinfo:
        verify_x(X_SECRET, header, BODY)
    # THEN the reason says why
    assert _reason(excinfo) == reason


def test_verify_x_rejects_a_tampered_body() -> None:
    """A body changed after X signed it is a mismatch."""
    # GIVEN a signature over the original body
    signature = sign_x(X_SECRET, BODY)
    # WHEN a different body is verified with it
    with pytest.raises(SignatureError) as excinfo:
        verify_x(X_SECRET, signature, BODY + b" ")
    # THEN it is a mismatch
    assert _reason(excinfo) == "signature mismatch"


def test_verify_x_compares_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """X signatures are also compared with hmac.compare_digest."""
    # GIVEN a spy on hmac.compare_digest
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    # WHEN a correct signature is verified
    verify_x(X_SECRET, sign_x(X_SECRET, BODY), BODY)
    # THEN the comparison went through compare_digest
    assert len(calls) == 1
