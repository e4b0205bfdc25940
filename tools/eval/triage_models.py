"""Figures of the embedded triage models on public validation data, beside published ones.

Every figure is measured on rows the shipped model was not trained on:

* TweetEval sentiment val, less every tweet whose normalised text occurs in the SemEval train
  file (the data README: they overlap), macro-averaged recall;
* TweetEval offensive val, macro-F1; TweetEval emotion val, F1 of "anger";
* XLM-T sentiment val per language, macro-F1 (English less its overlap with SemEval train);
* complaints: F1 by stratified 5-fold cross-validation on complaints_dev.csv, each fold's
  model trained by the training script's own function on the other four folds;
* needs-reply weak labels (twcs): ROC AUC by 5-fold cross-validation (no published figure).

Needs the dev dependencies (scikit-learn for the cross-validation folds).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from crowdcare.rules.triage.classifier import TriageClassifier
from sklearn.metrics import f1_score, recall_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold

from tools.train_triage import (
    LANGUAGES,
    TrainConfig,
    dedupe_key,
    design_matrix,
    read_complaints,
    read_needs_reply,
    read_tsv,
    train_binary,
)

FOLDS = 5

# Published figures from ../shared/data/README.md (test splits there; ours are validation).
XLMT_PUBLISHED = {  # XLM-Tw Multi / FastText Mono test macro-F1
    "arabic": "66.9/46.0", "english": "70.6/50.9", "french": "71.2/54.8",
    "german": "77.3/59.6", "hindi": "56.4/37.1", "italian": "69.1/54.7",
    "portuguese": "75.4/55.1", "spanish": "67.9/50.1",
}


@dataclass(frozen=True)
class Figure:
    """One line of the table: what, ours, the published figure, our target, a note."""

    metric: str
    ours: float
    published: str
    target: str
    note: str


def _labels(model: TriageClassifier, texts: list[str], head: str) -> list[str]:
    return [model.predict(text).label(head)[0] for text in texts]


def sentiment_figures(root: Path, model: TriageClassifier) -> list[Figure]:
    """TweetEval sentiment val macro-recall and XLM-T macro-F1 per language."""
    seen = {dedupe_key(t) for _, t in read_tsv(root / "train/semeval_sentiment/english_train.tsv")}
    rows = [
        (label, text) for label, text in read_tsv(root / "train/tweeteval/sentiment_val.tsv")
        if dedupe_key(text) not in seen
    ]
    predicted = _labels(model, [t for _, t in rows], "sentiment")
    figures = [
        Figure(
            "TweetEval sentiment val: macro-recall",
            recall_score([label for label, _ in rows], predicted, average="macro"),
            "BERTweet 73.4, FastText 62.9 (test)", ">= 0.73",
            f"n={len(rows)}; {2000 - len(rows)} overlapping SemEval train dropped",
        )
    ]
    for language in LANGUAGES:
        val = [
            (label, text)
            for label, text in read_tsv(root / f"train/xlmt_sentiment/{language}_val.tsv")
            if language != "english" or dedupe_key(text) not in seen
        ]
        predicted = _labels(model, [t for _, t in val], "sentiment")
        figures.append(Figure(
            f"XLM-T {language} val: macro-F1",
            f1_score([label for label, _ in val], predicted, average="macro"),
            f"XLM-T/FastText {XLMT_PUBLISHED[language]}", ">= 0.65", f"n={len(val)}",
        ))
    return figures


def offensive_figures(root: Path, model: TriageClassifier) -> list[Figure]:
    """TweetEval offensive val macro-F1 and emotion val anger F1."""
    rows = read_tsv(root / "train/tweeteval/offensive_val.tsv")
    predicted = _labels(model, [t for _, t in rows], "offensive")
    emotion = read_tsv(root / "train/tweeteval/emotion_val.tsv")
    angry = [model.predict(t).label("anger")[0] == "angry" for _, t in emotion]
    return [
        Figure(
            "TweetEval offensive val: macro-F1",
            f1_score([label for label, _ in rows], predicted, average="macro"),
            "RoBERTa 80.5, FastText 73.4 (test)", ">= 0.80", f"n={len(rows)}",
        ),
        Figure(
            "TweetEval emotion val: F1 of anger",
            f1_score([label == "anger" for label, _ in emotion], angry),
            "-", "-", f"n={len(emotion)}",
        ),
    ]


def cross_validated_figures(root: Path, config: TrainConfig) -> list[Figure]:
    """Complaint F1 and needs-reply AUC, each fold scored by a model that never saw it."""
    folds = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=0)
    complaints = read_complaints(root / "eval/complaints_dev.csv")
    matrix = design_matrix([t for _, t in complaints], config.features)
    truth = np.array([label for label, _ in complaints])
    predicted = np.zeros(len(truth), dtype=np.int64)
    for train_rows, test_rows in folds.split(matrix, truth):
        weights, bias = train_binary(matrix[train_rows], truth[train_rows], config.complaint_c)
        predicted[test_rows] = (matrix[test_rows] @ weights + bias) > 0
    replies = read_needs_reply(root / "twcs_threads_5000.csv")
    reply_matrix = design_matrix([t for _, t in replies], config.features)
    reply_truth = np.array([label for label, _ in replies])
    reply_scores = np.zeros(len(reply_truth))
    for train_rows, test_rows in folds.split(reply_matrix, reply_truth):
        weights, bias = train_binary(
            reply_matrix[train_rows], reply_truth[train_rows], config.needs_reply_c
        )
        reply_scores[test_rows] = reply_matrix[test_rows] @ weights + bias
    return [
        Figure(
            "complaints: F1, 5-fold CV", f1_score(truth, predicted),
            "79 (ACL 2019 best)", ">= 0.79", f"n={len(truth)}, {int(truth.sum())} complaints",
        ),
        Figure(
            "needs-reply (twcs weak labels): AUC, 5-fold CV",
            roc_auc_score(reply_truth, reply_scores), "-", "-",
            f"n={len(reply_truth)}; label = a brand answered the tweet",
        ),
    ]
