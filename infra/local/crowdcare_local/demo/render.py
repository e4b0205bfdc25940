"""The summary as a person reads it, and the banner of the stack that stays up."""

from __future__ import annotations

from typing import Any, TextIO

from crowdcare_local.demo.scenario import ANSWER_EVERY


def render_summary(summary: dict[str, Any], out: TextIO) -> None:
    """The summary as a person reads it."""
    d, m, t = summary["deliveries"], summary["mentions"], summary["triage"]
    a, n, f, w = (
        summary["assignments"],
        summary["notifications"],
        summary["failures"],
        summary["workflow"],
    )
    line = "─" * 64
    out.write(
        f"\n{line}\nCrowdCare demo — {d['sent']} webhook deliveries replayed in "
        f"{summary['replay_seconds']} s; whole run {summary['elapsed_seconds']} s\n{line}\n"
    )
    out.write(
        f"Received    {d['accepted_deliveries']} deliveries accepted → "
        f"{d['mentions_accepted']} new mentions, {d['duplicates_dropped']} duplicates dropped\n"
    )
    if "least_privilege" in summary:
        lp = summary["least_privilege"]
        verdict = "all allowed" if not lp["denied"] else f"{len(lp['denied'])} DENIED"
        out.write(
            f"IAM         {lp['calls_checked']} distinct calls of {lp['functions']} functions "
            f"checked against their policies in template.yaml: {verdict}\n"
        )
        for call in lp["denied"]:
            out.write(f"              {call['function']}: {call['action']} on {call['resource']}\n")
    out.write(f"Rejected    {d['rejected']}\n")
    for reason, count in d["rejected_by_reason"].items():
        out.write(f"              {count:>3} x {reason}\n")
    out.write(
        f"Stored      {m['stored']} mentions: "
        + ", ".join(f"{k} {v}" for k, v in m["by_status"].items())
        + "\n"
    )
    for title, key in (
        ("Languages", "languages"),
        ("Sentiment", "sentiment"),
        ("Intent", "intent"),
        ("Priority", "priority_bands"),
        ("Route", "route"),
    ):
        out.write(f"{title:<12}" + ", ".join(f"{k} {v}" for k, v in t[key].items()) + "\n")
    out.write(
        f"Assigned    {a['total']} mentions "
        f"({a['queued_without_free_responder']} queued: every candidate was full)\n"
    )
    for rid, info in a["per_responder"].items():
        out.write(f"              {info['open']:>3} → {info['name']} ({info['kind']}, {rid})\n")
    out.write(
        f"Notified    {n['emails_sent']} emails, {n['sms_sent']} SMS "
        f"({n['attempts_notified']} assignment attempts notified)\n"
    )
    lc = summary["lifecycle"]
    reach = lc["seconds_to_reach_an_employee"]
    out.write(
        f"Lifecycle   {lc['executions']} assignment workflows, {lc['attempts']} attempts: "
        f"replied {lc['replied']}, timed out {lc['timed_out']}, "
        f"notification failed {lc['notification_failed']}\n"
        f"              {lc['reassigned']} mentions reassigned, {lc['escalated']} escalated "
        f"to an employee, admins alerted {lc['admins_alerted']}\n"
        f"              first assignment → employee: median {reach['median']} s, "
        f"max {reach['max']} s (n={reach['count']})\n"
        f"              {lc['state_transitions_per_execution']} state transitions per "
        f"assignment workflow\n"
    )
    if "platforms" in summary:
        _render_platforms(summary, out)
    out.write("Failures    " + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in f.items()) + "\n")
    out.write(
        f"Workflow    {w['executions']} executions, "
        f"{w['state_transitions_per_mention']} state transitions and "
        f"{w['lambda_invocations_per_mention']} Lambda invocations per mention\n{line}\n"
    )


def _render_platforms(summary: dict[str, Any], out: TextIO) -> None:
    """The platform lines: how mentions arrived, what was parked, what the replies became."""
    pl, parking, r = summary["platforms"], summary["ingest_parking"], summary["replies"]
    out.write(f"Platforms   {pl['stored']} mentions stored, by platform and how they arrived\n")
    for name, info in pl["by_platform"].items():
        via = ", ".join(f"{k} {v}" for k, v in info["via"].items())
        out.write(f"              {name:<10}{info['stored']:>4}  {via}\n")
    meta = pl["meta"]
    out.write(
        f"Meta        {meta['deliveries']} signed deliveries (HTTP "
        + ", ".join(str(s) for s in meta["statuses"])
        + f") → {meta['mentions_accepted']} mentions, {meta['parked']} entry parked\n"
    )
    polled = pl["polled"]
    out.write(
        f"Polled      one PollerFunction run, {len(polled['sources'])} sources → "
        + ", ".join(f"{k} {v['accepted']}" for k, v in polled["sources"].items())
        + "\n"
    )
    problems = [f"{k}: {v['outcome']}" for k, v in polled["sources"].items()
                if v["outcome"] != "caught up"]
    problems += [f"{k}: skipped, {v}" for k, v in polled["skipped"].items()]
    for problem in problems:
        out.write(f"              {problem}\n")
    out.write(f"Parked in   ingest parking queue: {parking['parked']}\n")
    for entry in parking["entries"]:
        details = "; ".join(str(d) for d in entry["details"])
        out.write(f"              {entry['platform']}: {entry['reason']} ({details})\n")
    posted = r["posted"]
    out.write(
        f"Replies     {r['responders_replying']} responders replied (every {ANSWER_EVERY}rd "
        f"notified) → {r['submitted']} submitted to the reply pipeline, "
        f"{r['workflow_recorded']} recorded as replied by their workflow\n"
        f"              posted {sum(posted.values())}: "
        + ", ".join(f"{k} {v}" for k, v in posted.items())
        + f"; {r['retried_deliveries']} delivery retried, {len(r['parked'])} parked, "
        f"{r['not_finished']} unfinished\n"
    )
    for parked in r["parked"]:
        out.write(f"              parked on {parked['platform']}: {parked['error']}\n")
    for reason, count in r["errors_by_reason"].items():
        out.write(f"              {count:>3} x {reason}\n")
    left = r["sla_seconds_left_when_answered"]
    out.write(
        f"              SLA left when the workflow was answered: min {left['min']} s, "
        f"median {left['median']} s\n"
    )
    reach = r["reach_tracker"]
    out.write(
        f"Reach       ReachTrackerFunction read {reach['read']} replies "
        f"(failed {reach['failed']}, unconfigured {reach['unconfigured']}): "
        f"likes {reach['likes']}, reposts {reach['reposts']}, replies {reach['replies']}\n"
    )
    points = r.get("points")
    if points:
        reasons = ", ".join(f"{k} {v:+d}" for k, v in points["by_reason"].items()) or "none"
        ranks = ", ".join(f"{k} {v}" for k, v in points["ranks"].items()) or "none"
        out.write(
            f"Points      by reason: {reasons}; reach bonus {points['reach_bonus']:+d}; "
            f"ranks reached: {ranks}\n"
        )


def render_serving(url: str, platforms_url: str, emulator_url: str, out: TextIO) -> None:
    """Where the stack that stays up answers."""
    out.write(
        "\nThe local stack stays up (Ctrl-C to stop):\n"
        f"  dashboard        {url}/\n"
        f"  health           GET  {url}/health\n"
        f"  generic webhook  POST {url}/webhooks/generic\n"
        f"  X webhook        GET/POST {url}/webhooks/x\n"
        f"  Meta webhook     GET/POST {url}/webhooks/meta\n"
        f"  fake platforms   {platforms_url}  (what the poller reads, where replies go)\n"
        f"  AWS emulator     {emulator_url}  (AWS_ENDPOINT_URL for the aws CLI or boto3)\n"
    )
    out.flush()
