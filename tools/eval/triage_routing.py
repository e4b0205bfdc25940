"""Routing safety on the demo sample, embedded triage throughput and cold start.

* Routing: every valid delivery of `infra/local/crowdcare_local/samples/mentions.jsonl` through
  the embedded engine with the sample's responders. The sample's `note` says what a person
  judged each post to be ("angry (...)", "abusive (...)", "question (...)"): how many angry or
  abusive posts (by note, or by the model) reach a volunteer must be 0, and how many posts
  that need an answer (question, complaint, technical, legal) are dropped should be 0.
* Throughput: mentions per second through `TriageEngine` + the embedded models on one core,
  over the sample plus the inbound tweets of twcs_threads_5000.csv.
* Cold start: a fresh interpreter importing the triage function's handler module, building
  its provider (loading the artifact and the language model) and triaging one mention.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from crowdcare.domain.models import ResponderKind
from crowdcare.rules.triage import EmbeddedModelProvider, RouteKind, TriageEngine, TriageRules
from crowdcare_local.demo import load_responders

from tools.bench.run_bench import (
    NOW,
    TWCS_FILE,
    delivery_mentions,
    one_core,
    twcs_mentions,
    valid_deliveries,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
ABUSE_NOTES = ("angry", "abusive")
NEEDS_ANSWER_NOTES = ("question", "complaint", "technical", "legal", "safety")


@dataclass(frozen=True)
class RoutingFigures:
    """What happened to the sample's posts."""

    mentions: int
    routes: dict[str, int]
    abuse_to_volunteer: int
    flagged_to_volunteer: int
    needs_answer_dropped: int
    dropped_examples: tuple[str, ...]


def routing_on_sample() -> RoutingFigures:
    """Triage the demo sample and count unsafe or dropped decisions."""
    rules = TriageRules.default()
    engine = TriageEngine(EmbeddedModelProvider(rules), rules)
    responders = load_responders()
    advocates = {r.responder_id for r in responders if r.kind is ResponderKind.ADVOCATE}
    routes: Counter[str] = Counter()
    abuse = flagged = dropped = 0
    examples: list[str] = []
    for delivery in valid_deliveries():
        note = delivery.note.lower()
        for mention in delivery_mentions(delivery):
            result = engine.triage(mention, responders, NOW)
            route = result.decision.route
            routes[route.value] += 1
            to_volunteer = route is RouteKind.COMMUNITY or bool(
                advocates & set(result.decision.candidates)
            )
            if to_volunteer and note.startswith(ABUSE_NOTES):
                abuse += 1
            if to_volunteer and (result.analysis.offensive or result.analysis.angry):
                flagged += 1
            if route is RouteKind.NONE and note.startswith(NEEDS_ANSWER_NOTES):
                dropped += 1
                examples.append(f"{delivery.note}: {mention.text[:60]}")
    return RoutingFigures(
        sum(routes.values()), dict(routes), abuse, flagged, dropped, tuple(examples)
    )


@dataclass(frozen=True)
class Throughput:
    """Mentions per wall-clock second and per CPU-second of this process, on one core.

    On a shared machine the wall-clock figure includes time other processes held the core;
    the CPU-second figure is what one core does for triage alone.
    """

    per_wall_second: float
    per_cpu_second: float
    corpus: int
    pinning: str


@dataclass(frozen=True)
class CareThreadFigures:
    """What happens to real inbound care tweets (twcs): the issue's two measurements."""

    profane: int
    profane_to_volunteer: int
    non_english: int
    non_english_dropped: int


# A probe independent of the rules' own profanity list, so the figure is not circular.
PROFANITY_PROBE = re.compile(
    r"\b(?:fuck\w*|f\*+k\w*|shit\w*|bullshit|crap\w*|damn\w*|bitch\w*|wtf|ass|asshole\w*"
    r"|piss\w*|bastard\w*|dick\w*|stfu)\b",
    re.IGNORECASE,
)


def care_thread_figures(data: Path) -> CareThreadFigures:
    """Profane tweets that reach a volunteer, non-English tweets routed to nobody."""
    rules = TriageRules.default()
    engine = TriageEngine(EmbeddedModelProvider(rules), rules)
    responders = load_responders()
    advocates = {r.responder_id for r in responders if r.kind is ResponderKind.ADVOCATE}
    profane = profane_out = foreign = foreign_dropped = 0
    for mention in twcs_mentions(data / TWCS_FILE):
        is_profane = PROFANITY_PROBE.search(mention.text) is not None
        result = engine.triage(mention, responders, NOW)
        route = result.decision.route
        if is_profane:
            profane += 1
            if route is RouteKind.COMMUNITY or advocates & set(result.decision.candidates):
                profane_out += 1
        if result.analysis.language != "en":
            foreign += 1
            foreign_dropped += route is RouteKind.NONE
    return CareThreadFigures(profane, profane_out, foreign, foreign_dropped)


def throughput(data: Path, count: int = 4_000) -> Throughput:
    """Mentions per second on one core after a warm-up, by wall clock and by CPU time."""
    rules = TriageRules.default()
    engine = TriageEngine(EmbeddedModelProvider(rules), rules)
    responders = load_responders()
    corpus = [m for d in valid_deliveries() for m in delivery_mentions(d)]
    twcs = data / TWCS_FILE
    if twcs.exists():
        corpus += twcs_mentions(twcs)
    with one_core() as pinning:
        for mention in corpus[:200]:
            engine.triage(mention, responders, NOW)
        started, cpu_started = time.perf_counter(), time.process_time()
        for index in range(count):
            engine.triage(corpus[index % len(corpus)], responders, NOW)
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_started
    return Throughput(count / elapsed, count / cpu, len(corpus), pinning)


COLD_PROBE = """
import time
started = time.perf_counter()
import app  # the triage function's handler module
from crowdcare.rules.triage import EmbeddedModelProvider, TriageRules, analyze
rules = TriageRules.default()
provider = EmbeddedModelProvider(rules)  # what build_triage_steps does on the first call
analyze("My Brightwave Thermo stopped heating, help!", None, provider, rules)
print(time.perf_counter() - started)
"""


def cold_start_seconds(runs: int = 3) -> float:
    """Median seconds, fresh interpreter: import the handler, load the models, one analyze."""
    path = f"{REPO_ROOT / 'functions/triage'}:{REPO_ROOT / 'layers/core'}"
    times: list[float] = []
    for _ in range(runs + 1):  # the first run writes bytecode and is not counted
        result = subprocess.run(  # our own interpreter running our own probe
            [sys.executable, "-c", COLD_PROBE],
            env={"PYTHONPATH": path, "PATH": ""},
            capture_output=True, text=True, timeout=120, check=True,
        )
        times.append(float(result.stdout.strip().splitlines()[-1]))
    return sorted(times[1:])[len(times[1:]) // 2]
