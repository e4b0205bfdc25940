"""Signed deep links: a link opens one assignment, for its responder, until it expires."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from crowdcare.rules.deeplinks import DeepLinkClaims, DeepLinkError, DeepLinkSigner

SECRET = b"s" * 32
ISSUED = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
EXPIRES = ISSUED + timedelta(hours=4)
MENTION = "x#1890000000000000001"
CLAIMS = DeepLinkClaims(mention_id=MENTION, responder_id="ana", attempt=2, expires=EXPIRES)


@pytest.fixture
def signer() -> DeepLinkSigner:
    return DeepLinkSigner(SECRET)


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["t"][0]


def test_valid_link_opens_for_its_responder(signer: DeepLinkSigner) -> None:
    """A link verifies for the mention and responder it was made for, returning its claims."""
    # GIVEN a link for ana's second attempt at the mention
    link = signer.link("https://care.example.com/", CLAIMS)
    # WHEN ana opens it before it expires
    claims = signer.verify(
        token_of(link), mention_id=MENTION, responder_id="ana", now=ISSUED + timedelta(hours=1)
    )
    # THEN the claims are the ones signed, and the mention id is percent-encoded in the path
    assert claims == CLAIMS
    assert link.startswith("https://care.example.com/assignments/x%231890000000000000001?t=")


def test_wrong_responder_is_rejected(signer: DeepLinkSigner) -> None:
    """A forwarded link opens nothing for anyone but the responder it was made for."""
    # GIVEN ana's token
    token = signer.sign(CLAIMS)
    # WHEN ben presents it
    # THEN it is rejected
    with pytest.raises(DeepLinkError, match="not valid"):
        signer.verify(token, mention_id=MENTION, responder_id="ben", now=ISSUED)


def test_tampered_mention_id_is_rejected(signer: DeepLinkSigner) -> None:
    """A token cannot be replayed against another mention."""
    # GIVEN ana's token for one mention
    token = signer.sign(CLAIMS)
    # WHEN it is presented for another mention
    # THEN it is rejected
    with pytest.raises(DeepLinkError, match="not valid"):
        signer.verify(token, mention_id="x#1890000000000000002", responder_id="ana", now=ISSUED)


def test_tampered_attempt_is_rejected(signer: DeepLinkSigner) -> None:
    """Changing the attempt in the token breaks its MAC."""
    # GIVEN ana's token for attempt 2, edited to claim attempt 3
    _, expiry, mac = signer.sign(CLAIMS).split(".")
    forged = f"3.{expiry}.{mac}"
    # WHEN it is verified
    # THEN it is rejected
    with pytest.raises(DeepLinkError, match="not valid"):
        signer.verify(forged, mention_id=MENTION, responder_id="ana", now=ISSUED)


def test_tampered_expiry_is_rejected(signer: DeepLinkSigner) -> None:
    """Pushing the expiry later breaks the MAC: a link cannot be extended by hand."""
    # GIVEN ana's token with its expiry moved a day later
    attempt, _, mac = signer.sign(CLAIMS).split(".")
    later = int((EXPIRES + timedelta(days=1)).timestamp())
    forged = f"{attempt}.{format_b36(later)}.{mac}"
    # WHEN it is verified
    # THEN it is rejected
    with pytest.raises(DeepLinkError, match="not valid"):
        signer.verify(forged, mention_id=MENTION, responder_id="ana", now=ISSUED)


@pytest.mark.parametrize("offset", [timedelta(0), timedelta(seconds=1), timedelta(days=3)])
def test_expired_link_is_rejected(signer: DeepLinkSigner, offset: timedelta) -> None:
    """From its expiry on (the clock is passed in), a genuine link is refused."""
    # GIVEN ana's genuine token
    token = signer.sign(CLAIMS)
    # WHEN it is opened at or after its expiry
    # THEN it is rejected as expired
    with pytest.raises(DeepLinkError, match="expired"):
        signer.verify(token, mention_id=MENTION, responder_id="ana", now=EXPIRES + offset)


@pytest.mark.parametrize(
    "token",
    ["", "garbage", "2.abc", "2.abc.def.ghi", "two.1a2b.mac", "2.!!!.mac", "2..mac"],
)
def test_malformed_token_is_rejected(signer: DeepLinkSigner, token: str) -> None:
    """Anything that is not `<attempt>.<expiry b36>.<mac>` is refused, never a crash."""
    # GIVEN a malformed token
    # WHEN it is verified
    # THEN it is rejected
    with pytest.raises(DeepLinkError):
        signer.verify(token, mention_id=MENTION, responder_id="ana", now=ISSUED)


def test_other_secret_is_rejected() -> None:
    """A token signed with another secret (an old or a forged one) is refused."""
    # GIVEN a token signed with a different secret
    token = DeepLinkSigner(b"o" * 32).sign(CLAIMS)
    # WHEN it is verified with ours
    # THEN it is rejected
    with pytest.raises(DeepLinkError, match="not valid"):
        DeepLinkSigner(SECRET).verify(token, mention_id=MENTION, responder_id="ana", now=ISSUED)


def test_mac_is_compared_in_constant_time(
    signer: DeepLinkSigner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Verification compares MACs with hmac.compare_digest, never with ==."""
    # GIVEN compare_digest wrapped to record its calls
    calls: list[tuple[bytes, bytes]] = []
    original = hmac.compare_digest

    def recording(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return original(a, b)

    monkeypatch.setattr("crowdcare.rules.deeplinks.hmac.compare_digest", recording)
    token = signer.sign(CLAIMS)
    # WHEN a genuine and a forged token are verified
    signer.verify(token, mention_id=MENTION, responder_id="ana", now=ISSUED)
    with pytest.raises(DeepLinkError):
        signer.verify(token, mention_id=MENTION, responder_id="ben", now=ISSUED)
    # THEN both went through the constant-time comparison
    assert len(calls) == 2


def test_short_secret_is_refused() -> None:
    """A secret under 32 bytes is a configuration error, caught when the signer is built."""
    # GIVEN a 16-byte secret
    # WHEN a signer is built with it
    # THEN it is refused
    with pytest.raises(ValueError, match="32 bytes"):
        DeepLinkSigner(b"k" * 16)


def test_ids_with_separator_cannot_be_signed(signer: DeepLinkSigner) -> None:
    """Ids containing '|' are refused, so two claims can never sign the same message."""
    # GIVEN claims whose responder id contains the separator
    claims = CLAIMS.model_copy(update={"responder_id": "ana|2"})
    # WHEN they are signed
    # THEN signing is refused
    with pytest.raises(ValueError, match="'\\|'"):
        signer.sign(claims)


def format_b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"
