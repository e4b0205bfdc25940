"""`crowdcare spikes`: run the streaming spike detector over a CSV of bucket volumes.

Input: a header line `timestamp,value`, then one row per bucket (5 minutes by default), oldest
first. Timestamps are ISO 8601; one without a zone is UTC. Values are mention counts (>= 0).
Output: one JSON line per alert, `{"timestamp", "value", "expected", "reason"}`, printed as soon
as the row that raised it is read (the detector sees only the rows before it).

Gaps (missing buckets) are not read as zero mentions: the detector just compares the buckets it
has. A row at or before the previous row's time (out of order, or repeated) is skipped, as a
late bucket would be in the cloud, and the number skipped is reported on stderr. A bad row stops
the run: its line number is reported on stderr and the exit code is 2.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from crowdcare.rules.spikes import Bucket, SpikeAlert, SpikeRules, SpikeState, observe
from pydantic import ValidationError

HEADER = ["timestamp", "value"]
BOM = "\ufeff"


class BadRowError(ValueError):
    """A CSV row that is not `timestamp,value`."""


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """Add the spikes subcommand's arguments to `parser`."""
    parser.add_argument(
        "input",
        nargs="?",
        default="-",
        help="CSV file `timestamp,value` (default, or `-`: standard input)",
    )
    parser.add_argument(
        "--subject",
        default="mentions",
        help='what the series counts, used in the reason (default "mentions")',
    )
    parser.add_argument(
        "--rules", type=Path, default=None, help="detector thresholds as a JSON document"
    )


def parse_row(row: list[str]) -> Bucket:
    """One CSV row as a bucket; BadRowError says what is wrong with it."""
    if len(row) != 2:
        raise BadRowError(f"expected 2 columns (timestamp,value), got {len(row)}")
    raw_time, raw_value = (cell.strip() for cell in row)
    try:
        moment = datetime.fromisoformat(raw_time)
    except ValueError:
        raise BadRowError(f"timestamp {raw_time!r} is not ISO 8601") from None
    try:
        value = float(raw_value)
    except ValueError:
        raise BadRowError(f"value {raw_value!r} is not a number") from None
    if not value >= 0 or value == float("inf"):
        raise BadRowError(f"value {raw_value!r} must be a finite count >= 0")
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return Bucket(timestamp=moment, value=value)


def to_output(raw_timestamp: str, alert: SpikeAlert) -> dict[str, object]:
    """The JSON object printed for one alert (the timestamp as it was written)."""
    return {
        "timestamp": raw_timestamp,
        "value": _number(alert.value),
        "expected": _number(alert.expected),
        "reason": alert.reason,
    }


def run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    """Print alerts for the series; 0 when the input was good, 2 on a bad row or option."""
    try:
        rules = (
            SpikeRules.model_validate_json(args.rules.read_text(encoding="utf-8"))
            if args.rules
            else SpikeRules()
        )
        # nullcontext: standard input is not ours to close.
        source: AbstractContextManager[TextIO] = (
            nullcontext(stdin)
            if args.input == "-"
            else Path(args.input).open(encoding="utf-8", newline="")  # noqa: SIM115 - with below
        )
    except (OSError, ValidationError) as error:
        print(f"crowdcare spikes: {error}", file=stderr)
        return 2
    state = SpikeState()
    with source as lines:
        reader = csv.reader(lines)
        for row in reader:
            number = reader.line_num
            if not row or not "".join(row).strip():
                continue
            if number == 1 and row:
                # A spreadsheet's "CSV UTF-8" starts with a byte-order mark; it is not data.
                row[0] = row[0].lstrip(BOM)
            if state.seen == 0 and state.late == 0 and [c.strip().lower() for c in row] == HEADER:
                continue
            try:
                bucket = parse_row(row)
            except BadRowError as error:
                print(f"crowdcare spikes: line {number}: {error}", file=stderr)
                return 2
            state, alert = observe(state, bucket, rules, args.subject)
            if alert is not None:
                stdout.write(json.dumps(to_output(row[0].strip(), alert)) + "\n")
                stdout.flush()
    if state.late:
        print(
            f"crowdcare spikes: {state.late} row(s) at or before an earlier row's time skipped",
            file=stderr,
        )
    return 0


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


def main(argv: list[str] | None = None) -> int:
    """Standalone entry point (the `crowdcare` console script also mounts this subcommand)."""
    parser = argparse.ArgumentParser(prog="crowdcare spikes", description=__doc__)
    configure_parser(parser)
    return run(parser.parse_args(argv), sys.stdin, sys.stdout, sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
