"""Load the embedded triage model shipped in the core layer, once per process.

The only I/O of the triage rules: reading two package files at cold start. A missing, partial
or edited artifact raises `ModelArtifactError` here, with what is wrong and how to rebuild it,
so a broken deployment fails on its first invocation instead of mis-triaging every mention.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
import zipfile
from pathlib import Path
from typing import Any, Final

import numpy as np

from crowdcare.rules.triage.classifier import FeatureConfig, Head, TriageClassifier
from crowdcare.rules.triage.sentiment import LEXICONS

ARTIFACT_DIR: Final = Path(__file__).resolve().parent / "model"
REQUIRED_HEADS: Final = ("sentiment", "offensive", "anger", "complaint", "needs_reply")
SUPPORTED_VERSION: Final = 1
_REBUILD: Final = "rebuild it with `make train`"

_lock = threading.Lock()
_cached: TriageClassifier | None = None


class ModelArtifactError(RuntimeError):
    """The model artifact is missing, incomplete or does not match its recorded hash."""


def load_model(directory: Path | None = None) -> TriageClassifier:
    """The classifier in `directory` (default: the shipped artifact, cached for the process)."""
    global _cached  # noqa: PLW0603 - one model per Lambda container, like the language model
    if directory is not None:
        return _load(directory)
    if _cached is None:
        with _lock:
            if _cached is None:
                _cached = _load(ARTIFACT_DIR)
    return _cached


def build_lexicon() -> dict[str, float]:
    """Word valences the features use: VADER's English lexicon (as pinned in the runtime deps)
    plus the small es/fr/de/pt/it lexicons of the rule-based provider, English first."""
    import vaderSentiment  # noqa: PLC0415 - only to find its lexicon file

    path = Path(vaderSentiment.__file__).resolve().parent / "vader_lexicon.txt"
    lexicon: dict[str, float] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, _, rest = line.partition("\t")
        if rest:
            lexicon[word] = float(rest.split("\t", 1)[0])
    for words in LEXICONS.values():
        for word, valence in words.items():
            lexicon.setdefault(word, valence)
    return lexicon


def lexicon_fingerprint(lexicon: dict[str, float]) -> str:
    """sha256 of the lexicon, recorded by training and checked at load."""
    return hashlib.sha256(json.dumps(lexicon, sort_keys=True).encode("utf-8")).hexdigest()


def read_metadata(directory: Path = ARTIFACT_DIR) -> dict[str, Any]:
    """The artifact's model.json: training-data fingerprint, config, heads, weights hash."""
    path = directory / "model.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ModelArtifactError(f"triage model: {path} is missing; {_REBUILD}") from error
    except (OSError, ValueError) as error:
        raise ModelArtifactError(f"triage model: cannot read {path}: {error}") from error
    if not isinstance(data, dict):
        raise ModelArtifactError(f"triage model: {path} is not a JSON object; {_REBUILD}")
    return data


def _load(directory: Path) -> TriageClassifier:
    meta = read_metadata(directory)
    if meta.get("version") != SUPPORTED_VERSION:
        raise ModelArtifactError(
            f"triage model: artifact version {meta.get('version')!r} is not "
            f"{SUPPORTED_VERSION}; {_REBUILD}"
        )
    weights_path = directory / "weights.npz"
    try:
        payload = weights_path.read_bytes()
    except OSError as error:
        raise ModelArtifactError(
            f"triage model: cannot read {weights_path}: {error}; {_REBUILD}"
        ) from error
    if hashlib.sha256(payload).hexdigest() != meta.get("weights_sha256"):
        raise ModelArtifactError(
            f"triage model: {weights_path} does not match the sha256 in model.json "
            f"(edited or truncated); {_REBUILD}"
        )
    try:
        with np.load(io.BytesIO(payload), allow_pickle=False) as arrays:
            weights, bias = arrays["weights"], arrays["bias"]
        config = FeatureConfig.from_json(meta["config"]["features"])
        heads = [Head(h["name"], tuple(h["labels"]), int(h["start"])) for h in meta["heads"]]
        missing = sorted(set(REQUIRED_HEADS) - {h.name for h in heads})
        if missing:
            raise ModelArtifactError(f"triage model: heads missing: {', '.join(missing)}")
        lexicon = build_lexicon() if config.lexicon else None
        if lexicon is not None and lexicon_fingerprint(lexicon) != meta.get("lexicon_sha256"):
            raise ModelArtifactError(
                "triage model: the sentiment lexicon differs from the one the model was trained"
                f" with (vaderSentiment upgraded?); {_REBUILD}"
            )
        return TriageClassifier(config, heads, weights, bias, lexicon)
    except (KeyError, TypeError, ValueError, zipfile.BadZipFile) as error:
        raise ModelArtifactError(f"triage model: invalid artifact: {error}; {_REBUILD}") from error
