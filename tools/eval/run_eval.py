"""Evaluate the embedded triage models against public, human-labelled tweets.

Run: `make eval` (`.venv/bin/python -m tools.eval.run_eval`). Data is read from
`<repo>/../shared/data/eval` (override the `data` folder with CROWDCARE_SHARED_DATA) and never
copied into the repository.

What is computed (thresholds stated so the figures can be compared honestly):

* Sentiment, on vader_tweets_ground_truth.tsv (4,200 tweets, mean of 20 human ratings -4..+4):
  - Pearson r between our compound score and the human mean (paper: VADER r = 0.881);
  - 3-class macro F1: human mean >= +0.5 positive, <= -0.5 negative, else neutral (our choice:
    half a rating point on the -4..+4 scale); ours: the engine's label (VADER's compound band
    ±0.05; "mixed" counts as neutral);
  - 2-class F1 (paper-style, the paper's "F1 = 0.96" classifies positive vs negative): on
    tweets whose human mean is outside ±0.5, positive vs negative by the sign of compound,
    macro-averaged over the two classes.
* Complaints, on complaints_dev.csv (1,719 tweets, 1 = complaint): precision / recall / F1 of
  analyze(...).intent == complaint (paper: up to 79 F1 with supervised models).
"""

from __future__ import annotations

import csv
import os
import time
from dataclasses import dataclass
from pathlib import Path

from crowdcare.rules.triage import EmbeddedSentimentProvider, Intent, TriageRules, analyze
from crowdcare.rules.triage.models import SentimentLabel

from tools.eval import faq, spikes
from tools.eval.metrics import binary_scores, macro_f1, pearson

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


def evaluate_sentiment(path: Path) -> list[Row]:
    provider = EmbeddedSentimentProvider(TriageRules.default())
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
            "tweets: Pearson r (compound vs human mean)",
            pearson(compounds, means),
            "0.881",
            f"n={len(means)}",
        ),
        Row(
            "tweets: 3-class macro F1",
            macro_f1(truth, predicted, ["positive", "neutral", "negative"]),
            "-",
            f"human |mean|<{HUMAN_NEUTRAL_BAND} neutral; ours ±0.05",
        ),
        Row(
            "tweets: 2-class F1 (pos vs neg)",
            macro_f1(two_class_truth, two_class_pred, ["positive", "negative"]),
            "0.96",
            f"n={len(polar)} non-neutral items",
        ),
    ]


def evaluate_complaints(path: Path) -> tuple[list[Row], float]:
    rules = TriageRules.default()
    provider = EmbeddedSentimentProvider(rules)
    truth: list[int] = []
    predicted: list[int] = []
    started = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as handle:
        for record in csv.DictReader(handle):
            analysis = analyze(record["text"], "en", provider, rules)
            truth.append(int(record["complaint"]))
            predicted.append(int(analysis.intent is Intent.COMPLAINT))
    elapsed = time.perf_counter() - started
    scores = binary_scores(truth, predicted, 1)
    n = f"n={len(truth)}, {scores.support} complaints"
    return [
        Row("complaints: precision", scores.precision, "-", n),
        Row("complaints: recall", scores.recall, "-", ""),
        Row("complaints: F1", scores.f1, "0.79", "paper: best supervised model"),
    ], len(truth) / elapsed


def main() -> int:
    """Print the evaluation table, or a skip notice when the shared data is absent."""
    eval_dir = data_dir() / "eval"
    if not eval_dir.is_dir():
        print("skipped: ../shared/data not found (set CROWDCARE_SHARED_DATA)")
        return 0
    rows = evaluate_sentiment(eval_dir / "vader_tweets_ground_truth.tsv")
    complaint_rows, rate = evaluate_complaints(eval_dir / "complaints_dev.csv")
    rows += complaint_rows
    width = max(len(row.metric) for row in rows)
    print(f"{'metric':<{width}}  {'ours':>6}  {'paper':>6}  note")
    print(f"{'-' * width}  {'-' * 6}  {'-' * 6}  ----")
    for row in rows:
        print(f"{row.metric:<{width}}  {row.ours:>6.3f}  {row.paper:>6}  {row.note}")
    print(f"\nanalyze() throughput on the complaints file: {rate:,.0f} texts/s")
    # Insight (issue 13): spike alerts and FAQ clusters, each printing its own tables.
    print()
    spikes.main()
    print()
    faq.main([])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
