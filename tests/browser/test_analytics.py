"""The Analytics screen in a real browser, on the dashboard demo's stack (see test_dashboard).

Two weeks of counters are written into the demo's AggregatesTable the way the analytics
function writes them (one ADD per bucket), plus one spike alert on the banner; an admin opens
Analytics and sees the figures drawn. The screenshot goes to docs/dashboard-analytics.png.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from crowdcare.adapters.dynamodb.aggregates import AggregatesTable
from crowdcare.adapters.dynamodb.faq import FaqRunStore
from crowdcare.adapters.dynamodb.spikes import SpikeBanner
from crowdcare.rules.analytics_facts import MentionCard
from crowdcare.rules.spikes import SpikeAlert
from crowdcare.services.faq_job import FaqCandidate, FaqRun

from tests.browser.test_dashboard import DOCS, _sign_in, browser, demo, sync_api

__all__ = ["browser", "demo"]  # the demo stack and the browser are test_dashboard's fixtures

TABLE = "crowdcare-dashboard-AggregatesTable"


def _seed_two_weeks(endpoint: str) -> None:
    """Fourteen days of `all` counters ending today, with a bad day three days ago."""
    ddb = boto3.client(
        "dynamodb",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    today = datetime.now(UTC).date()
    increments: dict[tuple[str, str], dict[str, int]] = {}
    for back in range(14):
        day = today - timedelta(days=back)
        bad = back == 3
        received = 120 + 9 * (back % 5) + (160 if bad else 0)
        replied = int(received * (0.62 if bad else 0.8))
        increments[("all", f"day#{day.isoformat()}")] = {
            "received": received,
            "needs_reply": int(received * 0.85),
            "replied": replied,
            "within_sla": int(replied * (0.5 if bad else 0.85)),
            "replied_advocate": int(replied * (0.45 + 0.02 * (back % 4))),
            "replied_employee": replied - int(replied * (0.45 + 0.02 * (back % 4))),
            "sentiment.negative": int(received * (0.55 if bad else 0.22)),
            "sentiment.neutral": int(received * 0.4),
            "sentiment.positive": int(received * (0.1 if bad else 0.3)),
            "sentiment.mixed": int(received * 0.05),
            # Response times: most within 10-40 minutes, a slower tail (worse on the bad day).
            "rt.06": int(replied * (0.2 if bad else 0.3)),
            "rt.08": int(replied * (0.3 if bad else 0.4)),
            "rt.10": int(replied * 0.2),
            ("rt.13" if bad else "rt.11"): replied - int(replied * (0.7 if bad else 0.9)),
            "topic.app": 40 + (120 if bad else 0),
            "topic_negative.app": 8 + (100 if bad else 0),
            "topic.billing": 30,
            "topic_negative.billing": 12,
            "topic.shipping": 22,
            "topic_negative.shipping": 4,
            "topic.thermostat": 18,
            "topic_negative.thermostat": 3,
        }
    AggregatesTable(ddb, TABLE).commit(
        MentionCard(mention_id="browser-seed", version=1), 0, increments
    )
    moment = datetime.now(UTC).replace(second=0, microsecond=0)
    FaqRunStore(ddb, TABLE).save(
        FaqRun(
            run_at=moment,
            since=moment - timedelta(days=14),
            unclustered=41,
            candidates=(
                FaqCandidate(
                    label="app crash login",
                    kind="complaint",
                    size=64,
                    previous_size=12,
                    trend=4.33,
                    negative_share=0.91,
                    samples=("x#901", "facebook#77"),
                    representative="The app crashes every time I log in since the update",
                    best_answer="Sorry! Version 4.2.1 fixes the crash: please update.",
                    root_cause=True,
                ),
                FaqCandidate(
                    label="reset password",
                    kind="question",
                    size=23,
                    previous_size=25,
                    trend=-0.08,
                    negative_share=0.09,
                    samples=("x#12",),
                    representative="How do I reset my password?",
                    best_answer="Tap 'Forgot password' on the sign-in screen.",
                    root_cause=False,
                ),
            ),
        )
    )
    SpikeBanner(ddb, TABLE).show(
        "negative:topic:app",
        SpikeAlert(
            timestamp=moment,
            value=31,
            expected=3,
            window_value=84,
            window_expected=9,
            z=8.1,
            reason="negative mentions about `app`: 84 in 15 min vs 9 expected",
        ),
    )


def test_admin_sees_analytics_drawn_with_the_spike_banner(
    demo: dict[str, Any], browser: Any
) -> None:
    """GIVEN two weeks of counters and a spike alert WHEN an admin opens Analytics THEN the
    tiles, four SVG charts with one point or bar per day, the topics, the banner and the FAQ
    candidates show, and the CSV export downloads."""
    _seed_two_weeks(demo["endpoint"])
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    _sign_in(page, demo, "emp.owen.price")
    page.get_by_role("link", name="Analytics").click()
    expect = sync_api.expect
    expect(page.get_by_role("heading", name="Analytics")).to_be_visible()
    expect(page.locator(".an-banner")).to_contain_text("84 in 15 min vs 9 expected")
    expect(page.locator(".an-figure")).to_have_count(4)
    # One p50 dot per day (every day has replies) and sentiment bars on every day.
    expect(page.locator(".an-dot.an-p50")).to_have_count(14)
    assert page.locator(".an-bar.an-negative").count() >= 14
    expect(page.locator(".an-figure").nth(3)).to_contain_text("app")
    expect(page.locator(".an-tiles")).to_contain_text("response rate")
    expect(page.locator("#faq tbody tr")).to_have_count(2)
    expect(page.locator("#faq")).to_contain_text("complaint · rising")
    page.screenshot(path=str(DOCS / "dashboard-analytics.png"), full_page=True)
    with page.expect_download() as download:
        page.locator("[data-export=csv]").click()
    exported = Path(download.value.path()).read_text("utf-8")
    assert exported.splitlines()[1].startswith("app crash login,complaint,64,12")
    # A filter the aggregates keep per day only: asking for hours says so, in plain words.
    page.locator("#an-grain").select_option("hour")
    page.locator("#an-filter").select_option("topic")
    page.locator("#an-value").fill("app")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#an-error")).to_contain_text("figures are kept for all mentions only")
    context.close()
