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
        # A replaced author may be any JSON value, an empty object too: nothing to sample then.
        if isinstance(out.get("author"), dict) and out["author"]:
            for key in draw(st.lists(st.sampled_from(sorted(out["author"])), max_size=3)):
                out["author"][key] = draw(json_values)
        return out

    return st.composite(mutate)()


def _stored(env: WebhookEnv) -> int:
    return env.dynamodb.scan(TableName=env.mentions_table, Select="COUNT")["Count"]


def _post_signed_generic(
    client: Client, env: WebhookEnv, payload: dict[str, Any], label: str
) -> Any:
    """Sign and post a generic delivery; never a 500, and a refused one stores nothing."""
    body = json.dumps(payload).encode()
    ts = int(time.time())
    headers = JSON | {
        "X-CrowdCare-Timestamp": str(ts),
        "X-CrowdCare-Signature": sign_generic(env.generic_secret, ts, body),
    }
    before = _stored(env)
    response = client.http.post("/webhooks/generic", headers=headers, body=body)
    record(label, response.status_code, forged=False)
    assert response.status_code < 500, response.body
    if response.status_code >= 400:
        assert _stored(env) == before
    return response


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
    _post_signed_generic(client, webhook_env, payload, "webhook generic (signed)")


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


# ------------------------------------------------------------------------------ edge shapes
# The shapes that once made a signed delivery a 500 (issue 10): times no calendar holds,
# numbers past DynamoDB's 38 digits, bodies whose item would pass 400 KB, non-http URLs, and a
# webhook secret an operator broke by hand.
huge_numbers = (
    st.integers(min_value=10**15, max_value=10**80)
    | st.integers(min_value=-(10**80), max_value=-1)
    | st.floats(min_value=1e15, max_value=1e300)
    | st.integers(min_value=17, max_value=90).map(lambda n: "9" * n)
)
odd_urls = st.sampled_from(
    [
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        " javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox",
        "ftp://files.example/x",
        "//evil.example/x",
        "https://ok.example/p",
        "http://ok.example/p",
        "https://" + "a" * 3000 + ".example/",
    ]
)
# Up to just under the 256 KiB body limit, mostly a display name.
name_sizes = st.integers(min_value=0, max_value=250 * 1024)


@FUZZ
@given(bad_time=huge_numbers, where=st.sampled_from(["time", "created_time"]))
def test_meta_times_that_overflow_park_the_entry_and_keep_the_batch(
    meta_client: Client, meta_webhook_env: MetaWebhookEnv, bad_time: Any, where: str
) -> None:
    """GIVEN a signed Page delivery of a good entry and one whose `time` or `created_time` no
    calendar holds (past year 30,000, before 1990, or a digit string too long to be a time),
    WHEN posted, THEN never a 500: 200, the good entry stored (or a duplicate of an earlier
    example) and the bad one parked."""
    env = meta_webhook_env
    good = json.loads(json.dumps(_META_EVENT["entry"][0]))
    bad = json.loads(json.dumps(good))
    bad["changes"][0]["value"]["comment_id"] = "998877665544332_7"
    if where == "time":
        bad["time"] = bad_time
        bad["changes"][0]["value"].pop("created_time", None)
    else:
        bad["changes"][0]["value"]["created_time"] = bad_time
    body = json.dumps({"object": "page", "entry": [good, bad]}).encode()
    headers = JSON | {"X-Hub-Signature-256": sign_meta(env.app_secret, body)}
    response = meta_client.http.post("/webhooks/meta", headers=headers, body=body)
    record("webhook meta (edge shapes)", response.status_code, forged=False)
    assert response.status_code == 200, response.body
    answer = json.loads(response.body)
    assert answer["accepted"] + answer["duplicates"] == 1
    assert answer["parked"] == 1


@FUZZ
@given(
    followers=huge_numbers.filter(lambda n: isinstance(n, int) and n >= 0),
    name_size=name_sizes,
    url=odd_urls | st.just("https://community.example.com/t/1"),
    post_id=st.uuids(),
)
def test_generic_edge_shapes_never_500_and_store_only_what_fits(
    client: Client,
    webhook_env: WebhookEnv,
    *,
    followers: int,
    name_size: int,
    url: str,
    post_id: object,
) -> None:
    """GIVEN a signed generic delivery with a follower count past DynamoDB's numbers, a display
    name of up to 250 KB and an unusual URL, WHEN posted, THEN never a 500; a non-http(s) URL
    is a 400 storing nothing; what is stored fits an item and links only http(s)."""
    payload = json.loads(json.dumps(load_event("generic_mention")))
    payload |= {"post_id": str(post_id), "url": url}
    payload["author"] |= {"followers": followers, "display_name": "N" * name_size}
    response = _post_signed_generic(client, webhook_env, payload, "webhook generic (edge shapes)")
    if response.status_code >= 400:
        return
    item = webhook_env.dynamodb.get_item(
        TableName=webhook_env.mentions_table, Key={"mention_id": {"S": f"generic#{post_id}"}}
    )["Item"]
    assert len(json.dumps(item).encode()) < 400 * 1024
    assert item["url"]["S"].startswith(("https://", "http://"))


@FUZZ
@given(
    followers=huge_numbers,
    name_size=name_sizes,
    created=st.integers(1990, 2199) | st.integers(1, 9999),
)
def test_x_edge_shapes_never_500(
    client: Client, webhook_env: WebhookEnv, followers: Any, name_size: int, created: int
) -> None:
    """GIVEN a signed X delivery whose author has a huge (or negative, or textual) follower
    count and a long name, dated in any year up to 10,000, WHEN posted, THEN never a 500, and a
    refused delivery stores nothing."""
    tweet = json.loads(json.dumps(_X_EVENT["tweet_create_events"][0]))
    tweet["user"] |= {"followers_count": followers, "name": "N" * name_size}
    tweet["created_at"] = f"Wed Oct 10 20:19:24 +0000 {created:04d}"
    body = json.dumps({"for_user_id": "2244994945", "tweet_create_events": [tweet]}).encode()
    headers = JSON | {"x-twitter-webhooks-signature": sign_x(webhook_env.x_consumer_secret, body)}
    before = _stored(webhook_env)
    response = client.http.post("/webhooks/x", headers=headers, body=body)
    record("webhook x (edge shapes)", response.status_code, forged=False)
    assert response.status_code < 500, response.body
    if response.status_code >= 400:
        assert _stored(webhook_env) == before


@FUZZ
@given(secret=st.text(max_size=80) | json_values.map(json.dumps))
def test_a_broken_webhook_secret_is_503_never_500(
    client: Client, webhook_env: WebhookEnv, secret: str
) -> None:
    """GIVEN the webhook secret replaced by any text (often not JSON, or the wrong shape), WHEN
    a generic delivery arrives, THEN the answer is 503 (not configured) or, if the text happens
    to be a usable secret, a 4xx for the signature: never a 500."""
    if not secret:
        secret = " "  # Secrets Manager refuses an empty string
    webhook_env.secretsmanager.put_secret_value(
        SecretId="crowdcare/test/webhooks", SecretString=secret
    )
    webhook_env.app_module.reset_dependencies()
    body = json.dumps(load_event("generic_mention")).encode()
    ts = int(time.time())
    headers = JSON | {
        "X-CrowdCare-Timestamp": str(ts),
        "X-CrowdCare-Signature": sign_generic(webhook_env.generic_secret, ts, body),
    }
    response = client.http.post("/webhooks/generic", headers=headers, body=body)
    record("webhook secret (malformed)", response.status_code, forged=False)
    assert response.status_code in (202, 401, 503), response.body
