"""Amazon Bedrock sentence vectors for FAQ clustering (the cloud option of `Embedder`).

Titan Text Embeddings V2 (`amazon.titan-embed-text-v2:0`) takes one text per `InvokeModel`
call and returns a normalised vector of 256, 512 or 1,024 numbers. The client is passed in (a
`bedrock-runtime` client from `crowdcare.config.clients` in the cloud, a fake in tests), so this
module never creates one and nothing here runs unless a deployment chooses it.
Cost and time grow with the number of posts (one call each): for the daily job that is fine at
a few thousand posts; far beyond that, Bedrock batch inference is the better tool.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np

from crowdcare.rules.faq_clusters.embedders import MAX_CHARS, Vectors, normalise_rows

TITAN_V2 = "amazon.titan-embed-text-v2:0"


class InvokeModelClient(Protocol):
    """The one method of a `bedrock-runtime` client this adapter uses."""

    def invoke_model(self, **kwargs: Any) -> Mapping[str, Any]: ...


class BedrockEmbedder:
    """One Titan V2 embedding per text, rows normalised (empty texts become zero vectors)."""

    def __init__(
        self, client: InvokeModelClient, model_id: str = TITAN_V2, dimensions: int = 256
    ) -> None:
        if dimensions not in (256, 512, 1024):
            raise ValueError("Titan Text Embeddings V2 returns 256, 512 or 1024 dimensions")
        self._client = client
        self._model_id = model_id
        self._dimensions = dimensions

    def embed(self, texts: Sequence[str]) -> Vectors:
        """Call Bedrock once per non-empty text; the result has one row per input text."""
        matrix = np.zeros((len(texts), self._dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            if not text.strip():
                continue
            response = self._client.invoke_model(
                modelId=self._model_id,
                contentType="application/json",
                accept="application/json",
                body=json.dumps(
                    {"inputText": text[:MAX_CHARS], "dimensions": self._dimensions,
                     "normalize": True}
                ),
            )
            payload = json.loads(response["body"].read())
            vector = payload["embedding"]
            if len(vector) != self._dimensions:
                raise ValueError(
                    f"Bedrock returned {len(vector)} numbers, expected {self._dimensions}"
                )
            matrix[row] = np.asarray(vector, dtype=np.float32)
        return normalise_rows(matrix)
