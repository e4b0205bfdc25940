"""`crowdcare spikes` and `crowdcare faq`: files or stdin in, JSON out, bad input named by line."""

from __future__ import annotations

import argparse
import io
import json
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crowdcare_local import faq_cli, spikes_cli
from crowdcare_local.cli import build_parser

Configure = Callable[[argparse.ArgumentParser], None]
Run = Callable[[argparse.Namespace, Any, Any, Any], int]


def invoke(configure: Configure, run: Run, stdin_text: str, *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    configure(parser)
    stdout, stderr = io.StringIO(), io.StringIO()
    code = run(parser.parse_args(list(argv)), io.StringIO(stdin_text), stdout, stderr)
    return code, stdout.getvalue(), stderr.getvalue()


def spikes(stdin_text: str, *argv: str) -> tuple[int, str, str]:
    return invoke(spikes_cli.configure_parser, spikes_cli.run, stdin_text, *argv)


def faq(stdin_text: str, *argv: str) -> tuple[int, str, str]:
    return invoke(faq_cli.configure_parser, faq_cli.run, stdin_text, *argv)


def volume_csv(days: int = 3, burst_at: int | None = None) -> str:
    """A deterministic daily rhythm (10..50 per bucket) with an optional 30-minute burst."""
    start = datetime(2026, 3, 2, tzinfo=UTC)
    rows = ["timestamp,value"]
    for i in range(days * 288):
        moment = start + i * timedelta(minutes=5)
        value = round(30 + 20 * math.sin(2 * math.pi * i / 288) + (i * 7919 % 5))
        if burst_at is not None and burst_at <= i < burst_at + 6:
            value += 400
        rows.append(f"{moment:%Y-%m-%d %H:%M:%S},{value}")
    return "\n".join(rows) + "\n"


def test_spikes_prints_one_json_line_per_alert_with_exactly_four_keys() -> None:
    """A burst in a CSV on stdin gives one alert line: timestamp, value, expected, reason."""
    # GIVEN three days with a burst on day three
    stdin = volume_csv(burst_at=2 * 288 + 40)
    # WHEN `crowdcare spikes -` reads it
    code, out, err = spikes(stdin, "-", "--subject", "negative mentions")
    # THEN exit 0, nothing on stderr, one alert at the burst's third bucket (it has held 15
    # minutes), its time as written
    assert (code, err) == (0, "")
    alerts = [json.loads(line) for line in out.splitlines()]
    assert len(alerts) == 1
    assert set(alerts[0]) == {"timestamp", "value", "expected", "reason"}
    assert alerts[0]["timestamp"] == "2026-03-04 03:30:00"
    assert alerts[0]["value"] > 400 > alerts[0]["expected"]
    assert alerts[0]["reason"].startswith("negative mentions: ")


def test_spikes_reads_a_file_argument(tmp_path: Path) -> None:
    """A file path works like stdin."""
    # GIVEN the same CSV in a file
    path = tmp_path / "volume.csv"
    path.write_text(volume_csv(burst_at=2 * 288 + 40), encoding="utf-8")
    # WHEN it is passed as the argument
    code, out, _ = spikes("", str(path))
    # THEN the alert is the same
    assert code == 0
    assert len(out.splitlines()) == 1


def test_spikes_bad_row_names_its_line_and_exits_2() -> None:
    """A row with a word for a value stops the run with its line number."""
    # GIVEN a CSV whose fourth line is broken
    stdin = (
        "timestamp,value\n2026-03-02 00:00:00,3\n2026-03-02 00:05:00,4\n2026-03-02 00:10:00,many\n"
    )
    # WHEN the command runs
    code, _, err = spikes(stdin)
    # THEN exit 2 and the line is named
    assert code == 2
    assert "line 4" in err
    assert "'many' is not a number" in err


def test_spikes_rejects_bad_timestamps_and_negative_values() -> None:
    """A non-ISO timestamp, a negative count or a missing column is a bad row."""
    for row, message in (
        ("yesterday,3", "not ISO 8601"),
        ("2026-03-02 00:00:00,-1", "must be a finite count"),
        ("2026-03-02 00:00:00", "expected 2 columns"),
    ):
        # GIVEN a header and one bad row / WHEN the command runs
        code, _, err = spikes(f"timestamp,value\n{row}\n")
        # THEN exit 2 with a message naming line 2
        assert code == 2
        assert "line 2" in err
        assert message in err


def test_spikes_empty_input_prints_nothing() -> None:
    """No input, or only the header: no output and exit 0."""
    for stdin in ("", "timestamp,value\n", "\n\n"):
        # GIVEN / WHEN
        code, out, err = spikes(stdin)
        # THEN
        assert (code, out, err) == (0, "", "")


def test_spikes_skips_out_of_order_rows_and_says_how_many() -> None:
    """A row older than the previous one is skipped and counted on stderr; the run succeeds."""
    # GIVEN a CSV with one row moved back in time
    rows = volume_csv(days=1).splitlines()
    rows.insert(100, rows[50])
    # WHEN the command runs
    code, out, err = spikes("\n".join(rows) + "\n")
    # THEN exit 0, no alerts, and the skipped row is reported
    assert (code, out) == (0, "")
    assert "1 row(s) at or before an earlier row's time skipped" in err


POSTS = [
    {"id": "r1", "text": "how do I get a refund for my order?"},
    {"id": "r2", "text": "I want a refund, the order arrived broken"},
    {"id": "r3", "text": "refund please, my order never came"},
    {"id": 4, "text": "where is my refund? order cancelled last week"},
    {"id": "x1", "text": "who won the game last night", "lang": "en"},
]


def test_faq_prints_one_object_with_clusters_and_unclustered_ids() -> None:
    """Posts in, one JSON object out: labelled clusters of ids, and the ids left out."""
    # GIVEN four refund posts (one with a numeric id) and one stray, as JSON lines
    stdin = "\n".join(json.dumps(post) for post in POSTS) + "\n"
    # WHEN `crowdcare faq` reads them
    code, out, err = faq(stdin)
    # THEN exactly one object: one cluster of the refund posts and the stray unclustered
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert set(result) == {"clusters", "unclustered"}
    (cluster,) = result["clusters"]
    assert set(cluster) == {"label", "size", "members", "representative"}
    assert sorted(map(str, cluster["members"])) == ["4", "r1", "r2", "r3"]
    assert cluster["size"] == 4
    assert cluster["representative"] in cluster["members"]
    assert "refund" in cluster["label"]
    assert result["unclustered"] == ["x1"]


def test_faq_bad_line_names_its_number_and_prints_nothing() -> None:
    """A line without text stops the run before any output, exit 2."""
    # GIVEN a good line, a blank line and a line with no text
    stdin = json.dumps(POSTS[0]) + "\n\n" + json.dumps({"id": "q"}) + "\n"
    # WHEN the command runs
    code, out, err = faq(stdin)
    # THEN exit 2, no output, line 3 named
    assert (code, out) == (2, "")
    assert "line 3" in err
    assert "text" in err


def test_faq_rejects_broken_json_and_repeated_ids() -> None:
    """Not-JSON and a repeated id are bad lines too."""
    for stdin, message in (
        ("{not json\n", "line 1"),
        (json.dumps(POSTS[0]) + "\n" + json.dumps(POSTS[0]) + "\n", "line 2: id 'r1'"),
    ):
        # GIVEN / WHEN
        code, out, err = faq(stdin)
        # THEN
        assert (code, out) == (2, "")
        assert message in err


def test_faq_empty_and_single_post_inputs() -> None:
    """No posts: empty lists; one post: it is unclustered."""
    # GIVEN / WHEN / THEN
    assert json.loads(faq("")[1]) == {"clusters": [], "unclustered": []}
    assert json.loads(faq(json.dumps(POSTS[0]) + "\n")[1]) == {
        "clusters": [],
        "unclustered": ["r1"],
    }


def test_both_commands_are_mounted_on_the_crowdcare_parser() -> None:
    """`crowdcare spikes FILE` and `crowdcare faq FILE` parse to their subcommands."""
    # GIVEN the console script's parser / WHEN both commands are parsed
    parser = build_parser()
    spikes_args = parser.parse_args(["spikes", "volume.csv"])
    faq_args = parser.parse_args(["faq"])
    # THEN each has its command and input (stdin by default)
    assert (spikes_args.command, spikes_args.input) == ("spikes", "volume.csv")
    assert (faq_args.command, faq_args.input, faq_args.embedder) == ("faq", "-", "tfidf")


def test_spikes_gaps_are_compared_only_across_counted_buckets() -> None:
    """Six missing hours are neither silence nor a surge; a burst after the gap still alerts."""
    # GIVEN three days with hours 6-12 of day three missing, with and without a later burst
    quiet = volume_csv().splitlines()
    del quiet[1 + 2 * 288 + 72 : 1 + 2 * 288 + 144]
    bursty = volume_csv(burst_at=2 * 288 + 180).splitlines()
    del bursty[1 + 2 * 288 + 72 : 1 + 2 * 288 + 144]
    # WHEN the command reads each
    quiet_run = spikes("\n".join(quiet) + "\n")
    code, out, err = spikes("\n".join(bursty) + "\n")
    # THEN the gap alone raises nothing, and the burst 3 hours after it is found as usual
    assert quiet_run == (0, "", "")
    assert (code, err) == (0, "")
    assert [json.loads(line)["timestamp"] for line in out.splitlines()] == ["2026-03-04 15:10:00"]


def test_spikes_a_missing_file_is_a_clear_error() -> None:
    """A path that does not exist: exit 2, the path named, nothing printed."""
    # GIVEN / WHEN
    code, out, err = spikes("", "/nonexistent/volume.csv")
    # THEN
    assert (code, out) == (2, "")
    assert "/nonexistent/volume.csv" in err


def test_spikes_accepts_a_spreadsheet_byte_order_mark() -> None:
    """A CSV saved as "CSV UTF-8" (a BOM before the header) reads like any other."""
    # GIVEN the burst CSV with a byte-order mark
    stdin = "\ufeff" + volume_csv(burst_at=2 * 288 + 40)
    # WHEN / THEN one alert and no error
    code, out, err = spikes(stdin)
    assert (code, err) == (0, "")
    assert len(out.splitlines()) == 1


def test_spikes_keeps_alerts_printed_before_a_bad_row() -> None:
    """A bad row late in the file stops the run, but the alerts already printed stand."""
    # GIVEN the burst CSV followed by a row with a bad timestamp
    lines = volume_csv(burst_at=2 * 288 + 40).splitlines()
    stdin = "\n".join([*lines, "2026-03-05 25:00:00,3"]) + "\n"
    # WHEN the command runs
    code, out, err = spikes(stdin)
    # THEN the alert was printed, then exit 2 naming the last line
    assert code == 2
    assert len(out.splitlines()) == 1
    assert f"line {len(lines) + 1}:" in err
