"""The dashboard API (functions/api) on moto: every route, who may call it, and what it refuses.

Replies are queued on a moto ReplyQueue; `Api.post_queued` plays the reply poster (with a
scripted platform adapter), so points and a closed assignment follow the platform's answer.
Tokens are real: moto's Cognito issues RS256 ID tokens for users created in a moto user pool,
and the API verifies them against moto's published JWKS. Expired, wrong-audience and
wrongly-signed tokens are made with the same key (or a stranger's) to check each refusal.
"""

from __future__ import annotations

import gzip
import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import resources
from types import ModuleType
from typing import Any

import boto3
import jwt
import pytest
from chalice.test import Client
from crowdcare.adapters.cognito_auth import StaticKeys
from crowdcare.adapters.dynamodb.assignment_index import AssignmentIndex
from crowdcare.adapters.dynamodb.assignments import (
    Assignment,
    AssignmentRepository,
    AssignmentStatus,
)
from crowdcare.adapters.dynamodb.ledger import LedgerRepository
from crowdcare.adapters.dynamodb.replies import ReplyRepository
from crowdcare.adapters.dynamodb.repositories import MentionRepository, ResponderRepository
from crowdcare.adapters.dynamodb.responder_profiles import ResponderStore
from crowdcare.domain.errors import PlatformError
from crowdcare.domain.models import (
    Author,
    Mention,
    MentionStatus,
    Platform,
    Responder,
    ResponderKind,
)
from crowdcare.domain.points import LedgerEntry, PointsReason
from crowdcare.domain.replies import PostOutcome, ReplyTicket
from crowdcare.domain.triage import (
    Analysis,
    Intent,
    Priority,
    RouteDecision,
    RouteKind,
    Sentiment,
    SentimentLabel,
    SentimentScores,
    Triage,
)
from crowdcare.rules.deeplinks import DeepLinkClaims, DeepLinkSigner
from crowdcare.rules.points import PointsRules
from crowdcare.services.replies.assignment_events import ReleasingLifecycle
from crowdcare.services.replies.posting import ReplyConfirmation, ReplyPoster
from crowdcare.services.rewards.awards import PointsAwarder
from crowdcare.testing.replies import InMemoryParkingLot, ScriptedReplyAdapter
from crowdcare_local.stack import create_template_table
from crowdcare_local.template import function_properties, load_template
from cryptography.hazmat.primitives.asymmetric import rsa
from moto import mock_aws

REGION = "us-east-1"
TABLES = {
    "MENTIONS_TABLE": "api-test-mentions",
    "RESPONDERS_TABLE": "api-test-responders",
    "ASSIGNMENTS_TABLE": "api-test-assignments",
    "REPLIES_TABLE": "api-test-replies",
    "LEDGER_TABLE": "api-test-ledger",
    "IDEMPOTENCY_TABLE": "api-test-idempotency",
}
RULES_PARAMETER = "/api-test/rules"
POINTS_PARAMETER = "/api-test/points-rules"
SAVED_REPLIES_PARAMETER = "/api-test/saved-replies"
LINK_SECRET_NAME = "api-test/deep-links"
LINK_SECRET = b"k" * 32
PASSWORD = "Correct-horse-42"
USERS = {
    "adv.ana": ("advocate",),
    "adv.ben": ("advocate",),
    "emp.owen": ("employee",),
    "admin.zoe": ("admin", "employee"),
}


def _moto_jwk(name: str) -> dict[str, Any]:
    raw = resources.files("moto.cognitoidp").joinpath(f"resources/{name}.json.gz").read_bytes()
    loaded: dict[str, Any] = json.loads(gzip.decompress(raw))
    return loaded


@dataclass
class Api:
    """The app under test, its client and helpers to make tokens and data."""

    module: ModuleType
    client: Client
    ddb: Any
    pool_id: str
    client_id: str
    tokens: dict[str, str]
    queue_url: str

    def call(
        self, method: str, path: str, user: str | None = None, body: Any = None, **headers: str
    ) -> Any:
        """One request as `user` (or anonymous); JSON bodies by default."""
        if user is not None:
            headers.setdefault("Authorization", f"Bearer {self.tokens[user]}")
        if body is not None and not isinstance(body, str | bytes):
            body = json.dumps(body)
            headers.setdefault("Content-Type", "application/json")
        return self.client.http.request(method, path, headers=headers, body=body)

    def signed(self, **overrides: Any) -> str:
        """A token signed with the pool's own key (moto's), with claims overridden."""
        now = int(time.time())
        claims = {
            "iss": f"https://cognito-idp.{REGION}.amazonaws.com/{self.pool_id}",
            "sub": "sub-ana",
            "aud": self.client_id,
            "token_use": "id",
            "iat": now,
            "exp": now + 3600,
            "cognito:username": "adv.ana",
            "cognito:groups": ["advocate"],
        } | overrides
        key = jwt.PyJWK.from_dict(_moto_jwk("jwks-private")).key
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "dummy"})

    def queued(self) -> list[ReplyTicket]:
        """The tickets on the ReplyQueue (read, then deleted)."""
        sqs = boto3.client("sqs", region_name=REGION)
        tickets = []
        while messages := sqs.receive_message(QueueUrl=self.queue_url, MaxNumberOfMessages=10).get(
            "Messages", []
        ):
            for message in messages:
                tickets.append(ReplyTicket.model_validate_json(message["Body"]))
                sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])
        return tickets

    def post_queued(self, *errors: PlatformError) -> list[PostOutcome]:
        """Play the reply poster over the queued tickets; the platform raises `errors` first."""
        mentions = MentionRepository(self.ddb, TABLES["MENTIONS_TABLE"])
        assignments = AssignmentRepository(
            self.ddb, TABLES["ASSIGNMENTS_TABLE"], TABLES["RESPONDERS_TABLE"]
        )
        adapter = ScriptedReplyAdapter(Platform.FACEBOOK, lambda: datetime.now(UTC), list(errors))
        poster = ReplyPoster(
            mentions=mentions,
            replies=ReplyRepository(self.ddb, TABLES["REPLIES_TABLE"]),
            adapters=lambda platform: adapter,
            parking=InMemoryParkingLot(),
            clock=lambda: datetime.now(UTC),
            max_receive_count=1,
            on_posted=ReplyConfirmation(
                points=PointsAwarder(
                    ledger=LedgerRepository(self.ddb, TABLES["LEDGER_TABLE"]),
                    rules=PointsRules.default,
                    mentions=mentions,
                    assignments=AssignmentIndex(
                        self.ddb, TABLES["ASSIGNMENTS_TABLE"], TABLES["RESPONDERS_TABLE"]
                    ),
                    responders=ResponderStore(self.ddb, TABLES["RESPONDERS_TABLE"]),
                    clock=lambda: datetime.now(UTC),
                ),
                events=ReleasingLifecycle(assignments, mentions),
            ),
        )
        return [poster.post(ticket) for ticket in self.queued()]

    def assign(
        self, mention_id: str, responder_id: str, kind: ResponderKind, priority: int = 60
    ) -> None:
        repo = AssignmentRepository(
            self.ddb, TABLES["ASSIGNMENTS_TABLE"], TABLES["RESPONDERS_TABLE"]
        )
        assert repo.try_assign(
            Assignment(
                mention_id=mention_id,
                responder_id=responder_id,
                responder_kind=kind,
                route=RouteKind.COMMUNITY if kind is ResponderKind.ADVOCATE else RouteKind.EMPLOYEE,
                priority=priority,
                band="P2" if priority >= 50 else "P3",
                assigned_at=datetime.now(UTC),
            )
        )


def _create_tables(ddb: Any) -> None:
    for env, logical_id in {
        "MENTIONS_TABLE": "MentionsTable",
        "RESPONDERS_TABLE": "RespondersTable",
        "ASSIGNMENTS_TABLE": "AssignmentsTable",
        "REPLIES_TABLE": "RepliesTable",
        "LEDGER_TABLE": "LedgerTable",
        "IDEMPOTENCY_TABLE": "IdempotencyTable",
    }.items():
        create_template_table(ddb, logical_id, TABLES[env])


def _mention(post_id: str, text: str, platform: Platform = Platform.FACEBOOK) -> Mention:
    return Mention(
        platform=platform,
        post_id=post_id,
        url=f"https://example.com/{post_id}",
        author=Author(id=f"u{post_id}", handle=f"@user{post_id}", followers=1200, verified=True),
        text=text,
        created_at=datetime.now(UTC),
    )


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[Api]:
    """functions/api on moto: tables, rules parameter, a user pool with four users, tokens."""
    env = {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "ROUTING_RULES_PARAMETER": RULES_PARAMETER,
        "POINTS_RULES_PARAMETER": POINTS_PARAMETER,
        "DEEP_LINK_SECRET_NAME": LINK_SECRET_NAME,
        "SAVED_REPLIES_PARAMETER": SAVED_REPLIES_PARAMETER,
        **TABLES,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "APPROVAL_TRUST_THRESHOLD", "AUDIT_TABLE"):
        monkeypatch.delenv(name, raising=False)
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name=REGION)
        _create_tables(ddb)
        queue_url = boto3.client("sqs", region_name=REGION).create_queue(QueueName="replies")[
            "QueueUrl"
        ]
        monkeypatch.setenv("REPLY_QUEUE_URL", queue_url)
        for parameter in (RULES_PARAMETER, POINTS_PARAMETER):
            boto3.client("ssm", region_name=REGION).put_parameter(
                Name=parameter, Value="{}", Type="String"
            )
        boto3.client("secretsmanager", region_name=REGION).create_secret(
            Name=LINK_SECRET_NAME,
            SecretString=json.dumps({"deep_link_secret": LINK_SECRET.decode()}),
        )
        # Taking from the queue starts an execution (moto records it; nothing runs).
        machine = boto3.client("stepfunctions", region_name=REGION).create_state_machine(
            name="assignment",
            definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
            roleArn=f"arn:aws:iam::123456789012:role/{REGION}-sfn",
        )["stateMachineArn"]
        monkeypatch.setenv("ASSIGNMENT_STATE_MACHINE_ARN", machine)
        boto3.client("ssm", region_name=REGION).put_parameter(
            Name=SAVED_REPLIES_PARAMETER, Value="[]", Type="String"
        )
        cognito = boto3.client("cognito-idp", region_name=REGION)
        pool_id = cognito.create_user_pool(PoolName="responders")["UserPool"]["Id"]
        client_id = cognito.create_user_pool_client(
            UserPoolId=pool_id,
            ClientName="dashboard",
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
        )["UserPoolClient"]["ClientId"]
        for group in ("advocate", "employee", "admin"):
            cognito.create_group(UserPoolId=pool_id, GroupName=group)
        tokens = {}
        for username, groups in USERS.items():
            cognito.admin_create_user(
                UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS"
            )
            cognito.admin_set_user_password(
                UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True
            )
            for group in groups:
                cognito.admin_add_user_to_group(
                    UserPoolId=pool_id, Username=username, GroupName=group
                )
            auth = cognito.initiate_auth(
                ClientId=client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
            )
            tokens[username] = auth["AuthenticationResult"]["IdToken"]
        monkeypatch.setenv("USER_POOL_ID", pool_id)
        monkeypatch.setenv("USER_POOL_CLIENT_ID", client_id)

        responders = ResponderRepository(ddb, TABLES["RESPONDERS_TABLE"])
        for rid, kind in (
            ("adv.ana", ResponderKind.ADVOCATE),
            ("adv.ben", ResponderKind.ADVOCATE),
            ("emp.owen", ResponderKind.EMPLOYEE),
            ("admin.zoe", ResponderKind.EMPLOYEE),
        ):
            responders.put(
                Responder(
                    responder_id=rid,
                    kind=kind,
                    name=rid.split(".")[1].title(),
                    email=f"{rid}@example.com",
                    skills=("thermostat",),
                )
            )
        mentions = MentionRepository(ddb, TABLES["MENTIONS_TABLE"])
        mentions.put_if_new(
            _mention("1", "My thermostat stopped heating, help!"), datetime.now(UTC)
        )
        mentions.put_if_new(_mention("2", "How do I pair the app?", Platform.X), datetime.now(UTC))
        mentions.put_if_new(_mention("3", "Billing question"), datetime.now(UTC))

        from functions.api import app as api_app

        api_app.reset_dependencies()
        # The JWKS moto publishes for every pool (served over HTTP in the local run).
        monkeypatch.setattr(api_app, "signing_keys", lambda: StaticKeys(_moto_jwk("jwks-public")))
        try:
            with Client(api_app.app) as client:
                harness = Api(api_app, client, ddb, pool_id, client_id, tokens, queue_url)
                harness.assign("facebook#1", "adv.ana", ResponderKind.ADVOCATE, priority=70)
                harness.assign("x#2", "adv.ana", ResponderKind.ADVOCATE, priority=40)
                harness.assign("facebook#3", "adv.ben", ResponderKind.ADVOCATE)
                yield harness
        finally:
            api_app.reset_dependencies()


def _json(response: Any) -> Any:
    return json.loads(response.body)


# --------------------------------------------------------------------------- the template
def test_chalice_routes_match_the_api_function_events() -> None:
    """Every route of the API app is an Api event of ApiFunction in template.yaml, and back."""
    # GIVEN the Api events of ApiFunction
    props = function_properties(load_template(), "ApiFunction")
    declared = {
        (e["Properties"]["Path"], e["Properties"]["Method"].upper())
        for e in props["Events"].values()
        if e["Type"] == "Api"
    }
    # WHEN the Chalice routes are read
    from functions.api import app as api_app

    routed = {(p, m) for p, entries in api_app.app.routes.items() for m in entries}
    # THEN they are the same set
    assert routed == declared


# --------------------------------------------------------------------------- authentication
API_ROUTES = [
    ("GET", "/api/me"),
    ("PUT", "/api/me"),
    ("POST", "/api/me/sign-out"),
    ("GET", "/api/feed"),
    ("POST", "/api/mentions/facebook%231/reply"),
    ("POST", "/api/mentions/facebook%231/decline"),
    ("GET", "/api/replies"),
    ("GET", "/api/assignments/facebook%231/link?t=x"),
    ("POST", "/api/length"),
    ("POST", "/api/queue/facebook%231/take"),
    ("POST", "/api/mentions/facebook%231/heartbeat"),
    ("GET", "/api/feed/changes"),
    ("GET", "/api/saved-replies"),
    ("GET", "/api/admin/saved-replies"),
    ("POST", "/api/admin/saved-replies"),
    ("PUT", "/api/admin/saved-replies/1"),
    ("DELETE", "/api/admin/saved-replies/1"),
    ("GET", "/api/leaderboard"),
    ("GET", "/api/queue"),
    ("GET", "/api/approvals"),
    ("POST", "/api/approvals/r1"),
    ("GET", "/api/admin/responders"),
    ("PUT", "/api/admin/responders/adv.new"),
    ("POST", "/api/admin/responders/import"),
    ("GET", "/api/me/points"),
    ("GET", "/api/admin/points.csv"),
    ("GET", "/api/admin/points-rules"),
    ("PUT", "/api/admin/points-rules"),
    ("GET", "/api/admin/rules"),
    ("PUT", "/api/admin/rules"),
]


@pytest.mark.parametrize(("method", "path"), API_ROUTES)
def test_every_api_route_refuses_a_request_without_a_token(
    api: Api, method: str, path: str
) -> None:
    """No Authorization header: 401 "not signed in", whatever the route."""
    # GIVEN no token WHEN the route is called
    content = "text/csv" if path.endswith("import") else "application/json"
    response = api.call(method, path, body="{}", **{"Content-Type": content})
    # THEN it is refused as unauthenticated
    assert response.status_code == 401
    assert _json(response) == {"error": "not signed in", "reason": "missing token"}


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"exp": int(time.time()) - 120}, "token expired"),
        ({"aud": "some-other-client"}, "wrong audience"),
        ({"iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_other"}, "wrong issuer"),
        ({"token_use": "access"}, "not an id token"),
    ],
    ids=["expired", "wrong-audience", "wrong-issuer", "access-token"],
)
def test_a_token_that_fails_a_check_is_refused(
    api: Api, claims: dict[str, Any], reason: str
) -> None:
    """A token signed by the pool but expired, for another client, another pool, or an access
    token, is refused with the reason."""
    # GIVEN a pool-signed token with one claim wrong
    token = api.signed(**claims)
    # WHEN it is used
    response = api.call("GET", "/api/feed", Authorization=f"Bearer {token}")
    # THEN 401 says why
    assert response.status_code == 401
    assert _json(response)["reason"] == reason


def test_signing_out_everywhere_refuses_the_tokens_issued_before(api: Api) -> None:
    """GIVEN Ana signed in on two devices WHEN she signs out everywhere on one THEN both
    devices' ID tokens are refused, her refresh token no longer renews them, a token issued
    after the sign-out works, and Ben stays signed in."""
    cognito = boto3.client("cognito-idp", region_name=REGION)
    phone = cognito.initiate_auth(
        ClientId=api.client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "adv.ana", "PASSWORD": PASSWORD},
    )["AuthenticationResult"]
    assert api.call("GET", "/api/me", "adv.ana").status_code == 200

    answer = api.call("POST", "/api/me/sign-out", "adv.ana")

    assert answer.status_code == 200
    assert _json(answer)["signed_out"] == "adv.ana"
    for token in (api.tokens["adv.ana"], phone["IdToken"]):
        refused = api.call("GET", "/api/feed", Authorization=f"Bearer {token}")
        assert (refused.status_code, _json(refused)["reason"]) == (401, "signed out")
    with pytest.raises(cognito.exceptions.NotAuthorizedException):
        cognito.initiate_auth(
            ClientId=api.client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": phone["RefreshToken"]},
        )
    later = api.signed(iat=int(time.time()) + 5)
    assert api.call("GET", "/api/me", Authorization=f"Bearer {later}").status_code == 200
    assert api.call("GET", "/api/me", "adv.ben").status_code == 200


def test_a_token_signed_by_another_key_is_refused(api: Api) -> None:
    """Same kid, same claims, a stranger's key: the signature does not verify."""
    # GIVEN a token signed with a key the pool never published
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    token = jwt.encode(
        {
            "iss": f"https://cognito-idp.{REGION}.amazonaws.com/{api.pool_id}",
            "sub": "x",
            "aud": api.client_id,
            "token_use": "id",
            "exp": now + 600,
            "cognito:username": "admin.zoe",
            "cognito:groups": ["admin"],
        },
        stranger,
        algorithm="RS256",
        headers={"kid": "dummy"},
    )
    # WHEN it is used THEN it is refused
    response = api.call("GET", "/api/admin/responders", Authorization=f"Bearer {token}")
    assert response.status_code == 401
    assert _json(response)["reason"] == "bad signature"


@pytest.mark.parametrize("header", ["Basic abc", "Bearer", "Bearer not.a.jwt", "Bearer x"])
def test_a_malformed_authorization_header_is_refused(api: Api, header: str) -> None:
    """Garbage in the Authorization header is a 401, never a 500."""
    response = api.call("GET", "/api/me", Authorization=header)
    assert response.status_code == 401


def test_page_and_assets_are_public_and_carry_the_sign_in_settings(api: Api) -> None:
    """GET / serves the page with the pool and client ids; the script and styles are served."""
    # WHEN the page and its assets are fetched without a token
    page = api.call("GET", "/")
    script = api.call("GET", "/static/app.js")
    styles = api.call("GET", "/static/app.css")
    # THEN they are served, and the page knows where to sign in
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert api.client_id in page.body.decode()
    assert script.status_code == 200
    assert styles.status_code == 200
    assert api.call("GET", "/static/secrets.py").status_code == 404


# --------------------------------------------------------------------------- roles
@pytest.mark.parametrize(
    ("method", "path", "user"),
    [
        ("GET", "/api/approvals", "adv.ana"),
        ("POST", "/api/approvals/r1", "adv.ana"),
        ("GET", "/api/admin/responders", "emp.owen"),
        ("PUT", "/api/admin/responders/adv.new", "emp.owen"),
        ("POST", "/api/admin/responders/import", "adv.ana"),
        ("GET", "/api/admin/rules", "emp.owen"),
        ("PUT", "/api/admin/rules", "adv.ana"),
    ],
)
def test_a_role_without_the_right_is_refused(api: Api, method: str, path: str, user: str) -> None:
    """Advocates get no employee routes, employees no admin routes: 403."""
    content = "text/csv" if path.endswith("import") else "application/json"
    response = api.call(method, path, user, body="{}", **{"Content-Type": content})
    assert response.status_code == 403
    assert _json(response) == {"error": "your role does not allow this"}


def test_acting_on_anothers_assignment_is_refused_and_logged(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    """Ana replying to or declining Ben's mention: 403, and the attempt is logged."""
    # GIVEN Ben's assignment facebook#3
    with caplog.at_level(logging.WARNING):
        # WHEN Ana tries to reply and to decline
        reply = api.call("POST", "/api/mentions/facebook%233/reply", "adv.ana", {"text": "hi"})
        decline = api.call(
            "POST", "/api/mentions/facebook%233/decline", "adv.ana", {"reason": "not mine"}
        )
    # THEN both are refused, nothing is stored, and the log names who tried
    assert reply.status_code == 403
    assert decline.status_code == 403
    assert _json(reply) == {"error": "this mention is assigned to someone else"}
    assert api.call("GET", "/api/replies", "adv.ana").body == b'{"items":[]}'
    assert any("forbidden" in r.getMessage() for r in caplog.records) or "adv.ana" in caplog.text


# --------------------------------------------------------------------------- feed and reply
def test_feed_lists_only_own_open_assignments_most_urgent_first(api: Api) -> None:
    """Ana sees her two mentions, priority 70 before 40, with author and time left; not Ben's."""
    response = api.call("GET", "/api/feed", "adv.ana")
    assert response.status_code == 200
    items = _json(response)["items"]
    assert [i["mention_id"] for i in items] == ["facebook#1", "x#2"]
    first = items[0]
    assert first["author"] == {
        "handle": "@user1",
        "display_name": "",
        "followers": 1200,
        "verified": True,
    }
    assert 0 < first["seconds_left"] <= 3600 * 2
    assert items[1]["reply_limit"] == 280  # X


def test_feed_counts_down_to_the_deadline_the_lifecycle_set(api: Api) -> None:
    """When the workflow recorded a deadline, time left is measured to it."""
    # GIVEN an assignment whose workflow waits until ten minutes from now
    MentionRepository(api.ddb, TABLES["MENTIONS_TABLE"]).put_if_new(
        _mention("7", "Router offline"), datetime.now(UTC)
    )
    deadline = datetime.now(UTC) + timedelta(minutes=10)
    assignments = AssignmentRepository(
        api.ddb, TABLES["ASSIGNMENTS_TABLE"], TABLES["RESPONDERS_TABLE"]
    )
    assert assignments.try_assign(
        Assignment(
            mention_id="facebook#7",
            responder_id="adv.ben",
            responder_kind=ResponderKind.ADVOCATE,
            route=RouteKind.COMMUNITY,
            priority=90,
            band="P1",
            assigned_at=datetime.now(UTC),
            deadline=deadline,
        )
    )
    # WHEN Ben reads his feed
    items = _json(api.call("GET", "/api/feed", "adv.ben"))["items"]
    # THEN the most urgent item comes first and counts down to that deadline
    assert items[0]["mention_id"] == "facebook#7"
    assert 540 <= items[0]["seconds_left"] <= 600


def test_advocate_reply_waits_for_approval_then_employee_approves_and_points_appear(
    api: Api,
) -> None:
    """Low-trust advocate: 202 pending; employee approves (edited): queued; once the platform
    confirms the post, +10 on the board and the assignment closed."""
    # WHEN Ana replies
    submitted = api.call(
        "POST", "/api/mentions/facebook%231/reply", "adv.ana", {"text": "  Try a reset first.  "}
    )
    # THEN it waits for approval
    assert submitted.status_code == 202
    reply = _json(submitted)
    assert reply["status"] == "pending_approval"
    assert reply["text"] == "Try a reset first."
    # AND a second reply to the same mention is refused while it waits
    again = api.call("POST", "/api/mentions/facebook%231/reply", "adv.ana", {"text": "More"})
    assert again.status_code == 409
    assert _json(again) == {"error": "a reply to this mention is already waiting for approval"}
    # AND the employee sees it in the approvals queue
    queue = _json(api.call("GET", "/api/approvals", "emp.owen"))["items"]
    assert [a["reply"]["reply_id"] for a in queue] == [reply["reply_id"]]
    # WHEN the employee approves an edited text
    decided = api.call(
        "POST",
        f"/api/approvals/{reply['reply_id']}",
        "emp.owen",
        {"action": "approve", "text": "Try a reset first (hold 10 s)."},
    )
    # THEN it is cleared to post and queued, with the original kept; no points yet
    assert decided.status_code == 200
    approved = _json(decided)
    assert approved["status"] == "approved"
    assert approved["original_text"] == "Try a reset first."
    assert _json(api.call("GET", "/api/leaderboard", "adv.ben"))["all_time"] == []
    assert [i["mention_id"] for i in _json(api.call("GET", "/api/feed", "adv.ana"))["items"]] == [
        "facebook#1",
        "x#2",
    ]
    # WHEN the platform confirms the post
    assert api.post_queued() == [PostOutcome.POSTED]
    # THEN points appear for Ana
    board = _json(api.call("GET", "/api/leaderboard", "adv.ben"))
    assert board["all_time"][0] | {"name": "Ana"} == {
        "rank": 1,
        "responder_id": "adv.ana",
        "points": 10,  # posted (the approval edited it: no untouched-approval bonus)
        "replies": 1,
        "name": "Ana",
        "level": "newcomer",
        "badges": ["first_reply"],
    }
    assert board["this_week"][0]["points"] == 10
    # AND the mention left her feed, the reply shows posted, and approving twice is a conflict
    feed = _json(api.call("GET", "/api/feed", "adv.ana"))["items"]
    assert [i["mention_id"] for i in feed] == ["x#2"]
    mine = _json(api.call("GET", "/api/replies", "adv.ana"))["items"]
    assert [(r["status"], r["text"]) for r in mine] == [
        ("posted", "Try a reset first (hold 10 s).")
    ]
    twice = api.call(
        "POST", f"/api/approvals/{reply['reply_id']}", "emp.owen", {"action": "approve"}
    )
    assert twice.status_code == 409


def test_rejection_needs_a_note_costs_points_and_the_advocate_sees_it(api: Api) -> None:
    """Reject without a note: 400; with one: rejected, -5 points, note in the advocate's list."""
    reply = _json(api.call("POST", "/api/mentions/facebook%231/reply", "adv.ana", {"text": "lol"}))
    bare = api.call("POST", f"/api/approvals/{reply['reply_id']}", "emp.owen", {"action": "reject"})
    assert bare.status_code == 400
    rejected = api.call(
        "POST",
        f"/api/approvals/{reply['reply_id']}",
        "emp.owen",
        {"action": "reject", "note": "Please be specific and kind."},
    )
    assert _json(rejected)["status"] == "rejected"
    mine = _json(api.call("GET", "/api/replies", "adv.ana"))["items"]
    assert mine[0]["note"] == "Please be specific and kind."
    board = _json(api.call("GET", "/api/leaderboard", "adv.ana"))
    assert board["all_time"][0]["points"] == -5
    # AND her points page shows the reason and the employee's feedback
    page = _json(api.call("GET", "/api/me/points", "adv.ana"))
    assert [(h["reason"], h["points"]) for h in page["history"]] == [("reply_rejected", -5)]
    assert [f["note"] for f in page["feedback"]] == ["Please be specific and kind."]
    assert page["rank"]["rank"] == "newcomer"
    # AND the month's board, paged, says the same; a bad period is a 400
    month = _json(api.call("GET", "/api/leaderboard?period=month&page_size=5", "adv.ana"))
    assert [(i["responder_id"], i["points"]) for i in month["items"]] == [("adv.ana", -5)]
    assert month["next"] is None
    assert api.call("GET", "/api/leaderboard?period=year", "adv.ana").status_code == 400
    # AND a cursor the board never gave is a 400, not a query of another partition
    forged = api.call("GET", "/api/leaderboard?period=month&cursor=bm90LWEtY3Vyc29y", "adv.ana")
    assert forged.status_code == 400
    # AND an admin exports the month's points as CSV for a rewards programme
    export = api.call("GET", "/api/admin/points.csv?period=month", "admin.zoe")
    assert export.headers["Content-Type"].startswith("text/csv")
    assert export.body.decode().splitlines()[1].split(",")[:2] == ["1", "adv.ana"]
    # AND she may try again on the same, still open, mention
    feed = _json(api.call("GET", "/api/feed", "adv.ana"))["items"]
    assert feed[0]["latest_reply"]["status"] == "rejected"


def test_an_employee_reply_is_queued_at_once_and_posted(api: Api) -> None:
    """Employees need no approval: 202 queued for posting, then posted by the poster."""
    MentionRepository(api.ddb, TABLES["MENTIONS_TABLE"]).put_if_new(
        _mention("9", "Is my data safe?"), datetime.now(UTC)
    )
    api.assign("facebook#9", "emp.owen", ResponderKind.EMPLOYEE)
    response = api.call("POST", "/api/mentions/facebook%239/reply", "emp.owen", {"text": "Yes."})
    assert response.status_code == 202
    assert _json(response)["status"] == "approved"
    assert api.post_queued() == [PostOutcome.POSTED]
    [mine] = _json(api.call("GET", "/api/replies", "emp.owen"))["items"]
    assert (mine["mention_id"], mine["text"], mine["status"]) == ("facebook#9", "Yes.", "posted")
    assert mine["posted"]["url"].startswith("https://facebook.example/")


def test_trusted_advocate_posts_without_approval(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the trust threshold at 0 an advocate's reply is queued directly; +10 once posted."""
    monkeypatch.setenv("APPROVAL_TRUST_THRESHOLD", "0")
    api.module.reset_dependencies()
    monkeypatch.setattr(api.module, "signing_keys", lambda: StaticKeys(_moto_jwk("jwks-public")))
    response = api.call("POST", "/api/mentions/x%232/reply", "adv.ana", {"text": "Open the app"})
    assert response.status_code == 202
    ledger = LedgerRepository(api.ddb, TABLES["LEDGER_TABLE"])
    assert ledger.for_responder("adv.ana") == []
    # AND a second reply while the first is being posted is refused
    again = api.call("POST", "/api/mentions/x%232/reply", "adv.ana", {"text": "Also this"})
    assert again.status_code == 409
    assert "being posted" in _json(again)["error"]
    assert api.post_queued() == [PostOutcome.POSTED]
    assert [e.points for e in ledger.for_responder("adv.ana")] == [10]


def test_a_refused_post_shows_failed_costs_nothing_and_leaves_the_mention_open(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The platform refuses the reply: My replies shows it failed with the platform's reason,
    no points, the mention stays in the feed, and a new reply is accepted."""
    # GIVEN a trusted advocate's reply queued for posting
    monkeypatch.setenv("APPROVAL_TRUST_THRESHOLD", "0")
    api.module.reset_dependencies()
    monkeypatch.setattr(api.module, "signing_keys", lambda: StaticKeys(_moto_jwk("jwks-public")))
    first = api.call("POST", "/api/mentions/facebook%231/reply", "adv.ana", {"text": "Reset it"})
    assert first.status_code == 202
    # WHEN the platform refuses it for good
    refusal = PlatformError("HTTP 400: the post was deleted", status=400, retryable=False)
    assert api.post_queued(refusal) == [PostOutcome.PARKED]
    # THEN it shows as failed with the reason, and costs nothing
    [mine] = _json(api.call("GET", "/api/replies", "adv.ana"))["items"]
    assert mine["status"] == "failed"
    assert "the post was deleted" in mine["last_error"]
    assert LedgerRepository(api.ddb, TABLES["LEDGER_TABLE"]).for_responder("adv.ana") == []
    # AND the assignment is still open in her feed, showing what happened
    feed = _json(api.call("GET", "/api/feed", "adv.ana"))["items"]
    assert feed[0]["mention_id"] == "facebook#1"
    assert feed[0]["latest_reply"]["status"] == "failed"
    # AND she may answer again
    second = api.call("POST", "/api/mentions/facebook%231/reply", "adv.ana", {"text": "Try B"})
    assert second.status_code == 202


def test_approval_after_reassignment_is_refused_and_withdrawn(api: Api) -> None:
    """Ana's reply waits; the mention moves to Ben: approving it is refused in plain words, it
    is withdrawn without costing Ana points, and Ben can answer."""
    # GIVEN Ana's reply waiting for approval
    reply = _json(api.call("POST", "/api/mentions/facebook%231/reply", "adv.ana", {"text": "A"}))
    # WHEN the mention is reassigned to Ben (Ana's attempt expired)
    assignments = AssignmentRepository(
        api.ddb, TABLES["ASSIGNMENTS_TABLE"], TABLES["RESPONDERS_TABLE"]
    )
    assignments.release("facebook#1", AssignmentStatus.EXPIRED)
    api.assign("facebook#1", "adv.ben", ResponderKind.ADVOCATE, priority=70)
    # THEN approving Ana's stale reply is refused and it is withdrawn, not posted
    stale = api.call(
        "POST", f"/api/approvals/{reply['reply_id']}", "emp.owen", {"action": "approve"}
    )
    assert stale.status_code == 409
    assert "reassigned" in _json(stale)["error"]
    assert api.queued() == []
    [withdrawn] = _json(api.call("GET", "/api/replies", "adv.ana"))["items"]
    assert withdrawn["status"] == "rejected"
    assert "reassigned" in withdrawn["note"]
    assert LedgerRepository(api.ddb, TABLES["LEDGER_TABLE"]).for_responder("adv.ana") == []
    # AND Ben's own reply is accepted
    ben = api.call("POST", "/api/mentions/facebook%231/reply", "adv.ben", {"text": "B"})
    assert ben.status_code == 202


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"text": "x" * 281}, 400, "the reply is 281 weighted characters"),
        ({"text": "   "}, 400, "the reply is empty"),
        ({}, 400, "invalid request"),
        ("{not json", 400, "invalid request"),
    ],
    ids=["too-long", "blank", "missing-text", "not-json"],
)
def test_reply_validation(api: Api, body: Any, status: int, message: str) -> None:
    """The composer's limits hold on the server too: the platform's length, no blank replies."""
    response = api.call("POST", "/api/mentions/x%232/reply", "adv.ana", body)
    assert response.status_code == status
    assert _json(response)["error"].startswith(message)


def test_reply_to_an_unassigned_mention_is_404(api: Api) -> None:
    """A mention with no assignment: 404 in plain words."""
    response = api.call("POST", "/api/mentions/x%23404/reply", "adv.ana", {"text": "hi"})
    assert response.status_code == 404
    assert _json(response) == {"error": "this mention is not assigned to anyone"}


def test_decline_hands_the_mention_back(api: Api) -> None:
    """Decline with a reason: the assignment closes, the mention is queued for employees."""
    short = api.call("POST", "/api/mentions/x%232/decline", "adv.ana", {"reason": "no"})
    assert short.status_code == 400
    response = api.call(
        "POST", "/api/mentions/x%232/decline", "adv.ana", {"reason": "I don't know the app"}
    )
    assert response.status_code == 200
    assert [i["mention_id"] for i in _json(api.call("GET", "/api/feed", "adv.ana"))["items"]] == [
        "facebook#1"
    ]
    queue = _json(api.call("GET", "/api/queue", "emp.owen"))["items"]
    assert [q["mention_id"] for q in queue] == ["x#2"]
    again = api.call("POST", "/api/mentions/x%232/decline", "adv.ana", {"reason": "again!"})
    assert again.status_code == 409


def test_decision_validation(api: Api) -> None:
    """Unknown action: 400 with the field; unknown reply: 404."""
    bad = api.call("POST", "/api/approvals/nope", "emp.owen", {"action": "maybe"})
    assert bad.status_code == 400
    assert _json(bad)["details"][0]["loc"] == "action"
    missing = api.call("POST", "/api/approvals/nope", "emp.owen", {"action": "approve"})
    assert missing.status_code == 404


# --------------------------------------------------------------------------- profile
def test_profile_read_update_pause_and_resume(api: Api) -> None:
    """A responder edits skills, languages, zone, quiet hours, notices, and pauses."""
    me = _json(api.call("GET", "/api/me", "adv.ana"))
    assert me["roles"] == ["advocate"]
    assert me["notify"] == "email"
    updated = api.call(
        "PUT",
        "/api/me",
        "adv.ana",
        {
            "skills": ["thermostat", "app"],
            "languages": ["en", "es"],
            "timezone": "Europe/Madrid",
            "quiet_hours": {"start_hour": 21, "end_hour": 8},
            "notify": "both",
            "phone": "+34600555101",
            "active": False,
        },
    )
    assert updated.status_code == 200
    responder = _json(updated)["responder"]
    assert responder["skills"] == ["thermostat", "app"]
    assert responder["active"] is False
    assert responder["sms_opt_in"] is True
    assert responder["open_count"] == 2  # the workflow's counter is untouched
    assert _json(updated)["notify"] == "both"


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone"),
        ({"languages": ["English"]}, "languages.0"),
        ({"quiet_hours": {"start_hour": 25, "end_hour": 1}}, "quiet_hours.start_hour"),
        ({"notify": "pigeon"}, "notify"),
        ({"open_count": 0}, "open_count"),
    ],
)
def test_profile_validation(api: Api, body: dict[str, Any], loc: str) -> None:
    """Bad profile fields come back as 400 naming the field."""
    response = api.call("PUT", "/api/me", "adv.ana", body)
    assert response.status_code == 400
    assert _json(response)["details"][0]["loc"] == loc


def test_text_messages_need_a_phone_number(api: Api) -> None:
    """Choosing SMS without a phone number is refused in plain words."""
    response = api.call("PUT", "/api/me", "adv.ana", {"notify": "sms"})
    assert response.status_code == 400
    assert _json(response) == {"error": "add a phone number to get text messages"}


# --------------------------------------------------------------------------- admin
def test_admin_lists_creates_and_edits_responders(api: Api) -> None:
    """Admins list responders, create one (201) and edit it (200) without touching its load."""
    listed = _json(api.call("GET", "/api/admin/responders", "admin.zoe"))["items"]
    assert [r["responder_id"] for r in listed] == ["admin.zoe", "adv.ana", "adv.ben", "emp.owen"]
    body = {"kind": "advocate", "name": "Nia", "email": "nia@example.com", "skills": ["app"]}
    created = api.call("PUT", "/api/admin/responders/adv.nia", "admin.zoe", body)
    assert created.status_code == 201
    edited = api.call(
        "PUT",
        "/api/admin/responders/adv.ana",
        "admin.zoe",
        {"kind": "advocate", "name": "Ana M.", "email": "ana@example.com", "max_open": 8},
    )
    assert edited.status_code == 200
    assert _json(edited)["open_count"] == 2
    assert _json(edited)["max_open"] == 8
    bad = api.call("PUT", "/api/admin/responders/adv.nia", "admin.zoe", {"kind": "robot"})
    assert bad.status_code == 400
    assert {d["loc"] for d in _json(bad)["details"]} == {"kind", "name", "email"}


def test_csv_import_stores_good_rows_and_reports_bad_ones(api: Api) -> None:
    """Three good rows (one an update), three bad ones: the good are stored, each bad row is
    named by line with its reasons."""
    csv_text = (
        "responder_id,kind,name,email,languages,skills,timezone,max_open\n"
        "adv.kai,advocate,Kai,kai@example.com,en;de,app,Europe/Berlin,4\n"
        "adv.bad,wizard,Bad,bad@example.com,en,,UTC,3\n"
        "adv.lin,advocate,Lin,lin@example.com,en,thermostat,Asia/Taipei,\n"
        "adv.zone,advocate,Zone,zone@example.com,en,,Nowhere/Land,2\n"
        "adv.ana,advocate,Ana Updated,ana@example.com,en,thermostat,UTC,6\n"
        "adv.kai,advocate,Kai Again,kai2@example.com,en,,UTC,2\n"
    )
    response = api.call(
        "POST",
        "/api/admin/responders/import",
        "admin.zoe",
        csv_text,
        **{"Content-Type": "text/csv"},
    )
    assert response.status_code == 200
    report = _json(response)
    assert report["created"] == ["adv.kai", "adv.lin"]
    assert report["updated"] == ["adv.ana"]
    assert [(e["line"], e["responder_id"]) for e in report["errors"]] == [
        (3, "adv.bad"),
        (5, "adv.zone"),
        (7, "adv.kai"),
    ]
    assert "kind" in report["errors"][0]["problems"][0]
    assert "unknown time zone" in report["errors"][1]["problems"][0]
    assert "already appears on line 2" in report["errors"][2]["problems"][0]
    stored = ResponderRepository(api.ddb, TABLES["RESPONDERS_TABLE"]).get("adv.ana")
    assert stored is not None
    assert (stored.name, stored.open_count) == ("Ana Updated", 2)


@pytest.mark.parametrize(
    ("csv_text", "message"),
    [
        ("", "the file is empty: expected a header line naming the columns"),
        ("responder_id,name\nx,y\n", "the header is missing required columns: kind, email"),
    ],
)
def test_csv_import_refuses_an_unreadable_file(api: Api, csv_text: str, message: str) -> None:
    """A file with no usable header is refused as a whole, saying why."""
    response = api.call(
        "POST",
        "/api/admin/responders/import",
        "admin.zoe",
        csv_text or "\n",
        **{"Content-Type": "text/csv"},
    )
    assert response.status_code == 400
    assert _json(response)["error"] == message


def test_rules_are_validated_and_stored_in_the_parameter(api: Api) -> None:
    """Admins read the rules, save a valid change (to SSM) and get 400 for an invalid one."""
    before = _json(api.call("GET", "/api/admin/rules", "admin.zoe"))
    assert before["document"] == {}
    assert before["effective"]["employee_priority"] == 80
    saved = api.call("PUT", "/api/admin/rules", "admin.zoe", {"employee_priority": 75})
    assert saved.status_code == 200
    assert _json(saved)["document"] == {"employee_priority": 75}
    stored = boto3.client("ssm", region_name=REGION).get_parameter(Name=RULES_PARAMETER)
    assert json.loads(stored["Parameter"]["Value"]) == {"employee_priority": 75}
    bad = api.call(
        "PUT",
        "/api/admin/rules",
        "admin.zoe",
        {"employee_priority": 20, "no_action_max_priority": 30, "bands": {"p1": 10}},
    )
    assert bad.status_code == 400
    assert _json(bad)["error"] == "invalid request"
    unknown = api.call("PUT", "/api/admin/rules", "admin.zoe", {"employe_priority": 1})
    assert _json(unknown)["details"][0]["loc"] == "employe_priority"


def test_points_rules_are_validated_and_stored_in_their_parameter(api: Api) -> None:
    """Admins save a points change (to SSM, differences only); a positive penalty is refused
    with the field at fault; advocates may not touch it."""
    before = _json(api.call("GET", "/api/admin/points-rules", "admin.zoe"))
    assert (before["document"], before["effective"]["reply_posted"]) == ({}, 10)
    saved = api.call("PUT", "/api/admin/points-rules", "admin.zoe", {"reach_cap": 20})
    assert saved.status_code == 200
    stored = boto3.client("ssm", region_name=REGION).get_parameter(Name=POINTS_PARAMETER)
    assert json.loads(stored["Parameter"]["Value"]) == {"reach_cap": 20}
    bad = api.call("PUT", "/api/admin/points-rules", "admin.zoe", {"reply_rejected": 5})
    assert bad.status_code == 400
    assert _json(bad)["details"][0]["loc"] == "reply_rejected"
    assert api.call("PUT", "/api/admin/points-rules", "adv.ana", {}).status_code == 403


def test_points_rules_editor_names_nested_and_cross_field_faults(api: Api) -> None:
    """GIVEN rank thresholds that do not rise, a reach cap that can never pay, or an unknown
    field WHEN an admin saves them THEN each is refused with its field, nothing is stored, and
    an advocate cannot even read the rules."""
    thresholds = [{"name": "newcomer", "points": 0}, {"name": "helper", "points": -3}]
    falling = api.call(
        "PUT", "/api/admin/points-rules", "admin.zoe", {"ranks": {"thresholds": thresholds}}
    )
    assert falling.status_code == 400
    assert _json(falling)["details"][0]["loc"].startswith("ranks.thresholds.1.points")
    never_pays = api.call(
        "PUT", "/api/admin/points-rules", "admin.zoe", {"reach_points_per_doubling": 0}
    )
    assert never_pays.status_code == 400
    assert "reach_cap" in _json(never_pays)["details"][0]["msg"]
    typo = api.call("PUT", "/api/admin/points-rules", "admin.zoe", {"reach_capp": 3})
    assert _json(typo)["details"][0]["loc"] == "reach_capp"
    after = _json(api.call("GET", "/api/admin/points-rules", "admin.zoe"))
    assert after["effective"]["reach_points_per_doubling"] == 3.0
    assert api.call("GET", "/api/admin/points-rules", "adv.ana").status_code == 403


def test_a_topic_board_is_one_page_with_its_choices_and_never_mixed_with_a_language(
    api: Api,
) -> None:
    """GIVEN no points yet WHEN a topic's monthly board is asked for THEN an empty page names
    its board key and offers the triage topics and languages; a language and a topic at once
    is a 400 naming the problem."""
    page = _json(api.call("GET", "/api/leaderboard?period=month&topic=billing", "adv.ana"))
    assert (page["topic"], page["next"], page["items"]) == ("billing", None, [])
    assert page["board"].endswith("#topic#billing")
    assert "billing" in page["choices"]["topics"]
    assert "es" in page["choices"]["languages"]
    both = api.call("GET", "/api/leaderboard?period=week&language=es&topic=app", "adv.ana")
    assert both.status_code == 400
    assert "not both" in _json(both)["details"][0]["msg"]


# --------------------------------------------------------------------------- links and lengths
def _link_token(mention_id: str, responder_id: str, expires: datetime) -> str:
    return DeepLinkSigner(LINK_SECRET).sign(
        DeepLinkClaims(mention_id=mention_id, responder_id=responder_id, attempt=1, expires=expires)
    )


def test_a_notification_link_page_is_served_with_its_base(api: Api) -> None:
    """GIVEN a notification's link path WHEN it is fetched THEN it is the dashboard page whose
    relative URLs start one level up (so assets and the API keep the stage prefix)."""
    response = api.call("GET", "/assignments/facebook%231?t=anything")
    assert response.status_code == 200
    assert '<base href="../">' in response.body.decode()
    assert '<base href="./">' in api.call("GET", "/").body.decode()


def test_a_link_opens_only_for_its_responder_until_it_expires(api: Api) -> None:
    """A genuine link opens its mention for its responder; another responder, an expired
    link, an altered token, or a mention no longer theirs each get a plain reason."""
    later = datetime.now(UTC) + timedelta(hours=2)
    good = _link_token("facebook#1", "adv.ana", later)
    path = "/api/assignments/facebook%231/link?t="
    assert _json(api.call("GET", path + good, "adv.ana")) == {
        "mention_id": "facebook#1",
        "opens": True,
    }
    expired = _link_token("facebook#1", "adv.ana", datetime.now(UTC) - timedelta(minutes=1))
    for user, token, problem in (
        ("adv.ben", good, "not_yours"),
        ("adv.ana", expired, "expired"),
        ("adv.ana", good[:-2] + "xx", "not_yours"),
        ("adv.ana", "nonsense", "malformed"),
    ):
        body = _json(api.call("GET", path + token, user))
        assert (body["opens"], body["problem"]) == (False, problem)
        assert body["message"]
    # a genuine link for a mention now held by someone else
    ben_link = _link_token("facebook#1", "adv.ben", later)
    body = _json(api.call("GET", path + ben_link, "adv.ben"))
    assert body["problem"] == "closed"


@pytest.mark.parametrize(
    ("platform", "text", "length"),
    [
        ("x", "see https://example.com/a/very/long/path/indeed ok", 23 + 7),
        ("x", "日本語", 6),
        ("x", "hi 👍🏽", 5),
        ("x", "e\u0301", 1),  # NFC: one é
        ("bluesky", "e\u0301 👨‍👩‍👧", 3),
        ("mastodon", "go https://example.com/" + "p" * 60, 3 + 23),
        ("facebook", "  padded  ", 6),
    ],
)
def test_the_length_route_counts_the_way_the_platform_does(
    api: Api, platform: str, text: str, length: int
) -> None:
    """GIVEN a draft with URLs, CJK, emoji or combining marks WHEN the composer asks for its
    length THEN the server counts it the way the platform (and reply submission) does."""
    body = _json(api.call("POST", "/api/length", "adv.ana", {"platform": platform, "text": text}))
    assert body["length"] == length
    assert body["fits"] is True


def test_the_length_route_says_when_a_draft_does_not_fit(api: Api) -> None:
    """A 160-character CJK draft is 320 on X: over 280, so it does not fit."""
    body = _json(api.call("POST", "/api/length", "adv.ana", {"platform": "x", "text": "漢" * 160}))
    assert (body["length"], body["limit"], body["fits"]) == (320, 280, False)


# --------------------------------------------------------------------------- the queue
def _queue(api: Api, post_id: str, score: int) -> str:
    """A triaged mention waiting in the queue, with this priority score."""
    mentions = MentionRepository(api.ddb, TABLES["MENTIONS_TABLE"])
    mention = _mention(post_id, f"Queued question {post_id}")
    mentions.put_if_new(mention, datetime.now(UTC))
    triage = Triage(
        analysis=Analysis(
            language="en",
            sentiment=Sentiment(
                label=SentimentLabel.NEGATIVE,
                scores=SentimentScores(positive=0.1, negative=0.7, neutral=0.2, mixed=0.0),
                compound=-0.6,
            ),
            intent=Intent.COMPLAINT,
            key_phrases=(),
            topics=("heating",),
        ),
        priority=Priority(score=score, band="P2", reasons=("negative sentiment",)),
        decision=RouteDecision(route=RouteKind.EMPLOYEE, reasons=("everyone was full",)),
    )
    mentions.record_triage(mention.mention_id, triage, MentionStatus.QUEUED)
    return mention.mention_id


def test_the_queue_comes_most_urgent_first_a_page_at_a_time(api: Api) -> None:
    """GIVEN three queued mentions WHEN an employee reads pages of two THEN the most urgent
    comes first and the second page holds the rest."""
    for post_id, score in (("q1", 40), ("q2", 90), ("q3", 65)):
        _queue(api, post_id, score)
    first = _json(api.call("GET", "/api/queue?limit=2", "emp.owen"))
    assert [i["mention_id"] for i in first["items"]] == ["facebook#q2", "facebook#q3"]
    assert (first["total"], first["next"]) == (3, 2)
    assert first["items"][0]["topics"] == ["heating"]
    rest = _json(api.call("GET", "/api/queue?limit=2&offset=2", "emp.owen"))
    assert ([i["mention_id"] for i in rest["items"]], rest["next"]) == (["facebook#q1"], None)


def test_two_takes_at_once_one_wins_the_other_is_told(api: Api) -> None:
    """GIVEN a queued mention WHEN two employees take it THEN the first starts its assignment
    workflow with the taker as candidate, the second gets 409 naming the first, and an
    advocate may not take."""
    mention_id = _queue(api, "q9", 70)
    path = "/api/queue/facebook%23q9/take"
    assert api.call("POST", path, "adv.ana").status_code == 403
    won = api.call("POST", path, "emp.owen")
    lost = api.call("POST", path, "admin.zoe")
    assert won.status_code == 200
    assert _json(won) == {"mention_id": mention_id, "taken_by": "emp.owen"}
    assert lost.status_code == 409
    assert _json(lost)["error"] == "someone was quicker: emp.owen took this mention first"
    sfn = boto3.client("stepfunctions", region_name=REGION)
    machine = sfn.list_state_machines()["stateMachines"][0]["stateMachineArn"]
    executions = sfn.list_executions(stateMachineArn=machine)["executions"]
    assert len(executions) == 1
    execution = sfn.describe_execution(executionArn=executions[0]["executionArn"])
    started = json.loads(execution["input"])
    assert started["decision"]["candidates"] == ["emp.owen"]
    stored = MentionRepository(api.ddb, TABLES["MENTIONS_TABLE"]).get(mention_id)
    assert stored is not None and stored.status is MentionStatus.ASSIGNING


def test_the_queue_opens_to_advocates_of_the_configured_rank(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN the queue for employees only, an advocate is refused; GIVEN it opened to
    champions (500 points) WHEN an advocate below that rank and one at it ask THEN the first
    gets 403 naming the rule and her rank, the second reads the queue, takes a mention, and
    /api/me tells the page the queue is hers."""
    employees_only = api.call("GET", "/api/queue", "adv.ben")
    assert (employees_only.status_code, _json(employees_only)) == (
        403,
        {"error": "the queue is for employees"},
    )
    monkeypatch.setenv("QUEUE_TAKE_MIN_RANK", "champion")
    api.module.reset_dependencies()
    _queue(api, "q7", 70)
    LedgerRepository(api.ddb, TABLES["LEDGER_TABLE"]).append(
        LedgerEntry(
            responder_id="adv.ben",
            entry_id="ben-1",
            reason=PointsReason.REPLY_POSTED,
            points=520,
            mention_id="x#0",
            at=datetime.now(UTC),
        )
    )

    refused = api.call("GET", "/api/queue", "adv.ana")
    allowed = api.call("GET", "/api/queue", "adv.ben")

    assert refused.status_code == 403
    assert _json(refused)["error"] == (
        "the queue is for employees and advocates of rank champion or above; your rank is newcomer"
    )
    assert _json(api.call("GET", "/api/me", "adv.ana"))["may_take_from_queue"] is False
    assert allowed.status_code == 200
    assert [i["mention_id"] for i in _json(allowed)["items"]] == ["facebook#q7"]
    assert _json(api.call("GET", "/api/me", "adv.ben"))["may_take_from_queue"] is True
    taken = api.call("POST", "/api/queue/facebook%23q7/take", "adv.ben")
    assert _json(taken) == {"mention_id": "facebook#q7", "taken_by": "adv.ben"}


def test_still_on_it_is_for_the_assignee_only(api: Api) -> None:
    """The assignee's heartbeat is accepted; another responder's is refused (403)."""
    assert api.call("POST", "/api/mentions/facebook%231/heartbeat", "adv.ana").status_code == 200
    assert api.call("POST", "/api/mentions/facebook%231/heartbeat", "adv.ben").status_code == 403


def test_the_feed_version_changes_when_the_feed_does(api: Api) -> None:
    """GIVEN the feed's version WHEN nothing changed THEN the poll says so; WHEN a mention is
    declined THEN the next poll reports a new version."""
    first = _json(api.call("GET", "/api/feed/changes", "adv.ana"))
    same = _json(api.call("GET", f"/api/feed/changes?since={first['version']}", "adv.ana"))
    assert same == {"version": first["version"], "changed": False}
    api.call("POST", "/api/mentions/x%232/decline", "adv.ana", {"reason": "not my product"})
    after = _json(api.call("GET", f"/api/feed/changes?since={first['version']}", "adv.ana"))
    assert after["changed"] is True


def test_admins_edit_saved_replies_and_responders_read_them_by_language(api: Api) -> None:
    """GIVEN an admin creates three replies, edits one and deletes another WHEN an advocate
    asks for Spanish THEN the Spanish one and the every-language one come back as edited; an
    unknown placeholder, a duplicate title or an advocate's edit is refused and changes
    nothing."""
    drafts = [
        {"title": "Schedule", "text": "Hi {author}, open Schedule > Weekly.", "language": "en"},
        {"title": "Horario", "text": "Hola {author}, abre Horario.", "language": "es"},
        {"title": "Thanks", "text": "Thanks, {author}!"},
    ]
    created = [api.call("POST", "/api/admin/saved-replies", "admin.zoe", d) for d in drafts]
    assert [r.status_code for r in created] == [201, 201, 201]
    ids = [_json(r)["id"] for r in created]
    edited = api.call(
        "PUT",
        f"/api/admin/saved-replies/{ids[2]}",
        "admin.zoe",
        {"title": "Thanks", "text": "Thanks, {author}! {name} here."},
    )
    assert edited.status_code == 200
    assert api.call("DELETE", f"/api/admin/saved-replies/{ids[0]}", "admin.zoe").status_code == 200
    assert api.call("POST", "/api/admin/saved-replies", "adv.ana", drafts[0]).status_code == 403
    unknown = api.call(
        "POST", "/api/admin/saved-replies", "admin.zoe", {"title": "Oops", "text": "Hi {user}"}
    )
    assert unknown.status_code == 400
    assert "{user} is not a placeholder" in json.dumps(_json(unknown))
    twice = api.call("POST", "/api/admin/saved-replies", "admin.zoe", drafts[1])
    assert twice.status_code == 409
    missing = api.call("DELETE", "/api/admin/saved-replies/99", "admin.zoe")
    assert missing.status_code == 404

    spanish = _json(api.call("GET", "/api/saved-replies?language=es", "adv.ana"))["items"]

    assert [(r["title"], r["text"]) for r in spanish] == [
        ("Horario", "Hola {author}, abre Horario."),
        ("Thanks", "Thanks, {author}! {name} here."),
    ]
    assert len(_json(api.call("GET", "/api/admin/saved-replies", "admin.zoe"))["items"]) == 2


def test_sms_only_is_stored_as_such(api: Api) -> None:
    """GIVEN a phone number WHEN the responder chooses text messages only THEN the profile
    says "sms" (email off), and choosing both turns email back on."""
    body = {"notify": "sms", "phone": "+4915112345678"}
    assert _json(api.call("PUT", "/api/me", "adv.ana", body))["notify"] == "sms"
    assert _json(api.call("GET", "/api/me", "adv.ana"))["responder"]["email_off"] is True
    assert _json(api.call("PUT", "/api/me", "adv.ana", {"notify": "both"}))["notify"] == "both"


def test_a_responder_added_by_an_admin_is_invited_to_sign_in(api: Api) -> None:
    """GIVEN an admin adds a responder WHEN the user pool is read THEN the responder has a user
    waiting for its first password change, in the group of their role; editing sends nothing."""
    body = {"kind": "employee", "name": "Ida", "email": "ida@example.com"}
    assert api.call("PUT", "/api/admin/responders/emp.ida", "admin.zoe", body).status_code == 201
    cognito = boto3.client("cognito-idp", region_name=REGION)
    user = cognito.admin_get_user(UserPoolId=api.pool_id, Username="emp.ida")
    assert user["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    groups = cognito.admin_list_groups_for_user(UserPoolId=api.pool_id, Username="emp.ida")
    assert [g["GroupName"] for g in groups["Groups"]] == ["employee"]
    again = api.call("PUT", "/api/admin/responders/emp.ida", "admin.zoe", body | {"name": "I."})
    assert again.status_code == 200
