"""WordLlama sentence vectors: static token embeddings shipped inside the `wordllama` wheel.

The wheel carries its weights (wordllama/weights/l2_supercat_256.safetensors, 16 MB) and its
tokenizer, so nothing is downloaded. It is published for x86_64 only: the arm64 layer cannot
hold it, so this is an option for x86 hosts (the eval, a local run, an x86_64 function), and the
numpy-only `HashedTfidfEmbedder` stays the Lambda default.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from crowdcare.rules.faq_clusters.embedders import MAX_CHARS, Vectors, normalise_rows, words

DIMENSIONS = 256


class WordLlamaEmbedder:
    """Mean of WordLlama's static token embeddings (weights from the installed wheel, offline)."""

    def __init__(self, model: Any) -> None:
        self._model = model

    @classmethod
    def load(cls) -> WordLlamaEmbedder:
        """Load the weights and tokenizer shipped in the `wordllama` wheel, never downloading.

        (WordLlama.load() looks for the tokenizer in a folder the wheel does not have and then
        goes to the network, so the two files are opened directly.)
        """
        import wordllama  # noqa: PLC0415 - optional dependency, imported only when chosen
        from safetensors import safe_open  # noqa: PLC0415
        from tokenizers import Tokenizer  # noqa: PLC0415
        from wordllama.inference import WordLlamaInference  # noqa: PLC0415

        root = Path(wordllama.__file__).parent
        tokenizer = Tokenizer.from_file(
            str(root / "tokenizers" / "l2_supercat_tokenizer_config.json")
        )
        weights_file = root / "weights" / f"l2_supercat_{DIMENSIONS}.safetensors"
        with safe_open(str(weights_file), framework="np") as f:
            weights = f.get_tensor("embedding.weight")
        return cls(WordLlamaInference(weights, tokenizer))

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One unit vector per text."""
        if not texts:
            return np.zeros((0, DIMENSIONS), dtype=np.float32)
        cleaned = [" ".join(words(text)) or text[:MAX_CHARS] for text in texts]
        return normalise_rows(np.asarray(self._model.embed(cleaned, norm=True)))
