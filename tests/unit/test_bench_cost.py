"""The bench's pricing arithmetic, checked against figures worked out by hand."""

from __future__ import annotations

import pytest

from tools.bench.cost import (
    Assumptions,
    CostBreakdown,
    MeasuredMention,
    MentionProfile,
    PlatformAssumptions,
    PlatformPrices,
    Prices,
    bill_per_million,
    express_billed_gb_seconds,
    express_design_cost,
    express_execution_cost,
    lambda_invocation_cost,
    standard_baseline_cost,
)

PRICES = Prices()
ASSUMED = Assumptions(
    express_memory_mb=64, express_duration_ms=300, lambda_memory_mb=256, lambda_duration_ms=50
)


def test_express_rounds_memory_and_duration_up() -> None:
    """65 MB bills as 128 MB and 250 ms as 300 ms: 0.125 GB x 0.3 s = 0.0375 GB-s."""
    # GIVEN memory just over one chunk and a duration between steps
    # WHEN billed THEN both are rounded up before multiplying
    assert express_billed_gb_seconds(65, 250) == pytest.approx(0.0375)
    # AND exact multiples are not rounded further: 64 MB x 300 ms = 0.0625 x 0.3
    assert express_billed_gb_seconds(64, 300) == pytest.approx(0.01875)


def test_express_execution_by_hand() -> None:
    """One 64 MB / 300 ms Express execution costs $1e-6 + 0.01875 x $0.00001667."""
    # GIVEN the default prices WHEN one execution is priced
    # THEN request 0.000001 + duration 0.0000003125625 = 0.0000013125625
    assert express_execution_cost(PRICES, ASSUMED) == pytest.approx(1.3125625e-6)


def test_lambda_invocation_by_hand() -> None:
    """One 256 MB / 50 ms arm64 invocation costs $2e-7 + 0.0125 GB-s x $0.0000133334."""
    # GIVEN 0.25 GB for 0.05 s = 0.0125 GB-s WHEN priced
    # THEN 0.0000002 + 0.000000166667500 = 0.0000003666675
    assert lambda_invocation_cost(PRICES, ASSUMED) == pytest.approx(3.666675e-7)


def test_designs_by_hand_per_million_mentions() -> None:
    """6 transitions, 4 invocations, 0.5 publish, 1.5 SQS requests: $3.63 vs $152.32."""
    # GIVEN a profile whose shared costs per 1M mentions are
    #   Lambda 4 x $0.3666675 = $1.46667, SNS 0.5 x $0.50 = $0.25, SQS 1.5 x $0.40 = $0.60
    profile = MentionProfile(
        state_transitions=6, lambda_invocations=4, sns_publishes=0.5, sqs_requests=1.5
    )
    # WHEN both designs are priced
    express = express_design_cost(profile, PRICES, ASSUMED).per_million()
    standard = standard_baseline_cost(profile, PRICES, ASSUMED).per_million()
    # THEN Express workflow $1.3125625, Standard 6 x $25 = $150, the rest shared
    assert express["workflow"] == pytest.approx(1.3125625)
    assert standard["workflow"] == pytest.approx(150.0)
    assert express["lambda"] == standard["lambda"] == pytest.approx(1.46667)
    assert express["messaging"] == standard["messaging"] == pytest.approx(0.85)
    assert express["total"] == pytest.approx(1.3125625 + 1.46667 + 0.85)
    assert standard["total"] == pytest.approx(150 + 1.46667 + 0.85)


def test_the_bill_prices_every_service_with_its_assumption_by_hand() -> None:
    """GIVEN measured items and a 50 % assigned share WHEN the bill is made THEN API Gateway,
    DynamoDB writes and reads, the assignment workflow and logs are priced as by hand, each
    with a stated assumption."""
    triage = CostBreakdown(workflow=1e-6, lambda_=2e-6, messaging=0.0)
    measured = MeasuredMention(
        triage=triage,
        items_written=10.0,
        transactional_items_written=4.0,
        items_read=20.0,
        lambda_invocations=3.0,
        assigned_share=0.5,
    )
    more = PlatformAssumptions(
        write_units_per_item=1.0, log_kb_per_invocation=1024.0, assignment_invocations=2.0
    )

    rows = {
        r.what: r
        for r in bill_per_million(measured, Prices(), Assumptions(), PlatformPrices(), more)
    }

    assert rows["API Gateway (webhook deliveries)"].usd_per_million == pytest.approx(3.50)
    # (6 plain + 2 x 4 transactional) WRU x $0.625/1M, per 1M mentions
    assert rows["DynamoDB writes, triage to offer"].usd_per_million == pytest.approx(14 * 0.625)
    assert rows["DynamoDB reads, triage to offer"].usd_per_million == pytest.approx(20 * 0.125)
    # half the mentions x 5 Standard transitions x $25/1M
    assert rows["Assignment workflow (Standard)"].usd_per_million == pytest.approx(62.5)
    # (3 + 2 x 0.5) invocations x 1 MB of logs x $0.50/GB
    assert rows["CloudWatch Logs"].usd_per_million == pytest.approx(4 / 1024 * 0.5 * 1e6)
    assert all(r.assumption for r in rows.values())
