"""GET /api/analytics on moto: functions/api answering from the AggregatesTable (created from
template.yaml), who may ask, and the requests it refuses.

Token verification has its own tests (test_api.py, test_auth.py); here the app's verifier is
replaced by one that maps a bearer word to a principal, so the roles are what is under test.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from chalice.test import Client
from crowdcare.adapters.cognito_auth import AuthenticationError, Principal, Role
from crowdcare.adapters.dynamodb.aggregates import AggregatesTable
from crowdcare.adapters.dynamodb.faq import FaqRunStore
from crowdcare.adapters.dynamodb.spikes import SpikeBanner
from crowdcare.rules.analytics_facts import MentionCard
from crowdcare.rules.spikes import SpikeAlert
from crowdcare.services.faq_job import FaqCandidate, FaqRun
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


RECENTLY = datetime.now(UTC).replace(microsecond=0)
CANDIDATE = FaqCandidate(
    label="reset password",
    kind="question",
    size=3,
    previous_size=1,
    trend=2.0,
    negative_share=0.0,
    samples=("x#1", "x#2"),
    representative="how do I reset my password, please?",
    best_answer="Tap 'Forgot password'.",
    root_cause=False,
)


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
        FaqRunStore(ddb, AGGREGATES_TABLE).save(
            FaqRun(run_at=RECENTLY, since=RECENTLY, candidates=(CANDIDATE,), unclustered=2)
        )
        SpikeBanner(ddb, AGGREGATES_TABLE).show(
            "total",
            SpikeAlert(
                timestamp=RECENTLY,
                value=40,
                expected=4,
                window_value=100,
                window_expected=12,
                z=7.0,
                reason="mentions: 100 in 15 min vs 12 expected",
            ),
        )
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


def test_staff_see_the_last_days_spike_alerts(client: Client) -> None:
    """GIVEN an alert on the banner WHEN an employee asks for alerts THEN it is listed."""
    response = client.http.get("/api/alerts", headers={"Authorization": "Bearer employee"})
    assert response.status_code == 200
    (alert,) = json.loads(response.body)["items"]
    assert (alert["series"], alert["reason"]) == ("total", "mentions: 100 in 15 min vs 12 expected")


def test_admins_export_faq_candidates_as_csv_and_json(client: Client) -> None:
    """GIVEN a stored FAQ run WHEN an admin exports it THEN CSV (a header and one row) and
    JSON carry the candidate; employees are refused and an unknown format is a 400."""
    csv_response = client.http.get("/api/faq?format=csv", headers={"Authorization": "Bearer admin"})
    assert csv_response.status_code == 200
    assert csv_response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(csv_response.body.decode())))
    assert [(r["label"], r["best_answer"], r["samples"]) for r in rows] == [
        ("reset password", "Tap 'Forgot password'.", "x#1 x#2")
    ]
    as_json = client.http.get("/api/faq", headers={"Authorization": "Bearer admin"})
    assert json.loads(as_json.body)["candidates"][0]["label"] == "reset password"
    refused = client.http.get("/api/faq", headers={"Authorization": "Bearer employee"})
    assert refused.status_code == 403
    wrong = client.http.get("/api/faq?format=xml", headers={"Authorization": "Bearer admin"})
    assert wrong.status_code == 400
