"""Advocates' rewards in a real browser, on the dashboard demo's stack (see test_dashboard).

* An advocate's reply is approved and posted; the reach tracker, wired as the function wires it
  (build_reach_tracker), reads the reply's likes and comments from a fake Graph API and the
  advocate sees the reach bonus appear on her points page, and the boards' selector.
* An admin edits the points rules on the Rules screen: a value the server refuses marks the
  field at fault with the reason; a good one is saved and shown back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from crowdcare.config.clients import AwsClients
from crowdcare.config.reply_wiring import ReachTrackerSettings, build_reach_tracker
from crowdcare.config.settings import AwsSettings
from crowdcare_local.fake_platforms import outbound
from crowdcare_local.fake_platforms.server import FakePlatformServer

from tests.browser.test_dashboard import _pipeline_reply, _sign_in, browser, demo, sync_api

__all__ = ["browser", "demo"]  # the demo stack and the browser are test_dashboard's fixtures

MENTION = "facebook#dash-1"


@pytest.fixture
def graph_api() -> Iterator[FakePlatformServer]:
    """A fake Graph API of this process, where the test sets a posted comment's reach."""
    server = FakePlatformServer().start()
    outbound.register(server)
    try:
        yield server
    finally:
        server.stop()


def _client(demo: dict[str, Any], service: str) -> Any:
    return boto3.client(  # type: ignore[call-overload]
        service,
        region_name="us-east-1",
        endpoint_url=demo["endpoint"],
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )


def _reach_tracker(
    demo: dict[str, Any], graph: FakePlatformServer, monkeypatch: pytest.MonkeyPatch
) -> Any:
    """The reach tracker as ReachTrackerFunction builds it, on the demo's tables and secret,
    with the Graph API at `graph`."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    tables = _client(demo, "dynamodb").list_tables()["TableNames"]

    def table(logical_id: str) -> str:
        return str(next(t for t in tables if t.endswith(f"-{logical_id}")))

    secrets = _client(demo, "secretsmanager")
    credentials = next(
        s["Name"]
        for s in secrets.list_secrets()["SecretList"]
        if "mastodon_access_token"
        in json.loads(secrets.get_secret_value(SecretId=s["ARN"])["SecretString"])
    )
    settings = ReachTrackerSettings(
        platform_credentials_name=credentials,
        facebook_graph_base_url=outbound.base_urls(graph)["facebook"],
        mentions_table=table("MentionsTable"),
        assignments_table=table("AssignmentsTable"),
        responders_table=table("RespondersTable"),
        replies_table=table("RepliesTable"),
        ledger_table=table("LedgerTable"),
    )
    clients = AwsClients(AwsSettings(aws_region="us-east-1", aws_endpoint_url=demo["endpoint"]))
    return build_reach_tracker(settings, clients)


def test_an_advocate_sees_the_reach_bonus_after_the_tracker_runs(
    demo: dict[str, Any],
    browser: Any,
    graph_api: FakePlatformServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """GIVEN the advocate's reply approved and posted WHEN the reach tracker reads 7 likes and
    a comment on it THEN her points page shows a reach bonus of +9 with its figures, the
    reply's likes, and the month's board (picked in the selector) counts it."""
    expect = sync_api.expect
    advocate = demo["assigned_to"]
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    # GIVEN her reply, approved by an employee and posted on the (fake) platform
    _sign_in(page, demo, advocate)
    card = page.locator("li.card").filter(has_text="weekly heating schedule")
    card.get_by_label("Reply to @lena_at_home").fill("Hi Lena! Schedule > Weekly, then Save.")
    card.get_by_role("button", name="Send reply").click()
    expect(page.locator("li.card .state.pending_approval")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    _sign_in(page, demo, "emp.rachel.kim")
    page.get_by_role("link", name="Approvals").click()
    page.locator("#approvals li.card").get_by_role("button", name="Approve and post").click()
    expect(page.locator("#approvals")).to_contain_text("No replies are waiting")
    posted = _pipeline_reply(demo, MENTION)
    assert posted["status"] == "posted"
    page.get_by_role("button", name="Sign out").click()
    _sign_in(page, demo, advocate)
    page.get_by_role("link", name="My points").click()
    history = page.locator("#points-history tbody")
    expect(history).to_contain_text("Reply posted")
    expect(history).not_to_contain_text("Reach bonus")

    # WHEN the platform counts 7 likes and a comment and the tracker runs
    outbound.set_reach(graph_api, "facebook", posted["posted"]["post_id"], likes=7, replies=1)
    run = _reach_tracker(demo, graph_api, monkeypatch).run()
    assert (run.read, run.failed) == (1, ())

    # THEN her page shows the bonus with the figures behind it, and the reply's reach
    page.get_by_role("link", name="Leaderboard").click()
    page.get_by_role("link", name="My points").click()
    bonus = history.locator("tr").filter(has_text="Reach bonus")
    expect(bonus).to_contain_text("+9")
    expect(bonus).to_contain_text("likes 7")
    reply_row = page.locator("#points-replies tbody tr").first
    expect(reply_row.locator("td").nth(2)).to_have_text("7")
    # AND this month's board, chosen in the selector, counts the bonus with the reply
    page.get_by_role("link", name="Leaderboard").click()
    page.get_by_label("Period").select_option("month")
    row = page.locator("#board-page tbody tr.me")
    expect(row).to_contain_text("First reply")
    points = int(row.locator("td.num").last.inner_text().replace(",", ""))
    assert points >= 10 + 9
    context.close()


def test_an_admin_edits_the_points_rules_and_sees_the_field_at_fault(
    demo: dict[str, Any], browser: Any
) -> None:
    """GIVEN the Rules screen WHEN an admin sets a positive penalty for a rejected reply THEN
    that field is marked with the server's reason and nothing is saved; WHEN she sets -3 THEN
    it is saved and shown back; an advocate has no Rules screen."""
    expect = sync_api.expect
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    _sign_in(page, demo, "emp.owen.price")
    page.get_by_role("link", name="Rules").click()
    penalty = page.get_by_label("A rejected reply (0 or less)")
    expect(penalty).to_have_value("-5")
    expect(page.get_by_label("A posted reply")).to_have_value("10")

    penalty.fill("5")
    page.get_by_role("button", name="Save points rules").click()
    expect(penalty).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#pr-reply-rejected-error")).to_contain_text(re.compile(r"0|less"))
    expect(page.locator("#points-rules-error")).to_contain_text("reply rejected")

    penalty.fill("-3")
    page.get_by_role("button", name="Save points rules").click()
    expect(page.locator("#status")).to_contain_text("Points rules saved")
    expect(penalty).not_to_have_attribute("aria-invalid", "true")
    page.reload()
    page.get_by_role("link", name="Rules").click()
    expect(page.get_by_label("A rejected reply (0 or less)")).to_have_value("-3")
    expect(page.locator("#points-rules-json")).to_have_value(re.compile(r'"reply_rejected": -3'))
    page.get_by_role("button", name="Sign out").click()

    _sign_in(page, demo, demo["assigned_to"])
    expect(page.get_by_role("link", name="Rules")).to_have_count(0)
    context.close()
