"""Evaluate triage's judgement on public, human-labelled data nobody here wrote.

Run: `make eval` (`.venv/bin/python -m tools.eval.run_eval`). Data is read from
`<repo>/../shared/data` (override the folder with CROWDCARE_SHARED_DATA) and never copied into
the repository. Every figure is on rows the shipped model was not trained on.

1. The embedded models beside the published figures (`tools.eval.triage_models`): TweetEval
   sentiment val macro-recall (less the tweets that also occur in the SemEval train file),
   TweetEval offensive val macro-F1, XLM-T val macro-F1 per language, complaints F1 by
   5-fold cross-validation, needs-reply AUC by 5-fold cross-validation (weak labels).
2. VADER's own tweets (vader_tweets_ground_truth.tsv, 4,200 tweets, mean of 20 human ratings
   -4..+4), for the trained model ("embedded") and the older lexicon provider:
   - Pearson r between compound (model: P(pos) - P(neg)) and the human mean (paper: 0.881);
   - 3-class macro F1: human mean >= +0.5 positive, <= -0.5 negative, else neutral (our
     choice: half a rating point); ours: the label ("mixed" counts as neutral);
   - 2-class F1 (the paper's "F1 = 0.96"): tweets with |human mean| >= 0.5, positive vs
     negative by the sign of compound, macro-averaged.
3. Routing on the demo sample (`tools.eval.triage_routing`): angry or abusive posts reaching a
   volunteer (must be 0), posts needing an answer that were dropped.
4. Embedded triage throughput on one core (target >= 2,000 mentions/s) and the triage
   function's cold start (import + model load + one mention).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crowdcare.config.sentiment import provider_for
from crowdcare.domain.triage import SentimentLabel
from crowdcare.rules.triage import TriageRules
from crowdcare.rules.triage.sentiment import SentimentProvider

from tools.eval import faq, spikes
from tools.eval.metrics import macro_f1, pearson

REPO_ROOT = Path(__file__).resolve().parents[2]

HUMAN_NEUTRAL_BAND = 0.5  # |mean rating| below this (on -4..+4) counts as neutral


@dataclass(frozen=True)
class Row:
    metric: str
    ours: float
    paper: str
    note: str


def data_dir() -> Path:
    """The shared data folder: CROWDCARE_SHARED_DATA, else <repo>/../shared/data."""
    override = os.environ.get("CROWDCARE_SHARED_DATA")
    return Path(override) if override else REPO_ROOT.parent / "shared" / "data"


def human_label(mean: float) -> str:
    if mean >= HUMAN_NEUTRAL_BAND:
        return "positive"
    if mean <= -HUMAN_NEUTRAL_BAND:
        return "negative"
    return "neutral"


def evaluate_sentiment(path: Path, provider: SentimentProvider, name: str) -> list[Row]:
    """VADER's tweets: correlation and F1 of one provider against the human ratings."""
    means: list[float] = []
    compounds: list[float] = []
    truth: list[str] = []
    predicted: list[str] = []
    with path.open(encoding="utf-8", newline="") as handle:
        for line in handle:
            parts = line.rstrip("\r\n").split("\t", 2)
            if len(parts) != 3:
                continue
            mean = float(parts[1])
            sentiment = provider.detect(parts[2], "en")
            means.append(mean)
            compounds.append(sentiment.compound)
            truth.append(human_label(mean))
            label = sentiment.label
            predicted.append("neutral" if label is SentimentLabel.MIXED else label.value)
    polar = [(t, c) for t, c in zip(truth, compounds, strict=True) if t != "neutral"]
    two_class_truth = [t for t, _ in polar]
    two_class_pred = ["positive" if c >= 0 else "negative" for _, c in polar]
    return [
        Row(
            f"{name}: Pearson r (compound vs human mean)",
            pearson(compounds, means),
            "0.881",
            f"n={len(means)}",
        ),
        Row(
            f"{name}: 3-class macro F1",
            macro_f1(truth, predicted, ["positive", "neutral", "negative"]),
            "-",
            f"human |mean|<{HUMAN_NEUTRAL_BAND} neutral",
        ),
        Row(
            f"{name}: 2-class F1 (pos vs neg)",
            macro_f1(two_class_truth, two_class_pred, ["positive", "negative"]),
            "0.96",
            f"n={len(polar)} non-neutral items",
        ),
    ]


def _no_cloud() -> Any:
    raise RuntimeError("the evaluation never calls AWS")


def print_rows(rows: list[Row]) -> None:
    """A fixed-width table: metric, ours, the paper's figure, a note."""
    width = max(len(row.metric) for row in rows)
    print(f"{'metric':<{width}}  {'ours':>6}  {'paper':>6}  note")
    print(f"{'-' * width}  {'-' * 6}  {'-' * 6}  ----")
    for row in rows:
        print(f"{row.metric:<{width}}  {row.ours:>6.3f}  {row.paper:>6}  {row.note}")


def main() -> int:
    """Print every section, or a skip notice when the shared data is absent."""
    # Imported here: they need the dev dependencies (scikit-learn for the CV folds).
    from crowdcare.rules.triage.model_loader import load_model

    from tools.eval.triage_models import (
        cross_validated_figures,
        offensive_figures,
        sentiment_figures,
    )
    from tools.eval.triage_routing import (
        care_thread_figures,
        cold_start_seconds,
        routing_on_sample,
        throughput,
    )
    from tools.train_triage import TrainConfig

    root = data_dir()
    if not (root / "eval").is_dir():
        print("skipped: ../shared/data not found (set CROWDCARE_SHARED_DATA)")
        return 0
    model = load_model()
    print("1. Embedded models on validation data (published figures are on test splits)\n")
    figures = [
        *sentiment_figures(root, model),
        *offensive_figures(root, model),
        *cross_validated_figures(root, TrainConfig()),
    ]
    width = max(len(f.metric) for f in figures)
    print(f"{'metric':<{width}}  {'ours':>6}  {'target':>7}  {'published':<36}  note")
    for f in figures:
        print(f"{f.metric:<{width}}  {f.ours:>6.3f}  {f.target:>7}  {f.published:<36}  {f.note}")

    print("\n2. VADER's 4,200 human-rated tweets\n")
    rules = TriageRules.default()
    tweets = root / "eval" / "vader_tweets_ground_truth.tsv"
    print_rows([
        *evaluate_sentiment(tweets, provider_for("embedded", _no_cloud, rules), "model"),
        *evaluate_sentiment(tweets, provider_for("lexicon", _no_cloud, rules), "lexicon"),
    ])

    print("\n3. Routing on the demo sample (samples/mentions.jsonl, valid deliveries)\n")
    routing = routing_on_sample()
    print(f"mentions {routing.mentions}: " + ", ".join(
        f"{route} {count}" for route, count in sorted(routing.routes.items())
    ))
    print(f"angry/abusive posts (sample notes) reaching a volunteer: "
          f"{routing.abuse_to_volunteer}   (must be 0)")
    print(f"posts the model flags offensive/angry reaching a volunteer: "
          f"{routing.flagged_to_volunteer}   (must be 0)")
    print(f"question/complaint/technical/legal/safety posts dropped: "
          f"{routing.needs_answer_dropped}")
    for example in routing.dropped_examples:
        print(f"  dropped: {example}")
    care = care_thread_figures(root)
    print(f"twcs inbound tweets containing profanity reaching a volunteer: "
          f"{care.profane_to_volunteer} of {care.profane}   (issue 9 measured 24 of 65)")
    print(f"twcs inbound tweets detected as non-English routed to nobody: "
          f"{care.non_english_dropped} of {care.non_english}   (issue 9 measured 68%)")

    print("\n4. Speed\n")
    speed = throughput(root)
    print(f"embedded triage on one core ({speed.pinning}; corpus {speed.corpus} mentions;"
          " target >= 2,000/s):")
    print(f"  {speed.per_cpu_second:,.0f} mentions per CPU-second of triage"
          f"   ({speed.per_wall_second:,.0f} per wall-clock second, other load included)")
    print(f"triage function cold start (import + models + 1 mention): "
          f"{cold_start_seconds() * 1000:,.0f} ms")
    # Insight (issue 13): spike alerts and FAQ clusters, each printing its own tables.
    print("\n5. Spike alerts (issue 13)\n")
    spikes.main()
    print("\n6. FAQ clusters (issue 13)\n")
    faq.main([])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
