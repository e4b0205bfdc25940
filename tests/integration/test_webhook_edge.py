"""Signed deliveries at the edge of what fits (issue 10): never a 500, a bad entry parked while
the rest of the batch is stored, only http(s) URLs kept, a broken secret a 503."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from chalice.test import Client
from crowdcare.adapters.dynamodb.codec import from_item
from crowdcare.adapters.platforms.inbound.bounds import MAX_FOLLOWERS, MAX_RAW_BYTES
from crowdcare.adapters.platforms.inbound.signatures import sign_generic, sign_meta, sign_x

from tests.events import load_event

if TYPE_CHECKING:
    from chalice.test import HTTPResponse

    from tests.integration.conftest import MetaWebhookEnv, WebhookEnv

JSON = {"Content-Type": "application/json"}
DYNAMODB_ITEM_LIMIT = 400 * 1024


@pytest.fixture
def client(webhook_env: WebhookEnv) -> Iterator[Client]:
    """A Chalice test client for the webhooks app, inside the moto environment."""
    with Client(webhook_env.app_module.app) as test_client:
        yield test_client


def _post_generic(client: Client, env: WebhookEnv, payload: dict[str, Any]) -> HTTPResponse:
    body = json.dumps(payload).encode()
    ts = int(time.time())
    headers = JSON | {
        "X-CrowdCare-Timestamp": str(ts),
        "X-CrowdCare-Signature": sign_generic(env.generic_secret, ts, body),
    }
    return client.http.post("/webhooks/generic", headers=headers, body=body)


def _stored(env: WebhookEnv, mention_id: str) -> tuple[dict[str, Any], int]:
    """The stored item as plain values, and its size as DynamoDB would count it (roughly:
    names plus values as JSON text, an upper bound for strings)."""
    item = env.dynamodb.get_item(
        TableName=env.mentions_table, Key={"mention_id": {"S": mention_id}}
    )["Item"]
    return from_item(item), len(json.dumps(item).encode())


def test_a_255_kb_body_is_stored_within_the_item_limit(
    client: Client, webhook_env: WebhookEnv
) -> None:
    """GIVEN a signed generic delivery just under the body limit, almost all of it a display
    name, WHEN posted, THEN it is stored (202) as an item well under 400 KB: the name is cut
    and the raw body trimmed, with a mark saying so."""
    payload = load_event("generic_mention")
    payload["author"]["display_name"] = "N" * (255 * 1024)
    response = _post_generic(client, webhook_env, payload)
    assert response.status_code == 202, response.body
    item, size = _stored(webhook_env, "generic#forum-88213")
    assert size < DYNAMODB_ITEM_LIMIT
    assert len(item["author"]["display_name"]) == 200
    assert len(item["raw"].encode()) < MAX_RAW_BYTES + 100
    assert "trimmed" in item["raw"]


def test_a_follower_count_beyond_dynamodb_numbers_is_capped(
    client: Client, webhook_env: WebhookEnv
) -> None:
    """GIVEN a signed X delivery whose author claims 10**40 followers (more digits than a
    DynamoDB number holds), WHEN posted, THEN the tweet is stored with the count capped."""
    event = load_event("x_tweet_create_events")
    event["tweet_create_events"][0]["user"]["followers_count"] = 10**40
    body = json.dumps(event).encode()
    headers = JSON | {"x-twitter-webhooks-signature": sign_x(webhook_env.x_consumer_secret, body)}
    response = client.http.post("/webhooks/x", headers=headers, body=body)
    assert response.status_code == 200, response.body
    tweet_id = event["tweet_create_events"][0]["id_str"]
    item, _ = _stored(webhook_env, f"x#{tweet_id}")
    assert item["author"]["followers"] == MAX_FOLLOWERS


@pytest.mark.parametrize(
    "url", ["javascript:alert(document.cookie)", "data:text/html,<script>x</script>", "ftp://a/b"]
)
def test_a_generic_url_that_is_not_http_is_refused(
    client: Client, webhook_env: WebhookEnv, url: str
) -> None:
    """GIVEN a signed generic delivery whose url is javascript:, data: or ftp:, WHEN posted,
    THEN it is a 400 naming the url field, and nothing is stored (no such link can reach the
    dashboard)."""
    payload = load_event("generic_mention") | {"url": url}
    response = _post_generic(client, webhook_env, payload)
    assert response.status_code == 400
    assert [d["loc"] for d in json.loads(response.body)["details"]] == ["url"]
    assert webhook_env.stored_ids() == []


def test_a_created_at_no_calendar_holds_is_parked_not_a_500(
    client: Client, webhook_env: WebhookEnv
) -> None:
    """GIVEN a signed X delivery whose first tweet is dated in the year 9999, WHEN posted, THEN
    that tweet is parked naming created_at, and only the other tweets are stored."""
    event = load_event("x_tweet_create_events")
    event["tweet_create_events"][0]["created_at"] = "Fri Dec 31 23:59:59 +0000 9999"
    body = json.dumps(event).encode()
    headers = JSON | {"x-twitter-webhooks-signature": sign_x(webhook_env.x_consumer_secret, body)}
    response = client.http.post("/webhooks/x", headers=headers, body=body)
    assert response.status_code == 200, response.body
    [problem] = json.loads(response.body)["problems"]
    assert (problem["tweet"], [d["loc"] for d in problem["details"]]) == (0, ["created_at"])
    assert "x#1050118621198921728" not in webhook_env.stored_ids()
    assert len(webhook_env.stored_ids()) == 2
    assert [p["entry_index"] for p in webhook_env.parked()] == [0]


@pytest.mark.parametrize("secret", ["{not json", '["a", "list"]', '{"generic_webhook_secret": 5}'])
def test_a_malformed_webhook_secret_is_503(
    client: Client, webhook_env: WebhookEnv, secret: str
) -> None:
    """GIVEN the webhook secret hand-edited into something unusable, WHEN a delivery arrives,
    THEN the answer is 503 webhook not configured (the sender retries later), never a 500."""
    webhook_env.secretsmanager.put_secret_value(
        SecretId="crowdcare/test/webhooks", SecretString=secret
    )
    webhook_env.app_module.reset_dependencies()
    response = _post_generic(client, webhook_env, load_event("generic_mention"))
    assert response.status_code == 503
    assert json.loads(response.body) == {"error": "webhook not configured"}


@pytest.fixture
def meta_client(meta_webhook_env: MetaWebhookEnv) -> Iterator[Client]:
    """A Chalice test client for the webhooks app with the Meta secrets."""
    with Client(meta_webhook_env.base.app_module.app) as test_client:
        yield test_client


@pytest.mark.parametrize("bad_time", [10**30, -(10**30), 1e300, "9" * 40])
def test_a_meta_time_that_overflows_is_parked_and_the_rest_stored(
    meta_client: Client, meta_webhook_env: MetaWebhookEnv, bad_time: Any
) -> None:
    """GIVEN a signed Page delivery of two entries, one with a `time` that overflows
    `fromtimestamp`, WHEN posted, THEN 200: the good entry is stored and the bad one parked
    with its reason."""
    env = meta_webhook_env
    event = load_event("meta_page_feed")
    good = event["entry"][0]
    bad = json.loads(json.dumps(good)) | {"time": bad_time}
    bad["changes"][0]["value"]["post_id"] = "104729385012345_999"
    bad["changes"][0]["value"].pop("created_time", None)
    body = json.dumps({"object": "page", "entry": [good, bad]}).encode()
    headers = JSON | {"X-Hub-Signature-256": sign_meta(env.app_secret, body)}
    response = meta_client.http.post("/webhooks/meta", headers=headers, body=body)
    assert response.status_code == 200, response.body
    answer = json.loads(response.body)
    assert (answer["accepted"], answer["parked"]) == (1, 1)
    assert answer["problems"][0]["entry"] == 1
    assert [p["reason"] for p in env.parked()] == ["invalid entry"]
    assert len(env.base.stored_ids()) == 1


def test_a_meta_created_time_that_overflows_is_parked(
    meta_client: Client, meta_webhook_env: MetaWebhookEnv
) -> None:
    """GIVEN a signed Page delivery whose change carries `created_time` 10**25, WHEN posted,
    THEN 200 with that change parked as an invalid change, nothing stored."""
    env = meta_webhook_env
    event = load_event("meta_page_feed")
    entry = event["entry"][0]
    entry["changes"] = entry["changes"][:1]
    entry["changes"][0]["value"]["created_time"] = 10**25
    body = json.dumps({"object": "page", "entry": [entry]}).encode()
    headers = JSON | {"X-Hub-Signature-256": sign_meta(env.app_secret, body)}
    response = meta_client.http.post("/webhooks/meta", headers=headers, body=body)
    assert response.status_code == 200, response.body
    assert [p["reason"] for p in env.parked()] == ["invalid change"]
    assert env.base.stored_ids() == []
