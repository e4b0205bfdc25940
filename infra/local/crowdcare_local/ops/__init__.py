"""Operator commands of the `crowdcare` script: parked work, replies, responders, cursors, status.

They act on a deployed stack (`--stack NAME` or `--config-env ENV` of samconfig.toml, with the
standard AWS credentials) or on the local emulator (`--local`). Every command takes `--json`.
Exit codes: 0 done; 1 done, but something was left (a replay that failed, rows refused, or for
`status` something parked or an alarm firing); 2 bad usage or the stack cannot be reached.

This module only builds the parsers, so that `crowdcare triage` does not import boto3; the
commands live in `crowdcare_local.ops.commands`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

KINDS = ("triage", "ingest", "replies", "notifications", "async", "stream", "swept")
OPS_COMMANDS = ("parked", "replies", "responders", "cursors", "status", "backfill")


def _target_options() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    where = options.add_argument_group("which stack")
    where.add_argument("--stack", help="deployed stack name (CloudFormation)")
    where.add_argument("--config-env", help="environment of samconfig.toml (dev, prod, ...)")
    where.add_argument(
        "--config-file", type=Path, help="samconfig.toml to read (default: ./ or the project's)"
    )
    where.add_argument(
        "--local", action="store_true", help="the local emulator (crowdcare demo, tests)"
    )
    where.add_argument("--endpoint-url", help="emulator address for --local (or AWS_ENDPOINT_URL)")
    where.add_argument("--region", help="AWS region (default: samconfig's, then AWS_REGION)")
    where.add_argument("--profile", help="AWS credentials profile")
    options.add_argument("--json", action="store_true", help="one JSON document on stdout")
    return options


def configure_parsers(commands: Any) -> None:
    """Add the operator commands to the `crowdcare` subcommands."""
    common = _target_options()

    parked = commands.add_parser(
        "parked", help="list, show and replay what waits in the parking queues"
    ).add_subparsers(dest="action", required=True)
    listing = parked.add_parser("list", parents=[common], help="the parked messages of a queue")
    listing.add_argument("kind", choices=(*KINDS, "all"))
    listing.add_argument("--limit", type=int, default=None, help="show at most this many")
    show = parked.add_parser("show", parents=[common], help="one parked message, whole")
    show.add_argument("kind", choices=KINDS)
    show.add_argument("id", help="message id, or its key (mention id, reply id, ...)")
    replay = parked.add_parser(
        "replay",
        parents=[common],
        help="put parked messages back to work; what was already handled is skipped",
    )
    replay.add_argument("kind", choices=KINDS)
    replay.add_argument("ids", nargs="*", help="message ids or keys (default: none, see --all)")
    replay.add_argument("--all", action="store_true", help="replay every parked message")

    replies = commands.add_parser("replies", help="public replies").add_subparsers(
        dest="action", required=True
    )
    retry = replies.add_parser(
        "retry", parents=[common], help="post parked replies again (all, or these reply ids)"
    )
    retry.add_argument("ids", nargs="*", help="reply ids (default: every parked reply)")

    responders = commands.add_parser("responders", help="responders").add_subparsers(
        dest="action", required=True
    )
    load = responders.add_parser(
        "import", parents=[common], help="create or update responders from a CSV file"
    )
    load.add_argument("file", type=Path, help="CSV with the dashboard's import columns")
    load.add_argument("--dry-run", action="store_true", help="check the file, write nothing")
    load.add_argument("--no-invite", action="store_true", help="do not create Cognito sign-ins")

    cursors = commands.add_parser("cursors", help="the pollers' cursors").add_subparsers(
        dest="action", required=True
    )
    cursors.add_parser("list", parents=[common], help="each source's cursor and when it moved")
    reset = cursors.add_parser(
        "reset", parents=[common], help="forget a source's cursor (next run reads the newest page)"
    )
    reset.add_argument("source")

    commands.add_parser(
        "status",
        parents=[common],
        help="open assignments, queues, parked counts, last polls, alarms in ALARM",
    )
    backfill = commands.add_parser("backfill", parents=[common], help="index keys for old items")
    backfill.add_argument("--dry-run", action="store_true", help="count, write nothing")
