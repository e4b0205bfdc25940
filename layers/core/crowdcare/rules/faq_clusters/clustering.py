"""Group posts that express the same need, without being told how many needs there are.

1. **Seeds** (threshold communities, as in sentence-transformers' `community_detection`): count
   for every post how many posts are at least `threshold` similar (cosine). Taking the densest
   post first, its not-yet-taken neighbours become a cluster if there are `min_size` of them.
2. **Refine** (a few k-means steps with k fixed by step 1): every post joins the nearest cluster
   centre if it is at least `assign_threshold` similar, else it stays unclustered. Clusters
   smaller than `min_size` are dissolved. Posts that fit nowhere are reported as unclustered:
   an FAQ candidate must be a real group, and a stray post is not forced into one.
3. **Describe**: a label from the words most typical of the cluster against all posts (share in
   the cluster times the log of its lift, over words in at least a fifth of its posts, leaving
   out words common in many clusters), and the post nearest the centre as its representative.

Similarities are computed in row blocks, so memory stays O(n · dimensions + block · n).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from crowdcare.domain.models import Frozen
from crowdcare.rules.faq_clusters.embedders import Vectors, term_matrix, words

Unit = Annotated[float, Field(ge=-1.0, le=1.0)]


class ClusterRules(Frozen):
    """Clustering thresholds (configuration, not code); defaults chosen as the eval states."""

    threshold: Unit = 0.5
    assign_threshold: Unit = 0.4
    min_size: Annotated[int, Field(ge=2)] = 3
    refine_steps: Annotated[int, Field(ge=0, le=20)] = 3
    label_words: Annotated[int, Field(ge=1, le=10)] = 3
    block_rows: Annotated[int, Field(ge=64)] = 1024


class Cluster(Frozen):
    """One group of posts: positions into the input, the most central one, a short label."""

    label: str
    members: tuple[int, ...]
    representative: int
    cohesion: float  # mean cosine of the members to their centre

    @property
    def size(self) -> int:
        """How many posts the cluster holds."""
        return len(self.members)


class Clustering(Frozen):
    """Clusters, largest first, and the positions of the posts left out of every cluster."""

    clusters: tuple[Cluster, ...]
    unclustered: tuple[int, ...]


def cluster_vectors(vectors: Vectors, rules: ClusterRules) -> NDArray[np.int64]:
    """A cluster number per row of unit `vectors` (-1 = unclustered), numbered by size."""
    n = vectors.shape[0]
    labels = np.full(n, -1, dtype=np.int64)
    if n < rules.min_size:
        return labels
    counts = np.zeros(n, dtype=np.int64)
    for start in range(0, n, rules.block_rows):
        block = vectors[start : start + rules.block_rows] @ vectors.T
        counts[start : start + rules.block_rows] = (block >= rules.threshold).sum(axis=1)
    # Densest first; a stable sort keeps the result independent of ties' platform order.
    order = np.argsort(-counts, kind="stable")
    found = 0
    for seed in order:
        if counts[seed] < rules.min_size:
            break
        if labels[seed] >= 0:
            continue
        members = ((vectors @ vectors[seed]) >= rules.threshold) & (labels < 0)
        if int(members.sum()) >= rules.min_size:
            labels[members] = found
            found += 1
    for _ in range(rules.refine_steps):
        labels = _reassign(vectors, labels, rules)
    return _renumber_by_size(labels, rules.min_size)


def describe(
    texts: Sequence[str], vectors: Vectors, labels: NDArray[np.int64], rules: ClusterRules
) -> Clustering:
    """Turn cluster numbers into labelled clusters with representatives."""
    found = int(labels.max()) + 1 if labels.size else 0
    names = _labels(texts, labels, found, rules.label_words)
    clusters: list[Cluster] = []
    for number in range(found):
        members = np.flatnonzero(labels == number)
        centre = vectors[members].mean(axis=0)
        centre /= max(float(np.linalg.norm(centre)), 1e-12)
        closeness = vectors[members] @ centre
        clusters.append(
            Cluster(
                label=names[number],
                members=tuple(int(i) for i in members),
                representative=int(members[int(np.argmax(closeness))]),
                cohesion=round(float(closeness.mean()), 3),
            )
        )
    unclustered = tuple(int(i) for i in np.flatnonzero(labels < 0))
    return Clustering(clusters=tuple(clusters), unclustered=unclustered)


def _reassign(
    vectors: Vectors, labels: NDArray[np.int64], rules: ClusterRules
) -> NDArray[np.int64]:
    found = int(labels.max()) + 1
    if found == 0:
        return labels
    sums = np.zeros((found, vectors.shape[1]), dtype=np.float64)
    np.add.at(sums, labels[labels >= 0], vectors[labels >= 0])
    centres = (sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)).astype(
        np.float32
    )
    result = np.full_like(labels, -1)
    for start in range(0, vectors.shape[0], rules.block_rows):
        similarity = vectors[start : start + rules.block_rows] @ centres.T
        best = similarity.argmax(axis=1)
        fits = similarity[np.arange(best.size), best] >= rules.assign_threshold
        result[start : start + rules.block_rows] = np.where(fits, best, -1)
    return _renumber_by_size(result, rules.min_size)


def _renumber_by_size(labels: NDArray[np.int64], min_size: int) -> NDArray[np.int64]:
    """Dissolve clusters below `min_size`; number the rest 0.. from the largest down."""
    if labels.size == 0 or labels.max() < 0:
        return labels
    sizes = np.bincount(labels[labels >= 0])
    kept = [c for c in np.argsort(-sizes, kind="stable") if sizes[c] >= min_size]
    mapping = np.full(sizes.size, -1, dtype=np.int64)
    mapping[np.asarray(kept, dtype=np.int64)] = np.arange(len(kept), dtype=np.int64)
    return np.where(labels >= 0, mapping[np.maximum(labels, 0)], -1)


def _labels(
    texts: Sequence[str], labels: NDArray[np.int64], found: int, how_many: int
) -> list[str]:
    """Per cluster, the words most typical of it against all posts, joined by " / "."""
    if found == 0:
        return []
    terms = term_matrix([sorted(set(words(text))) for text in texts])
    if terms.docs.size == 0:
        return [f"cluster {i + 1}" for i in range(found)]
    vocabulary = len(terms.vocabulary)
    clusters = labels[terms.docs]
    inside = clusters >= 0
    keys = clusters[inside] * vocabulary + terms.terms[inside]
    unique, counts = np.unique(keys, return_counts=True)
    cluster_of, term_of = unique // vocabulary, unique % vocabulary
    sizes = np.bincount(labels[labels >= 0], minlength=found)
    share = counts / sizes[cluster_of]
    # How much more often the word is used in the cluster than in all posts, weighted by how
    # many of the cluster's posts use it: "a" and "my" are everywhere, so they never win.
    overall = np.bincount(terms.terms, minlength=vocabulary) / len(texts)
    score = share * np.log(share / overall[term_of])
    common = share >= 0.2
    # A word common in many clusters ("how", "my", the brand's name) names none of them.
    spread = np.bincount(term_of[common], minlength=vocabulary)
    specific = spread[term_of] <= max(3, found // 5)
    names: list[str] = []
    for number in range(found):
        rows = np.flatnonzero((cluster_of == number) & common & specific)
        best = rows[np.lexsort((term_of[rows], -score[rows]))][:how_many]
        chosen = [terms.vocabulary[int(term_of[i])] for i in best]
        names.append(" / ".join(chosen) if chosen else f"cluster {number + 1}")
    return names
