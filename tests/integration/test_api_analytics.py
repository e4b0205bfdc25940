"""GET /api/analytics on moto: functions/api answering from the AggregatesTable (created from
template.yaml), who may ask, and the requests it refuses.

Token verification has its own tests (test_api.py, test_auth.py); here the app's verifier is
replaced by one that maps a bearer word to a principal, so the roles are what is under test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from chalice.test import Client
from crowdcare.adapters.cognito_auth import AuthenticationError, Principal, Role
from crowdcare.adapters.dynamodb.aggregates import AggregatesTable
from crowdcare.rules.analytics_facts import MentionCard
from crowdcare_local.stack import create_template_table
from moto import mock_aws

REGION = "us-east-1"
AGGREGATES_TABLE = "api-analytics-aggregates"
PEOPLE = {
    "admin": frozenset({Role.ADMIN}),
    "employee": frozenset({Role.EMPLOYEE}),
    "advocate": frozenset({Role.ADVOCATE}),
}


class WordVerifier:
    """`Bearer admin` is an admin, and so on; anything else is not signed in."""

    def verify_header(self, header: str | None) -> Principal:
        word = (header or "").removeprefix("Bearer ")
        if word not in PEOPLE:
            raise AuthenticationError("no token")
        return Principal(subject=word, username=word, roles=PEOPLE[word])


def _seed(table: AggregatesTable) -> None:
    """Two days of counters under `all` and `platform#x`, and one hour bucket (as the analytics
    function's commit writes them: a card put and ADDs in one transaction)."""
    increments = {
        ("all", "day#2026-11-29"): {
            "received": 4,
            "needs_reply": 2,
            "replied": 1,
            "sentiment.negative": 3,
            "topic.billing": 2,
            "topic_negative.billing": 1,
        },
        ("all", "day#2026-11-30"): {
            "received": 6,
            "needs_reply": 4,
            "replied": 4,
            "replied_advocate": 3,
            "replied_employee": 1,
        },
        ("all", "hour#2026-11-30T09"): {"received": 6},
        ("platform#x", "day#2026-11-30"): {"received": 2},
    }
    assert table.commit(MentionCard(mention_id="seed", version=1), 0, increments)


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    """functions/api with AGGREGATES_TABLE on moto and the word verifier."""
    for name, value in {
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AGGREGATES_TABLE": AGGREGATES_TABLE,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name=REGION)
        create_template_table(ddb, "AggregatesTable", AGGREGATES_TABLE)
        _seed(AggregatesTable(ddb, AGGREGATES_TABLE))
        from functions.api import app as api_app

        api_app.reset_dependencies()
        monkeypatch.setattr(api_app, "verifier", WordVerifier)
        try:
            with Client(api_app.app) as test_client:
                yield test_client
        finally:
            api_app.reset_dependencies()


def _get(client: Client, query: str, who: str | None = "admin") -> tuple[int, Any]:
    headers = {} if who is None else {"Authorization": f"Bearer {who}"}
    response = client.http.get(f"/api/analytics{query}", headers=headers)
    return response.status_code, json.loads(response.body)


def test_admin_gets_the_periods_figures_and_daily_series(client: Client) -> None:
    """GIVEN two days of counters WHEN an admin asks for them THEN totals sum both days and
    the series has one entry per day, oldest first."""
    status, body = _get(client, "?from=2026-11-29&to=2026-11-30")
    assert status == 200
    assert body["dimension"] == "all"
    assert body["totals"]["received"] == 10
    assert body["totals"]["response_rate"] == pytest.approx(5 / 6)
    assert body["totals"]["top_topics"] == [
        {"topic": "billing", "mentions": 2, "negative_share": 0.5}
    ]
    assert [b["bucket"] for b in body["series"]] == ["day#2026-11-29", "day#2026-11-30"]
    assert body["series"][1]["figures"]["advocate_share"] == pytest.approx(0.75)


def test_employee_filters_by_platform_and_reads_hours(client: Client) -> None:
    """GIVEN counters per platform and per hour WHEN an employee filters by platform, or asks
    for hours THEN the platform's figures come back, and 24 hourly buckets per day."""
    status, body = _get(client, "?from=2026-11-30&to=2026-11-30&platform=X", "employee")
    assert (status, body["dimension"], body["totals"]["received"]) == (200, "platform#x", 2)
    status, body = _get(client, "?from=2026-11-30&to=2026-11-30&grain=hour", "employee")
    assert status == 200
    assert len(body["series"]) == 24
    assert body["series"][9]["figures"]["received"] == 6


@pytest.mark.parametrize(
    "query",
    [
        "?from=2026-11-30&to=2026-11-01",  # reversed
        "?platform=x&language=en",  # two filters
        "?grain=hour&topic=billing",  # hours are kept for all mentions only
        "?from=yesterday",  # not a date
        "?grain=week",  # not a grain
        "?colour=red",  # not a filter
    ],
)
def test_a_question_the_aggregates_cannot_answer_is_a_400(client: Client, query: str) -> None:
    """GIVEN a request the aggregates cannot answer WHEN it is asked THEN 400 with an error."""
    status, body = _get(client, query)
    assert status == 400
    assert body["error"]


def test_advocates_are_refused_and_strangers_must_sign_in(client: Client) -> None:
    """GIVEN an advocate and an anonymous caller WHEN they ask THEN 403 and 401."""
    assert _get(client, "", "advocate")[0] == 403
    assert _get(client, "", None)[0] == 401
