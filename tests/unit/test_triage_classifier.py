"""The embedded triage model: the committed artifact, its provenance, and numpy inference."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from crowdcare.rules.triage.classifier import (
    MAX_CHARS,
    FeatureConfig,
    Head,
    TriageClassifier,
    featurise,
)
from crowdcare.rules.triage.model_loader import (
    ARTIFACT_DIR,
    REQUIRED_HEADS,
    ModelArtifactError,
    build_lexicon,
    load_model,
    read_metadata,
)

from tools.train_triage import TrainConfig, data_dir, fingerprint


def test_committed_artifact_loads_with_every_head() -> None:
    """GIVEN the artifact in the layer WHEN it is loaded THEN every head is there and small."""
    model = load_model()
    assert {head.name for head in model.heads} == set(REQUIRED_HEADS)
    size = sum(p.stat().st_size for p in ARTIFACT_DIR.iterdir())
    assert size < 5_000_000, "the artifact must stay a few MB for the Lambda layer"


def test_artifact_fingerprint_matches_the_training_data_and_recipe() -> None:
    """The recorded data hashes and config are what the training script computes now."""
    meta = read_metadata()
    assert meta["training_data"] == fingerprint(data_dir()), "retrain: `make train`"
    assert meta["config"] == TrainConfig().to_json(), "retrain: `make train`"


def test_features_are_deterministic_and_hashed_into_range() -> None:
    """The same text gives the same indices in every process (no salted str hash)."""
    config = FeatureConfig(dim=1 << 12)
    first, values = featurise("My Thermo stopped heating!! 😡 @brand http://x.co", config)
    again, _ = featurise("My Thermo stopped heating!! 😡 @brand http://x.co", config)
    assert np.array_equal(first, again)
    assert first.min() >= 0
    assert first.max() < config.dim
    assert len(values) == len(first)


def test_inference_equals_the_linear_model_it_encodes() -> None:
    """GIVEN known weights WHEN predicting THEN the logits are the features' weighted sum."""
    config = FeatureConfig(dim=64, lexicon=False)
    rng = np.random.default_rng(7)
    weights = rng.normal(size=(64, 4)).astype(np.float32)
    bias = np.array([0.1, -0.2, 0.3, 0.5], dtype=np.float32)
    heads = [Head("sentiment", ("negative", "neutral", "positive"), 0), Head("x", ("n", "y"), 3)]
    model = TriageClassifier(config, heads, weights, bias)
    indices, values = featurise("not working again", config)
    expected = values @ weights[indices] + bias
    assert np.allclose(model.scores("not working again"), expected)
    prediction = model.predict("not working again")
    assert sum(prediction.probabilities["sentiment"].values()) == pytest.approx(1.0)
    assert prediction.probability("x", "y") == pytest.approx(1 / (1 + np.exp(-expected[3])))


@pytest.mark.parametrize(
    "text",
    [
        "", "   \n\t", "🔥🔥🔥😡", "x" * 40_000, "Мой роутер не работает 我的路由器坏了 ok?",
        "ᚠᚢᚦ ᚨᚱᚲ",
    ],
)
def test_any_text_gets_probabilities(text: str) -> None:
    """Empty, emoji-only, huge and mixed-script texts are classified, never an exception."""
    prediction = load_model().predict(text)
    label, confidence = prediction.label("sentiment")
    assert label in {"negative", "neutral", "positive"}
    assert 0.0 <= confidence <= 1.0


def test_long_text_costs_no_more_than_its_opening() -> None:
    """A 40,000-character paste is cut to MAX_CHARS before featurising."""
    config = FeatureConfig()
    long_indices, _ = featurise("a" * 40_000, config)
    cut_indices, _ = featurise("a" * MAX_CHARS, config)
    assert len(long_indices) == len(cut_indices)


def _copy_artifact(tmp_path: Path) -> Path:
    target = tmp_path / "model"
    shutil.copytree(ARTIFACT_DIR, target)
    return target


def test_missing_artifact_fails_at_load_with_a_clear_message(tmp_path: Path) -> None:
    """GIVEN no model.json WHEN loading THEN one clear error says how to rebuild."""
    with pytest.raises(ModelArtifactError, match=r"missing; rebuild it with `make train`"):
        load_model(tmp_path)


def test_edited_weights_fail_at_load(tmp_path: Path) -> None:
    """Weights that do not match their recorded sha256 are refused."""
    target = _copy_artifact(tmp_path)
    with (target / "weights.npz").open("ab") as handle:
        handle.write(b"tampered")
    with pytest.raises(ModelArtifactError, match="does not match the sha256"):
        load_model(target)


def test_corrupt_metadata_fails_at_load(tmp_path: Path) -> None:
    """A model.json that is not JSON is refused with the file named."""
    target = _copy_artifact(tmp_path)
    (target / "model.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelArtifactError, match="cannot read"):
        load_model(target)


def test_missing_head_fails_at_load(tmp_path: Path) -> None:
    """An artifact without a required head is refused."""
    target = _copy_artifact(tmp_path)
    meta = json.loads((target / "model.json").read_text(encoding="utf-8"))
    meta["heads"] = [h for h in meta["heads"] if h["name"] != "offensive"]
    (target / "model.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelArtifactError, match="offensive"):
        load_model(target)


def test_shipped_model_inference_matches_its_raw_weights() -> None:
    """The loaded classifier's logits are the raw artifact's weights summed over the features."""
    # GIVEN the artifact read by hand, without the loader
    with np.load(ARTIFACT_DIR / "weights.npz") as arrays:
        weights = arrays["weights"].astype(np.float32)
        bias = arrays["bias"]
    model = load_model()
    text = "My Brightwave Thermo stopped heating, help!"
    # WHEN the same text is featurised and scored by hand
    indices, values = featurise(text, model.config, build_lexicon())
    expected = values @ weights[indices] + bias
    # THEN the classifier agrees
    assert np.allclose(model.scores(text), expected, atol=1e-5)
