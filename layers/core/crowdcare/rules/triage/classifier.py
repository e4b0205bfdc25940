"""Embedded triage classifiers: hashed word and character n-grams, linear heads, plain numpy.

One feature vector per post feeds every head (sentiment, offensive, complaint, needs-reply,
anger). Features are hashed (no vocabulary to ship), so the artifact is one weight matrix of
`dim` rows and a bias per output; inference is a gather of the rows a post touches and a sum.
Character n-grams carry misspellings ("heatin", "brokn") and other languages; word n-grams
carry negation ("not working"). `tools/train_triage.py` learns the weights with this very
featurizer, so training and inference cannot disagree about what a feature is.

This module does no I/O: `model_loader.load_model()` reads the artifact once per cold start.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

# Posts longer than this are cut before featurising: a 40,000-character paste must cost the
# same as a long tweet, and its opening says what it is about.
MAX_CHARS: Final = 1_000

_URL: Final = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_HANDLE: Final = re.compile(r"(?<![\w@])@\w+")
_DIGITS: Final = re.compile(r"\d")
# "soooo" and "sooooooo" are the same word; three letters keep the emphasis apart from "so".
_REPEAT: Final = re.compile(r"(.)\1{3,}")
_TOKEN: Final = re.compile(r"[^\W_]+(?:['\u2019][^\W_]+)*|[!?]|[^\w\s]", re.UNICODE)

_MASK64: Final = np.uint64(0xFFFFFFFFFFFFFFFF)
_MIX1: Final = np.uint64(0xFF51AFD7ED558CCD)
_MIX2: Final = np.uint64(0xC4CEB9FE1A85EC53)
_PRIME: Final = np.uint64(1_000_003)
_SHIFT: Final = np.uint64(33)
# One salt per feature family so a word and a character n-gram never share a slot on purpose.
_SALT_WORD: Final = 0x9E3779B1
_SALT_BIGRAM: Final = 0x85EBCA77
_SALT_CHAR: Final = 0xC2B2AE3D


@dataclass(frozen=True)
class FeatureConfig:
    """How a post becomes hashed feature indices; recorded in the artifact."""

    dim: int = 1 << 18
    char_min: int = 2
    char_max: int = 5
    word_bigrams: bool = True
    lexicon: bool = True

    def to_json(self) -> dict[str, int | bool]:
        """The config as the artifact's metadata records it."""
        return {
            "dim": self.dim,
            "char_min": self.char_min,
            "char_max": self.char_max,
            "word_bigrams": self.word_bigrams,
            "lexicon": self.lexicon,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> FeatureConfig:
        """The config recorded in an artifact's metadata."""
        dim, char_min, char_max = data["dim"], data["char_min"], data["char_max"]
        if not (isinstance(dim, int) and isinstance(char_min, int) and isinstance(char_max, int)):
            raise ValueError("feature config: dim, char_min and char_max must be integers")
        return cls(
            dim, char_min, char_max, bool(data["word_bigrams"]), bool(data.get("lexicon", False))
        )


def normalise(text: str) -> str:
    """Lower-case, cut to MAX_CHARS, and map links, handles and digits to placeholders."""
    text = text[:MAX_CHARS].lower()
    # Lower-cased already, so a link contains "http" or "www" and a handle "@": most posts
    # skip these substitutions.
    if "http" in text or "www" in text:
        text = _URL.sub(" http ", text)
    if "@" in text:
        text = _HANDLE.sub(" @user ", text)
    text = _DIGITS.sub("0", text)
    return _REPEAT.sub(r"\1\1\1", text)


def _mix(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """A 64-bit finaliser (MurmurHash3's): spreads polynomial hashes over every bit."""
    values = values ^ (values >> _SHIFT)
    values = values * _MIX1
    values = values ^ (values >> _SHIFT)
    values = values * _MIX2
    return values ^ (values >> _SHIFT)


def featurise(
    text: str, config: FeatureConfig, lexicon: Mapping[str, float] | None = None
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]:
    """Hashed feature indices of `text` with their values (duplicates allowed; they add up).

    Each family (words, word bigrams, character n-grams) is scaled by 1/sqrt(its count), so a
    long post does not shout down a short one and no family dominates by sheer number.
    """
    clean = normalise(text)
    words = _TOKEN.findall(clean)
    parts: list[npt.NDArray[np.uint64]] = []
    values: list[npt.NDArray[np.float32]] = []
    if words:
        # crc32 is stable across processes and platforms (Python's str hash is salted).
        word_hash = np.fromiter(
            (zlib.crc32(w.encode("utf-8")) for w in words), dtype=np.uint64, count=len(words)
        )
        parts.append(word_hash + np.uint64(_SALT_WORD))
        values.append(np.full(len(words), 1.0 / math.sqrt(len(words)), dtype=np.float32))
        if config.word_bigrams and len(words) > 1:
            bigrams = word_hash[:-1] * _PRIME + word_hash[1:] + np.uint64(_SALT_BIGRAM)
            parts.append(bigrams)
            values.append(
                np.full(len(bigrams), 1.0 / math.sqrt(len(bigrams)), dtype=np.float32)
            )
    # Character n-grams over the words joined by single spaces, padded so word edges count.
    padded = " " + " ".join(words) + " "
    codes = np.frombuffer(padded.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    char_parts: list[npt.NDArray[np.uint64]] = []
    # Polynomial hash of every n-gram, seeded with (salt + n):
    #   h_n[i] = (salt + n) * P^n + sum_k codes[i + k] * P^(n - 1 - k)   (mod 2^64)
    # built from h_(n-1) in one step: h_n = (h_(n-1) + P^(n-1)) * P + codes[i + n - 1].
    first = config.char_min
    count = len(codes) - first + 1
    if count > 0:
        rolling = np.full(count, np.uint64(_SALT_CHAR + first), dtype=np.uint64)
        for offset in range(first):
            rolling = rolling * _PRIME + codes[offset : offset + count]
        char_parts.append(rolling)
        power = pow(int(_PRIME), first, 1 << 64)  # Python ints: numpy scalars warn on wrap
        for n in range(first + 1, config.char_max + 1):
            count = len(codes) - n + 1
            if count <= 0:
                break
            rolling = (rolling[:count] + np.uint64(power)) * _PRIME + codes[n - 1 : n - 1 + count]
            power = power * int(_PRIME) % (1 << 64)
            char_parts.append(rolling)
    if char_parts:
        chars = np.concatenate(char_parts)
        parts.append(chars)
        values.append(np.full(len(chars), 1.0 / math.sqrt(len(chars)), dtype=np.float32))
    if lexicon is not None and config.lexicon and words:
        positive, negative = lexicon_scores(words, lexicon)
        parts.append(np.array(_LEXICON_SLOTS, dtype=np.uint64))
        values.append(np.array([positive, negative], dtype=np.float32))
    if not parts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    hashed = _mix(np.concatenate(parts)) % np.uint64(config.dim)
    return hashed.astype(np.int64), np.concatenate(values)


# Two fixed slots (hashed like any feature) carry the lexicon's positive and negative sums.
_LEXICON_SLOTS: Final = (0x1E5C0_0001, 0x1E5C0_0002)
_NEGATORS: Final = frozenset({
    "not", "no", "never", "cannot", "cant", "can't", "dont", "don't", "didn't", "doesn't",
    "isn't", "wasn't", "won't", "wont", "nothing", "nobody", "ni", "nunca", "jamás", "non",
    "mai", "pas", "jamais", "nicht", "kein", "keine", "nie", "não", "nao", "nem",
})
_LEXICON_SCALE: Final = 4.0  # VADER valences run -4..+4


def lexicon_scores(words: Sequence[str], lexicon: Mapping[str, float]) -> tuple[float, float]:
    """Sums of positive and of negative word valences (a negator just before flips a word),
    scaled to about 0..1 per word and by 1/sqrt(len) like the other families."""
    positive = negative = 0.0
    for index, word in enumerate(words):
        valence = lexicon.get(word)
        if valence is None:
            continue
        if (index and words[index - 1] in _NEGATORS) or (
            index > 1 and words[index - 2] in _NEGATORS
        ):
            valence = -valence * 0.74  # VADER's own negation scalar
        if valence > 0:
            positive += valence
        else:
            negative -= valence
    norm = _LEXICON_SCALE * math.sqrt(len(words))
    return positive / norm, negative / norm


@dataclass(frozen=True)
class Head:
    """One classifier's place in the weight matrix: its columns and class labels."""

    name: str
    labels: tuple[str, ...]
    start: int

    @property
    def width(self) -> int:
        """Columns this head occupies: one for a binary head, one per class otherwise."""
        return 1 if len(self.labels) == 2 else len(self.labels)


@dataclass(frozen=True)
class Prediction:
    """Class probabilities of every head for one post."""

    probabilities: Mapping[str, Mapping[str, float]]

    def label(self, head: str) -> tuple[str, float]:
        """The most probable label of `head` and its probability (the model's confidence)."""
        probs = self.probabilities[head]
        best = max(probs, key=lambda key: probs[key])
        return best, probs[best]

    def probability(self, head: str, label: str) -> float:
        """P(label) under `head`."""
        return self.probabilities[head][label]


class TriageClassifier:
    """The linear heads over shared hashed features; built from arrays, does no I/O."""

    def __init__(
        self,
        config: FeatureConfig,
        heads: Sequence[Head],
        weights: npt.NDArray[np.floating],
        bias: npt.NDArray[np.floating],
        lexicon: Mapping[str, float] | None = None,
    ) -> None:
        columns = sum(head.width for head in heads)
        if weights.shape != (config.dim, columns) or bias.shape != (columns,):
            raise ValueError(
                f"weights {weights.shape} / bias {bias.shape} do not match "
                f"{config.dim} features x {columns} outputs"
            )
        self.config = config
        self.heads = tuple(heads)
        # float32 for the arithmetic; the artifact may store float16 to stay small.
        self._weights = np.ascontiguousarray(weights, dtype=np.float32)
        self._bias = bias.astype(np.float32)
        self._lexicon = lexicon

    def scores(self, text: str) -> npt.NDArray[np.float32]:
        """The raw linear outputs (logits) of every head, concatenated."""
        indices, values = featurise(text, self.config, self._lexicon)
        if len(indices) == 0:
            return self._bias.copy()
        result: npt.NDArray[np.float32] = values @ self._weights[indices] + self._bias
        return result

    def predict(self, text: str) -> Prediction:
        """Class probabilities of every head for `text` (any text, even empty)."""
        # Plain floats from here: a handful of numbers, where numpy's per-call cost dominates.
        logits = self.scores(text).tolist()
        probabilities: dict[str, dict[str, float]] = {}
        for head in self.heads:
            block = logits[head.start : head.start + head.width]
            if head.width == 1:
                positive = 1.0 / (1.0 + math.exp(-min(30.0, max(-30.0, block[0]))))
                probabilities[head.name] = {
                    head.labels[0]: 1.0 - positive, head.labels[1]: positive,
                }
            else:
                top = max(block)
                exps = [math.exp(value - top) for value in block]
                total = sum(exps)
                probabilities[head.name] = {
                    label: e / total for label, e in zip(head.labels, exps, strict=True)
                }
        return Prediction(probabilities)
