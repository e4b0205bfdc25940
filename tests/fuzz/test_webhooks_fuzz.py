"""Every webhook route under fuzzed input: no 500, nothing stored from a refused request, no
forged signature accepted."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pytest
from chalice.test import Client
from crowdcare.adapters.platforms.inbound.signatures import sign_generic, sign_meta, sign_x
from hypothesis import given
from hypothesis import strategies as st

from tests.events import load_event
from tests.fuzz.conftest import FUZZ
from tests.fuzz.tally import record

if TYPE_CHECKING:
    from tests.integration.conftest import MetaWebhookEnv, WebhookEnv

JSON = {"Content-Type": "application/json"}

# JSON values of every kind, including the edges that broke parsers before: huge and negative
# numbers, long strings, unusual URL schemes, nesting.
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=64)
    | st.sampled_from(
        ["javascript:alert(1)", "data:text/html,x", "https://ok.example/p", "", "9" * 60]
    )
)
json_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=12,
)


def _mutated(base: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """`base` with some of its fields (and nested author fields) replaced or dropped."""

    def mutate(draw: st.DrawFn) -> dict[str, Any]:
        out: dict[str, Any] = json.loads(json.dumps(base))
        for key in draw(st.lists(st.sampled_from(sorted(out)), max_size=4, unique=True)):
            if draw(st.booleans()):
                out[key] = draw(json_values)
            else:
                out.pop(key)
        if isinstance(out.get("author"), dict):
            for key in draw(st.lists(st.sampled_from(sorted(out["author"])), max_size=3)):
                out["author"][key] = draw(json_values)
        return out

    return st.composite(mutate)()


def _stored(env: WebhookEnv) -> int:
    return env.dynamodb.scan(TableName=env.mentions_table, Select="COUNT")["Count"]


@pytest.fixture
def client(webhook_env: WebhookEnv) -> Iterator[Client]:
    """A Chalice test client for the webhooks app on moto."""
    with Client(webhook_env.app_module.app) as test_client:
        yield test_client


# ------------------------------------------------------------------------------ generic
@FUZZ
@given(
    body=st.binary(max_size=512) | json_values.map(lambda v: json.dumps(v).encode()),
    signature=st.none() | st.text(max_size=80) | st.just("v1=" + "0" * 64),
    timestamp=st.none() | st.text(max_size=12) | st.integers(0, 2**40).map(str),
)
def test_generic_forged_deliveries_are_refused_and_store_nothing(
    client: Client,
    webhook_env: WebhookEnv,
    body: bytes,
    signature: str | None,
    timestamp: str | None,
) -> None:
    """GIVEN a generic delivery with a made-up signature and timestamp, WHEN posted, THEN it is
    refused (4xx, never 500) and nothing is stored."""
    headers = dict(JSON)
    if signature is not None:
        headers["X-CrowdCare-Signature"] = signature
    if timestamp is not None:
        headers["X-CrowdCare-Timestamp"] = timestamp
    before = _stored(webhook_env)
    response = client.http.post("/webhooks/generic", headers=headers, body=body)
    record("webhook generic (forged)", response.status_code, forged=True)
    assert 400 <= response.status_code < 500
    assert _stored(webhook_env) == before


@FUZZ
@given(payload=_mutated(load_event("generic_mention")), post_id=st.uuids())
def test_generic_signed_fuzzed_deliveries_never_500(
    client: Client, webhook_env: WebhookEnv, payload: dict[str, Any], post_id: object
) -> None:
    """GIVEN a correctly signed generic delivery with fuzzed fields, WHEN posted, THEN the answer
    is never a 500, and a refused delivery stores nothing."""
    if "post_id" in payload and payload["post_id"] == "forum-88213":
        payload["post_id"] = str(post_id)
    body = json.dumps(payload).encode()
    ts = int(time.time())
    headers = JSON | {
        "X-CrowdCare-Timestamp": str(ts),
        "X-CrowdCare-Signature": sign_generic(webhook_env.generic_secret, ts, body),
    }
    before = _stored(webhook_env)
    response = client.http.post("/webhooks/generic", headers=headers, body=body)
    record("webhook generic (signed)", response.status_code, forged=False)
    assert response.status_code < 500, response.body
    if response.status_code >= 400:
        assert _stored(webhook_env) == before


# ------------------------------------------------------------------------------ X
@FUZZ
@given(
    body=st.binary(max_size=512),
    signature=st.none() | st.text(max_size=80) | st.just("sha256=" + "A" * 44),
)
def test_x_forged_deliveries_are_refused_and_store_nothing(
    client: Client, webhook_env: WebhookEnv, body: bytes, signature: str | None
) -> None:
    """GIVEN an X delivery whose signature is not X's, WHEN posted, THEN it is refused (4xx)
    and nothing is stored."""
    headers = dict(JSON)
    if signature is not None:
        headers["x-twitter-webhooks-signature"] = signature
    before = _stored(webhook_env)
    response = client.http.post("/webhooks/x", headers=headers, body=body)
    record("webhook x (forged)", response.status_code, forged=True)
    assert 400 <= response.status_code < 500
    assert _stored(webhook_env) == before


_X_EVENT = load_event("x_tweet_create_events")


@FUZZ
@given(
    tweet=_mutated(_X_EVENT["tweet_create_events"][0]),
    top=_mutated({"for_user_id": "2244994945", "user_has_blocked": False}),
)
def test_x_signed_fuzzed_deliveries_never_500(
    client: Client, webhook_env: WebhookEnv, tweet: dict[str, Any], top: dict[str, Any]
) -> None:
    """GIVEN a correctly signed X delivery with a fuzzed tweet, WHEN posted, THEN never a 500,
    and a refused delivery stores nothing."""
    body = json.dumps({**top, "tweet_create_events": [tweet]}).encode()
    headers = JSON | {"x-twitter-webhooks-signature": sign_x(webhook_env.x_consumer_secret, body)}
    before = _stored(webhook_env)
    response = client.http.post("/webhooks/x", headers=headers, body=body)
    record("webhook x (signed)", response.status_code, forged=False)
    assert response.status_code < 500, response.body
    if response.status_code >= 400:
        assert _stored(webhook_env) == before


@FUZZ
@given(crc=st.text(max_size=200))
def test_x_crc_never_500(client: Client, crc: str) -> None:
    """GIVEN any crc_token, WHEN X's challenge is requested, THEN never a 500."""
    response = client.http.get(f"/webhooks/x?crc_token={_quote(crc)}")
    record("webhook x crc", response.status_code, forged=False)
    assert response.status_code < 500


# ------------------------------------------------------------------------------ Meta
@pytest.fixture
def meta_client(meta_webhook_env: MetaWebhookEnv) -> Iterator[Client]:
    """A Chalice test client for the webhooks app with the Meta secrets."""
    with Client(meta_webhook_env.base.app_module.app) as test_client:
        yield test_client


@FUZZ
@given(
    body=st.binary(max_size=512),
    signature=st.none() | st.text(max_size=80) | st.just("sha256=" + "0" * 64),
    token=st.text(max_size=40),
)
def test_meta_forged_deliveries_and_tokens_are_refused(
    meta_client: Client,
    meta_webhook_env: MetaWebhookEnv,
    body: bytes,
    signature: str | None,
    token: str,
) -> None:
    """GIVEN a Meta delivery not signed by Meta and a made-up verify token, WHEN posted and
    verified, THEN both are refused (4xx) and nothing is stored or parked."""
    env = meta_webhook_env
    headers = dict(JSON)
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    before = _stored(env.base)
    response = meta_client.http.post("/webhooks/meta", headers=headers, body=body)
    record("webhook meta (forged)", response.status_code, forged=True)
    assert 400 <= response.status_code < 500
    assert _stored(env.base) == before
    if token != env.verify_token:
        path = (
            f"/webhooks/meta?hub.mode=subscribe&hub.verify_token={_quote(token)}&hub.challenge=42"
        )
        verified = meta_client.http.get(path)
        record("webhook meta verify (forged)", verified.status_code, forged=True)
        assert 400 <= verified.status_code < 500


_META_EVENT = load_event("meta_page_feed")


@FUZZ
@given(
    value=_mutated(_META_EVENT["entry"][0]["changes"][0]["value"]),
    entry=_mutated({"id": "104729385012345", "time": 1741944420}),
)
def test_meta_signed_fuzzed_deliveries_never_500(
    meta_client: Client,
    meta_webhook_env: MetaWebhookEnv,
    value: dict[str, Any],
    entry: dict[str, Any],
) -> None:
    """GIVEN a correctly signed Meta delivery with a fuzzed entry and change, WHEN posted, THEN
    never a 500 (a bad change is parked, the rest stored)."""
    env = meta_webhook_env
    body = json.dumps(
        {"object": "page", "entry": [{**entry, "changes": [{"field": "feed", "value": value}]}]}
    ).encode()
    headers = JSON | {"X-Hub-Signature-256": sign_meta(env.app_secret, body)}
    before = _stored(env.base)
    response = meta_client.http.post("/webhooks/meta", headers=headers, body=body)
    record("webhook meta (signed)", response.status_code, forged=False)
    assert response.status_code < 500, response.body
    if response.status_code >= 400:
        assert _stored(env.base) == before


def _quote(text: str) -> str:
    return quote(text, safe="")
