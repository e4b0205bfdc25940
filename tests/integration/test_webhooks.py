"""The webhooks function end to end: HTTP in (chalice.test.Client), DynamoDB out (moto)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from chalice.test import Client
from crowdcare.adapters.platforms.inbound.signatures import sign_generic, sign_x
from crowdcare.config.settings import ConfigurationError

from tests.events import load_event
from tests.events.contracts import load_contract

if TYPE_CHECKING:
    from chalice.test import HTTPResponse

    from tests.integration.conftest import WebhookEnv

JSON = {"Content-Type": "application/json"}
LIMIT = 256 * 1024


@pytest.fixture
def client(webhook_env: WebhookEnv) -> Iterator[Client]:
    """A Chalice test client for the webhooks app, inside the moto environment."""
    with Client(webhook_env.app_module.app) as test_client:
        yield test_client


def _generic_headers(secret: bytes, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else timestamp
    return JSON | {
        "X-CrowdCare-Timestamp": str(ts),
        "X-CrowdCare-Signature": sign_generic(secret, ts, body),
    }


def _post_generic(client: Client, env: WebhookEnv, body: bytes) -> HTTPResponse:
    return client.http.post(
        "/webhooks/generic", headers=_generic_headers(env.generic_secret, body), body=body
    )


def _post_x(client: Client, env: WebhookEnv, body: bytes) -> HTTPResponse:
    headers = JSON | {"x-twitter-webhooks-signature": sign_x(env.x_consumer_secret, body)}
    return client.http.post("/webhooks/x", headers=headers, body=body)


def _json(response: HTTPResponse) -> Any:
    return json.loads(response.body)


def _body(event: dict[str, Any]) -> bytes:
    return json.dumps(event).encode()


def test_health_answers_ok(client: Client) -> None:
    """GET /health is 200 {"status": "ok"} without any signature."""
    # GIVEN the app / WHEN /health is requested
    response = client.http.get("/health")
    # THEN it is healthy
    assert response.status_code == 200
    assert _json(response) == {"status": "ok"}


# --- generic --------------------------------------------------------------------------------


def test_generic_delivery_is_stored_once(client: Client, webhook_env: WebhookEnv) -> None:
    """A correctly signed generic mention is answered 202 and stored with its raw body."""
    # GIVEN a signed sample delivery
    body = _body(load_event("generic_mention"))
    # WHEN it is posted
    response = _post_generic(client, webhook_env, body)
    # THEN it is accepted and stored, status "received", raw body kept
    assert response.status_code == 202
    assert _json(response) == {"accepted": 1, "duplicates": 0}
    assert webhook_env.stored_ids() == ["generic#forum-88213"]
    stored = webhook_env.app_module.wiring().mentions.get("generic#forum-88213")
    assert stored is not None
    assert stored.mention.author.handle == "kayak_kim"
    assert stored.mention.raw == body.decode()
    assert stored.status.value == "received"


def test_generic_redelivery_is_a_duplicate(client: Client, webhook_env: WebhookEnv) -> None:
    """The same delivery twice stores one item; the second answer counts a duplicate."""
    # GIVEN a delivery that was already accepted
    body = _body(load_event("generic_mention"))
    assert _json(_post_generic(client, webhook_env, body)) == {"accepted": 1, "duplicates": 0}
    # WHEN the platform delivers it again (re-signed, as a retry would be)
    response = _post_generic(client, webhook_env, body)
    # THEN it is a duplicate and the table still holds one item
    assert response.status_code == 202
    assert _json(response) == {"accepted": 0, "duplicates": 1}
    assert webhook_env.stored_ids() == ["generic#forum-88213"]


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        pytest.param(
            lambda h: h | {"X-CrowdCare-Signature": "sha256=" + "0" * 64},
            "signature mismatch",
            id="wrong-digest",
        ),
        pytest.param(
            lambda h: {k: v for k, v in h.items() if k != "X-CrowdCare-Signature"},
            "missing signature",
            id="no-signature",
        ),
        pytest.param(
            lambda h: {k: v for k, v in h.items() if k != "X-CrowdCare-Timestamp"},
            "missing timestamp",
            id="no-timestamp",
        ),
        pytest.param(
            lambda h: h | {"X-CrowdCare-Signature": "sha256=xyz"},
            "malformed signature",
            id="malformed",
        ),
    ],
)
def test_generic_bad_signature_is_401_and_stores_nothing(
    client: Client, webhook_env: WebhookEnv, mutate: Any, reason: str
) -> None:
    """Missing, malformed or wrong signatures are 401 with a reason; nothing is written."""
    # GIVEN a valid body with a broken signature header
    body = _body(load_event("generic_mention"))
    headers = mutate(_generic_headers(webhook_env.generic_secret, body))
    # WHEN it is posted
    response = client.http.post("/webhooks/generic", headers=headers, body=body)
    # THEN it is refused and the table stays empty
    assert response.status_code == 401
    assert _json(response) == {"error": "invalid signature", "reason": reason}
    assert webhook_env.stored_ids() == []


def test_generic_stale_delivery_is_401(client: Client, webhook_env: WebhookEnv) -> None:
    """A correctly signed delivery replayed ten minutes later is refused as stale."""
    # GIVEN a delivery signed 600 s ago
    body = _body(load_event("generic_mention"))
    headers = _generic_headers(webhook_env.generic_secret, body, int(time.time()) - 600)
    # WHEN it is posted now
    response = client.http.post("/webhooks/generic", headers=headers, body=body)
    # THEN it is refused as stale, and nothing is stored
    assert response.status_code == 401
    assert _json(response)["reason"] == "stale timestamp"
    assert webhook_env.stored_ids() == []


def test_generic_malformed_json_is_400(client: Client, webhook_env: WebhookEnv) -> None:
    """A correctly signed body that is not JSON is 400 with details; nothing is stored."""
    # GIVEN a signed, truncated JSON body
    body = b'{"post_id": "p1", "text": '
    # WHEN it is posted
    response = _post_generic(client, webhook_env, body)
    # THEN it is an invalid payload located at the body
    assert response.status_code == 400
    payload = _json(response)
    assert payload["error"] == "invalid payload"
    assert [d["loc"] for d in payload["details"]] == ["body"]
    assert webhook_env.stored_ids() == []


def test_generic_invalid_fields_are_400_without_echo(
    client: Client, webhook_env: WebhookEnv
) -> None:
    """Validation failures are listed by dotted location, without echoing the values sent."""
    # GIVEN a signed body with an empty handle and a naive created_at
    event = load_event("generic_mention")
    event["author"]["handle"] = ""
    event["created_at"] = "2025-03-14T09:26:53"
    event["text"] = "please do not echo CANARY-7731"
    body = _body(event)
    # WHEN it is posted
    response = _post_generic(client, webhook_env, body)
    # THEN both problems are reported, the input is not echoed, and nothing is stored
    assert response.status_code == 400
    details = _json(response)["details"]
    assert sorted(d["loc"] for d in details) == ["author.handle", "created_at"]
    assert all(set(d) == {"loc", "msg"} and d["msg"] for d in details)
    assert "2025-03-14T09:26:53" not in response.body.decode()
    assert webhook_env.stored_ids() == []


def test_oversized_body_is_413_before_signature_check(
    client: Client, webhook_env: WebhookEnv
) -> None:
    """A body over 256 KiB is refused with 413 even before its signature is looked at."""
    # GIVEN a body one byte over the limit, without any signature headers
    body = b"{" + b" " * (LIMIT - 1) + b"}"
    assert len(body) == LIMIT + 1
    # WHEN it is posted to both POST webhooks
    for path in ("/webhooks/generic", "/webhooks/x"):
        response = client.http.post(path, headers=JSON, body=body)
        # THEN each answers 413 with the limit, and nothing is stored
        assert response.status_code == 413
        assert _json(response) == {"error": "payload too large", "limit_bytes": LIMIT}
    assert webhook_env.stored_ids() == []


def test_body_at_the_limit_is_not_413(client: Client, webhook_env: WebhookEnv) -> None:
    """Exactly 256 KiB passes the size check (and then fails the signature check)."""
    # GIVEN a body exactly at the limit
    body = b"{" + b" " * (LIMIT - 2) + b"}"
    # WHEN posted unsigned / THEN the size check passes and the signature check refuses it
    response = client.http.post("/webhooks/generic", headers=JSON, body=body)
    assert response.status_code == 401


def test_body_limit_comes_from_the_environment(
    client: Client, webhook_env: WebhookEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MAX_WEBHOOK_BODY_BYTES overrides the default limit after reset_dependencies()."""
    # GIVEN a deployment configured with a 1 KiB limit
    monkeypatch.setenv("MAX_WEBHOOK_BODY_BYTES", "1024")
    webhook_env.app_module.reset_dependencies()
    # WHEN a 2 KiB body is posted
    response = client.http.post("/webhooks/generic", headers=JSON, body=b" " * 2048)
    # THEN the configured limit applies
    assert response.status_code == 413
    assert _json(response)["limit_bytes"] == 1024


def test_rejections_are_logged_without_body_or_signature(
    client: Client, webhook_env: WebhookEnv
) -> None:
    """The log names platform and reason, but never the body, the signature or the secret."""
    # GIVEN the function's JSON log captured, and a recognisable body with a wrong signature
    handler = webhook_env.app_module.logger.registered_handler
    stream = io.StringIO()
    previous = handler.setStream(stream)
    event = load_event("generic_mention") | {"text": "CANARY-4242 in the body"}
    body = _body(event)
    headers = _generic_headers(b"the-wrong-secret-0123456789", body)
    # WHEN it is posted
    try:
        response = client.http.post("/webhooks/generic", headers=headers, body=body)
    finally:
        handler.setStream(previous)
    # THEN the rejection is logged with its reason, and nothing sensitive appears
    assert response.status_code == 401
    logged = stream.getvalue()
    records = [json.loads(line) for line in logged.splitlines()]
    assert [(r["message"], r["platform"], r["reason"]) for r in records] == [
        ("webhook rejected", "generic", "signature mismatch")
    ]
    assert "CANARY-4242" not in logged
    assert headers["X-CrowdCare-Signature"].removeprefix("sha256=") not in logged
    assert webhook_env.generic_secret.decode() not in logged


def test_secrets_are_cached_across_invocations(client: Client, webhook_env: WebhookEnv) -> None:
    """The secret is read once and cached: a rotation is seen only after the cache expires."""
    # GIVEN one accepted delivery (which loads the secret)
    assert (
        _post_generic(client, webhook_env, _body(load_event("generic_mention"))).status_code == 202
    )
    # AND the secret is rotated in Secrets Manager
    webhook_env.secretsmanager.put_secret_value(
        SecretId="crowdcare/test/webhooks",
        SecretString=json.dumps(
            {"generic_webhook_secret": "rotated-" * 4, "x_consumer_secret": "rotated-" * 4}
        ),
    )
    # WHEN another delivery signed with the old secret arrives within the cache lifetime
    event = load_event("generic_mention") | {"post_id": "forum-88214"}
    response = _post_generic(client, webhook_env, _body(event))
    # THEN the cached secret still verifies it
    assert response.status_code == 202
    assert len(webhook_env.stored_ids()) == 2


# --- X --------------------------------------------------------------------------------------


def test_x_crc_challenge_is_answered(client: Client, webhook_env: WebhookEnv) -> None:
    """GET /webhooks/x answers the CRC token with base64 HMAC-SHA256 of the consumer secret."""
    # GIVEN a CRC token as X sends it
    token = "Y3JjLXRva2VuLWZyb20tdHdpdHRlcg"
    # WHEN X issues the challenge
    response = client.http.get(f"/webhooks/x?crc_token={token}&nonce=abc")
    # THEN the answer matches an independent computation
    digest = hmac.new(webhook_env.x_consumer_secret, token.encode(), hashlib.sha256).digest()
    assert response.status_code == 200
    assert _json(response) == {"response_token": "sha256=" + base64.b64encode(digest).decode()}


def test_x_crc_without_token_is_400(client: Client) -> None:
    """A CRC request without crc_token is a 400."""
    # GIVEN no crc_token / WHEN requested / THEN 400
    response = client.http.get("/webhooks/x")
    assert response.status_code == 400
    assert _json(response) == {"error": "missing crc_token"}


def test_x_delivery_stores_each_customer_tweet(client: Client, webhook_env: WebhookEnv) -> None:
    """Several tweet_create_events are stored one item each; the brand's own tweet is not."""
    # GIVEN the sample delivery: three customer tweets and one reply by the brand
    body = _body(load_event("x_tweet_create_events"))
    # WHEN X posts it
    response = _post_x(client, webhook_env, body)
    # THEN X gets 200 and the three customer tweets are stored
    assert response.status_code == 200
    assert _json(response) == {
        "accepted": 3,
        "duplicates": 0,
        "ignored": 1,
        "parked": 0,
        "problems": [],
    }
    assert webhook_env.stored_ids() == [
        "x#1050118621198921728",
        "x#1050119031771021312",
        "x#1050119442108203008",
    ]
    stored = webhook_env.app_module.wiring().mentions.get("x#1050119031771021312")
    assert stored is not None
    assert stored.mention.text.endswith("What else can I try?")


def test_x_redelivery_counts_duplicates(client: Client, webhook_env: WebhookEnv) -> None:
    """X retrying the same delivery stores nothing new."""
    # GIVEN a delivery already accepted
    body = _body(load_event("x_tweet_create_events"))
    _post_x(client, webhook_env, body)
    # WHEN it is delivered again
    response = _post_x(client, webhook_env, body)
    # THEN every tweet is a duplicate and the table still holds three items
    assert _json(response) == {
        "accepted": 0,
        "duplicates": 3,
        "ignored": 1,
        "parked": 0,
        "problems": [],
    }
    assert len(webhook_env.stored_ids()) == 3


def test_x_other_events_are_acknowledged(client: Client, webhook_env: WebhookEnv) -> None:
    """A favorite_events delivery is 200 with nothing stored."""
    # GIVEN a signed favorite_events delivery / WHEN posted
    response = _post_x(client, webhook_env, _body(load_event("x_favorite_events")))
    # THEN it is acknowledged and nothing is stored
    assert response.status_code == 200
    assert _json(response) == {
        "accepted": 0,
        "duplicates": 0,
        "ignored": 0,
        "parked": 0,
        "problems": [],
    }
    assert webhook_env.stored_ids() == []


@pytest.mark.parametrize(
    "signature",
    [None, "sha256=" + base64.b64encode(b"\0" * 32).decode(), "sha256=???"],
    ids=["missing", "wrong", "malformed"],
)
def test_x_bad_signature_is_401(
    client: Client, webhook_env: WebhookEnv, signature: str | None
) -> None:
    """An X delivery without a valid x-twitter-webhooks-signature is 401; nothing is stored."""
    # GIVEN the sample delivery with a bad or missing signature
    body = _body(load_event("x_tweet_create_events"))
    headers = JSON if signature is None else JSON | {"x-twitter-webhooks-signature": signature}
    # WHEN posted
    response = client.http.post("/webhooks/x", headers=headers, body=body)
    # THEN it is refused
    assert response.status_code == 401
    assert _json(response)["error"] == "invalid signature"
    assert webhook_env.stored_ids() == []


def test_x_signature_by_another_app_is_401(client: Client, webhook_env: WebhookEnv) -> None:
    """A body signed with the generic secret instead of the X consumer secret is refused."""
    # GIVEN a delivery signed with the wrong key
    body = _body(load_event("x_tweet_create_events"))
    headers = JSON | {"x-twitter-webhooks-signature": sign_x(webhook_env.generic_secret, body)}
    # WHEN posted / THEN it is a mismatch
    response = client.http.post("/webhooks/x", headers=headers, body=body)
    assert _json(response) == {"error": "invalid signature", "reason": "signature mismatch"}


def test_x_invalid_envelope_is_400(client: Client, webhook_env: WebhookEnv) -> None:
    """A signed X body without for_user_id is 400 with its location; nothing stored or parked."""
    # GIVEN a signed delivery whose envelope lacks the brand's account
    event = load_event("x_tweet_create_events")
    del event["for_user_id"]
    # WHEN posted
    response = _post_x(client, webhook_env, _body(event))
    # THEN the whole delivery is refused, none of its tweets stored
    assert response.status_code == 400
    assert [d["loc"] for d in _json(response)["details"]] == ["for_user_id"]
    assert webhook_env.stored_ids() == []
    assert webhook_env.parked() == []


def test_x_bad_tweet_is_parked_and_the_good_ones_stored(
    client: Client, webhook_env: WebhookEnv
) -> None:
    """One tweet with an unparseable created_at is parked with its reason; the others are stored."""
    # GIVEN a signed delivery whose second tweet has a created_at X never sends
    event = load_event("x_tweet_create_events")
    event["tweet_create_events"][1]["created_at"] = "yesterday"
    # WHEN posted
    response = _post_x(client, webhook_env, _body(event))
    # THEN X gets 200, the two good customer tweets are stored and the bad one is reported
    assert response.status_code == 200
    answer = _json(response)
    assert (answer["accepted"], answer["duplicates"], answer["ignored"], answer["parked"]) == (
        2,
        0,
        1,
        1,
    )
    [problem] = answer["problems"]
    assert (problem["tweet"], problem["reason"]) == (1, "invalid tweet")
    assert [d["loc"] for d in problem["details"]] == ["created_at"]
    assert webhook_env.stored_ids() == ["x#1050118621198921728", "x#1050119442108203008"]
    # AND it waits on the ingest parking queue with what a replay needs
    [parked] = webhook_env.parked()
    assert (parked["platform"], parked["reason"]) == ("x", "invalid tweet")
    assert parked["entry_index"] == 1
    payload = json.loads(parked["payload"])
    assert payload["for_user_id"] == event["for_user_id"]
    assert payload["tweet_create_events"] == [event["tweet_create_events"][1]]


def test_x_tweet_over_its_bound_is_parked(client: Client, webhook_env: WebhookEnv) -> None:
    """A tweet missing its user or with an over-long id is parked; the rest are stored."""
    # GIVEN a delivery whose first tweet lacks its user and third has an id over the bound
    event = load_event("x_tweet_create_events")
    del event["tweet_create_events"][0]["user"]
    event["tweet_create_events"][2]["id_str"] = "9" * 300
    # WHEN posted
    response = _post_x(client, webhook_env, _body(event))
    # THEN the remaining customer tweet is stored and both bad ones are parked
    answer = _json(response)
    assert response.status_code == 200
    assert [(p["tweet"], [d["loc"] for d in p["details"]]) for p in answer["problems"]] == [
        (0, ["user"]),
        (2, ["id_str"]),
    ]
    assert webhook_env.stored_ids() == ["x#1050119031771021312"]
    assert sorted(p["entry_index"] for p in webhook_env.parked()) == [0, 2]


# --- secrets --------------------------------------------------------------------------------


def test_webhook_secrets_never_show_their_values(webhook_env: WebhookEnv) -> None:
    """The loaded secrets' repr and str name the keys only."""
    # GIVEN the secrets as the app loads them
    secrets = webhook_env.app_module.wiring().webhook_secrets()
    # WHEN rendered as a log line or traceback would
    rendered = repr(secrets) + str(secrets)
    # THEN no value appears, but the keys do
    assert webhook_env.generic_secret.decode() not in rendered
    assert webhook_env.x_consumer_secret.decode() not in rendered
    assert "generic_webhook_secret" in rendered
    assert secrets.generic_key == webhook_env.generic_secret


def test_incomplete_secret_is_a_configuration_error(webhook_env: WebhookEnv) -> None:
    """A secret missing a key or holding a short one fails clearly, without its values."""
    # GIVEN a secret whose generic key is too short and whose X key is too short as well
    webhook_env.secretsmanager.put_secret_value(
        SecretId="crowdcare/test/webhooks",
        SecretString=json.dumps(
            {"generic_webhook_secret": "short-VALUE", "x_consumer_secret": "short-X"}
        ),
    )
    # WHEN the app loads it
    with pytest.raises(ConfigurationError) as excinfo:
        webhook_env.app_module.wiring().webhook_secrets()
    # THEN both problems are named and the value is not repeated
    message = str(excinfo.value)
    assert "generic_webhook_secret" in message
    assert "x_consumer_secret" in message
    assert "short-VALUE" not in message
    assert "short-X" not in message
    assert excinfo.value.__cause__ is None


def test_generic_works_before_the_x_secret_is_added(
    client: Client, webhook_env: WebhookEnv
) -> None:
    """As deployed (generic secret only), generic deliveries work and X routes answer 503."""
    # GIVEN the secret as template.yaml creates it: only generic_webhook_secret
    webhook_env.secretsmanager.put_secret_value(
        SecretId="crowdcare/test/webhooks",
        SecretString=json.dumps({"generic_webhook_secret": webhook_env.generic_secret.decode()}),
    )
    webhook_env.app_module.reset_dependencies()
    # WHEN a generic delivery, a CRC check and an X delivery arrive
    generic = _post_generic(client, webhook_env, _body(load_event("generic_mention")))
    crc = client.http.get("/webhooks/x?crc_token=abc")
    x = _post_x(client, webhook_env, _body(load_event("x_tweet_create_events")))
    # THEN the generic one is stored and both X requests say the webhook is not configured
    assert generic.status_code == 202
    assert (crc.status_code, _json(crc)) == (503, {"error": "webhook not configured"})
    assert x.status_code == 503
    assert webhook_env.stored_ids() == ["generic#forum-88213"]


def test_x_retweet_of_the_brand_is_not_stored(client: Client, webhook_env: WebhookEnv) -> None:
    """A retweet of the brand's tweet arriving by webhook (formerly stored as a mention) and
    the brand's own quote-retweet are ignored and counted; the real mention is stored."""
    # GIVEN a delivery with a retweet, the brand's quote-retweet and one mention
    contract = load_contract("x_account_activity_retweets")
    contract["payload"]["for_user_id"] = load_event("x_tweet_create_events")["for_user_id"]
    # WHEN X posts it
    response = _post_x(client, webhook_env, _body(contract["payload"]))
    # THEN only the mention is stored, the other two are counted as ignored
    assert _json(response) == {
        "accepted": 1,
        "duplicates": 0,
        "ignored": 2,
        "parked": 0,
        "problems": [],
    }
    assert webhook_env.stored_ids() == ["x#1900000000000000012"]
