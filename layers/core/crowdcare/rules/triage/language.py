"""Language detection for mentions: py3langid restricted to the languages a brand supports."""

from __future__ import annotations

import re
import threading
from typing import Any, Final

import numpy as np
from py3langid.langid import MODEL_FILE, LanguageIdentifier

SUPPORTED_LANGUAGES: Final[tuple[str, ...]] = (
    "en", "es", "fr", "de", "pt", "it", "nl", "sv", "da", "no", "fi", "pl", "tr", "ru",
    "ar", "hi", "ja", "ko", "zh",
)
"""Languages detection may answer; restricting the model avoids exotic guesses on short posts."""

DEFAULT_LANGUAGE: Final = "en"

# Below this many letters a statistical guess is noise; a valid platform hint wins there.
SHORT_TEXT_LETTERS: Final = 25
# Even for longer text, a hint stands unless detection is this sure of something else.
OVERRIDE_HINT_CONFIDENCE: Final = 0.9

_NOISE = re.compile(r"https?://\S+|www\.\S+|[@#][\w.]+|&\w+;")
_NOISE_MARKERS = ("http", "www", "@", "#", "&")  # one of them is in every _NOISE match
_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)

_lock = threading.Lock()
_identifier: Any = None


def _model() -> Any:
    """The py3langid model, loaded once per process (about 0.3 s) and restricted."""
    global _identifier  # noqa: PLW0603 - module-level cache: one model per Lambda container
    if _identifier is None:
        with _lock:
            if _identifier is None:
                identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
                identifier.set_languages(list(SUPPORTED_LANGUAGES))
                _identifier = compact_tables(identifier)
    return _identifier


def compact_tables(identifier: Any) -> Any:
    """The identifier with its byte automaton in flat numpy buffers; same answers, faster.

    py3langid walks a DFA one byte at a time: a 39 MB transition array, then the next row and
    the state's feature from two lists of Python ints (a pointer to an int object each, all
    over the heap). Between two mentions the rest of triage evicts all of that from the CPU
    caches, so the walk costs about four times what it does warm. The same tables as numpy
    arrays (read through memoryviews, which index as fast as the array and the lists did)
    sit in a few contiguous blocks, the large one on huge pages, and the cold walk takes about
    a third less time (`make bench`, embedded triage). The score table is widened from float16
    to float32 once (numpy widened every gathered row on each call; 4 MB more), which is exact.
    Only the storage changes: every lookup returns the same number, so every answer is the
    same (tests/unit/test_triage_language.py compares with py3langid as shipped).
    """
    identifier.tk_nextmove = memoryview(np.array(identifier.tk_nextmove, dtype=np.uint32))
    identifier._rowbase = memoryview(np.array(identifier._rowbase, dtype=np.int64))
    identifier.tk_output = memoryview(np.array(identifier.tk_output, dtype=np.int64))
    identifier.nb_ptc = np.ascontiguousarray(identifier.nb_ptc, dtype=np.float32)
    return identifier


def normalise_hint(hint: str | None) -> str | None:
    """Reduce a platform's language tag ("en-GB", "PT_br", "und") to a supported ISO 639-1 code."""
    if not hint:
        return None
    code = re.split(r"[-_]", hint.strip().lower(), maxsplit=1)[0]
    return code if code in SUPPORTED_LANGUAGES else None


def strip_noise(text: str) -> str:
    """Remove URLs, @handles, #tags and HTML entities: they are not language evidence."""
    if any(marker in text for marker in _NOISE_MARKERS):
        text = _NOISE.sub(" ", text)
    return " ".join(text.split())


def detect_language(text: str, hint: str | None = None) -> str:
    """The ISO 639-1 code of `text`; a valid `hint` wins for short texts or unsure detection."""
    valid_hint = normalise_hint(hint)
    clean = strip_noise(text)
    letters = len(_LETTERS.findall(clean))
    if letters == 0:
        return valid_hint or DEFAULT_LANGUAGE
    if valid_hint is not None and letters < SHORT_TEXT_LETTERS:
        return valid_hint
    language, confidence = _model().classify(clean)
    if valid_hint is not None and language != valid_hint and confidence < OVERRIDE_HINT_CONFIDENCE:
        return valid_hint
    return str(language)
