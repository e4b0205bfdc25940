"""Train the embedded triage classifiers and write the artifact the Lambda layer ships.

Run: `make train` (or `.venv/bin/python -m tools.train_triage`). Reads the public labelled data
from CROWDCARE_SHARED_DATA, else `<repo>/../shared/data`, and never copies it into the
repository. Writes `layers/core/crowdcare/rules/triage/model/{weights.npz,model.json}`;
`model.json` records the sha256 of every training file and the training config, which a unit
test compares with what this script computes now, so the weights cannot drift from the recipe.

Heads (one linear model each, over the same hashed features):

* sentiment (negative / neutral / positive): SemEval 2013-2016 English train plus the XLM-T
  train split of all eight languages, less any tweet whose normalised text is in a validation
  split `make eval` scores (TweetEval sentiment val, XLM-T val);
* offensive: TweetEval offensive train (OffensEval 2019);
* anger: TweetEval emotion train, anger against joy / optimism / sadness;
* complaint: complaints_dev.csv (ACL 2019); `make eval` scores it by 5-fold cross-validation
  with `train_binary` below, never on rows a model was trained on;
* needs_reply: weak labels from real care threads (twcs_threads_5000.csv): an inbound customer
  tweet the brand answered (1) or left unanswered (0). Noisy by construction (brands miss
  questions, and answer some "thanks"), so the policy only uses it together with the intent
  cues and always lets a human see what it is unsure about.

Training needs scikit-learn (a dev dependency); inference is plain numpy in
`crowdcare.rules.triage.classifier`.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from crowdcare.rules.triage.classifier import FeatureConfig, Head, featurise
from crowdcare.rules.triage.model_loader import build_lexicon, lexicon_fingerprint
from scipy import sparse  # type: ignore[import-untyped]
from sklearn.linear_model import LogisticRegression

REPO_ROOT: Final = Path(__file__).resolve().parents[1]
ARTIFACT_DIR: Final = REPO_ROOT / "layers/core/crowdcare/rules/triage/model"
ARTIFACT_VERSION: Final = 1

LANGUAGES: Final = (
    "arabic", "english", "french", "german", "hindi", "italian", "portuguese", "spanish",
)
SENTIMENT_LABELS: Final = ("negative", "neutral", "positive")

# Every file the artifact depends on (training data, and the validation splits whose texts
# are removed from training): their hashes are the artifact's fingerprint.
TRAINING_FILES: Final = (
    "train/semeval_sentiment/english_train.tsv",
    *(f"train/xlmt_sentiment/{language}_train.tsv" for language in LANGUAGES),
    *(f"train/xlmt_sentiment/{language}_val.tsv" for language in LANGUAGES),
    "train/tweeteval/sentiment_val.tsv",
    "train/tweeteval/offensive_train.tsv",
    "train/tweeteval/emotion_train.tsv",
    "eval/complaints_dev.csv",
    "twcs_threads_5000.csv",
)


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides the weights besides the data; recorded in the artifact."""

    features: FeatureConfig = field(default_factory=FeatureConfig)
    sentiment_c: float = 1.0
    offensive_c: float = 1.0
    anger_c: float = 1.0
    complaint_c: float = 10.0
    needs_reply_c: float = 0.3
    weight_dtype: str = "float16"

    def to_json(self) -> dict[str, Any]:
        """The config as `model.json` records it."""
        return {
            "features": self.features.to_json(),
            "sentiment_c": self.sentiment_c,
            "offensive_c": self.offensive_c,
            "anger_c": self.anger_c,
            "complaint_c": self.complaint_c,
            "needs_reply_c": self.needs_reply_c,
            "weight_dtype": self.weight_dtype,
        }


def data_dir() -> Path:
    """The shared data folder: CROWDCARE_SHARED_DATA, else <repo>/../shared/data."""
    override = os.environ.get("CROWDCARE_SHARED_DATA")
    return Path(override) if override else REPO_ROOT.parent / "shared" / "data"


def fingerprint(root: Path) -> dict[str, str]:
    """sha256 of every training file, by its path relative to the data folder."""
    return {
        name: hashlib.sha256((root / name).read_bytes()).hexdigest() for name in TRAINING_FILES
    }


def dedupe_key(text: str) -> str:
    """Normalised text for overlap checks: case, @handles, links and punctuation ignored."""
    # TweetEval replaced "@brand's" by "@user": a possessive after a handle goes with it.
    text = re.sub(r"@\w+(?:['\u2019]s\b)?|https?://\S+|http\S*", " ", unescape(text).lower())
    return " ".join(re.sub(r"[^\w\s]|_", " ", text).split())


def unescape(text: str) -> str:
    """Undo the escapes some source files kept (TweetEval: `\\u002c`, `\\u2019`, `&amp;`)."""
    return text.replace("\\u002c", ",").replace("\\u2019", "\u2019").replace("&amp;", "&")


def read_tsv(path: Path) -> list[tuple[str, str]]:
    """(label, text) rows of a `label<TAB>text` file with a header and no quoting."""
    rows: list[tuple[str, str]] = []
    with path.open(encoding="utf-8", newline="") as handle:
        next(handle, None)
        for line in handle:
            label, tab, text = line.rstrip("\r\n").partition("\t")
            if tab:
                rows.append((label, unescape(text)))
    return rows


def read_complaints(path: Path) -> list[tuple[int, str]]:
    """(complaint 0/1, text) rows of complaints_dev.csv."""
    with path.open(encoding="utf-8", newline="") as handle:
        return [(int(row["complaint"]), row["text"]) for row in csv.DictReader(handle)]


def read_needs_reply(path: Path) -> list[tuple[int, str]]:
    """Weak labels: inbound customer tweets, 1 when a brand's tweet answers it, else 0."""
    with path.open(encoding="utf-8", newline="") as handle:
        # The file holds a bare CR inside one row: csv copes when it reads the text whole.
        rows = list(csv.DictReader(io.StringIO(handle.read(), newline="")))
    inbound = {row["tweet_id"]: row["inbound"] == "True" for row in rows}
    labelled: list[tuple[int, str]] = []
    for row in rows:
        if row["inbound"] != "True":
            continue
        replies = [r for r in (row["response_tweet_id"] or "").split(",") if r]
        answered = any(inbound.get(reply) is False for reply in replies)
        labelled.append((int(answered), row["text"]))
    return labelled


def sentiment_rows(root: Path) -> list[tuple[str, str]]:
    """Sentiment training rows, less every tweet that a validation split holds."""
    held_out = {dedupe_key(t) for _, t in read_tsv(root / "train/tweeteval/sentiment_val.tsv")}
    for language in LANGUAGES:
        held_out |= {
            dedupe_key(t) for _, t in read_tsv(root / f"train/xlmt_sentiment/{language}_val.tsv")
        }
    rows = read_tsv(root / "train/semeval_sentiment/english_train.tsv")
    for language in LANGUAGES:
        rows += read_tsv(root / f"train/xlmt_sentiment/{language}_train.tsv")
    return [(label, text) for label, text in rows if dedupe_key(text) not in held_out]


def design_matrix(texts: Sequence[str], config: FeatureConfig) -> Any:
    """The hashed features of `texts` as a sparse matrix (duplicate indices add up)."""
    rows: list[npt.NDArray[np.int64]] = []
    cols: list[npt.NDArray[np.int64]] = []
    values: list[npt.NDArray[np.float32]] = []
    lexicon = build_lexicon() if config.lexicon else None
    for number, text in enumerate(texts):
        indices, weights = featurise(text, config, lexicon)
        rows.append(np.full(len(indices), number, dtype=np.int64))
        cols.append(indices)
        values.append(weights)
    matrix = sparse.csr_matrix(
        (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols))),
        shape=(len(texts), config.dim),
        dtype=np.float64,
    )
    matrix.sum_duplicates()
    return matrix


def train_binary(
    matrix: Any, labels: Iterable[int], c: float
) -> tuple[npt.NDArray[np.float64], float]:
    """A class-balanced logistic regression; returns (weights, bias) of the positive class."""
    model = LogisticRegression(
        C=c, solver="liblinear", class_weight="balanced", max_iter=1_000, random_state=0
    )
    model.fit(matrix, np.fromiter(labels, dtype=np.int64))
    return model.coef_[0].astype(np.float64), float(model.intercept_[0])


def train_multiclass(
    matrix: Any, labels: Sequence[str], classes: Sequence[str], c: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """A class-balanced multinomial logistic regression; columns in `classes` order."""
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2_000)
    model.fit(matrix, list(labels))
    order = [list(model.classes_).index(name) for name in classes]
    return model.coef_[order].T.astype(np.float64), model.intercept_[order].astype(np.float64)


def train(root: Path, config: TrainConfig) -> tuple[list[Head], Any, Any]:
    """Train every head; returns the heads and the (dim x outputs) weights and biases."""
    features = config.features
    heads: list[Head] = []
    columns: list[npt.NDArray[np.float64]] = []
    biases: list[float] = []

    def add_binary(name: str, labels: tuple[str, str], weights: Any, bias: float) -> None:
        heads.append(Head(name, labels, sum(h.width for h in heads)))
        columns.append(weights[:, None])
        biases.append(bias)

    print("sentiment ...", file=sys.stderr)
    rows = sentiment_rows(root)
    weights, bias = train_multiclass(
        design_matrix([t for _, t in rows], features), [label for label, _ in rows],
        SENTIMENT_LABELS, config.sentiment_c,
    )
    heads.append(Head("sentiment", SENTIMENT_LABELS, 0))
    columns.append(weights)
    biases.extend(float(b) for b in bias)

    print("offensive ...", file=sys.stderr)
    offensive = read_tsv(root / "train/tweeteval/offensive_train.tsv")
    w, b = train_binary(
        design_matrix([t for _, t in offensive], features),
        (int(label == "offensive") for label, _ in offensive), config.offensive_c,
    )
    add_binary("offensive", ("not-offensive", "offensive"), w, b)

    print("anger ...", file=sys.stderr)
    emotion = read_tsv(root / "train/tweeteval/emotion_train.tsv")
    w, b = train_binary(
        design_matrix([t for _, t in emotion], features),
        (int(label == "anger") for label, _ in emotion), config.anger_c,
    )
    add_binary("anger", ("not-angry", "angry"), w, b)

    print("complaint ...", file=sys.stderr)
    complaints = read_complaints(root / "eval/complaints_dev.csv")
    w, b = train_binary(
        design_matrix([t for _, t in complaints], features),
        (label for label, _ in complaints), config.complaint_c,
    )
    add_binary("complaint", ("not-complaint", "complaint"), w, b)

    print("needs_reply ...", file=sys.stderr)
    replies = read_needs_reply(root / "twcs_threads_5000.csv")
    w, b = train_binary(
        design_matrix([t for _, t in replies], features),
        (label for label, _ in replies), config.needs_reply_c,
    )
    add_binary("needs_reply", ("no-reply", "reply"), w, b)

    return heads, np.hstack(columns), np.asarray(biases)


def metadata(root: Path, config: TrainConfig, heads: Sequence[Head]) -> dict[str, Any]:
    """What `model.json` says about the artifact (the weights' hash is added on write)."""
    return {
        "version": ARTIFACT_VERSION,
        "training_data": fingerprint(root),
        "lexicon_sha256": lexicon_fingerprint(build_lexicon()),
        "config": config.to_json(),
        "heads": [{"name": h.name, "labels": list(h.labels), "start": h.start} for h in heads],
    }


def write_artifact(
    out_dir: Path, meta: dict[str, Any], weights: Any, bias: Any, dtype: str
) -> None:
    """weights.npz (compressed, fixed zip timestamps) and model.json with its sha256."""
    out_dir.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, weights=weights.astype(dtype), bias=bias.astype(np.float32))
    payload = buffer.getvalue()
    (out_dir / "weights.npz").write_bytes(payload)
    meta = {**meta, "weights_sha256": hashlib.sha256(payload).hexdigest()}
    (out_dir / "model.json").write_text(
        json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )


def main(argv: list[str] | None = None) -> int:
    """Train on the shared data and write the artifact (default: into the core layer)."""
    parser = argparse.ArgumentParser(prog="train_triage", description=__doc__)
    parser.add_argument("--out", type=Path, default=ARTIFACT_DIR, help="artifact folder")
    args = parser.parse_args(argv)
    root = data_dir()
    missing = [name for name in TRAINING_FILES if not (root / name).is_file()]
    if missing:
        print(f"train_triage: missing under {root}: {', '.join(missing)}", file=sys.stderr)
        return 2
    config = TrainConfig()
    heads, weights, bias = train(root, config)
    write_artifact(args.out, metadata(root, config, heads), weights, bias, config.weight_dtype)
    size = (args.out / "weights.npz").stat().st_size
    print(f"wrote {args.out} ({size / 1e6:.1f} MB)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
