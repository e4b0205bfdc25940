"""`crowdcare demo --no-serve --json`: the whole system, end to end, as a new user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from crowdcare_local.demo import load_deliveries

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
        timeout=600,
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
    assert summary["mentions"]["stored"] == d["mentions_accepted"]
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
