"""The Meta webhook end to end: verification handshake, signed batches, parking (moto)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from chalice.test import Client
from crowdcare.adapters.platforms.inbound.signatures import sign_meta

from tests.events import load_event

if TYPE_CHECKING:
    from chalice.test import HTTPResponse

    from tests.integration.conftest import MetaWebhookEnv, WebhookEnv

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def client(meta_webhook_env: MetaWebhookEnv) -> Iterator[Client]:
    """A Chalice test client for the webhooks app with the Meta secrets configured."""
    with Client(meta_webhook_env.base.app_module.app) as test_client:
        yield test_client


def _post(client: Client, secret: bytes, body: bytes) -> HTTPResponse:
    headers = JSON | {"X-Hub-Signature-256": sign_meta(secret, body)}
    return client.http.post("/webhooks/meta", headers=headers, body=body)


def _body(event: dict[str, Any]) -> bytes:
    return json.dumps(event).encode()


def _verify_url(mode: str, token: str, challenge: str = "1158201444") -> str:
    return f"/webhooks/meta?hub.mode={mode}&hub.verify_token={token}&hub.challenge={challenge}"


# --- GET verification -----------------------------------------------------------------------


def test_verification_echoes_the_challenge(
    client: Client, meta_webhook_env: MetaWebhookEnv
) -> None:
    """hub.mode=subscribe with the configured token is answered 200 with hub.challenge."""
    # GIVEN Meta's subscription request / WHEN it arrives
    response = client.http.get(_verify_url("subscribe", meta_webhook_env.verify_token))
    # THEN the challenge comes back as plain text
    assert response.status_code == 200
    assert response.body == b"1158201444"
    assert response.headers["Content-Type"] == "text/plain"


@pytest.mark.parametrize(
    ("mode", "token"),
    [
        pytest.param("subscribe", "not-the-token", id="wrong-token"),
        pytest.param("unsubscribe", "meta-verify-token-brightwave-42", id="wrong-mode"),
        pytest.param("subscribe", "", id="no-token"),
    ],
)
def test_verification_with_wrong_mode_or_token_is_403(
    client: Client, mode: str, token: str
) -> None:
    """A wrong verify token or mode is refused with 403 and the challenge is not echoed."""
    # GIVEN a request with the wrong mode or token / WHEN it arrives
    response = client.http.get(_verify_url(mode, token))
    # THEN it is refused
    assert response.status_code == 403
    assert b"1158201444" not in response.body


def test_verification_without_challenge_is_400(
    client: Client, meta_webhook_env: MetaWebhookEnv
) -> None:
    """A verification request without hub.challenge is a 400."""
    # GIVEN no challenge / WHEN requested / THEN 400
    url = f"/webhooks/meta?hub.mode=subscribe&hub.verify_token={meta_webhook_env.verify_token}"
    assert client.http.get(url).status_code == 400


# --- POST deliveries ------------------------------------------------------------------------


def test_page_delivery_stores_each_good_entry(
    client: Client, meta_webhook_env: MetaWebhookEnv
) -> None:
    """A signed multi-entry Page delivery stores the comment and the post, ignores the rest."""
    # GIVEN the documented Page feed delivery, signed with the app secret
    body = _body(load_event("meta_page_feed"))
    # WHEN Meta posts it
    response = _post(client, meta_webhook_env.app_secret, body)
    # THEN 200, two stored, two ignored, nothing parked
    assert response.status_code == 200
    assert json.loads(response.body) == {
        "accepted": 2,
        "duplicates": 0,
        "ignored": 2,
        "parked": 0,
        "problems": [],
    }
    assert meta_webhook_env.base.stored_ids() == [
        "facebook#104729385012345_998877665599001",
        "facebook#998877665544332_1203948576",
    ]
    assert meta_webhook_env.parked() == []


def test_redelivery_is_a_no_op(client: Client, meta_webhook_env: MetaWebhookEnv) -> None:
    """Meta redelivering the same batch (it retries for 36 hours) stores nothing new."""
    # GIVEN an Instagram delivery already accepted
    body = _body(load_event("meta_instagram_comments"))
    assert json.loads(_post(client, meta_webhook_env.app_secret, body).body)["accepted"] == 2
    # WHEN Meta delivers it again
    response = _post(client, meta_webhook_env.app_secret, body)
    # THEN both are duplicates and the table still holds two items
    assert response.status_code == 200
    assert json.loads(response.body)["duplicates"] == 2
    assert json.loads(response.body)["accepted"] == 0
    assert meta_webhook_env.base.stored_ids() == [
        "instagram#17865799348089039",
        "instagram#17865799348089123",
    ]


def test_bad_entry_is_parked_and_the_good_ones_stored(
    client: Client, meta_webhook_env: MetaWebhookEnv
) -> None:
    """In a batch with one broken entry, the others are stored, the broken one is parked
    with its reason, and the answer is still 200."""
    # GIVEN a Page delivery whose first comment has no created_time
    event = load_event("meta_page_feed")
    del event["entry"][0]["changes"][0]["value"]["created_time"]
    # WHEN it is posted
    response = _post(client, meta_webhook_env.app_secret, _body(event))
    # THEN the status post is stored and the comment is parked
    assert response.status_code == 200
    answer = json.loads(response.body)
    assert (answer["accepted"], answer["parked"]) == (1, 1)
    assert answer["problems"] == [
        {
            "entry": 0,
            "change": 0,
            "reason": "invalid change",
            "details": [{"loc": "value.created_time", "msg": "Field required"}],
        }
    ]
    assert meta_webhook_env.base.stored_ids() == ["facebook#104729385012345_998877665599001"]
    parked = meta_webhook_env.parked()
    assert len(parked) == 1
    assert parked[0]["platform"] == "facebook"
    assert parked[0]["reason"] == "invalid change"
    assert json.loads(parked[0]["payload"])["entry"]["changes"][0]["value"]["comment_id"] == (
        "998877665544332_1203948576"
    )


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        pytest.param({}, "missing signature", id="missing"),
        pytest.param(
            {"X-Hub-Signature-256": "sha256=" + "0" * 64}, "signature mismatch", id="wrong"
        ),
        pytest.param(
            {"X-Hub-Signature-256": sign_meta(b"old-rotated-app-secret-000000000", b"{}")},
            "signature mismatch",
            id="stale-secret",
        ),
        pytest.param({"X-Hub-Signature": "sha1=" + "0" * 40}, "missing signature", id="sha1-only"),
    ],
)
def test_bad_signature_is_401_and_stores_nothing(
    client: Client, meta_webhook_env: MetaWebhookEnv, headers: dict[str, str], reason: str
) -> None:
    """A missing, wrong or stale-secret signature is 401; nothing is stored or parked."""
    # GIVEN a valid body with a bad signature
    body = _body(load_event("meta_page_feed"))
    # WHEN it is posted
    response = client.http.post("/webhooks/meta", headers=JSON | headers, body=body)
    # THEN it is refused
    assert response.status_code == 401
    assert json.loads(response.body) == {"error": "invalid signature", "reason": reason}
    assert meta_webhook_env.base.stored_ids() == []
    assert meta_webhook_env.parked() == []


def test_broken_envelope_is_400(client: Client, meta_webhook_env: MetaWebhookEnv) -> None:
    """A signed body that is not a Meta envelope is 400 with details; nothing is stored."""
    # GIVEN a signed body with an unknown object
    body = b'{"object": "user", "entry": [{"id": "1", "time": 1}]}'
    # WHEN posted / THEN 400 at "object"
    response = _post(client, meta_webhook_env.app_secret, body)
    assert response.status_code == 400
    assert [d["loc"] for d in json.loads(response.body)["details"]] == ["object"]
    assert meta_webhook_env.base.stored_ids() == []


def test_oversized_delivery_is_413(client: Client, meta_webhook_env: MetaWebhookEnv) -> None:
    """A body over the limit is refused with 413 before its signature is checked."""
    # GIVEN a body one byte over 256 KiB / WHEN posted / THEN 413
    body = b"{" + b" " * (256 * 1024 - 1) + b"}"
    response = client.http.post("/webhooks/meta", headers=JSON, body=body)
    assert response.status_code == 413


def test_meta_routes_answer_503_until_configured(webhook_env: WebhookEnv) -> None:
    """Without meta_app_secret and meta_verify_token the Meta routes answer 503."""
    # GIVEN the webhook secret as deployed (no Meta keys)
    with Client(webhook_env.app_module.app) as plain_client:
        # WHEN Meta verifies or delivers
        get = plain_client.http.get(_verify_url("subscribe", "anything-at-all"))
        post = plain_client.http.post(
            "/webhooks/meta",
            headers=JSON | {"X-Hub-Signature-256": "sha256=" + "0" * 64},
            body=b"{}",
        )
    # THEN both are 503 "webhook not configured" and nothing is stored
    assert get.status_code == 503
    assert post.status_code == 503
    assert json.loads(post.body) == {"error": "webhook not configured"}
    assert webhook_env.stored_ids() == []
