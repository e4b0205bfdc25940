"""FAQ candidates: cluster recent questions and complaints into groups of the same need.

`cluster_texts(texts, embedder, rules)` is the whole pipeline (embed, cluster, describe). It
does no I/O: the embedder is passed in (the numpy-only `HashedTfidfEmbedder` by default, which
runs in a Lambda with nothing to download), and the result refers to posts by position.
"""

from __future__ import annotations

from collections.abc import Sequence

from crowdcare.rules.faq_clusters.clustering import (
    Cluster,
    Clustering,
    ClusterRules,
    cluster_vectors,
    describe,
)
from crowdcare.rules.faq_clusters.embedders import (
    Embedder,
    HashedTfidfEmbedder,
    words,
)

__all__ = [
    "Cluster",
    "ClusterRules",
    "Clustering",
    "Embedder",
    "HashedTfidfEmbedder",
    "cluster_texts",
    "cluster_vectors",
    "describe",
    "words",
]


def cluster_texts(
    texts: Sequence[str], embedder: Embedder | None = None, rules: ClusterRules | None = None
) -> Clustering:
    """Cluster `texts`; clusters and unclustered posts refer to positions in `texts`."""
    rules = rules or ClusterRules()
    vectors = (embedder or HashedTfidfEmbedder()).embed(texts)
    labels = cluster_vectors(vectors, rules)
    return describe(texts, vectors, labels, rules)
