"""Sentence vectors for FAQ clustering, behind one small protocol.

* `HashedTfidfEmbedder` (the default, numpy only, nothing to download or ship): TF-IDF of words
  and of character 3-5-grams inside words (so it works for any script and survives typos and
  inflection), hashed into a fixed number of columns, then reduced by a truncated SVD fitted on
  the batch itself (latent semantic analysis: words that occur together pull their posts
  together). The batch is the corpus: document frequencies come from the posts being clustered.
* Embedders that load weights or call a service are adapters (they do I/O):
  `crowdcare.adapters.wordllama_embeddings` (static embeddings shipped in the `wordllama` wheel,
  x86_64 only) and `crowdcare.adapters.bedrock_embeddings` (Amazon Bedrock, for the cloud).
"""

from __future__ import annotations

import re
import zlib
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import Any, Protocol

import numpy as np
from numpy.typing import NDArray

Vectors = NDArray[np.float32]

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\w)@\w+")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
# Long posts say what they are about early; the rest mostly adds noise (and time).
MAX_CHARS = 1_000


class Embedder(Protocol):
    """Turns a batch of texts into one L2-normalised row vector each (float32)."""

    def embed(self, texts: Sequence[str]) -> Vectors: ...


def words(text: str) -> list[str]:
    """Lower-cased word tokens, without links and @handles (they name people, not needs)."""
    cleaned = _HANDLE.sub(" ", _URL.sub(" ", text[:MAX_CHARS]))
    return _WORD.findall(cleaned.lower())


def normalise_rows(matrix: NDArray[Any]) -> Vectors:
    """Rows scaled to unit length (all-zero rows stay zero)."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    scaled: Vectors = (matrix / np.maximum(norms, 1e-12)).astype(np.float32)
    return scaled


@dataclass(frozen=True)
class SparseTerms:
    """Which terms occur in which document: parallel (document, term id) arrays, once each."""

    docs: NDArray[np.int64]
    terms: NDArray[np.int64]
    counts: NDArray[np.float64]
    vocabulary: tuple[str, ...]


def term_matrix(token_lists: Iterable[Sequence[str]]) -> SparseTerms:
    """Count each distinct term per document (a sparse matrix without scipy).

    `token_lists` may be a generator: only one document's tokens are held at a time, and the
    (document, term) pairs go into compact int64 arrays, not lists of Python ints (50k long
    posts make tens of millions of character n-grams).
    """
    ids: dict[str, int] = {}
    docs = array("q")
    terms = array("q")
    for doc, tokens in enumerate(token_lists):
        docs.extend(repeat(doc, len(tokens)))
        terms.extend(ids.setdefault(token, len(ids)) for token in tokens)
    if not docs:
        empty = np.zeros(0, dtype=np.int64)
        return SparseTerms(empty, empty, np.zeros(0), ())
    width = max(len(ids), 1)
    keys = np.frombuffer(docs, dtype=np.int64) * width + np.frombuffer(terms, dtype=np.int64)
    del docs, terms
    unique, counts = np.unique(keys, return_counts=True)
    return SparseTerms(
        unique // width, unique % width, counts.astype(np.float64), tuple(ids)
    )


def char_grams(tokens: Sequence[str], low: int = 3, high: int = 5) -> list[str]:
    """Character n-grams inside each word padded by spaces (like scikit-learn's char_wb)."""
    grams: list[str] = []
    for token in tokens:
        padded = f" {token} "
        for size in range(low, high + 1):
            if len(padded) < size:
                break
            grams.extend(padded[i : i + size] for i in range(len(padded) - size + 1))
    return grams


class HashedTfidfEmbedder:
    """TF-IDF of words and character n-grams, hashed, then LSA; numpy only (see module doc)."""

    def __init__(
        self, hashed_columns: int = 2048, dimensions: int = 256, seed: int = 0,
        chunk_rows: int = 4096,
    ) -> None:
        self._columns = hashed_columns
        self._dimensions = dimensions
        self._seed = seed
        self._chunk = chunk_rows

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One unit vector per text; texts sharing words or word pieces come out close."""
        n = len(texts)
        if n == 0:
            return np.zeros((0, self._dimensions), dtype=np.float32)
        token_lists = [words(text) for text in texts]
        hashed = np.zeros((n, 2 * self._columns), dtype=np.float32)
        # Words and word pieces each get half the columns and equal weight in the result.
        self._add_block(hashed, term_matrix(token_lists), offset=0)
        self._add_block(
            hashed, term_matrix(char_grams(tokens) for tokens in token_lists),
            offset=self._columns,
        )
        return normalise_rows(self._reduce(hashed))

    def _add_block(self, out: NDArray[np.float32], terms: SparseTerms, offset: int) -> None:
        n = out.shape[0]
        if terms.docs.size == 0:
            return
        vocabulary = len(terms.vocabulary)
        df = np.bincount(terms.terms, minlength=vocabulary).astype(np.float64)
        # A term seen in one post only cannot bring two posts together: drop it (less noise
        # from hash collisions too).
        keep = df[terms.terms] >= 2
        docs, ids = terms.docs[keep], terms.terms[keep]
        idf = idf_weights(df, n)
        weights = (1.0 + np.log(terms.counts[keep])) * idf[ids]
        norms = np.sqrt(np.bincount(docs, weights=weights**2, minlength=n))
        weights = weights / np.maximum(norms[docs], 1e-12)
        hashes = np.fromiter(
            (zlib.crc32(term.encode("utf-8")) for term in terms.vocabulary),
            dtype=np.int64, count=vocabulary,
        )
        # Signed hashing: collisions cancel out on average instead of adding up.
        columns = offset + hashes[ids] % self._columns
        signs = np.where((hashes[ids] >> 31) & 1, -1.0, 1.0)
        for start in range(0, n, self._chunk):
            stop = min(n, start + self._chunk)
            rows = (docs >= start) & (docs < stop)
            flat = (docs[rows] - start) * out.shape[1] + columns[rows]
            block = np.bincount(
                flat, weights=weights[rows] * signs[rows], minlength=(stop - start) * out.shape[1]
            )
            out[start:stop] += block.reshape(stop - start, out.shape[1]).astype(np.float32)

    def _reduce(self, hashed: NDArray[np.float32]) -> NDArray[np.float32]:
        """Randomised truncated SVD (Halko et al.): the top `dimensions` directions."""
        n, width = hashed.shape
        # A small batch gets fewer dimensions (half its posts): LSA must still fold
        # paraphrases together when a day brings only a handful of posts.
        rank = min(self._dimensions, max(2, n // 2), width)
        if n < 8:
            return hashed
        rng = np.random.default_rng(self._seed)
        probe = rng.standard_normal((width, rank + 16)).astype(np.float32)
        basis, _ = np.linalg.qr(hashed @ probe)
        for _ in range(2):  # power iterations sharpen the spectrum of text matrices
            basis, _ = np.linalg.qr(hashed.T @ basis)
            basis, _ = np.linalg.qr(hashed @ basis)
        small = basis.T @ hashed
        _, _, right = np.linalg.svd(small, full_matrices=False)
        return (hashed @ right[:rank].T).astype(np.float32)


def idf_weights(df: NDArray[np.float64], n: int) -> NDArray[np.float64]:
    """Smoothed inverse document frequency, as used for the TF-IDF columns and the labels."""
    return np.log((1.0 + n) / (1.0 + df)) + 1.0

