"""Running the operator commands: find the stack, do the work, print a report, pick an exit code."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any, TextIO

from botocore.exceptions import BotoCoreError, ClientError
from crowdcare.adapters.responders_csv import CsvFileError, parse_responders

from crowdcare_local.ops import admin, parked
from crowdcare_local.ops.backfill import run_backfill
from crowdcare_local.ops.target import Target, TargetError, resolve_target
from crowdcare_local.progress import ProgressBar

OK, LEFT_UNDONE, USAGE = 0, 1, 2


class Report:
    """Where a command writes: JSON on stdout with --json, else lines; progress on stderr."""

    def __init__(self, as_json: bool, out: TextIO, err: TextIO) -> None:
        self.as_json = as_json
        self.out = out
        self.err = err

    def document(self, value: Any) -> None:
        self.out.write(json.dumps(value, indent=2, default=str) + "\n")

    def line(self, text: str = "") -> None:
        self.out.write(text + "\n")

    def problem(self, text: str) -> None:
        if self.as_json:
            self.document({"error": text})
        else:
            self.err.write(f"crowdcare: {text}\n")


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run one operator command; returns its exit code."""
    report = Report(args.json, out, err)
    try:
        target = resolve_target(
            stack=args.stack,
            config_env=args.config_env,
            config_file=args.config_file,
            local=args.local,
            endpoint_url=args.endpoint_url,
            region=args.region,
            profile=args.profile,
        )
        return _dispatch(args, target, report)
    except TargetError as error:
        report.problem(str(error))
        return USAGE
    except (ClientError, BotoCoreError) as error:
        report.problem(f"AWS refused or could not be reached: {error}")
        return USAGE


def _replay_command(args: argparse.Namespace, target: Target, report: Report) -> int:
    if not args.ids and not args.all:
        report.problem("name the messages to replay, or pass --all")
        return USAGE
    return parked_replay(target, report, args.kind, None if args.all else set(args.ids))


_COMMANDS: dict[tuple[str, str | None], Any] = {
    ("parked", "list"): lambda a, t, r: parked_list(t, r, a.kind, a.limit),
    ("parked", "show"): lambda a, t, r: parked_show(t, r, a.kind, a.id),
    ("parked", "replay"): _replay_command,
    ("replies", "retry"): lambda a, t, r: parked_replay(t, r, "replies", set(a.ids) or None),
    ("responders", "import"): lambda a, t, r: responders_import(t, r, a),
    ("cursors", "list"): lambda a, t, r: cursors_list(t, r),
    ("cursors", "reset"): lambda a, t, r: cursors_reset(t, r, a.source),
    ("status", None): lambda a, t, r: show_status(t, r),
    ("backfill", None): lambda a, t, r: run_backfill(t, r, a.dry_run),
}


def _dispatch(args: argparse.Namespace, target: Target, report: Report) -> int:
    command = _COMMANDS[(args.command, getattr(args, "action", None))]
    code: int = command(args, target, report)
    return code


def _when(milliseconds: int | None) -> str:
    if milliseconds is None:
        return "?"
    return datetime.fromtimestamp(milliseconds / 1000, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


# ------------------------------------------------------------------------------ parked
def parked_list(target: Target, report: Report, kind: str, limit: int | None) -> int:
    kinds = [*parked.PARKING_QUEUES, parked.SWEPT] if kind == "all" else [kind]
    listed: dict[str, list[dict[str, Any]]] = {}
    for name in kinds:
        if name == parked.SWEPT:
            listed[name] = [m.as_dict() for m in parked.swept_mentions(target, limit)]
            continue
        lot = parked.PARKING_QUEUES[name]
        listed[name] = [parked.summary(lot, m) for m in parked.listing(target, lot, limit)]
    if report.as_json:
        report.document(
            {k: {"count": len(v), "messages": v} for k, v in listed.items()}
            if kind == "all"
            else {"kind": kind, "count": len(listed[kind]), "messages": listed[kind]}
        )
        return OK
    for name, messages in listed.items():
        holds = (
            "mentions the sweeper parked"
            if name == parked.SWEPT
            else parked.PARKING_QUEUES[name].holds
        )
        report.line(f"{name}: {len(messages)} parked ({holds})")
        for m in messages:
            when = m["since"] if name == parked.SWEPT else _when(m["parked_at_ms"])
            report.line(f"  {m['id']}  {m['key']}  {when}  {m['reason']}")
    return OK


def parked_show(target: Target, report: Report, kind: str, wanted: str) -> int:
    if kind == parked.SWEPT:
        swept = [m.as_dict() for m in parked.swept_mentions(target) if m.mention_id == wanted]
        if not swept:
            report.problem(f"nothing parked in {kind} under {wanted!r}")
            return LEFT_UNDONE
        if report.as_json:
            report.document(swept[0])
        else:
            report.line(json.dumps(swept[0], indent=2))
        return OK
    lot = parked.PARKING_QUEUES[kind]
    found = [m for m in parked.listing(target, lot) if parked.matches(lot, m, {wanted})]
    if not found:
        report.problem(f"nothing parked in {kind} under {wanted!r}")
        return LEFT_UNDONE
    shown = [
        {
            **parked.summary(lot, m),
            "body": m.json_body(),
            "message_attributes": {
                k: v.get("StringValue") for k, v in m.message_attributes.items()
            },
        }
        for m in found
    ]
    if report.as_json:
        report.document(shown[0] if len(shown) == 1 else shown)
    else:
        for entry in shown:
            report.line(json.dumps(entry, indent=2, default=str))
    return OK


def parked_replay(target: Target, report: Report, kind: str, wanted: set[str] | None) -> int:
    if kind == parked.SWEPT:
        total = len(wanted) if wanted is not None else len(parked.swept_mentions(target))
        progress = ProgressBar(f"replaying {kind}", max(total, 1), report.err)
        outcomes = list(
            parked.replay_swept(target, wanted, on_message=lambda _: progress.advance())
        )
    else:
        lot = parked.PARKING_QUEUES[kind]
        total = len(wanted) if wanted is not None else parked.depth(target, lot)
        progress = ProgressBar(f"replaying {kind}", max(total, 1), report.err)
        outcomes = list(parked.replay(target, lot, wanted, on_message=lambda _: progress.advance()))
    progress.done(f"{len(outcomes)} handled")
    grouped = {
        action.value: [o.as_dict() for o in outcomes if o.action is action]
        for action in parked.Action
    }
    missing = sorted(
        (wanted or set()) - {o.key for o in outcomes} - {o.message_id for o in outcomes}
    )
    if report.as_json:
        report.document({"kind": kind, **grouped, "not_found": missing})
    else:
        for outcome in outcomes:
            report.line(f"{outcome.action.value:<8} {outcome.key}: {outcome.detail}")
        for key in missing:
            report.line(f"{'missing':<8} {key}: not parked in {kind}")
        counts = ", ".join(f"{len(v)} {k}" for k, v in grouped.items())
        report.line(f"{kind}: {counts}")
    return LEFT_UNDONE if grouped[parked.Action.FAILED.value] or missing else OK


# ------------------------------------------------------------------------------ responders
def responders_import(target: Target, report: Report, args: argparse.Namespace) -> int:
    try:
        text = args.file.read_text(encoding="utf-8-sig")
        parsed = parse_responders(text)
    except (OSError, UnicodeDecodeError) as error:
        report.problem(f"cannot read {args.file}: {error}")
        return USAGE
    except CsvFileError as error:
        report.problem(f"{args.file}: {error} (nothing was imported)")
        return USAGE
    if args.dry_run:
        outcome: dict[str, Any] = {
            "dry_run": True,
            "valid": [r.responder_id for r in parsed.responders],
            "errors": [e.model_dump(mode="json") for e in parsed.errors],
        }
    else:
        progress = ProgressBar("importing responders", max(len(parsed.responders), 1), report.err)
        result = admin.import_responders(
            target, parsed, invite=not args.no_invite, on_row=progress.advance
        )
        progress.done()
        outcome = result.as_dict()
    if report.as_json:
        report.document(outcome)
    else:
        for key in ("valid", "created", "updated", "invited", "already_invited"):
            if key in outcome:
                report.line(
                    f"{key.replace('_', ' ')}: {len(outcome[key])} {' '.join(outcome[key])}"
                )
        for rid, problem in outcome.get("invite_errors", {}).items():
            report.line(f"invitation failed for {rid}: {problem}")
        for refused in outcome["errors"]:
            who = f" ({refused['responder_id']})" if refused["responder_id"] else ""
            report.line(f"line {refused['line']}{who}: {'; '.join(refused['problems'])}")
    return LEFT_UNDONE if outcome["errors"] or outcome.get("invite_errors") else OK


# ------------------------------------------------------------------------------ cursors
def cursors_list(target: Target, report: Report) -> int:
    cursors = admin.list_cursors(target)
    if report.as_json:
        report.document({"cursors": cursors})
    else:
        for c in cursors:
            moved = c["updated_at"] or "never polled"
            report.line(f"{c['source']:<18} {moved:<34} {c['cursor'] or ''}")
    return OK


def cursors_reset(target: Target, report: Report, source: str) -> int:
    try:
        had_cursor = admin.reset_cursor(target, source)
    except admin.UnknownSourceError as error:
        report.problem(str(error))
        return USAGE
    if report.as_json:
        report.document({"source": source, "reset": had_cursor})
    elif had_cursor:
        report.line(f"{source}: cursor forgotten; the next poll reads the newest page")
    else:
        report.line(f"{source}: had no cursor (nothing to reset)")
    return OK


# ------------------------------------------------------------------------------ status
def show_status(target: Target, report: Report) -> int:
    state = admin.status(target)
    if report.as_json:
        report.document(state)
    else:
        report.line(f"stack             {state['stack']}")
        report.line(f"open assignments  {state['open_assignments']}")
        report.line("queues            " + _pairs(state["queues"]))
        report.line("parked            " + _pairs(state["parked"]))
        for source, moved in state["last_poll"].items():
            report.line(f"  cursor {source:<18} {moved or 'never moved'}")
        alarms = state["alarms_in_alarm"]
        report.line(f"alarms in ALARM   {len(alarms)}")
        for alarm in alarms:
            report.line(f"  {alarm['name']} since {alarm['since']}: {alarm['reason']}")
    return LEFT_UNDONE if admin.needs_attention(state) else OK


def _pairs(values: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in values.items())
