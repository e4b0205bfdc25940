"""The `crowdcare` command: run the system locally, triage text, operate a stack."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from crowdcare_local import faq_cli, ops, spikes_cli, triage_cli


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crowdcare",
        description="CrowdCare: social customer service, run locally on an embedded AWS emulator.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser(
        "demo", help="boot the local stack, replay the bundled sample mentions, print a summary"
    )
    demo.add_argument(
        "--no-serve", action="store_true", help="exit after the summary instead of serving"
    )
    demo.add_argument(
        "--json", action="store_true", help="print the summary as one JSON object on stdout"
    )
    demo.add_argument(
        "--port", type=int, default=8000, help="local API port (default 8000; 0 picks a free one)"
    )
    demo.add_argument(
        "--outbox",
        type=Path,
        default=Path(".crowdcare/outbox"),
        help="where sent email/SMS are written",
    )

    triage = commands.add_parser(
        "triage", help="triage JSON lines from a file or stdin, one JSON line out per input"
    )
    triage_cli.configure_parser(triage)
    spikes_cli.configure_parser(commands.add_parser(
        "spikes", help="spike alerts over a CSV of 5-minute volumes, one JSON line per alert"
    ))
    faq_cli.configure_parser(commands.add_parser(
        "faq", help="cluster JSON-lines posts into FAQ candidates, one JSON object out"
    ))
    ops.configure_parsers(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "demo":
        from crowdcare_local.demo import run_demo  # noqa: PLC0415 - keeps `crowdcare triage` fast

        return run_demo(
            serve=not args.no_serve, as_json=args.json, port=args.port, outbox=args.outbox
        )
    if args.command in ops.OPS_COMMANDS:
        from crowdcare_local.ops import commands  # noqa: PLC0415 - boto3 only when needed

        return commands.run(args, sys.stdout, sys.stderr)
    runner = {"spikes": spikes_cli.run, "faq": faq_cli.run}.get(args.command, triage_cli.run)
    return runner(args, sys.stdin, sys.stdout, sys.stderr)


if __name__ == "__main__":
    raise SystemExit(main())
