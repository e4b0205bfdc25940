"""`crowdcare demo --no-serve --json`: the whole system, end to end, as a new user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from crowdcare_local.demo.samples import load_deliveries

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def demo_run(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], Path]:
    """Run the demo once, in its own process, with its outbox in a temporary folder."""
    outbox = tmp_path_factory.mktemp("outbox")
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "crowdcare_local.cli",
            "demo",
            "--no-serve",
            "--json",
            "--port",
            "0",
            "--outbox",
            str(outbox),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=1500,  # the whole demo on moto; a generous bound, never a speed claim
        check=False,
    )
    return completed, outbox


@pytest.fixture(scope="module")
def summary(demo_run: tuple[subprocess.CompletedProcess[str], Path]) -> dict[str, Any]:
    completed, _ = demo_run
    assert completed.returncode == 0, completed.stderr[-3000:]
    parsed: dict[str, Any] = json.loads(completed.stdout)
    return parsed


def test_demo_prints_one_json_object_and_progress_on_stderr(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    """stdout is exactly one JSON object; progress goes to stderr."""
    completed, _ = demo_run
    # GIVEN/WHEN the demo ran with --json
    # THEN stdout holds one line of JSON and stderr shows the progress
    assert len(completed.stdout.strip().splitlines()) == 1
    assert "Replaying webhooks" in completed.stderr
    assert "Waiting for workflows" in completed.stderr


def test_library_noise_goes_to_the_log_next_to_the_outbox(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    """stderr is progress only; the functions' logs and the libraries' warnings are in
    demo.log next to the outbox, and stderr says where."""
    completed, outbox = demo_run
    log = outbox.parent / "demo.log"
    # GIVEN/WHEN the demo ran (its sample has rejected deliveries, which the webhooks log)
    # THEN stderr names the log and holds no log records, metric dumps or warnings
    assert f"Logs of the functions and libraries: {log}" in completed.stderr
    for noise in ('"level"', "CloudWatchMetrics", "urllib3", "Warning"):
        assert noise not in completed.stderr
    # AND the log file has the webhook's warnings
    assert "webhook rejected" in log.read_text(encoding="utf-8")


def test_replay_time_and_total_are_separate(summary: dict[str, Any]) -> None:
    """The summary times the replay itself apart from the whole run."""
    # GIVEN/WHEN the demo ran
    # THEN the replay took some time, less than the run that also booted and waited
    assert 0 < summary["replay_seconds"] < summary["elapsed_seconds"]


def test_every_delivery_is_accounted_for(summary: dict[str, Any]) -> None:
    """Each sample delivery is accepted, dropped as a duplicate, or rejected with a reason."""
    # GIVEN the bundled sample
    deliveries = load_deliveries()
    tampered = sum(1 for d in deliveries if d.tamper)
    # WHEN the demo replayed it (fixture)
    d = summary["deliveries"]
    # THEN the counts add up and every tampered delivery was rejected
    assert d["sent"] == len(deliveries)
    assert d["rejected"] == tampered
    assert d["accepted_deliveries"] + d["rejected"] == d["sent"]
    assert d["duplicates_dropped"] >= 10
    # AND the stored mentions are the replay's, Meta's and the poller's, nothing else
    platforms = summary["platforms"]
    polled = sum(run["accepted"] for run in platforms["polled"]["sources"].values())
    assert summary["mentions"]["stored"] == (
        d["mentions_accepted"] + platforms["meta"]["mentions_accepted"] + polled
    )
    reasons = " ".join(d["rejected_by_reason"])
    for expected in ("401", "400", "413"):
        assert expected in reasons


def test_every_mention_finished_its_workflow(summary: dict[str, Any]) -> None:
    """Every stored mention ran one execution to completion and nothing is left received."""
    # GIVEN/WHEN the demo ran
    # THEN there is one execution per mention, none failed, none is stuck
    assert summary["workflow"]["executions"] == summary["mentions"]["stored"]
    assert summary["failures"]["executions_failed"] == 0
    assert "received" not in summary["mentions"]["by_status"]
    assert sum(summary["triage"]["route"].values()) == summary["mentions"]["stored"]
    assert set(summary["triage"]["route"]) == {"none", "community", "employee"}


def test_assignments_and_notifications_agree(summary: dict[str, Any]) -> None:
    """Each attempt that reached its wait was emailed once; every assignment workflow ended in
    a reply or an admin alert (or a queue), and the lifecycle reassigned and escalated."""
    # GIVEN/WHEN the demo ran with SLAs of seconds and every third responder replying
    statuses = summary["mentions"]["by_status"]
    lifecycle = summary["lifecycle"]
    # THEN every workflow finished: nothing is left assigned
    assert "assigned" not in statuses
    assert summary["assignments"]["total"] == statuses.get("replied", 0) + statuses.get(
        "overdue", 0
    )
    # AND each notified attempt got one email (nobody's email is suppressed in the sample)
    assert summary["notifications"]["emails_sent"] == summary["notifications"][
        "attempts_notified"
    ]
    assert summary["notifications"]["attempts_notified"] <= lifecycle["attempts"]
    # AND the demo shows replies, reassignments, escalations and admin alerts
    assert lifecycle["replied"] > 0
    assert lifecycle["reassigned"] > 0
    assert lifecycle["escalated"] > 0
    assert lifecycle["admins_alerted"] > 0
    assert lifecycle["replied"] == statuses.get("replied", 0)
    assert lifecycle["seconds_to_reach_an_employee"]["count"] > 0


def test_outbox_holds_the_emails_and_sms(
    demo_run: tuple[subprocess.CompletedProcess[str], Path], summary: dict[str, Any]
) -> None:
    """The outbox folder has one .eml per email sent and one line per SMS."""
    _, outbox = demo_run
    # GIVEN/WHEN the demo ran
    # THEN the files match the counts read back from the emulator
    assert len(list(outbox.glob("*.eml"))) == summary["notifications"]["emails_sent"]
    sms_lines = (outbox / "sms.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(sms_lines) == summary["notifications"]["sms_sent"]


def test_every_platform_arrives_by_its_own_way(summary: dict[str, Any]) -> None:
    """Mentions from all seven platforms are stored, through webhooks (generic, X, Meta) and
    the poller (Reddit, Mastodon, Bluesky, X search), and every stored mention is attributed."""
    # GIVEN/WHEN the demo replayed the sample, posted the Meta deliveries and polled once
    platforms = summary["platforms"]
    by_platform = platforms["by_platform"]
    # THEN every platform has stored mentions
    assert set(by_platform) == {
        "x", "facebook", "instagram", "reddit", "mastodon", "bluesky", "generic"
    }
    assert all(info["stored"] > 0 for info in by_platform.values())
    # AND each arrived the way that platform delivers
    assert by_platform["x"]["via"].keys() == {"x webhook", "poller"}
    for meta_platform in ("facebook", "instagram"):
        assert by_platform[meta_platform]["via"]["meta webhook"] == 2
    for polled in ("reddit", "mastodon", "bluesky"):
        assert by_platform[polled]["via"]["poller"] > 0
    # AND the counts add up: nothing stored without a known way in, nothing dropped
    assert platforms["stored"] == summary["mentions"]["stored"]
    assert sum(info["stored"] for info in by_platform.values()) == platforms["stored"]
    assert all("unknown" not in info["via"] for info in by_platform.values())
    webhook_mentions = sum(
        info["via"].get("generic webhook", 0) + info["via"].get("x webhook", 0)
        for info in by_platform.values()
    )
    assert webhook_mentions == summary["deliveries"]["mentions_accepted"]
    assert platforms["meta"]["mentions_accepted"] == 4
    polled_sources = platforms["polled"]["sources"]
    assert len(polled_sources) == 7
    assert all(run["outcome"] == "caught up" for run in polled_sources.values())
    assert sum(run["accepted"] for run in polled_sources.values()) == 12
    assert sum(info["via"].get("poller", 0) for info in by_platform.values()) == 12


def test_the_broken_meta_entry_is_parked(summary: dict[str, Any]) -> None:
    """The Meta delivery's entry without a sender is parked with its reason, the rest stored."""
    # GIVEN/WHEN the demo posted the Meta deliveries (one entry has no "from")
    parking = summary["ingest_parking"]
    # THEN exactly that entry waits in the ingest parking queue, with what was wrong
    assert summary["platforms"]["meta"]["parked"] == 1
    assert parking["parked"] == 1
    entry = parking["entries"][0]
    assert entry["platform"] == "facebook"
    assert any("from" in str(detail) for detail in entry["details"])


def test_replies_are_posted_retried_and_parked(summary: dict[str, Any]) -> None:
    """Replies go out through the reply pipeline to several platforms; one is retried after
    a 503, one is parked with its 500; every reply call is accounted for."""
    # GIVEN/WHEN every third notified responder replied during the demo
    replies = summary["replies"]
    errors = replies["errors_by_reason"]
    # THEN replies were posted on several platforms, and the reach tracker read them
    assert len(replies["posted"]) >= 5
    posted = sum(replies["posted"].values())
    assert replies["reach_tracker"]["read"] == posted
    assert replies["reach_tracker"]["failed"] == 0
    assert replies["reach_tracker"]["likes"] > 0
    # AND one delivery was retried, one reply parked with its error
    assert replies["retried_deliveries"] >= 1
    assert len(replies["parked"]) == 1
    assert replies["parked"][0]["platform"] == "facebook"
    assert "HTTP 500" in replies["parked"][0]["error"]
    assert replies["dead_letters"] == 1
    # AND the counts add up: every reply is posted or parked, every call is counted
    assert replies["not_finished"] == 0
    assert posted + len(replies["parked"]) == replies["submitted"]
    not_submitted = sum(n for reason, n in errors.items() if reason.startswith("not submitted"))
    assert replies["submitted"] + not_submitted == replies["responders_replying"]
    not_recorded = sum(n for reason, n in errors.items() if not reason.startswith("not submitted"))
    assert replies["workflow_recorded"] + not_recorded == replies["submitted"]
    assert replies["workflow_recorded"] == summary["lifecycle"]["replied"]
    # AND most replies reached their workflow in time
    assert replies["workflow_recorded"] > replies["responders_replying"] // 2


def test_every_aws_call_is_allowed_by_the_calling_functions_policy(
    summary: dict[str, Any],
) -> None:
    """Every call a function made in the demo is allowed by its own policy in template.yaml."""
    # GIVEN the demo's run through every function (moto enforces no IAM itself)
    checked = summary["least_privilege"]
    # WHEN its calls were judged against the template's policies
    # THEN the whole path was seen making calls, and none was denied
    assert {
        "WebhooksFunction",
        "PollerFunction",
        "StarterFunction",
        "RouteFunction",
        "PickFunction",
        "NotifierFunction",
        "ReleaseFunction",
        "RecordReplyFunction",
        "ReplyPosterFunction",
        "ReachTrackerFunction",
        "AnalyticsFunction",
    } <= set(checked["checked_functions"])
    assert checked["calls_checked"] > 50
    assert checked["denied"] == []
