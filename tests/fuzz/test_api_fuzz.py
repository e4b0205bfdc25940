"""Every API route under fuzzed tokens and bodies: no 500, nothing stored from a refused
request, no forged or tampered token accepted."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import boto3
import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz.conftest import EXAMPLES, FUZZ
from tests.fuzz.tally import record
from tests.fuzz.test_webhooks_fuzz import json_values
from tests.integration.test_api import REGION, RULES_PARAMETER, TABLES

if TYPE_CHECKING:
    from tests.integration.test_api import Api

# Every authenticated route; {placeholders} are filled per example.
ROUTES = [
    ("GET", "/api/me"),
    ("PUT", "/api/me"),
    ("GET", "/api/feed"),
    ("POST", "/api/mentions/{mention_id}/reply"),
    ("POST", "/api/mentions/{mention_id}/decline"),
    ("GET", "/api/replies"),
    ("GET", "/api/leaderboard"),
    ("GET", "/api/queue"),
    ("GET", "/api/approvals"),
    ("POST", "/api/approvals/{reply_id}"),
    ("GET", "/api/admin/responders"),
    ("PUT", "/api/admin/responders/{responder_id}"),
    ("POST", "/api/admin/responders/import"),
    ("GET", "/api/admin/rules"),
    ("PUT", "/api/admin/rules"),
]
WRITES = {"PUT", "POST"}
# Bodies shaped like the routes' own (reply, decline, decision, responder edit, rules), with
# fuzzed values, so the checks past JSON parsing are reached too.
shaped_bodies = st.fixed_dictionaries(
    {},
    optional={
        "text": st.text(max_size=300) | st.just("x" * 10_001),
        "reason": st.text(max_size=300),
        "action": st.sampled_from(["approve", "reject", "publish"]),
        "note": st.text(max_size=50),
        "kind": st.sampled_from(["advocate", "employee", "robot"]),
        "name": st.text(max_size=130),
        "email": st.sampled_from(["new@example.com", "not-an-email", ""]),
        "skills": st.lists(st.text(max_size=12), max_size=60),
        "languages": st.lists(st.sampled_from(["en", "EN", "xx-yy"]), max_size=25),
        "max_open": st.integers(-5, 500),
        "assignment": json_values,
    },
)
STRANGER = rsa.generate_private_key(public_exponent=65537, key_size=2048)

ids = st.sampled_from(["facebook#1", "x#2", "facebook#3", "adv.ana", "r1"]) | st.text(max_size=40)


def _path(template: str, value: str) -> str:
    for name in ("mention_id", "reply_id", "responder_id"):
        template = template.replace("{" + name + "}", quote(value, safe="") or "x")
    return template


def _state(api: Api) -> str:
    """Everything a request could have written: every table, the rules, the reply queue."""
    tables = {
        name: sorted(
            json.dumps(item, sort_keys=True)
            for item in api.ddb.scan(TableName=table, ConsistentRead=True)["Items"]
        )
        for name, table in TABLES.items()
    }
    rules = boto3.client("ssm", region_name=REGION).get_parameter(Name=RULES_PARAMETER)
    queue = boto3.client("sqs", region_name=REGION).get_queue_attributes(
        QueueUrl=api.queue_url, AttributeNames=["ApproximateNumberOfMessages"]
    )
    return json.dumps([tables, rules["Parameter"]["Value"], queue["Attributes"]], sort_keys=True)


def _forged_token(api: Api, kind: str, user: str) -> str:
    now = int(time.time())
    claims = {
        "iss": f"https://cognito-idp.{REGION}.amazonaws.com/{api.pool_id}",
        "sub": "sub-x",
        "aud": api.client_id,
        "token_use": "id",
        "iat": now,
        "exp": now + 600,
        "cognito:username": user,
        "cognito:groups": ["admin", "employee"],
    }
    if kind == "stranger-key":
        return jwt.encode(claims, STRANGER, algorithm="RS256", headers={"kid": "dummy"})
    if kind == "alg-none":
        unsigned = jwt.api_jws.PyJWS(algorithms=["none"])
        return unsigned.encode(json.dumps(claims).encode(), key="", algorithm="none")
    if kind == "hs256-with-public-key":
        return jwt.encode(claims, "the-pools-public-key-used-as-an-hmac-secret", algorithm="HS256")
    if kind == "expired":
        return api.signed(exp=now - 3600, **{"cognito:username": user})
    if kind == "wrong-audience":
        return api.signed(aud="someone-else", **{"cognito:username": user})
    # a real token with its payload swapped for an admin's: the signature no longer matches
    header, _, signature = api.tokens["adv.ana"].split(".")
    swapped = jwt.utils.base64url_encode(json.dumps(claims).encode()).decode()
    return f"{header}.{swapped}.{signature}"


FORGERIES = st.sampled_from(
    ["stranger-key", "alg-none", "hs256-with-public-key", "expired", "wrong-audience", "tampered"]
)


@FUZZ
@given(
    route=st.sampled_from(ROUTES),
    value=ids,
    forgery=FORGERIES | st.text(max_size=60).map(lambda t: "raw:" + t),
    user=st.sampled_from(["admin.zoe", "adv.ana", "nobody"]),
    body=json_values,
)
def test_forged_or_tampered_tokens_are_refused_on_every_route(  # noqa: PLR0917 - hypothesis
    api: Api, route: tuple[str, str], value: str, forgery: str, user: str, body: Any
) -> None:
    """GIVEN any route and a token that is forged (another key, alg none, HS256, expired,
    another audience, a swapped payload) or garbage, WHEN called with a body, THEN 401 and
    nothing anywhere changes."""
    method, template = route
    if forgery.startswith("raw:"):
        authorization = forgery[4:]
    else:
        authorization = f"Bearer {_forged_token(api, forgery, user)}"
    content = "text/csv" if template.endswith("import") else "application/json"
    before = _state(api) if method in WRITES else ""
    response = api.call(
        method,
        _path(template, value),
        body=json.dumps(body),
        Authorization=authorization,
        **{"Content-Type": content},
    )
    record("api (forged token)", response.status_code, forged=True)
    assert response.status_code == 401, (forgery, response.body)
    if method in WRITES:
        assert _state(api) == before


@FUZZ
@given(
    route=st.sampled_from(ROUTES),
    value=ids,
    user=st.sampled_from(["admin.zoe", "adv.ana", "emp.owen"]),
    body=shaped_bodies | json_values | st.text(max_size=300),
)
def test_signed_in_fuzzed_requests_never_500_and_refusals_store_nothing(
    api: Api, route: tuple[str, str], value: str, user: str, body: Any
) -> None:
    """GIVEN a real token and a fuzzed body and path, WHEN any route is called, THEN never a
    500, and a refused write (4xx) changes nothing."""
    method, template = route
    content = "text/csv" if template.endswith("import") else "application/json"
    raw = body if isinstance(body, str) else json.dumps(body)
    before = _state(api) if method in WRITES else ""
    response = api.call(
        method, _path(template, value), user=user, body=raw, **{"Content-Type": content}
    )
    record(f"api {method} (signed in)", response.status_code, forged=False)
    assert response.status_code < 500, (method, template, raw[:200], response.body)
    if method in WRITES and response.status_code >= 400:
        assert _state(api) == before


# Each accepted update is read back: half the examples keep the suite inside its minute.
@settings(FUZZ, max_examples=max(EXAMPLES // 2, 5))
@given(
    profile=st.fixed_dictionaries(
        {},
        optional={
            "skills": st.lists(st.text(max_size=45), max_size=5)
            | st.integers(40, 120).map(lambda n: [f"s{i}" for i in range(n)]),
            "languages": st.lists(st.sampled_from(["en", "es", "EN", "x", "deu"]), max_size=25),
            "timezone": st.text(max_size=40) | st.sampled_from(["Europe/Madrid", "UTC"]),
            "phone": st.text(max_size=20),
            "notify": st.sampled_from(["email", "sms", "both", "pigeon"]),
            "active": st.booleans() | st.integers(),
        },
    )
)
def test_profile_updates_are_bounded_and_never_500(api: Api, profile: dict[str, Any]) -> None:
    """GIVEN a fuzzed profile update (long lists, bad codes and zones), WHEN PUT /api/me, THEN
    never a 500, a refusal changes nothing, and no stored profile exceeds the list bounds."""
    before = _state(api)
    response = api.call("PUT", "/api/me", user="adv.ana", body=profile)
    record("api PUT /api/me (profiles)", response.status_code, forged=False)
    assert response.status_code < 500, response.body
    if response.status_code >= 400:
        assert _state(api) == before
    else:
        stored = json.loads(api.call("GET", "/api/me", user="adv.ana").body)
        assert len(stored.get("skills", [])) <= 50
        assert len(stored.get("languages", [])) <= 20
